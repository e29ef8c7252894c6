"""Policy gradients and a VAE step with torch.distributions, as pytorch/examples' reinforce.py and the VAE
tutorials write them. The environment is a small NumPy corridor and actions are drawn by a fixed NumPy RNG
from the policy's probabilities, so both libraries take the same actions; the VAE's noise is given."""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.distributions import Categorical, Independent, Normal, kl_divergence

from _helpers import numpy_weights

N_STATES, GOAL, MAX_STEPS, GAMMA = 7, 6, 12, 0.9


class Corridor:
    """Start in the middle; action 1 steps right, 0 left; +1 at the right end, -0.05 per step."""

    def reset(self):
        self.pos, self.t = N_STATES // 2, 0
        return self._obs()

    def _obs(self):
        return np.eye(N_STATES, dtype=np.float32)[self.pos]

    def step(self, action):
        self.pos = min(max(self.pos + (1 if action == 1 else -1), 0), N_STATES - 1)
        self.t += 1
        done = self.pos == GOAL or self.t >= MAX_STEPS
        return self._obs(), (1.0 if self.pos == GOAL else -0.05), done


class Policy(nn.Module):
    def __init__(self):
        super().__init__()
        self.affine1 = nn.Linear(N_STATES, 16)
        self.affine2 = nn.Linear(16, 2)
        self.saved_log_probs = []
        self.rewards = []

    def forward(self, x):
        x = F.relu(self.affine1(x))
        return F.softmax(self.affine2(x), dim=1)


def load(model, seed):
    with torch.no_grad():
        named = [(n, p.shape) for n, p in model.named_parameters()]
        for p, w in zip(model.parameters(), numpy_weights(named, seed)):
            p.copy_(torch.from_numpy(w))


policy = Policy()
load(policy, 0)
optimizer = optim.Adam(policy.parameters(), lr=1e-2)
eps = np.finfo(np.float32).eps.item()
rng = np.random.default_rng(0)
env = Corridor()


def select_action(state):
    state = torch.from_numpy(state).float().unsqueeze(0)
    probs = policy(state)
    m = Categorical(probs)
    p = probs.detach().numpy()[0].astype(np.float64)
    action = int(rng.choice(2, p=p / p.sum()))  # the same draw on both libraries
    policy.saved_log_probs.append(m.log_prob(torch.tensor([action])))
    return action, m.entropy().item()


def finish_episode():
    R = 0
    returns = []
    for r in policy.rewards[::-1]:
        R = r + GAMMA * R
        returns.insert(0, R)
    returns = torch.tensor(returns)
    returns = (returns - returns.mean()) / (returns.std() + eps) if len(returns) > 1 else returns
    policy_loss = [-log_prob * R for log_prob, R in zip(policy.saved_log_probs, returns)]
    optimizer.zero_grad()
    loss = torch.cat(policy_loss).sum()
    loss.backward()
    optimizer.step()
    del policy.rewards[:]
    del policy.saved_log_probs[:]
    return loss.item()


episode_rewards, losses, entropies = [], [], []
for i_episode in range(25):
    state, ep_reward = env.reset(), 0.0
    for t in range(MAX_STEPS):
        action, ent = select_action(state)
        entropies.append(ent)
        state, reward, done = env.step(action)
        policy.rewards.append(reward)
        ep_reward += reward
        if done:
            break
    episode_rewards.append(ep_reward)
    losses.append(finish_episode())
    if i_episode % 5 == 0:
        print(f"Episode {i_episode}\tLast reward: {ep_reward:.2f}")

# a Gaussian policy with a learned log-std (continuous actions given by NumPy)
mu_net = nn.Linear(3, 2)
load(mu_net, 1)
log_std = nn.Parameter(torch.zeros(2) - 0.5)
opt2 = optim.SGD(list(mu_net.parameters()) + [log_std], lr=0.05)
obs = torch.from_numpy(np.random.default_rng(1).normal(size=(16, 3)).astype(np.float32))
acts = torch.from_numpy(np.random.default_rng(2).normal(size=(16, 2)).astype(np.float32))
adv = torch.from_numpy(np.random.default_rng(3).normal(size=16).astype(np.float32))
gauss = []
for step in range(5):
    dist = Independent(Normal(mu_net(obs), log_std.exp()), 1)
    logp = dist.log_prob(acts)
    loss = -(logp * adv).mean() - 0.01 * dist.entropy().mean()
    opt2.zero_grad()
    loss.backward()
    opt2.step()
    gauss.append([loss.item(), logp.mean().item(), dist.entropy().mean().item()])


# one VAE: encoder -> Normal(mu, std), z = rsample with given noise, KL to the prior
class VAE(nn.Module):
    def __init__(self):
        super().__init__()
        self.enc = nn.Linear(8, 6)
        self.dec = nn.Linear(3, 8)

    def forward(self, x, noise):
        h = self.enc(x)
        mu, logvar = h[:, :3], h[:, 3:]
        q = Normal(mu, torch.exp(0.5 * logvar))
        z = q.loc + q.scale * noise  # q.rsample() with the noise given
        prior = Normal(torch.zeros_like(mu), torch.ones_like(mu))
        return torch.sigmoid(self.dec(z)), kl_divergence(q, prior).sum(-1).mean()


vae = VAE()
load(vae, 2)
vopt = optim.Adam(vae.parameters(), lr=1e-2)
data = torch.from_numpy((np.random.default_rng(4).random((32, 8)) > 0.5).astype(np.float32))
noise_rng = np.random.default_rng(5)
vae_losses = []
for step in range(8):
    noise = torch.from_numpy(noise_rng.normal(size=(32, 3)).astype(np.float32))
    recon, kl = vae(data, noise)
    bce = F.binary_cross_entropy(recon, data, reduction="sum") / data.shape[0]
    loss = bce + kl
    vopt.zero_grad()
    loss.backward()
    vopt.step()
    vae_losses.append([loss.item(), kl.item()])
print(f"VAE loss {vae_losses[-1][0]:.4f}")

result = {"episode_rewards": episode_rewards, "losses": losses, "entropies": entropies[::3],
          "gaussian_policy": gauss, "vae": vae_losses}
