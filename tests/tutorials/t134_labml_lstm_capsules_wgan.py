"""labml.ai Annotated Deep Learning Paper Implementations (github.com/labmlai/annotated_deep_learning_paper_
implementations, commit e6b3c8a, MIT licence): lstm/__init__.py (LSTMCell with ifgo.chunk(4, dim=-1) and optional
LayerNorms or nn.Identity, a multi-layer LSTM with x.new_zeros states, torch.unbind of a given state and
torch.stack of the outputs), hypernetworks/hyper_lstm.py (HyperLSTMCell: an inner layer-normalised LSTMCell,
nn.ParameterList weights, einsum 'ij,bj->bi', HyperLSTM), capsule_networks/__init__.py (Squash with
sum(dim=-1, keepdims=True), Router's dynamic routing with einsum 'ijnm,bin->bijm' / 'bij,bijm->bjm' /
'bjm,bijm->bij', MarginLoss indexing torch.eye by the labels) and capsule_networks/mnist.py's
MNISTCapsuleNetworkModel (9x9 convolutions, the capsule view/permute, a torch.no_grad() mask, the decoder) with its
training step (margin loss + 0.0005 * MSE reconstruction), gan/wasserstein/__init__.py (DiscriminatorLoss,
GeneratorLoss) and gan/wasserstein/gradient_penalty/__init__.py (torch.autograd.grad(create_graph=True) with
grad_outputs=f.new_ones(f.shape), gradients.norm(2, dim=-1)). Unchanged except where marked ``# adapted``: the
docstrings/comments are dropped, labml's trainer is one Adam step on two real MNIST images, the LSTMs are
checked against nn.LSTM with the same weights, and the WGAN losses run on a small critic."""
from typing import Optional, Tuple

import numpy as np  # adapted
import torch
import torch.autograd
import torch.nn as nn
import torch.nn.functional as F
import torch.utils.data

from _helpers import mnist_subset  # adapted

result = {}  # adapted


class LSTMCell(nn.Module):
    def __init__(self, input_size: int, hidden_size: int, layer_norm: bool = False):
        super().__init__()
        self.hidden_lin = nn.Linear(hidden_size, 4 * hidden_size)
        self.input_lin = nn.Linear(input_size, 4 * hidden_size, bias=False)
        if layer_norm:
            self.layer_norm = nn.ModuleList([nn.LayerNorm(hidden_size) for _ in range(4)])
            self.layer_norm_c = nn.LayerNorm(hidden_size)
        else:
            self.layer_norm = nn.ModuleList([nn.Identity() for _ in range(4)])
            self.layer_norm_c = nn.Identity()

    def forward(self, x: torch.Tensor, h: torch.Tensor, c: torch.Tensor):
        ifgo = self.hidden_lin(h) + self.input_lin(x)
        ifgo = ifgo.chunk(4, dim=-1)
        ifgo = [self.layer_norm[i](ifgo[i]) for i in range(4)]
        i, f, g, o = ifgo
        c_next = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h_next = torch.sigmoid(o) * torch.tanh(self.layer_norm_c(c_next))

        return h_next, c_next


class LSTM(nn.Module):
    def __init__(self, input_size: int, hidden_size: int, n_layers: int):
        super().__init__()
        self.n_layers = n_layers
        self.hidden_size = hidden_size
        self.cells = nn.ModuleList([LSTMCell(input_size, hidden_size)] +
                                   [LSTMCell(hidden_size, hidden_size) for _ in range(n_layers - 1)])

    def forward(self, x: torch.Tensor, state: Optional[Tuple[torch.Tensor, torch.Tensor]] = None):
        n_steps, batch_size = x.shape[:2]
        if state is None:
            h = [x.new_zeros(batch_size, self.hidden_size) for _ in range(self.n_layers)]
            c = [x.new_zeros(batch_size, self.hidden_size) for _ in range(self.n_layers)]
        else:
            (h, c) = state
            h, c = list(torch.unbind(h)), list(torch.unbind(c))
        out = []
        for t in range(n_steps):
            inp = x[t]
            for layer in range(self.n_layers):
                h[layer], c[layer] = self.cells[layer](inp, h[layer], c[layer])
                inp = h[layer]
            out.append(h[-1])
        out = torch.stack(out)
        h = torch.stack(h)
        c = torch.stack(c)

        return out, (h, c)


class HyperLSTMCell(nn.Module):
    def __init__(self, input_size: int, hidden_size: int, hyper_size: int, n_z: int):
        super().__init__()
        self.hyper = LSTMCell(hidden_size + input_size, hyper_size, layer_norm=True)
        self.z_h = nn.Linear(hyper_size, 4 * n_z)
        self.z_x = nn.Linear(hyper_size, 4 * n_z)
        self.z_b = nn.Linear(hyper_size, 4 * n_z, bias=False)
        d_h = [nn.Linear(n_z, hidden_size, bias=False) for _ in range(4)]
        self.d_h = nn.ModuleList(d_h)
        d_x = [nn.Linear(n_z, hidden_size, bias=False) for _ in range(4)]
        self.d_x = nn.ModuleList(d_x)
        d_b = [nn.Linear(n_z, hidden_size) for _ in range(4)]
        self.d_b = nn.ModuleList(d_b)
        self.w_h = nn.ParameterList([nn.Parameter(torch.zeros(hidden_size, hidden_size)) for _ in range(4)])
        self.w_x = nn.ParameterList([nn.Parameter(torch.zeros(hidden_size, input_size)) for _ in range(4)])
        self.layer_norm = nn.ModuleList([nn.LayerNorm(hidden_size) for _ in range(4)])
        self.layer_norm_c = nn.LayerNorm(hidden_size)

    def forward(self, x: torch.Tensor,
                h: torch.Tensor, c: torch.Tensor,
                h_hat: torch.Tensor, c_hat: torch.Tensor):
        x_hat = torch.cat((h, x), dim=-1)
        h_hat, c_hat = self.hyper(x_hat, h_hat, c_hat)
        z_h = self.z_h(h_hat).chunk(4, dim=-1)
        z_x = self.z_x(h_hat).chunk(4, dim=-1)
        z_b = self.z_b(h_hat).chunk(4, dim=-1)
        ifgo = []
        for i in range(4):
            d_h = self.d_h[i](z_h[i])
            d_x = self.d_x[i](z_x[i])
            y = d_h * torch.einsum('ij,bj->bi', self.w_h[i], h) + \
                d_x * torch.einsum('ij,bj->bi', self.w_x[i], x) + \
                self.d_b[i](z_b[i])

            ifgo.append(self.layer_norm[i](y))
        i, f, g, o = ifgo
        c_next = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h_next = torch.sigmoid(o) * torch.tanh(self.layer_norm_c(c_next))

        return h_next, c_next, h_hat, c_hat


class HyperLSTM(nn.Module):
    def __init__(self, input_size: int, hidden_size: int, hyper_size: int, n_z: int, n_layers: int):
        super().__init__()
        self.n_layers = n_layers
        self.hidden_size = hidden_size
        self.hyper_size = hyper_size
        self.cells = nn.ModuleList([HyperLSTMCell(input_size, hidden_size, hyper_size, n_z)] +
                                   [HyperLSTMCell(hidden_size, hidden_size, hyper_size, n_z) for _ in
                                    range(n_layers - 1)])

    def forward(self, x: torch.Tensor,
                state: Optional[Tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]] = None):
        n_steps, batch_size = x.shape[:2]
        if state is None:
            h = [x.new_zeros(batch_size, self.hidden_size) for _ in range(self.n_layers)]
            c = [x.new_zeros(batch_size, self.hidden_size) for _ in range(self.n_layers)]
            h_hat = [x.new_zeros(batch_size, self.hyper_size) for _ in range(self.n_layers)]
            c_hat = [x.new_zeros(batch_size, self.hyper_size) for _ in range(self.n_layers)]
        else:
            (h, c, h_hat, c_hat) = state
            h, c = list(torch.unbind(h)), list(torch.unbind(c))
            h_hat, c_hat = list(torch.unbind(h_hat)), list(torch.unbind(c_hat))
        out = []
        for t in range(n_steps):
            inp = x[t]
            for layer in range(self.n_layers):
                h[layer], c[layer], h_hat[layer], c_hat[layer] = \
                    self.cells[layer](inp, h[layer], c[layer], h_hat[layer], c_hat[layer])
                inp = h[layer]
            out.append(h[-1])
        out = torch.stack(out)
        h = torch.stack(h)
        c = torch.stack(c)
        h_hat = torch.stack(h_hat)
        c_hat = torch.stack(c_hat)
        return out, (h, c, h_hat, c_hat)


# adapted: the LSTM against nn.LSTM with the same weights, then the HyperLSTM forward/backward
torch.manual_seed(0)
lstm = LSTM(5, 8, 2)
ref = nn.LSTM(5, 8, 2)
with torch.no_grad():
    for layer, cell in enumerate(lstm.cells):
        getattr(ref, f"weight_ih_l{layer}").copy_(cell.input_lin.weight)
        getattr(ref, f"weight_hh_l{layer}").copy_(cell.hidden_lin.weight)
        getattr(ref, f"bias_hh_l{layer}").copy_(cell.hidden_lin.bias)
        getattr(ref, f"bias_ih_l{layer}").zero_()
x = torch.randn(6, 3, 5)
state = (torch.randn(2, 3, 8), torch.randn(2, 3, 8))
out, (h, c) = lstm(x, state)
out_ref, (h_ref, c_ref) = ref(x, state)
out.sum().backward()
result["lstm"] = [out[-1].tolist(), (out - out_ref).abs().max().item() < 1e-5, (c - c_ref).abs().max().item() < 1e-5,
                  lstm.cells[0].input_lin.weight.grad[:2].tolist()]
ln_cell = LSTMCell(5, 8, layer_norm=True)
hn, cn = ln_cell(x[0], torch.zeros(3, 8), torch.zeros(3, 8))
result["ln_cell"] = [hn.tolist(), cn[0].tolist()]

hyper = HyperLSTM(5, 8, 6, 4, 2)
for p in hyper.parameters():  # the zero w_h/w_x would leave most of the cell unused
    if p.dim() == 2 and p.abs().sum() == 0:
        p.data.normal_(0, 0.3)
out, (h, c, h_hat, c_hat) = hyper(x)
out2, _ = hyper(x[:2], (h, c, h_hat, c_hat))
(out.pow(2).mean() + out2.mean()).backward()
result["hyper_lstm"] = [out[-1].tolist(), h_hat.shape == (2, 3, 6), out2[1, 0].tolist(),
                        hyper.cells[0].w_h[2].grad[:2, :3].tolist(), hyper.cells[1].hyper.layer_norm[0].weight.grad.tolist()]


class Squash(nn.Module):
    def __init__(self, epsilon=1e-8):
        super().__init__()
        self.epsilon = epsilon

    def forward(self, s: torch.Tensor):
        s2 = (s ** 2).sum(dim=-1, keepdims=True)
        return (s2 / (1 + s2)) * (s / torch.sqrt(s2 + self.epsilon))


class Router(nn.Module):
    def __init__(self, in_caps: int, out_caps: int, in_d: int, out_d: int, iterations: int):
        super().__init__()
        self.in_caps = in_caps
        self.out_caps = out_caps
        self.iterations = iterations
        self.softmax = nn.Softmax(dim=1)
        self.squash = Squash()
        self.weight = nn.Parameter(torch.randn(in_caps, out_caps, in_d, out_d), requires_grad=True)

    def forward(self, u: torch.Tensor):
        u_hat = torch.einsum('ijnm,bin->bijm', self.weight, u)
        b = u.new_zeros(u.shape[0], self.in_caps, self.out_caps)

        v = None
        for i in range(self.iterations):
            c = self.softmax(b)
            s = torch.einsum('bij,bijm->bjm', c, u_hat)
            v = self.squash(s)
            a = torch.einsum('bjm,bijm->bij', v, u_hat)
            b = b + a

        return v


class MarginLoss(nn.Module):
    def __init__(self, *, n_labels: int, lambda_: float = 0.5, m_positive: float = 0.9, m_negative: float = 0.1):
        super().__init__()

        self.m_negative = m_negative
        self.m_positive = m_positive
        self.lambda_ = lambda_
        self.n_labels = n_labels

    def forward(self, v: torch.Tensor, labels: torch.Tensor):
        v_norm = torch.sqrt((v ** 2).sum(dim=-1))
        labels = torch.eye(self.n_labels, device=labels.device)[labels]
        loss = labels * F.relu(self.m_positive - v_norm) + \
               self.lambda_ * (1.0 - labels) * F.relu(v_norm - self.m_negative)
        return loss.sum(dim=-1).mean()


class MNISTCapsuleNetworkModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels=1, out_channels=256, kernel_size=9, stride=1)
        self.conv2 = nn.Conv2d(in_channels=256, out_channels=32 * 8, kernel_size=9, stride=2, padding=0)
        self.squash = Squash()
        self.digit_capsules = Router(32 * 6 * 6, 10, 8, 16, 3)
        self.decoder = nn.Sequential(
            nn.Linear(16 * 10, 512),
            nn.ReLU(),
            nn.Linear(512, 1024),
            nn.ReLU(),
            nn.Linear(1024, 784),
            nn.Sigmoid()
        )

    def forward(self, data: torch.Tensor):
        x = F.relu(self.conv1(data))
        x = self.conv2(x)
        caps = x.view(x.shape[0], 8, 32 * 6 * 6).permute(0, 2, 1)
        caps = self.squash(caps)
        caps = self.digit_capsules(caps)
        with torch.no_grad():
            pred = (caps ** 2).sum(-1).argmax(-1)
            mask = torch.eye(10, device=data.device)[pred]
        reconstructions = self.decoder((caps * mask[:, :, None]).view(x.shape[0], -1))
        reconstructions = reconstructions.view(-1, 1, 28, 28)

        return caps, reconstructions, pred


# adapted: Configs.step written out for one training batch of two images (MNISTConfigs' ToTensor + Normalize)
torch.manual_seed(1)
model = MNISTCapsuleNetworkModel()
optimizer = torch.optim.Adam(model.parameters())
reconstruction_loss = nn.MSELoss()
margin_loss = MarginLoss(n_labels=10)
xs, ys, _, _ = mnist_subset(2, 1)
data, target = torch.from_numpy(xs), torch.from_numpy(ys)
model.train(True)
caps, reconstructions, pred = model(data)
loss = margin_loss(caps, target) + 0.0005 * reconstruction_loss(reconstructions, data)
loss.backward()
result["capsnet_grads"] = [model.digit_capsules.weight.grad.abs().sum().item(), model.conv1.bias.grad[:4].tolist()]
optimizer.step()
optimizer.zero_grad()
with torch.no_grad():
    caps2, _, pred2 = model(data)
result["capsnet"] = [loss.item(), caps[0, :3, :4].tolist(), reconstructions[1, 0, 14, 10:14].tolist(),
                     (caps2 - caps).abs().max().item()]
result["capsnet_pred"] = [pred.tolist(), pred2.tolist()]


class DiscriminatorLoss(nn.Module):
    def forward(self, f_real: torch.Tensor, f_fake: torch.Tensor):
        return F.relu(1 - f_real).mean(), F.relu(1 + f_fake).mean()


class GeneratorLoss(nn.Module):
    def forward(self, f_fake: torch.Tensor):
        return -f_fake.mean()


class GradientPenalty(nn.Module):
    def forward(self, x: torch.Tensor, f: torch.Tensor):
        batch_size = x.shape[0]
        gradients, *_ = torch.autograd.grad(outputs=f,
                                            inputs=x,
                                            grad_outputs=f.new_ones(f.shape),
                                            create_graph=True)
        gradients = gradients.reshape(batch_size, -1)
        norm = gradients.norm(2, dim=-1)
        return torch.mean((norm - 1) ** 2)


# adapted: the losses on a small critic and generator (the labml GAN experiment's use of them, one step each)
torch.manual_seed(2)
critic = nn.Sequential(nn.Linear(6, 16), nn.LeakyReLU(0.2), nn.Linear(16, 1))
generator = nn.Sequential(nn.Linear(3, 16), nn.ReLU(), nn.Linear(16, 6))
real = torch.randn(8, 6) + 1
fake = generator(torch.randn(8, 3))
real.requires_grad_()
f_real, f_fake = critic(real), critic(fake.detach())
loss_true, loss_false = DiscriminatorLoss()(f_real, f_fake)
gp = GradientPenalty()(real, f_real)
(loss_true + loss_false + 10.0 * gp).backward()
g_loss = GeneratorLoss()(critic(fake))
critic.zero_grad()
g_loss.backward()
result["wgan"] = [loss_true.item(), loss_false.item(), gp.item(), g_loss.item(), generator[0].weight.grad[:2].tolist()]
