"""The timed BP epoch that the PyTorch references of `make bench` share."""
import time

import torch


def time_epochs(name, net, x, y, repeat, threads, batch=64):
    """Trains net on (x, y) for repeat epochs of BP (SGD lr 0.02, momentum
    0.9, cross-entropy, shuffled batches) and prints each epoch's seconds in
    Go benchmark format, the name suffixed -threads as go test -cpu does."""
    opt = torch.optim.SGD(net.parameters(), lr=0.02, momentum=0.9)
    loss_fn = torch.nn.CrossEntropyLoss()
    if threads > 1:
        name += f"-{threads}"
    for _ in range(repeat):
        perm = torch.randperm(len(y))
        start = time.perf_counter()
        for i in range(0, len(y), batch):
            idx = perm[i:i + batch]
            opt.zero_grad()
            loss = loss_fn(net(x[idx]), y[idx])
            loss.backward()
            opt.step()
        s = time.perf_counter() - start
        print(f"{name} 1 {s * 1e9:.0f} ns/op {s:.3f} s/epoch", flush=True)
