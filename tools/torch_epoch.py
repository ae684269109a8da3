"""The timed BP epoch that the PyTorch references of `make bench` share."""
import ctypes
import ctypes.util
import time

import torch


def keep_freed_memory():
    """Has glibc's malloc keep freed blocks of up to 32 MiB for reuse instead
    of returning them to the system. PyTorch allocates each step's tensors
    anew; a CNN's activations (6 MB at batch 64) are above malloc's starting
    threshold, so each step would otherwise map fresh pages and fault them
    in, and an epoch of the paper's CIFAR CNN took from 15 to 55 s on one
    thread instead of 7 s, depending on how the threshold moved. The
    references should be PyTorch at its best."""
    name = ctypes.util.find_library("c")
    if name is None:
        return
    libc = ctypes.CDLL(name)
    M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
    libc.mallopt(M_MMAP_THRESHOLD, 32 << 20)
    libc.mallopt(M_TRIM_THRESHOLD, 256 << 20)


def time_epochs(name, net, x, y, repeat, threads, batch=64):
    """Trains net on (x, y) for repeat epochs of BP (SGD lr 0.02, momentum
    0.9, cross-entropy, shuffled batches) and prints each epoch's seconds in
    Go benchmark format, the name suffixed -threads as go test -cpu does."""
    keep_freed_memory()
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
