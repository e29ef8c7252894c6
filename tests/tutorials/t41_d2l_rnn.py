"""Dive into Deep Learning (d2l-ai/d2l-en, PyTorch code), the recurrent chapters with the d2l helpers they need
(in _d2l.py): the TimeMachine data module (character Vocab, overlapping subsequences), RNNScratch (nn.Parameter
weights, a Python loop over time steps), RNNLMScratch (F.one_hot(X.T, vocab_size).type(torch.float32), stack of
per-step outputs, gradient clipping through param.grad[:] *= ..., predict with argmax), the concise RNN/RNNLM
(nn.RNN and nn.LazyLinear, swapaxes), GRU, LSTM (the (H, C) state), the deep GRU and the bidirectional GRU.
Adapted: the book's text is a few inline sentences, the loaders do not shuffle, plots are recorded, parameters
are set from NumPy after a dry run."""
import torch
from torch import nn
from torch.nn import functional as F


from _d2l import make_d2l

d2l = make_d2l(torch, nn, F)  # d2l's library classes, built on the library imported above
Module, Trainer, TimeMachine, set_numpy_weights = d2l.Module, d2l.Trainer, d2l.TimeMachine, d2l.set_numpy_weights
RNNScratch, RNNLMScratch, RNN, RNNLM = d2l.RNNScratch, d2l.RNNLMScratch, d2l.RNN, d2l.RNNLM


class GRU(RNN):
    def __init__(self, num_inputs, num_hiddens):
        Module.__init__(self)
        self.save_hyperparameters()
        self.rnn = nn.GRU(num_inputs, num_hiddens)


class LSTM(RNN):
    def __init__(self, num_inputs, num_hiddens):
        Module.__init__(self)
        self.save_hyperparameters()
        self.rnn = nn.LSTM(num_inputs, num_hiddens)

    def forward(self, inputs, H_C=None):
        return self.rnn(inputs, H_C)


class DeepGRU(RNN):
    """The multilayer GRU model."""
    def __init__(self, num_inputs, num_hiddens, num_layers, dropout=0):
        Module.__init__(self)
        self.save_hyperparameters()
        self.rnn = nn.GRU(num_inputs, num_hiddens, num_layers, dropout=dropout)


class BiGRU(RNN):
    def __init__(self, num_inputs, num_hiddens):
        Module.__init__(self)
        self.save_hyperparameters()
        self.rnn = nn.GRU(num_inputs, num_hiddens, bidirectional=True)
        self.num_hiddens *= 2


result = {}
data = TimeMachine(batch_size=16, num_steps=8, num_train=192, num_val=64)
vocab = data.vocab
print(len(vocab), vocab.to_tokens([1, 2, 3]), data.X.shape)
X = torch.ones((8, 2, 16))
outputs, state = RNNScratch(16, 32)(X)
result["scratch_shapes"] = [len(outputs), list(outputs[0].shape), list(state.shape)]
cases = [("scratch", lambda: RNNLMScratch(RNNScratch(num_inputs=len(vocab), num_hiddens=32), len(vocab), lr=1)),
         ("rnn", lambda: RNNLM(RNN(num_inputs=len(vocab), num_hiddens=32), len(vocab), lr=1)),
         ("gru", lambda: RNNLM(GRU(num_inputs=len(vocab), num_hiddens=32), len(vocab), lr=4)),
         ("lstm", lambda: RNNLM(LSTM(num_inputs=len(vocab), num_hiddens=32), len(vocab), lr=4)),
         ("deep_gru", lambda: RNNLM(DeepGRU(num_inputs=len(vocab), num_hiddens=16, num_layers=2), len(vocab), lr=2)),
         ("bi_gru", lambda: RNNLM(BiGRU(num_inputs=len(vocab), num_hiddens=16), len(vocab), lr=2))]
for key, make in cases:
    model = make()
    model(data.X[:2])  # dry run (LazyLinear), then the same start on both libraries
    set_numpy_weights(model, 7)
    Trainer(max_epochs=2, gradient_clip_val=1).fit(model, data)
    text = model.predict('it has', 12, vocab)
    print(key, text)
    result[key] = {"train_ppl": model.board.points["train_ppl"][-3:], "val_ppl": model.board.points["val_ppl"],
                   "predict": text, "names": [n for n, _ in model.named_parameters()]}
