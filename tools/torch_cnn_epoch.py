#!/usr/bin/env python3
"""PyTorch reference for `make bench`: one BP training epoch of the FTP paper's
CIFAR CNN, Conv(3->32, 5x5)-ReLU-MaxPool2-FC(6272->10), batch 64, SGD lr 0.02
momentum 0.9, on 45,000 samples of 3x32x32, training only: the same work as
creditbench's BenchmarkEpochCIFARCNN/bp. The inputs are standard normal values
(the epoch's arithmetic does not depend on them; reading the JPEG stand-in
would need an image library). Prints seconds per epoch in benchmark format."""
import argparse

import torch

from torch_epoch import time_epochs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    n = 45000
    x = torch.randn(n, 3, 32, 32)
    y = torch.randint(0, 10, (n,))
    net = torch.nn.Sequential(torch.nn.Conv2d(3, 32, 5), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
                              torch.nn.Flatten(), torch.nn.Linear(32 * 14 * 14, 10))
    time_epochs("BenchmarkEpochCIFARCNN/bp", net, x, y, args.repeat, args.threads)


if __name__ == "__main__":
    main()
