#!/usr/bin/env python3
"""PyTorch reference for `make bench`: one BPTT epoch of nn.RNN (tanh) and
nn.LSTM, 128 units, T = 100, one input feature, a linear readout at the last
step, MSE, SGD, batch 64, 100 batches, one thread, training only: the same
work as creditbench's BenchmarkBPTTEpoch. Prints seconds per epoch in
benchmark format."""
import argparse, time

import torch

from torch_epoch import keep_freed_memory


class Net(torch.nn.Module):
    def __init__(self, cell):
        super().__init__()
        self.rec = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM}[cell](1, 128, batch_first=True)
        self.out = torch.nn.Linear(128, 1)

    def forward(self, x):
        h, _ = self.rec(x)
        return self.out(h[:, -1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    torch.set_num_threads(1)
    keep_freed_memory()
    torch.manual_seed(1)
    x = torch.randn(64, 100, 1)
    y = torch.randn(64, 1)
    for cell in ("rnn", "lstm"):
        net = Net(cell)
        opt = torch.optim.SGD(net.parameters(), lr=1e-3)
        loss_fn = torch.nn.MSELoss()
        for _ in range(args.repeat):
            start = time.perf_counter()
            for _ in range(100):
                opt.zero_grad()
                loss_fn(net(x), y).backward()
                opt.step()
            s = time.perf_counter() - start
            print(f"BenchmarkBPTTEpoch/{cell} 1 {s * 1e9:.0f} ns/op", flush=True)


if __name__ == "__main__":
    main()
