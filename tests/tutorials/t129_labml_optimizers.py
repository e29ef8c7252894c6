"""labml.ai Annotated Deep Learning Paper Implementations (github.com/labmlai/annotated_deep_learning_paper_
implementations, commit e6b3c8a, MIT licence), labml_nn/optimizers: __init__.py (GenericAdaptiveOptimizer, a
torch.optim.optimizer.Optimizer subclass whose @torch.no_grad() step runs the closure under torch.enable_grad,
reads param.grad.data and grad.is_sparse and keeps per-parameter state in self.state[param]; WeightDecay, coupled
through grad.add(param.data, alpha=) or decoupled through param.data.mul_), adam.py (zeros_like(memory_format=
torch.preserve_format), mul_().add_(alpha=), addcmul_(value=), addcdiv_(value=), both update forms), amsgrad.py
(torch.maximum(v_max, v, out=v_max)) with its _synthetic_experiment (nn.Parameter(torch.tensor([-1]),
requires_grad=False), x.data.clamp_), adam_warmup.py, noam.py (get_lr on a bare state dict and opt.defaults, as
_test_noam_lr does), radam.py (calc_rectification_term, the SGD fallback) and ada_belief.py, then
mnist_experiment.py's Model trained with each. Unchanged except where marked ``# adapted``: labml's tracker,
monit and experiment are dropped, the synthetic experiment runs 707 steps instead of ten million, the plots
record their numbers, the docstrings/comments are dropped, the experiment's trainer is a plain loop over a few
batches of real MNIST, and the first Adam is checked against torch.optim.Adam."""
import math
from typing import Dict, Tuple, Any, Optional

import numpy as np  # adapted
import torch
from torch import nn
from torch.optim.optimizer import Optimizer

from _helpers import mnist_subset  # adapted

result = {}  # adapted


class GenericAdaptiveOptimizer(Optimizer):
    def __init__(self, params, defaults: Dict[str, Any], lr: float, betas: Tuple[float, float], eps: float):
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= betas[0] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
        if not 0.0 <= betas[1] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")

        defaults.update(dict(lr=lr, betas=betas, eps=eps))
        super().__init__(params, defaults)

    def init_state(self, state: Dict[str, any], group: Dict[str, any], param: nn.Parameter):
        pass

    def step_param(self, state: Dict[str, any], group: Dict[str, any], grad: torch.Tensor, param: torch.Tensor):
        pass

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()

        for group in self.param_groups:
            for param in group['params']:
                if param.grad is None:
                    continue
                grad = param.grad.data
                if grad.is_sparse:
                    raise RuntimeError('GenericAdaptiveOptimizer does not support sparse gradients,'
                                       ' please consider SparseAdam instead')

                state = self.state[param]

                if len(state) == 0:
                    self.init_state(state, group, param)

                self.step_param(state, group, grad, param)

        return loss


class WeightDecay:
    def __init__(self, weight_decay: float = 0., weight_decouple: bool = True, absolute: bool = False):
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")

        self.absolute = absolute
        self.weight_decouple = weight_decouple
        self.weight_decay = weight_decay

    def defaults(self):
        return dict(weight_decay=self.weight_decay)

    def __call__(self, param: torch.nn.Parameter, grad: torch.Tensor, group: Dict[str, any]):
        if self.weight_decouple:
            if self.absolute:
                param.data.mul_(1.0 - group['weight_decay'])
            else:
                param.data.mul_(1.0 - group['lr'] * group['weight_decay'])
            return grad
        else:
            if group['weight_decay'] != 0:
                return grad.add(param.data, alpha=group['weight_decay'])
            else:
                return grad


class Adam(GenericAdaptiveOptimizer):
    def __init__(self, params,
                 lr: float = 1e-3, betas: Tuple[float, float] = (0.9, 0.999), eps: float = 1e-16,
                 weight_decay: WeightDecay = WeightDecay(),
                 optimized_update: bool = True,
                 defaults: Optional[Dict[str, Any]] = None):
        defaults = {} if defaults is None else defaults
        defaults.update(weight_decay.defaults())
        super().__init__(params, defaults, lr, betas, eps)

        self.weight_decay = weight_decay
        self.optimized_update = optimized_update

    def init_state(self, state: Dict[str, any], group: Dict[str, any], param: nn.Parameter):
        state['step'] = 0
        state['exp_avg'] = torch.zeros_like(param, memory_format=torch.preserve_format)
        state['exp_avg_sq'] = torch.zeros_like(param, memory_format=torch.preserve_format)

    def get_mv(self, state: Dict[str, Any], group: Dict[str, Any], grad: torch.Tensor):
        beta1, beta2 = group['betas']

        m, v = state['exp_avg'], state['exp_avg_sq']

        m.mul_(beta1).add_(grad, alpha=1 - beta1)
        v.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)

        return m, v

    def get_lr(self, state: Dict[str, any], group: Dict[str, any]):
        return group['lr']

    def adam_update(self, state: Dict[str, any], group: Dict[str, any], param: torch.nn.Parameter,
                    m: torch.Tensor, v: torch.Tensor):
        beta1, beta2 = group['betas']
        bias_correction1 = 1 - beta1 ** state['step']
        bias_correction2 = 1 - beta2 ** state['step']

        lr = self.get_lr(state, group)

        if self.optimized_update:
            denominator = v.sqrt().add_(group['eps'])
            step_size = lr * math.sqrt(bias_correction2) / bias_correction1
            param.data.addcdiv_(m, denominator, value=-step_size)
        else:
            denominator = (v.sqrt() / math.sqrt(bias_correction2)).add_(group['eps'])
            step_size = lr / bias_correction1
            param.data.addcdiv_(m, denominator, value=-step_size)

    def step_param(self, state: Dict[str, any], group: Dict[str, any], grad: torch.Tensor, param: torch.nn.Parameter):
        grad = self.weight_decay(param, grad, group)

        m, v = self.get_mv(state, group, grad)

        state['step'] += 1

        self.adam_update(state, group, param, m, v)


class AMSGrad(Adam):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-16,
                 weight_decay: WeightDecay = WeightDecay(),
                 optimized_update: bool = True,
                 amsgrad=True, defaults=None):
        defaults = {} if defaults is None else defaults
        defaults.update(dict(amsgrad=amsgrad))

        super().__init__(params, lr, betas, eps, weight_decay, optimized_update, defaults)

    def init_state(self, state: Dict[str, any], group: Dict[str, any], param: nn.Parameter):
        super().init_state(state, group, param)

        if group['amsgrad']:
            state['max_exp_avg_sq'] = torch.zeros_like(param, memory_format=torch.preserve_format)

    def get_mv(self, state: Dict[str, any], group: Dict[str, any], grad: torch.Tensor):
        m, v = super().get_mv(state, group, grad)

        if group['amsgrad']:
            v_max = state['max_exp_avg_sq']
            torch.maximum(v_max, v, out=v_max)

            return m, v_max
        else:
            return m, v


def _synthetic_experiment(is_adam: bool):
    x = nn.Parameter(torch.tensor([.0]))
    x_star = nn.Parameter(torch.tensor([-1]), requires_grad=False)

    def func(t: int, x_: nn.Parameter):
        if t % 101 == 1:
            return (1010 * x_).sum()
        else:
            return (-10 * x_).sum()

    if is_adam:
        optimizer = Adam([x], lr=1e-2, betas=(0.9, 0.99))
    else:
        optimizer = AMSGrad([x], lr=1e-2, betas=(0.9, 0.99))
    total_regret = 0

    record = []  # adapted (from labml import monit, tracker, experiment; with experiment.record(...))
    for step in range(707):  # adapted (monit.loop(10_000_000))
        regret = func(step, x) - func(step, x_star)
        total_regret += regret.item()
        if (step + 1) % 101 == 0:  # adapted (% 1000)
            record.append([regret.item(), x.item(), total_regret / (step + 1)])  # adapted (tracker.save)
        regret.backward()
        optimizer.step()
        optimizer.zero_grad()

        x.data.clamp_(-1., +1.)
    result["synthetic_adam" if is_adam else "synthetic_amsgrad"] = [record, x_star.dtype == torch.int64,
                                                                    x_star.requires_grad]  # adapted


_synthetic_experiment(True)  # adapted (if __name__ == '__main__')
_synthetic_experiment(False)  # adapted


class AdamWarmup(AMSGrad):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-16,
                 weight_decay: WeightDecay = WeightDecay(),
                 optimized_update: bool = True,
                 amsgrad=False, warmup=0, defaults=None):
        defaults = {} if defaults is None else defaults
        defaults.update(dict(warmup=warmup))
        super().__init__(params, lr, betas, eps, weight_decay, optimized_update, amsgrad, defaults)

    def get_lr(self, state: Dict[str, any], group: Dict[str, any]):
        if group['warmup'] > state['step']:
            return 1e-8 + state['step'] * group['lr'] / group['warmup']
        else:
            return group['lr']


class Noam(AMSGrad):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-16,
                 weight_decay: WeightDecay = WeightDecay(),
                 optimized_update: bool = True,
                 amsgrad=False,
                 warmup=0, d_model=512, defaults=None):
        defaults = {} if defaults is None else defaults
        defaults.update(dict(warmup=warmup))
        super().__init__(params, lr, betas, eps, weight_decay, optimized_update, amsgrad, defaults)
        self.d_model = d_model

    def get_lr(self, state: Dict[str, any], group: Dict[str, any]):
        factor = min(state['step'] ** (-0.5), state['step'] * group['warmup'] ** (-1.5))
        return group['lr'] * self.d_model ** (-0.5) * factor


def _test_noam_lr():
    from torch import nn

    model = nn.Linear(10, 10)
    opts = [Noam(model.parameters(), d_model=512, warmup=4000, lr=1),
            Noam(model.parameters(), d_model=512, warmup=8000, lr=1),
            Noam(model.parameters(), d_model=2048, warmup=2000, lr=1)]
    lrs = np.array([[opt.get_lr({'step': i}, opt.defaults) for opt in opts] for i in range(1, 20000)])  # adapted
    result["noam_lr"] = [lrs[::1999].tolist(), lrs.argmax(0).tolist(),
                         sorted(opts[0].defaults), len(opts[0].param_groups[0]['params'])]  # adapted (plt.plot)


_test_noam_lr()  # adapted


class RAdam(AMSGrad):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8,
                 weight_decay: WeightDecay = WeightDecay(),
                 optimized_update: bool = True,
                 amsgrad=False,
                 degenerated_to_sgd=True, defaults=None):
        self.degenerated_to_sgd = degenerated_to_sgd
        super().__init__(params, lr, betas, eps, weight_decay, optimized_update, amsgrad, defaults)

    def step_param(self, state: Dict[str, any], group: Dict[str, any], grad: torch.Tensor, param: torch.nn.Parameter):
        grad = self.weight_decay(param, grad, group)

        m, v = self.get_mv(state, group, grad)

        state['step'] += 1

        self.r_adam_update(state, group, param, m, v)

    @staticmethod
    def calc_rectification_term(beta2: float, step: int) -> Optional[float]:
        beta2_t = beta2 ** step
        rho_inf = 2 / (1 - beta2) - 1
        rho = rho_inf - 2 * step * beta2_t / (1 - beta2_t)

        if rho >= 5:
            r2 = (rho - 4) / (rho_inf - 4) * (rho - 2) / rho * rho_inf / (rho_inf - 2)
            return math.sqrt(r2)
        else:
            return None

    def r_adam_update(self, state: Dict[str, any], group: Dict[str, any], param: torch.nn.Parameter,
                      m: torch.Tensor, v: torch.Tensor):
        beta1, beta2 = group['betas']
        bias_correction1 = 1 - beta1 ** state['step']
        bias_correction2 = 1 - beta2 ** state['step']

        r = self.calc_rectification_term(beta2, state['step'])

        lr = self.get_lr(state, group)

        if r is not None:
            if self.optimized_update:
                denominator = v.sqrt().add_(group['eps'])
                step_size = lr * math.sqrt(bias_correction2) * r / bias_correction1
                param.data.addcdiv_(m, denominator, value=-step_size)
            else:
                denominator = (v.sqrt() / math.sqrt(bias_correction2)).add_(group['eps'])
                step_size = lr * r / bias_correction1
                param.data.addcdiv_(m, denominator, value=-step_size)

        elif self.degenerated_to_sgd:
            step_size = lr / bias_correction1
            param.data.add_(m, alpha=-step_size)


def _test_rectification_term():
    beta2 = [0.9999, 0.999, 0.99, 0.9, 0.8, 0.6, 0.5]
    terms = [[RAdam.calc_rectification_term(b, i) for b in beta2] for i in range(1, 5_000)]  # adapted
    result["rectification"] = [[-1.0 if t is None else t for t in row] for row in terms[::499]]  # adapted


_test_rectification_term()  # adapted


class AdaBelief(RAdam):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-16,
                 weight_decay: WeightDecay = WeightDecay(), amsgrad=False,
                 degenerate_to_sgd=True,
                 rectify=True, defaults=None):
        defaults = {} if defaults is None else defaults
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, degenerate_to_sgd, defaults)
        self.rectify = rectify

    def init_state(self, state: Dict[str, any], group: Dict[str, any], param: nn.Parameter):
        state['step'] = 0
        state['exp_avg'] = torch.zeros_like(param, memory_format=torch.preserve_format)
        state['exp_avg_var'] = torch.zeros_like(param, memory_format=torch.preserve_format)

        if group['amsgrad']:
            state['max_exp_avg_var'] = torch.zeros_like(param, memory_format=torch.preserve_format)

    def get_ms(self, state: Dict[str, Any], group: Dict[str, Any], grad: torch.Tensor):
        beta1, beta2 = group['betas']

        m, s = state['exp_avg'], state['exp_avg_var']

        m.mul_(beta1).add_(grad, alpha=1 - beta1)
        grad_residual = grad - m
        s.mul_(beta2).addcmul_(grad_residual, grad_residual, value=1 - beta2)

        if group['amsgrad']:
            s_max = state['max_exp_avg_var']
            torch.maximum(s_max, s, out=s_max)

            return m, s_max
        else:
            return m, s

    def step_param(self, state: Dict[str, any], group: Dict[str, any], grad: torch.Tensor, param: torch.nn.Parameter):
        grad = self.weight_decay(param, grad, group)

        m, s = self.get_ms(state, group, grad)

        state['step'] += 1

        if not self.rectify:
            self.adam_update(state, group, param, m, s + group['eps'])
        else:
            self.r_adam_update(state, group, param, m, s + group['eps'])


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 20, 5, 1)
        self.pool1 = nn.MaxPool2d(2)
        self.conv2 = nn.Conv2d(20, 50, 5, 1)
        self.pool2 = nn.MaxPool2d(2)
        self.fc1 = nn.Linear(16 * 50, 500)
        self.fc2 = nn.Linear(500, 10)
        self.activation = nn.ReLU()

    def forward(self, x):
        x = self.activation(self.conv1(x))
        x = self.pool1(x)
        x = self.activation(self.conv2(x))
        x = self.pool2(x)
        x = self.activation(self.fc1(x.view(-1, 16 * 50)))
        return self.fc2(x)


# adapted: the experiment's train step (model, CrossEntropyLoss, backward, optimizer.step, zero_grad) written out
xs, ys, _, _ = mnist_subset(96, 1)
loss_func = nn.CrossEntropyLoss()
makers = {
    "adam": lambda p: Adam(p, lr=1.5e-4),
    "adam_plain": lambda p: Adam(p, lr=1.5e-4, eps=1e-8, optimized_update=False,
                                 weight_decay=WeightDecay(0.1, weight_decouple=False)),
    "torch_adam": lambda p: torch.optim.Adam(p, lr=1.5e-4, eps=1e-8, weight_decay=0.1),
    "amsgrad": lambda p: AMSGrad(p, lr=1.5e-4, weight_decay=WeightDecay(0.01)),
    "warmup": lambda p: AdamWarmup(p, lr=1.5e-4, warmup=2),
    "noam": lambda p: Noam(p, lr=1.0, warmup=2, d_model=64),
    "radam": lambda p: RAdam(p, lr=1e-3, betas=(0.9, 0.6)),
    "ada_belief": lambda p: AdaBelief(p, lr=1e-3, betas=(0.9, 0.6), amsgrad=True,
                                      weight_decay=WeightDecay(0.01, absolute=True)),
}
for name, make in makers.items():
    torch.manual_seed(3)
    model = Model()
    optimizer = make(model.parameters())
    losses = []
    for i in range(3):
        data, target = torch.from_numpy(xs[32 * i:32 * (i + 1)]), torch.from_numpy(ys[32 * i:32 * (i + 1)])

        def closure():
            optimizer.zero_grad()
            loss = loss_func(model(data), target)
            loss.backward()
            return loss

        losses.append(optimizer.step(closure).item())
    state = optimizer.state[model.fc2.weight]
    result[f"mnist_{name}"] = [losses, model.fc2.bias.tolist(), sorted(state),
                               state['exp_avg'].abs().sum().item(), model.conv1.weight.abs().sum().item()]
result["adam_matches_torch"] = np.allclose(result["mnist_adam_plain"][1], result["mnist_torch_adam"][1], atol=1e-6)

try:
    Adam(Model().parameters(), lr=-1.0)
except ValueError as e:
    result["bad_lr"] = str(e)
try:
    WeightDecay(-0.5)
except ValueError as e:
    result["bad_wd"] = str(e)
