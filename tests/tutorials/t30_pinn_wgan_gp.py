"""Higher-order gradients: a physics-informed network for u'' = -u and a WGAN-GP critic step."""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def init_from_numpy(model, seed):
    rng = np.random.default_rng(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.tensor((rng.standard_normal(tuple(p.shape)) * 0.4).astype(np.float32)))
    return model


# --- PINN: u(x) = MLP(x) with u'' + u = 0, u(0) = 0, u'(0) = 1 (so u = sin x) ---------------------
pinn = init_from_numpy(nn.Sequential(nn.Linear(1, 20), nn.Tanh(), nn.Linear(20, 20), nn.Tanh(), nn.Linear(20, 1)), 0)
optimizer = torch.optim.Adam(pinn.parameters(), lr=5e-3)
x = torch.linspace(-2, 2, 25).reshape(-1, 1)
zero = torch.zeros(1, 1, requires_grad=True)
pinn_losses = []
for step in range(30):
    xr = x.clone().requires_grad_(True)
    u = pinn(xr)
    du_dx = torch.autograd.grad(u, xr, grad_outputs=torch.ones_like(u), create_graph=True)[0]
    d2u_dx2 = torch.autograd.grad(du_dx, xr, grad_outputs=torch.ones_like(du_dx), create_graph=True)[0]
    u0 = pinn(zero)
    du0 = torch.autograd.grad(u0.sum(), zero, create_graph=True)[0]
    loss = torch.mean((d2u_dx2 + u) ** 2) + (u0 ** 2).sum() + ((du0 - 1) ** 2).sum()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    pinn_losses.append(loss.item())
    if step % 10 == 0:
        print(f"pinn step {step}: loss {loss.item():.5f}")


# --- WGAN-GP: the gradient penalty of a small convolutional critic ------------------------------
class Critic(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 4, stride=2, padding=1)
        self.conv2 = nn.Conv2d(8, 8, 3, padding=1)
        self.fc = nn.Linear(8 * 4 * 4, 1)

    def forward(self, img):
        h = F.leaky_relu(self.conv1(img), 0.2)
        h = F.leaky_relu(self.conv2(h), 0.2)
        return self.fc(h.flatten(1))


def gradient_penalty(critic, real, fake, alpha):
    interp = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
    d_interp = critic(interp)
    grads = torch.autograd.grad(outputs=d_interp, inputs=interp, grad_outputs=torch.ones_like(d_interp),
                                create_graph=True, retain_graph=True)[0]
    return ((grads.view(grads.size(0), -1).norm(2, dim=1) - 1) ** 2).mean()


critic = init_from_numpy(Critic(), 1)
opt_c = torch.optim.Adam(critic.parameters(), lr=1e-3, betas=(0.0, 0.9))
rng = np.random.default_rng(2)
critic_losses, penalties = [], []
for step in range(5):
    real = torch.tensor(rng.standard_normal((6, 1, 8, 8)).astype(np.float32))
    fake = torch.tensor(rng.standard_normal((6, 1, 8, 8)).astype(np.float32) * 0.5)
    alpha = torch.tensor(rng.random((6, 1, 1, 1)).astype(np.float32))
    gp = gradient_penalty(critic, real, fake, alpha)
    loss_c = critic(fake).mean() - critic(real).mean() + 10 * gp
    opt_c.zero_grad()
    loss_c.backward()
    opt_c.step()
    critic_losses.append(loss_c.item())
    penalties.append(gp.item())
    print(f"critic step {step}: loss {loss_c.item():.4f} gp {gp.item():.4f}")

# a Hessian-vector product by double backward
w = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)
g = torch.autograd.grad((w.sin() * w ** 2).sum(), w, create_graph=True)[0]
hvp = torch.autograd.grad(g, w, grad_outputs=torch.tensor([1.0, 0.0, -1.0]))[0]

result = {
    "pinn_losses": pinn_losses,
    "pinn_u_at_1": pinn(torch.ones(1, 1)).item(),
    "critic_losses": critic_losses,
    "penalties": penalties,
    "critic_fc_weight_sum": critic.fc.weight.sum().item(),
    "hvp": hvp.tolist(),
}
