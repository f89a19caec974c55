#!/usr/bin/python3
"""bench_idnn_torch.py — the PyTorch side of the IDNN training benchmark.

The same training as bench/bench_idnn.c: 12 invariants -> 3x150 tanh -> 1,
s = 100, float64, one thread, N points (default 10 000), RMSprop (lr 1e-4,
alpha = rho = 0.9, eps 1e-7), loss w_mu * mean (s*mu_pred - s*mu)^2 +
w_g * (g(0) - 0)^2 with w_g = 0.1, w_mu = 10, mu_pred = dg/deta by double
backprop (autograd.grad(..., create_graph=True), then loss.backward()).
Two variants:
  precomputed  h(eta) and J = dh/deta computed once (as alfe does);
               mu_pred = J^T dg/dh
  in-graph     h(eta) evaluated inside the graph every step and mu_pred =
               dg/deta directly (as the published Keras IDNN does)
Prints points*epochs/s per batch size, after one warm-up epoch.

Usage: bench_idnn_torch.py FORMULAS EPOCHS [N] [BATCH ...]
FORMULAS: alfe formula file (e0..e6, ^, sqrt(n)), one invariant per line.
"""
import math
import re
import sys
import time

import torch

torch.set_default_dtype(torch.float64)
torch.set_num_threads(1)
torch.manual_seed(7)

D = 7


def read_formulas(path):
    out = []
    with open(path) as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            expr = line.replace("^", "**")
            expr = re.sub(r"\be(\d+)\b", r"x[:, \1]", expr)
            expr = expr.replace("sqrt(", "math.sqrt(")
            out.append(compile(expr, path, "eval"))
    return out


def invariants(codes, x):
    return torch.stack([eval(c, {"math": math, "x": x}) for c in codes], dim=1)


def make_data(n, gen):
    eta = torch.rand(n, D, generator=gen)
    eta[:, 1:] -= 0.5
    shift = torch.zeros(D)
    shift[0] = 0.5
    x = eta - shift
    mu = 0.02 * x + 0.3 * x ** 3
    return eta, mu


def model(m):
    return torch.nn.Sequential(
        torch.nn.Linear(m, 150), torch.nn.Tanh(),
        torch.nn.Linear(150, 150), torch.nn.Tanh(),
        torch.nn.Linear(150, 150), torch.nn.Tanh(),
        torch.nn.Linear(150, 1))


def features(codes, eta):
    x = eta.clone().requires_grad_(True)
    h = invariants(codes, x)
    rows = [torch.autograd.grad(h[:, k].sum(), x, retain_graph=True)[0] for k in range(h.shape[1])]
    return h.detach(), torch.stack(rows, dim=1)  # J: (n, m, d)


def run(codes, eta, mu, batch, epochs, variant, s=100.0, w_g=0.1, w_mu=10.0):
    n = eta.shape[0]
    net = model(len(codes))
    opt = torch.optim.RMSprop(net.parameters(), lr=1e-4, alpha=0.9, eps=1e-7)
    zero = torch.zeros(1, D)
    if variant == "precomputed":
        H, J = features(codes, eta)
        h0 = invariants(codes, zero)

    def epoch():
        perm = torch.randperm(n)
        total = 0.0
        for start in range(0, n, batch):
            idx = perm[start:start + batch]
            if variant == "precomputed":
                hb = H[idx].requires_grad_(True)
                y = net(hb)[:, 0]
                (gh,) = torch.autograd.grad(y.sum(), hb, create_graph=True)
                mu_s = torch.einsum("bkj,bk->bj", J[idx], gh)  # s * dg/deta
                g0 = net(h0)[:, 0] / s
            else:
                xb = eta[idx].clone().requires_grad_(True)
                y = net(invariants(codes, xb))[:, 0]
                (mu_s,) = torch.autograd.grad(y.sum(), xb, create_graph=True)
                g0 = net(invariants(codes, zero))[:, 0] / s
            loss = w_mu * ((mu_s - s * mu[idx]) ** 2).mean() + w_g * (g0 ** 2).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item()
        return total

    epoch()  # warm-up
    t0 = time.perf_counter()
    for _ in range(epochs):
        epoch()
    t = time.perf_counter() - t0
    return n * epochs / t, t


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: bench_idnn_torch.py FORMULAS EPOCHS [N] [BATCH ...]")
    codes = read_formulas(sys.argv[1])
    epochs = int(sys.argv[2])
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 10000
    batches = [int(b) for b in sys.argv[4:]] or [50, 256]
    gen = torch.Generator().manual_seed(2026)
    eta, mu = make_data(n, gen)
    print(f"PyTorch {torch.__version__}, float64, {torch.get_num_threads()} thread, "
          f"{len(codes)} invariants -> 3x150 tanh -> 1")
    for variant in ("precomputed", "in-graph"):
        for batch in batches:
            rate, t = run(codes, eta, mu, batch, epochs, variant)
            print(f"torch {variant:11s} batch {batch:4d}: {epochs} epochs of {n} points in "
                  f"{t:.2f} s: {rate:.0f} points*epochs/s")


if __name__ == "__main__":
    main()
