"""Plain-NumPy stand-in for gymnasium (not installed) used by the reinforcement-learning scripts: ``gym.make
("CartPole-v1")`` returns CartPole-v1's dynamics (Barto, Sutton and Anderson's cart-pole, gymnasium's constants,
Euler integration, termination at 2.4 m / 12 degrees, truncation at 500 steps) behind gymnasium's reset/step
signatures, with a seeded ``action_space.sample()``. No torch import here: the same file serves both runs."""
import math

import numpy as np


class _Discrete:
    def __init__(self, n):
        self.n = n
        self._rng = np.random.default_rng(0)

    def seed(self, seed):
        self._rng = np.random.default_rng(seed)

    def sample(self):
        return int(self._rng.integers(self.n))


class _Spec:
    reward_threshold = 475.0


class CartPole:
    x_threshold = 2.4
    theta_threshold = 12 * 2 * math.pi / 360

    def __init__(self):
        self.spec = _Spec()
        self.action_space = _Discrete(2)
        self.rng = np.random.default_rng(0)
        self.state, self.steps = None, 0

    def reset(self, seed=None):
        if seed is not None:
            self.rng = np.random.default_rng(seed)
        self.state = self.rng.uniform(-0.05, 0.05, 4)
        self.steps = 0
        return self.state.astype(np.float32), {}

    def step(self, action):
        x, x_dot, theta, theta_dot = self.state
        force = 10.0 if action == 1 else -10.0
        cos, sin = math.cos(theta), math.sin(theta)
        temp = (force + 0.05 * theta_dot ** 2 * sin) / 1.1
        theta_acc = (9.8 * sin - cos * temp) / (0.5 * (4.0 / 3.0 - 0.1 * cos ** 2 / 1.1))
        x_acc = temp - 0.05 * theta_acc * cos / 1.1
        x, x_dot = x + 0.02 * x_dot, x_dot + 0.02 * x_acc
        theta, theta_dot = theta + 0.02 * theta_dot, theta_dot + 0.02 * theta_acc
        self.state = np.array([x, x_dot, theta, theta_dot])
        self.steps += 1
        terminated = bool(abs(x) > self.x_threshold or abs(theta) > self.theta_threshold)
        return self.state.astype(np.float32), 1.0, terminated, self.steps >= 500, {}

    def close(self):
        pass


class gym:  # noqa: N801  (the module name scripts use)
    @staticmethod
    def make(name, render_mode=None):
        if name != "CartPole-v1":
            raise ValueError(f"only CartPole-v1 is provided here, not {name}")
        return CartPole()
