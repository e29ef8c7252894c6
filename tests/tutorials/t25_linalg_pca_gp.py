"""Linear algebra chapters: PCA of MNIST images by SVD (and by eigh of the covariance), least squares on the
principal components, an orthogonal initialisation by QR, and a small Gaussian process whose marginal likelihood
is minimised through a Cholesky factorization."""
import math

import numpy as np
import torch
from _helpers import mnist_subset

x_train, y_train, _, _ = mnist_subset(n_train=400, n_test=0)
X = torch.tensor(x_train.reshape(400, -1), dtype=torch.float64)
y = torch.tensor(y_train)

# -- PCA: center, SVD, explained variance, reconstruction from k components ----------------------------------------
mean = X.mean(dim=0, keepdim=True)
Xc = X - mean
U, S, Vh = torch.linalg.svd(Xc, full_matrices=False)
explained = S ** 2 / (S ** 2).sum()
print("explained variance of the first 5 components:", [round(v, 4) for v in explained[:5].tolist()])

k = 20
V_k = Vh[:k].T  # (784, k)
Z = Xc @ V_k  # scores (their signs depend on the SVD's choice; |Z| and reconstructions do not)
X_rec = Z @ V_k.T + mean
rec_error = ((X - X_rec) ** 2).mean().item()
print(f"reconstruction MSE with {k} components: {rec_error:.5f}")

# the same spectrum from the covariance matrix
cov = Xc.T @ Xc / (X.shape[0] - 1)
evals, evecs = torch.linalg.eigh(cov)
top = evals.flip(0)[:5]
print("covariance eigenvalues:", [round(v, 3) for v in top.tolist()])
alignment = (evecs[:, -1] @ Vh[0]).abs().item()  # the leading eigenvector is the first right singular vector

# -- least squares on the principal components: predict "is the digit a 1?" -----------------------------------------
features = torch.cat([Z, torch.ones(Z.shape[0], 1, dtype=Z.dtype)], dim=1)
target = (y == 1).to(torch.float64).unsqueeze(1)
sol = torch.linalg.lstsq(features, target, driver="gelsd")
w = sol.solution
pred = features @ w
accuracy = ((pred > 0.5) == (target > 0.5)).to(torch.float64).mean().item()
rank = int(sol.rank)
print(f"least squares: rank {rank}, training accuracy {accuracy:.3f}")
# the same solution from the normal equations through a Cholesky factorization
G = features.T @ features
L = torch.linalg.cholesky(G)
w_normal = torch.cholesky_solve(features.T @ target, L)
normal_gap = (w_normal - w).abs().max().item()
pinv_gap = (torch.linalg.pinv(features) @ target - w).abs().max().item()

# -- orthogonal initialisation: Q of a Gaussian matrix, signs fixed by R's diagonal --------------------------------
g = torch.tensor(np.random.default_rng(0).standard_normal((6, 4)))
Q, R = torch.linalg.qr(g)
Q = Q * torch.sign(torch.diagonal(R)).unsqueeze(0)
orthogonality = (Q.T @ Q - torch.eye(4, dtype=Q.dtype)).abs().max().item()

# -- a Gaussian process with an RBF kernel, hyperparameters fitted by the marginal likelihood -----------------------
rng = np.random.default_rng(1)
xs = torch.tensor(np.sort(rng.uniform(-3, 3, 30)))
ys = torch.sin(xs) + 0.1 * torch.tensor(rng.standard_normal(30))
log_length = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
log_signal = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
log_noise = torch.tensor(-1.0, dtype=torch.float64, requires_grad=True)


def kernel(a, b):
    d2 = (a.unsqueeze(1) - b.unsqueeze(0)) ** 2
    return torch.exp(2 * log_signal) * torch.exp(-0.5 * d2 / torch.exp(2 * log_length))


def negative_log_marginal_likelihood():
    K = kernel(xs, xs) + torch.exp(2 * log_noise) * torch.eye(len(xs), dtype=torch.float64)
    L = torch.linalg.cholesky(K)
    alpha = torch.cholesky_solve(ys.unsqueeze(1), L)
    return (0.5 * (ys.unsqueeze(1) * alpha).sum() + torch.log(torch.diagonal(L)).sum()
            + 0.5 * len(xs) * math.log(2 * math.pi))


opt = torch.optim.Adam([log_length, log_signal, log_noise], lr=0.05)
nlls = []
for step in range(40):
    opt.zero_grad()
    nll = negative_log_marginal_likelihood()
    nll.backward()
    opt.step()
    nlls.append(nll.item())
print(f"GP negative log marginal likelihood: {nlls[0]:.4f} -> {nlls[-1]:.4f}")

with torch.no_grad():
    K = kernel(xs, xs) + torch.exp(2 * log_noise) * torch.eye(len(xs), dtype=torch.float64)
    L = torch.linalg.cholesky(K)
    x_test = torch.linspace(-3, 3, 7, dtype=torch.float64)
    Ks = kernel(x_test, xs)
    mean_test = Ks @ torch.cholesky_solve(ys.unsqueeze(1), L)
    v = torch.linalg.solve_triangular(L, Ks.T, upper=False)
    var_test = torch.exp(2 * log_signal) - (v * v).sum(0)
    logdet = 2 * torch.log(torch.diagonal(L)).sum()
    print("GP posterior mean:", [round(m, 3) for m in mean_test.squeeze(1).tolist()])

result = {
    "explained": explained[:10].tolist(),
    "singular_values": S[:10].tolist(),
    "reconstruction_mse": rec_error,
    "abs_scores": Z[:5, :3].abs().flatten().tolist(),
    "cov_eigenvalues": top.tolist(),
    "alignment": alignment,
    "lstsq_abs_weights": w.squeeze(1)[-5:].abs().tolist(),
    "lstsq_predictions": pred.squeeze(1)[:10].tolist(),
    "lstsq_rank": rank,
    "train_accuracy": accuracy,
    "normal_equations_agree": normal_gap < 1e-6,
    "pinv_agrees": pinv_gap < 1e-6,
    "orthogonal_Q": Q.flatten().tolist(),
    "orthogonality_ok": orthogonality < 1e-12,
    "gp_nll": nlls[::5],
    "gp_hyper": [log_length.item(), log_signal.item(), log_noise.item()],
    "gp_mean": mean_test.squeeze(1).tolist(),
    "gp_var": var_test.tolist(),
    "gp_logdet": logdet.item(),
}
