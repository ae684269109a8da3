#!/usr/bin/env python3
"""An independent PyTorch implementation of BP, FTP and PEPITA on MLPs, for
`make agreement`: it reads creditbench's records of a suite, trains every
run's spec again here (the same net, initialiser, optimizer, batch size,
epochs, preprocessing, validation split size and protocol; its own random
draws, seeded by the spec's seed), and prints creditbench's figure beside its
own: test accuracy at the first epoch of best validation accuracy.

FTP follows docs/methods.md's reconstruction at its defaults (sigma_g
identity, layer_input forward, output label); PEPITA follows Dellaferrera &
Kreiman 2022 (x' = x + F e, F = f_scale * U(+-sqrt(6/n_in)), dropout masks
shared by both passes, no biases). One thread; MNIST from the Go module that
creditbench reads.
"""
import argparse, glob, json, os, sys, time

import numpy as np
import torch
import torch.nn.functional as F

from mnist_idx import mnist_dir, read_idx


def load_mnist(d):
    def part(images, labels):
        x = read_idx(os.path.join(d, images)).reshape(-1, 784).astype(np.float32)
        y = read_idx(os.path.join(d, labels)).astype(np.int64)
        return torch.from_numpy(x), torch.from_numpy(y)
    return part("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"), \
        part("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")


def preprocess(form, train, *others):
    """The spec's preprocess: standardize (per channel, over the training
    images), unit (pixel / 255) or mean_std M S."""
    form = form or "standardize"
    if form == "unit":
        return [a / 255 for a in (train, *others)]
    if form.startswith("mean_std"):
        m, s = (float(v) for v in form.split()[1:3])
        return [(a / 255 - m) / s for a in (train, *others)]
    m, s = train.mean(), train.std()
    return [(a - m) / s for a in (train, *others)]


def init_linear(fan_in, fan_out, scheme, gen, bias=True):
    if scheme == "torch":
        lim = blim = 1 / np.sqrt(fan_in)
    elif scheme == "glorot":
        lim, blim = np.sqrt(6 / (fan_in + fan_out)), 0
    else:  # he
        lim, blim = np.sqrt(6 / fan_in), 0
    W = (torch.rand(fan_out, fan_in, generator=gen) * 2 - 1) * lim
    b = (torch.rand(fan_out, generator=gen) * 2 - 1) * blim if bias else torch.zeros(fan_out)
    return W, b


ACT = {"relu": (torch.relu, lambda a: (a > 0).float()),
       "tanh": (torch.tanh, lambda a: 1 - torch.tanh(a) ** 2)}


class MLP:
    def __init__(self, sizes, act, init, gen, bias=True):
        self.W, self.b = [], []
        for i in range(len(sizes) - 1):
            W, b = init_linear(sizes[i], sizes[i + 1], init, gen, bias)
            self.W.append(W)
            self.b.append(b)
        self.phi, self.dphi = ACT[act]

    def params(self):
        return self.W + self.b

    def forward(self, x, masks=None):
        """Pre-activations a_l and outputs h_l of every layer; the last h is
        the logits."""
        a, h, inp = [], [], x
        for l, (W, b) in enumerate(zip(self.W, self.b)):
            z = inp @ W.T + b
            a.append(z)
            inp = z if l == len(self.W) - 1 else self.phi(z)
            if masks is not None and l < len(self.W) - 1:
                inp = inp * masks[l]
            h.append(inp)
        return a, h


class SGD:
    """PyTorch's SGD with momentum and weight decay, on explicit gradients."""
    def __init__(self, params, lr, momentum, nesterov, weight_decay):
        self.p, self.lr, self.mu, self.nesterov, self.wd = params, lr, momentum, nesterov, weight_decay
        self.v = [None] * len(params)

    def step(self, grads):
        for i, (p, g) in enumerate(zip(self.p, grads)):
            if self.wd:
                g = g + self.wd * p
            if self.mu:
                self.v[i] = g.clone() if self.v[i] is None else self.mu * self.v[i] + g
                g = g + self.mu * self.v[i] if self.nesterov else self.v[i]
            p -= self.lr * g


def bp_step(net, x, y, rule):
    ps = [p.requires_grad_() for p in net.params()]
    _, h = net.forward(x)
    loss = F.cross_entropy(h[-1], y)
    grads = torch.autograd.grad(loss, ps)
    for p in ps:
        p.requires_grad_(False)
    return loss.item(), grads


def ftp_step(net, x, y, rule):
    a, h = net.forward(x)
    B, L = x.shape[0], len(net.W)
    p = torch.softmax(h[-1], 1)
    loss = F.cross_entropy(h[-1], y).item()
    e = p - F.one_hot(y, p.shape[1]).float()
    # Layer-1 target, then pass 2 through the forward weights.
    taus = [h[0] - rule["gamma"] * e @ rule["G"]]
    for l in range(1, L - 1):
        taus.append(net.phi(taus[-1] @ net.W[l].T + net.b[l]))
    gW, gb = [None] * L, [None] * L
    inp = x
    for l in range(L - 1):
        d = (h[l] - taus[l]) * net.dphi(a[l]) / B
        gW[l], gb[l] = d.T @ inp, d.sum(0)
        inp = h[l]
    d = e / B
    gW[L - 1], gb[L - 1] = d.T @ h[L - 2], d.sum(0)
    return loss, gW + gb


def pepita_step(net, x, y, rule):
    B, L = x.shape[0], len(net.W)
    keep = rule["keep_prob"]
    masks = [(torch.rand(B, W.shape[0], generator=rule["gen"]) < keep).float() / keep for W in net.W[:-1]]
    _, h = net.forward(x, masks)
    loss = F.cross_entropy(h[-1], y).item()
    onehot = F.one_hot(y, h[-1].shape[1]).float()
    e = torch.softmax(h[-1], 1) - onehot
    xp = x + e @ rule["F"].T
    _, hp = net.forward(xp, masks)
    ep = torch.softmax(hp[-1], 1) - onehot
    gW = []
    inp = xp
    for l in range(L - 1):
        gW.append((h[l] - hp[l]).T @ inp / B)
        inp = hp[l]
    gW.append(ep.T @ hp[L - 2] / B)
    return loss, gW + [torch.zeros_like(b) for b in net.b]


STEPS = {"bp": bp_step, "ftp": ftp_step, "pepita": pepita_step}


def accuracy(net, x, y):
    correct = 0
    for i in range(0, len(y), 1000):
        _, h = net.forward(x[i:i + 1000])
        correct += (h[-1].argmax(1) == y[i:i + 1000]).sum().item()
    return correct / len(y)


def train(spec, data):
    """Trains spec as creditbench would and returns the test accuracy at the
    first epoch of best validation accuracy, and the seconds taken."""
    (xtr, ytr), (xte, yte) = data
    seed = spec["seed"]
    gen = torch.Generator().manual_seed(seed)
    n = spec.get("train_limit") or len(ytr)
    xtr, ytr = xtr[:n], ytr[:n]
    if spec.get("test_limit"):
        xte, yte = xte[:spec["test_limit"]], yte[:spec["test_limit"]]
    perm = torch.randperm(n, generator=gen)
    nval = spec.get("validation", 0)
    val, tr = perm[:nval], perm[nval:]
    xtrain, xval, xtest = preprocess(spec.get("preprocess"), xtr[tr], xtr[val], xte)
    ytrain, yval = ytr[tr], ytr[val]
    m, method, params = spec["model"], spec["method"], spec.get("params", {})
    if m["kind"] != "mlp":
        sys.exit(f"torch_reference: {spec['method']} on a {m['kind']}: only MLPs are implemented here")
    sizes = [784] + m["hidden"] + [10]
    bias = method != "pepita" or params.get("bias", False)
    net = MLP(sizes, m.get("activation", "relu"), m.get("init", "he"), gen, bias)
    rule = dict(params)
    if method == "ftp":
        if params.get("sigma_g", "identity") != "identity" or params.get("layer_input", "forward") != "forward" \
                or params.get("output", "label") != "label":
            sys.exit("torch_reference: ftp is implemented at sigma_g identity, layer_input forward, output label")
        lim = params.get("g_scale", 1) * np.sqrt(6 / sizes[-1])
        rule["G"] = (torch.rand(sizes[-1], sizes[1], generator=gen) * 2 - 1) * lim
    if method == "pepita":
        lim = params.get("f_scale", 0.05) * np.sqrt(6 / sizes[0])
        rule["F"] = (torch.rand(sizes[0], sizes[-1], generator=gen) * 2 - 1) * lim
        rule["gen"] = gen
        rule.setdefault("keep_prob", 0.9)
    o = spec["optimizer"]
    if o["name"] != "sgd":
        sys.exit(f"torch_reference: optimizer {o['name']}: only sgd is implemented here")
    opt = SGD(net.params(), o["lr"], o.get("momentum", 0), o.get("nesterov", False), o.get("weight_decay", 0))
    step = STEPS[method]
    best_val, at_best = -1, 0
    start = time.perf_counter()
    bs = spec["batch_size"]
    for epoch in range(spec["epochs"]):
        order = torch.randperm(len(ytrain), generator=gen)
        with torch.no_grad() if method != "bp" else torch.enable_grad():
            for i in range(0, len(order), bs):
                idx = order[i:i + bs]
                loss, grads = step(net, xtrain[idx], ytrain[idx], rule)
                with torch.no_grad():
                    opt.step(grads)
        with torch.no_grad():
            v = accuracy(net, xval, yval) if nval else 0
            t = accuracy(net, xtest, yte)
        if v > best_val:
            best_val, at_best = v, t
        print(f"  {method} lr {o['lr']} epoch {epoch + 1}: loss {loss:.4f} val {100 * v:.2f} test {100 * t:.2f}",
              file=sys.stderr, flush=True)
    return at_best, time.perf_counter() - start


def describe(spec):
    keys = [f"lr {spec['optimizer']['lr']}"]
    keys += [f"{k} {v}" for k, v in sorted(spec.get("params", {}).items())
             if k in ("gamma", "f_scale", "g_scale")]
    return ", ".join(keys)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default="out", help="creditbench's output folder (records in OUT/runs)")
    ap.add_argument("--suite", default="agreement")
    ap.add_argument("--keys", default=None, help="a file whose lines start with run keys (creditbench plan's output): only those runs")
    ap.add_argument("--data", default=None, help="MNIST's IDX files (default: the GoMNIST module)")
    args = ap.parse_args()
    keys = None
    if args.keys:
        with open(args.keys) as f:
            keys = {line.split()[0] for line in f if line.strip()}
    torch.set_num_threads(1)
    recs = []
    for path in sorted(glob.glob(os.path.join(args.out, "runs", "*.json"))):
        with open(path) as f:
            r = json.load(f)
        if r["spec"]["suite"] == args.suite and (keys is None or r["key"] in keys):
            recs.append(r)
    if not recs:
        sys.exit(f"torch_reference: no records of suite {args.suite} in {args.out}/runs: run creditbench run {args.suite} first")
    recs.sort(key=lambda r: (r["spec"]["method"] != "bp", r["spec"]["method"], r["spec"]["optimizer"]["lr"], r["spec"]["seed"]))
    data = load_mnist(args.data or mnist_dir())
    print("| rule | settings | seed | creditbench | PyTorch reference | difference (pp) |")
    print("|---|---|---|---|---|---|")
    for r in recs:
        s = r["spec"]
        if s["dataset"] != "mnist":
            sys.exit(f"torch_reference: dataset {s['dataset']}: only mnist is implemented here")
        ours = r["final"]["test_acc_at_best_val"] if r["status"] == "ok" else None
        ref, secs = train(s, data)
        cb = f"{100 * ours:.2f}" if ours is not None else r["status"]
        diff = f"{100 * (ours - ref):+.2f}" if ours is not None else "–"
        print(f"| {s['method']} | {describe(s)} | {s['seed']} | {cb} | {100 * ref:.2f} | {diff} |", flush=True)


if __name__ == "__main__":
    main()
