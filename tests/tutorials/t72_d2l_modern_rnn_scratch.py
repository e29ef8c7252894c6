"""Dive into Deep Learning (d2l-ai/d2l-en, PyTorch code, chapter_recurrent-modern), the from-scratch models
of the GRU, LSTM, deep-RNN and bidirectional-RNN sections with the d2l helpers they need (in _d2l.py): GRUScratch
(init_weight/triple lambdas making nn.Parameter(d2l.randn(*shape) * sigma), the update/reset gates, H = Z * H +
(1 - Z) * H_tilde), LSTMScratch (input/forget/output gates, the (H, C) state), StackedRNNScratch (nn.Sequential
of RNNScratch indexed by layer, d2l.stack of outputs, a list of states), BiRNNScratch (reversed() of a tensor
and of a list, d2l.concat of the two directions, self.num_hiddens *= 2), each trained as an RNNLMScratch with
gradient clipping and used to predict, and the concise nn.GRU/nn.LSTM counterparts trained from the same start.
Adapted as t41: the book's text is a few inline sentences, the loaders do not shuffle, plots are recorded,
parameters are set from NumPy after a dry run."""
import torch
from torch import nn
from torch.nn import functional as F


from _d2l import make_d2l

d2l = make_d2l(torch, nn, F)  # d2l's library classes, built on the library imported above
set_numpy_weights = d2l.set_numpy_weights


# -- 10.2 GRU from scratch
class GRUScratch(d2l.Module):
    def __init__(self, num_inputs, num_hiddens, sigma=0.01):
        super().__init__()
        self.save_hyperparameters()
        init_weight = lambda *shape: nn.Parameter(d2l.randn(*shape) * sigma)
        triple = lambda: (init_weight(num_inputs, num_hiddens),
                          init_weight(num_hiddens, num_hiddens),
                          nn.Parameter(d2l.zeros(num_hiddens)))
        self.W_xz, self.W_hz, self.b_z = triple()  # Update gate
        self.W_xr, self.W_hr, self.b_r = triple()  # Reset gate
        self.W_xh, self.W_hh, self.b_h = triple()  # Candidate hidden state


@d2l.add_to_class(GRUScratch)
def forward(self, inputs, H=None):
    if H is None:
        # Initial state with shape: (batch_size, num_hiddens)
        H = d2l.zeros((inputs.shape[1], self.num_hiddens),
                      device=inputs.device)
    outputs = []
    for X in inputs:
        Z = d2l.sigmoid(d2l.matmul(X, self.W_xz) +
                        d2l.matmul(H, self.W_hz) + self.b_z)
        R = d2l.sigmoid(d2l.matmul(X, self.W_xr) +
                        d2l.matmul(H, self.W_hr) + self.b_r)
        H_tilde = d2l.tanh(d2l.matmul(X, self.W_xh) +
                           d2l.matmul(R * H, self.W_hh) + self.b_h)
        H = Z * H + (1 - Z) * H_tilde
        outputs.append(H)
    return outputs, H


class GRU(d2l.RNN):
    def __init__(self, num_inputs, num_hiddens):
        d2l.Module.__init__(self)
        self.save_hyperparameters()
        self.rnn = nn.GRU(num_inputs, num_hiddens)


# -- 10.1 LSTM from scratch
class LSTMScratch(d2l.Module):
    def __init__(self, num_inputs, num_hiddens, sigma=0.01):
        super().__init__()
        self.save_hyperparameters()
        init_weight = lambda *shape: nn.Parameter(d2l.randn(*shape) * sigma)
        triple = lambda: (init_weight(num_inputs, num_hiddens),
                          init_weight(num_hiddens, num_hiddens),
                          nn.Parameter(d2l.zeros(num_hiddens)))
        self.W_xi, self.W_hi, self.b_i = triple()  # Input gate
        self.W_xf, self.W_hf, self.b_f = triple()  # Forget gate
        self.W_xo, self.W_ho, self.b_o = triple()  # Output gate
        self.W_xc, self.W_hc, self.b_c = triple()  # Input node


@d2l.add_to_class(LSTMScratch)
def forward(self, inputs, H_C=None):
    if H_C is None:
        # Initial state with shape: (batch_size, num_hiddens)
        H = d2l.zeros((inputs.shape[1], self.num_hiddens),
                      device=inputs.device)
        C = d2l.zeros((inputs.shape[1], self.num_hiddens),
                      device=inputs.device)
    else:
        H, C = H_C
    outputs = []
    for X in inputs:
        I = d2l.sigmoid(d2l.matmul(X, self.W_xi) +
                        d2l.matmul(H, self.W_hi) + self.b_i)
        F = d2l.sigmoid(d2l.matmul(X, self.W_xf) +
                        d2l.matmul(H, self.W_hf) + self.b_f)
        O = d2l.sigmoid(d2l.matmul(X, self.W_xo) +
                        d2l.matmul(H, self.W_ho) + self.b_o)
        C_tilde = d2l.tanh(d2l.matmul(X, self.W_xc) +
                           d2l.matmul(H, self.W_hc) + self.b_c)
        C = F * C + I * C_tilde
        H = O * d2l.tanh(C)
        outputs.append(H)
    return outputs, (H, C)


class LSTM(d2l.RNN):
    def __init__(self, num_inputs, num_hiddens):
        d2l.Module.__init__(self)
        self.save_hyperparameters()
        self.rnn = nn.LSTM(num_inputs, num_hiddens)

    def forward(self, inputs, H_C=None):
        return self.rnn(inputs, H_C)


# -- 10.3 deep RNN from scratch
class StackedRNNScratch(d2l.Module):
    def __init__(self, num_inputs, num_hiddens, num_layers, sigma=0.01):
        super().__init__()
        self.save_hyperparameters()
        self.rnns = nn.Sequential(*[d2l.RNNScratch(
            num_inputs if i==0 else num_hiddens, num_hiddens, sigma)
                                    for i in range(num_layers)])


@d2l.add_to_class(StackedRNNScratch)
def forward(self, inputs, Hs=None):
    outputs = inputs
    if Hs is None: Hs = [None] * self.num_layers
    for i in range(self.num_layers):
        outputs, Hs[i] = self.rnns[i](outputs, Hs[i])
        outputs = d2l.stack(outputs, 0)
    return outputs, Hs


# -- 10.4 bidirectional RNN from scratch
class BiRNNScratch(d2l.Module):
    def __init__(self, num_inputs, num_hiddens, sigma=0.01):
        super().__init__()
        self.save_hyperparameters()
        self.f_rnn = d2l.RNNScratch(num_inputs, num_hiddens, sigma)
        self.b_rnn = d2l.RNNScratch(num_inputs, num_hiddens, sigma)
        self.num_hiddens *= 2  # The output dimension will be doubled


@d2l.add_to_class(BiRNNScratch)
def forward(self, inputs, Hs=None):
    f_H, b_H = Hs if Hs is not None else (None, None)
    f_outputs, f_H = self.f_rnn(inputs, f_H)
    b_outputs, b_H = self.b_rnn(reversed(inputs), b_H)
    outputs = [d2l.concat((f, b), -1) for f, b in zip(
        f_outputs, reversed(b_outputs))]
    return outputs, (f_H, b_H)


result = {}
data = d2l.TimeMachine(batch_size=16, num_steps=8, num_train=192, num_val=64)  # adapted: 1024, 32, the full text
vocab = data.vocab
H = GRUScratch(4, 6)(torch.ones((5, 2, 4)))[1]
_, (H2, C2) = LSTMScratch(4, 6)(torch.ones((5, 2, 4)))
outs, Hs = StackedRNNScratch(4, 6, 3)(torch.ones((5, 2, 4)))
bouts, (fH, bH) = BiRNNScratch(4, 6)(torch.ones((5, 2, 4)))
result["shapes"] = [list(H.shape), list(H2.shape), list(C2.shape), list(outs.shape), len(Hs), len(bouts),
                    list(bouts[0].shape), list(fH.shape), list(bH.shape)]
print(result["shapes"])
cases = [
    ("gru_scratch", lambda: d2l.RNNLMScratch(GRUScratch(num_inputs=len(data.vocab), num_hiddens=32),
                                             vocab_size=len(data.vocab), lr=4)),
    ("gru", lambda: d2l.RNNLM(GRU(num_inputs=len(data.vocab), num_hiddens=32), vocab_size=len(data.vocab), lr=4)),
    ("lstm_scratch", lambda: d2l.RNNLMScratch(LSTMScratch(num_inputs=len(data.vocab), num_hiddens=32),
                                              vocab_size=len(data.vocab), lr=4)),
    ("lstm", lambda: d2l.RNNLM(LSTM(num_inputs=len(data.vocab), num_hiddens=32), vocab_size=len(data.vocab), lr=4)),
    ("stacked_scratch", lambda: d2l.RNNLMScratch(StackedRNNScratch(num_inputs=len(data.vocab), num_hiddens=32,
                                                                   num_layers=2), vocab_size=len(data.vocab), lr=2)),
    ("birnn_scratch", lambda: d2l.RNNLMScratch(BiRNNScratch(num_inputs=len(data.vocab), num_hiddens=16),
                                               vocab_size=len(data.vocab), lr=2)),
]
for key, make in cases:
    model = make()
    model(data.X[:2])  # dry run (LazyLinear), then the same start on both libraries
    set_numpy_weights(model, 7)
    trainer = d2l.Trainer(max_epochs=2, gradient_clip_val=1, num_gpus=0)  # adapted: 50 or 100 epochs
    trainer.fit(model, data)
    X, Y = data.X[:4], data.Y[:4]
    loss = model.loss(model(X), Y)
    model.zero_grad()
    loss.backward()
    text = model.predict('it has', 20, data.vocab, d2l.try_gpu())
    print(key, text, f'{loss:.4f}')
    result[key] = {"train_ppl": model.board.points["train_ppl"][-3:], "val_ppl": model.board.points["val_ppl"],
                   "predict": text, "names": [n for n, _ in model.named_parameters()], "loss": loss.item(),
                   "grads": [float(p.grad.norm()) for p in model.parameters()]}
