#!/usr/bin/env python3
"""PyTorch reference for `make bench`: one BP training epoch of the FTP paper's
MNIST net (784-1024-128-10 ReLU, batch 64, SGD lr 0.02 momentum 0.9) on 55,000
samples, on one thread (or --threads), training only, the same work as
creditbench's BenchmarkEpochMNISTFC/bp. Prints seconds per epoch in benchmark format."""
import argparse, os

import numpy as np
import torch

from mnist_idx import mnist_dir, read_idx
from torch_epoch import time_epochs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--data", default=None)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    d = args.data or mnist_dir()
    x = read_idx(os.path.join(d, "train-images-idx3-ubyte.gz")).reshape(-1, 784).astype(np.float32) / 255
    y = read_idx(os.path.join(d, "train-labels-idx1-ubyte.gz")).astype(np.int64)
    x = (x - x.mean()) / x.std()
    x, y = torch.from_numpy(x[:55000].copy()), torch.from_numpy(y[:55000].copy())
    net = torch.nn.Sequential(torch.nn.Linear(784, 1024), torch.nn.ReLU(), torch.nn.Linear(1024, 128),
                              torch.nn.ReLU(), torch.nn.Linear(128, 10))
    time_epochs("BenchmarkEpochMNISTFC/bp", net, x, y, args.repeat, args.threads)


if __name__ == "__main__":
    main()
