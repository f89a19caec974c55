#!/usr/bin/python3
"""idnn_torch_fixture.py — the outside reference for src/network/idnn.c.

Builds small IDNNs g(η) = MLP(h(η))/s in PyTorch (float64, one thread) with
fixed weights and polynomial "invariants" h(η) given as monomial tables, and
writes, with autograd only (no formula shared with the C code):
  g, μ = ∂g/∂η, the Hessian ∂²g/∂η² (double backprop, create_graph=True),
  the loss L = w_g·mean_r (g(η_r) − g_r)² + w_μ·mean_{p,j} ω_p (s∂g/∂η_j − sμ_pj)²
  and ∂L/∂θ for every parameter, and 10 full-batch optimizer steps (the loss
  before each step, the parameters after each step) for RMSprop and Adam.
tests/unit/test_idnn.c reads the file and compares: the network values with
idnn.c, the optimizer steps with train_run (train.c) driving the production
loss callback idnn_trainer_loss.  The fixture is committed;
regenerate it (only when the cases change) with

    tools/idnn_torch_fixture.py tests/fixtures/idnn_torch.txt

File format (text; '#' starts a comment): a header line
"alfe-idnn-fixture 1", then records "KEY COUNT" followed by COUNT numbers,
grouped in sections opened by "case NAME" and, inside a case,
"optimizer NAME".  Keys of a case: d, m, scale, layers, width, activation
(0 tanh, 1 softplus, 2 sigmoid), poly (one record per invariant: n_terms
rows of coef, e_0 … e_{d−1}; count = n_terms·(d+1)), params (the flat block
in alfe's layout: W_l [out][in] then b_l per layer, then w, c), n, eta,
mu, weight (count 0: all ω = 1), n_ref, eta_ref, g_ref, w_g, w_mu and the
expected expect_g, expect_mu, expect_hess (n×d×d), expect_g_ref, expect_loss,
expect_grad.  Keys of an optimizer section: lr, rho (RMSprop) or beta1, beta2
(Adam), eps, eps_inside (0: torch's ε placement; 1: Keras', see below),
steps, losses (the loss at the parameters before each step), params_after
(steps × n_params: the parameters after each step), final_params (the last
row of params_after).  Curvature-term keys of a case (docs/idnn.md §4b):
hess_target (n×d×d), hess_weight (n×d×d, ν), w_hess, expect_hess_loss (the
loss with all three terms) and expect_hess_grad.

Optimizers (full batch, the case's loss, from the case's params):
  rmsprop_torch  torch.optim.RMSprop(lr, alpha=ρ=0.9, eps=1e-7, momentum=0,
                 centered=False): v = ρv + (1−ρ)g², θ −= lr·g/(√v + ε), v0 = 0
  rmsprop_keras  the same with Keras' ε placement θ −= lr·g/√(v + ε)
                 (written out by hand; torch has no such option)
  adam_torch     torch.optim.Adam(lr, betas=(0.9, 0.999), eps=1e-7):
                 m̂ = m/(1−β1^t), v̂ = v/(1−β2^t), θ −= lr·m̂/(√v̂ + ε)
  adam_keras     Keras 3's Adam (by hand): α = lr·√(1−β2^t)/(1−β1^t),
                 θ −= α·m/(√v + ε)
"""
import sys

import numpy as np
import torch

torch.set_default_dtype(torch.float64)
torch.set_num_threads(1)

ACTIVATIONS = ["tanh", "softplus", "sigmoid"]


def activation(kind, z):
    if kind == 0:
        return torch.tanh(z)
    if kind == 1:  # log(1 + e^z) without torch's linear cut-off above 20
        return torch.clamp(z, min=0.0) + torch.log1p(torch.exp(-torch.abs(z)))
    return torch.sigmoid(z)


class Case:
    def __init__(self, name, d, polys, widths, acts, scale, n, n_ref, weights, w_g, w_mu, seed):
        self.name, self.d, self.polys = name, d, polys
        self.widths, self.acts, self.scale = widths, acts, scale
        self.m = len(polys)
        self.w_g, self.w_mu = w_g, w_mu
        rng = np.random.default_rng(seed)
        # parameters: Glorot-uniform kernels and non-zero biases (so that
        # every bias path is exercised)
        self.shapes = []
        n_in = self.m
        for n_out in widths + [1]:
            self.shapes.append((n_out, n_in))
            n_in = n_out
        flat = []
        for n_out, n_in in self.shapes:
            lim = np.sqrt(6.0 / (n_in + n_out))
            flat.append(rng.uniform(-lim, lim, size=n_out * n_in))
            flat.append(rng.uniform(-0.3, 0.3, size=n_out))
        self.params0 = np.concatenate(flat)
        self.eta = rng.uniform(-0.7, 0.7, size=(n, d))
        self.mu = 0.05 * rng.standard_normal(size=(n, d))
        self.weight = rng.uniform(0.5, 1.5, size=n) if weights else None
        self.eta_ref = rng.uniform(-0.3, 0.3, size=(n_ref, d))
        if n_ref:
            self.eta_ref[0] = 0.0  # the usual g(0) = 0 reference
        self.g_ref = 0.01 * rng.standard_normal(size=n_ref)

    def invariants(self, eta):
        cols = []
        for poly in self.polys:
            val = torch.zeros(eta.shape[0])
            for coef, *expo in poly:
                term = torch.full((eta.shape[0],), float(coef))
                for j, e in enumerate(expo):
                    if e:
                        term = term * eta[:, j] ** e
                val = val + term
            cols.append(val)
        return torch.stack(cols, dim=1)

    def unflatten(self, theta):
        out, off = [], 0
        for n_out, n_in in self.shapes:
            W = theta[off:off + n_out * n_in].view(n_out, n_in)
            off += n_out * n_in
            b = theta[off:off + n_out]
            off += n_out
            out.append((W, b))
        return out

    def g(self, theta, eta):
        layers = self.unflatten(theta)
        a = self.invariants(eta)
        for (W, b), kind in zip(layers[:-1], self.acts):
            a = activation(kind, a @ W.T + b)
        W, b = layers[-1]
        return (a @ W.T + b)[:, 0] / self.scale

    def mu_of(self, theta, eta, create_graph):
        eta = eta.clone().requires_grad_(True)
        g = self.g(theta, eta)
        (mu,) = torch.autograd.grad(g.sum(), eta, create_graph=create_graph)
        return g, mu, eta

    def loss(self, theta):
        s = self.scale
        eta = torch.tensor(self.eta)
        _, mu, _ = self.mu_of(theta, eta, create_graph=True)
        target = torch.tensor(self.mu)
        sq = (s * mu - s * target) ** 2
        if self.weight is not None:
            sq = sq * torch.tensor(self.weight)[:, None]
        total = self.w_mu * sq.mean()
        if len(self.g_ref):
            gr = self.g(theta, torch.tensor(self.eta_ref))
            total = total + self.w_g * ((gr - torch.tensor(self.g_ref)) ** 2).mean()
        return total


def hessian(case, theta, eta_np):
    eta = torch.tensor(eta_np)
    g, mu, leaf = case.mu_of(theta, eta, create_graph=True)
    rows = []
    for j in range(case.d):
        (hj,) = torch.autograd.grad(mu[:, j].sum(), leaf, retain_graph=True)
        rows.append(hj)  # ∂μ_j/∂η: row j of every point's Hessian
    return g.detach(), mu.detach(), torch.stack(rows, dim=1)


def run_optimizer(case, kind, lr, steps, eps):
    theta = torch.tensor(case.params0).requires_grad_(True)
    losses, trajectory = [], []
    if kind == "rmsprop_torch":
        opt = torch.optim.RMSprop([theta], lr=lr, alpha=0.9, eps=eps, momentum=0.0,
                                  centered=False)
    elif kind == "adam_torch":
        opt = torch.optim.Adam([theta], lr=lr, betas=(0.9, 0.999), eps=eps)
    else:
        opt = None
        m = torch.zeros_like(theta)
        v = torch.zeros_like(theta)
    for t in range(1, steps + 1):
        loss = case.loss(theta)
        losses.append(loss.item())
        if opt is not None:
            opt.zero_grad()
            loss.backward()
            opt.step()
        elif kind == "rmsprop_keras":  # θ −= lr·g/√(v + ε)
            (grad,) = torch.autograd.grad(loss, theta)
            with torch.no_grad():
                v.mul_(0.9).add_(0.1 * grad * grad)
                theta.sub_(lr * grad / torch.sqrt(v + eps))
        else:  # adam_keras: α = lr·√(1−β2^t)/(1−β1^t), θ −= α·m/(√v + ε)
            (grad,) = torch.autograd.grad(loss, theta)
            with torch.no_grad():
                m.mul_(0.9).add_(0.1 * grad)
                v.mul_(0.999).add_(0.001 * grad * grad)
                alpha = lr * np.sqrt(1.0 - 0.999 ** t) / (1.0 - 0.9 ** t)
                theta.sub_(alpha * m / (torch.sqrt(v) + eps))
        trajectory.append(theta.detach().numpy().copy())
    return losses, np.array(trajectory), theta.detach().numpy()


def write_hessian_term(out, case, theta):
    """The curvature term ([training] weight_hessian; docs/idnn.md §4b) on the
    case's batch: a measured Hessian (symmetric, N(0, 0.3²) + 0.5 on the
    diagonal) and per-element weights ν (0 for about a quarter of the
    elements j ≤ k, else U(0.5, 1.5)), drawn from their own stream so that
    the records above do not change; the expected loss with every term,
    L + w_H/(n·d(d+1)/2) Σ_p ω_p Σ_{j≤k} ν (∂²g/∂η_j∂η_k − H)², and its
    parameter gradient by autograd (triple backprop)."""
    rng = np.random.default_rng(1000 + len(case.eta) * 7 + case.d)
    n, d = len(case.eta), case.d
    target = np.zeros((n, d, d))
    weight = np.zeros((n, d, d))
    for p in range(n):
        for j in range(d):
            for k in range(j, d):
                v = 0.3 * rng.standard_normal() + (0.5 if j == k else 0.0)
                w = 0.0 if rng.uniform() < 0.25 else rng.uniform(0.5, 1.5)
                target[p, j, k] = target[p, k, j] = v if w else 0.0
                weight[p, j, k] = weight[p, k, j] = w
    w_hess = 3.0
    emit(out, "hess_target", target)
    emit(out, "hess_weight", weight)
    emit(out, "w_hess", [w_hess])
    th = theta.detach().clone().requires_grad_(True)
    eta = torch.tensor(case.eta).requires_grad_(True)
    g = case.g(th, eta)
    (mu,) = torch.autograd.grad(g.sum(), eta, create_graph=True)
    rows = [torch.autograd.grad(mu[:, j].sum(), eta, create_graph=True)[0] for j in range(d)]
    hess = torch.stack(rows, dim=1)
    iu = np.triu_indices(d)
    err = (hess - torch.tensor(target))[:, iu[0], iu[1]]
    wt = torch.tensor(weight[:, iu[0], iu[1]])
    if case.weight is not None:
        wt = wt * torch.tensor(case.weight)[:, None]
    term = w_hess * (wt * err ** 2).sum() / (n * len(iu[0]))
    loss = case.loss(th) + term
    (grad,) = torch.autograd.grad(loss, th)
    emit(out, "expect_hess_loss", [loss.item()])
    emit(out, "expect_hess_grad", grad.numpy())


def emit(out, key, values, per_line=4):
    values = np.asarray(values, dtype=np.float64).ravel()
    out.write(f"{key} {values.size}\n")
    for i in range(0, values.size, per_line):
        out.write(" ".join(f"{v:.17g}" for v in values[i:i + per_line]) + "\n")


def write_case(out, case, optimizers):
    out.write(f"\ncase {case.name}\n")
    out.write(f"# {len(case.widths)} hidden layers {case.widths}, "
              f"{[ACTIVATIONS[a] for a in case.acts]}, s = {case.scale}\n")
    emit(out, "d", [case.d])
    emit(out, "m", [case.m])
    emit(out, "scale", [case.scale])
    emit(out, "layers", [len(case.widths)])
    emit(out, "width", case.widths)
    emit(out, "activation", case.acts)
    for poly in case.polys:
        emit(out, "poly", [x for term in poly for x in term], per_line=case.d + 1)
    emit(out, "params", case.params0)
    emit(out, "n", [len(case.eta)])
    emit(out, "eta", case.eta)
    emit(out, "mu", case.mu)
    emit(out, "weight", case.weight if case.weight is not None else [])
    emit(out, "n_ref", [len(case.g_ref)])
    emit(out, "eta_ref", case.eta_ref)
    emit(out, "g_ref", case.g_ref)
    emit(out, "w_g", [case.w_g])
    emit(out, "w_mu", [case.w_mu])

    theta = torch.tensor(case.params0).requires_grad_(True)
    g, mu, hess = hessian(case, theta.detach(), case.eta)
    emit(out, "expect_g", g.numpy())
    emit(out, "expect_mu", mu.numpy())
    emit(out, "expect_hess", hess.numpy())
    if len(case.g_ref):
        emit(out, "expect_g_ref", case.g(theta.detach(), torch.tensor(case.eta_ref)).numpy())
    else:
        emit(out, "expect_g_ref", [])
    loss = case.loss(theta)
    (grad,) = torch.autograd.grad(loss, theta)
    emit(out, "expect_loss", [loss.item()])
    emit(out, "expect_grad", grad.numpy())

    write_hessian_term(out, case, theta)

    for kind, lr in optimizers:
        eps, steps = 1e-7, 10
        losses, trajectory, final = run_optimizer(case, kind, lr, steps, eps)
        out.write(f"optimizer {kind}\n")
        emit(out, "lr", [lr])
        if kind.startswith("rmsprop"):
            emit(out, "rho", [0.9])
        else:
            emit(out, "beta1", [0.9])
            emit(out, "beta2", [0.999])
        emit(out, "eps", [eps])
        emit(out, "eps_inside", [1 if kind.endswith("_keras") else 0])
        emit(out, "steps", [steps])
        emit(out, "losses", losses)
        emit(out, "params_after", trajectory)
        emit(out, "final_params", final)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: tools/idnn_torch_fixture.py OUTPUT (tests/fixtures/idnn_torch.txt)")
    # m = 3 invariants of d = 4 variables (not symmetric: any polynomial map
    # exercises the same code); rows: coef, e0 e1 e2 e3
    polys = [
        [(1.0, 1, 0, 0, 0), (0.5, 1, 0, 0, 1), (-0.3, 0, 0, 0, 2)],
        [(1.0, 0, 2, 0, 0), (1.0, 0, 0, 2, 0), (0.7, 0, 0, 0, 2), (0.2, 1, 1, 0, 0)],
        [(1.0, 0, 2, 2, 0), (0.3, 1, 1, 1, 1), (1.0, 0, 0, 0, 3), (-0.4, 2, 0, 1, 0)],
    ]
    cases = [
        Case("mixed3", 4, polys, [5, 7, 2], [0, 1, 2], 100.0, n=6, n_ref=2, weights=True,
             w_g=0.1, w_mu=10.0, seed=11),
        Case("tanh1", 4, polys, [6], [0], 100.0, n=5, n_ref=0, weights=False,
             w_g=0.0, w_mu=1.0, seed=12),
        Case("softplus2", 4, polys, [4, 3], [1, 0], 2.5, n=4, n_ref=1, weights=False,
             w_g=0.5, w_mu=2.0, seed=13),
    ]
    optimizers = {"mixed3": [("rmsprop_torch", 1e-3), ("rmsprop_keras", 1e-3),
                             ("adam_torch", 1e-3), ("adam_keras", 1e-3)]}
    with open(sys.argv[1], "w") as out:
        out.write("alfe-idnn-fixture 1\n")
        out.write(f"# written by tools/idnn_torch_fixture.py with torch {torch.__version__}, "
                  "float64, 1 thread; format in the script's docstring and docs/idnn.md\n")
        for case in cases:
            write_case(out, case, optimizers.get(case.name, []))
        out.write("\nend\n")


if __name__ == "__main__":
    main()
