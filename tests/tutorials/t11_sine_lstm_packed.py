"""Time series with recurrent layers: an LSTMCell network learns to continue sine waves (the
"time sequence prediction" example), then a bidirectional GRU reads variable-length sequences
through pack_padded_sequence and regresses their mean."""
import math

import numpy as np
import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence, pad_sequence

from _helpers import numpy_weights

torch.manual_seed(0)
rng = np.random.default_rng(0)
T, N = 60, 24
phase = rng.integers(-20, 20, size=(N, 1))
waves = np.sin((np.arange(T)[None, :] + phase) / 6.0).astype(np.float32)
inputs, targets = torch.from_numpy(waves[:, :-1]), torch.from_numpy(waves[:, 1:])


class Sequence(nn.Module):
    def __init__(self):
        super(Sequence, self).__init__()
        self.lstm1 = nn.LSTMCell(1, 32)
        self.lstm2 = nn.LSTMCell(32, 32)
        self.linear = nn.Linear(32, 1)

    def forward(self, input, future=0):
        outputs = []
        h_t = torch.zeros(input.size(0), 32, dtype=torch.float32)
        c_t = torch.zeros(input.size(0), 32, dtype=torch.float32)
        h_t2 = torch.zeros(input.size(0), 32, dtype=torch.float32)
        c_t2 = torch.zeros(input.size(0), 32, dtype=torch.float32)
        for input_t in input.split(1, dim=1):
            h_t, c_t = self.lstm1(input_t, (h_t, c_t))
            h_t2, c_t2 = self.lstm2(h_t, (h_t2, c_t2))
            output = self.linear(h_t2)
            outputs += [output]
        for i in range(future):  # predict the future from the model's own outputs
            h_t, c_t = self.lstm1(output, (h_t, c_t))
            h_t2, c_t2 = self.lstm2(h_t, (h_t2, c_t2))
            output = self.linear(h_t2)
            outputs += [output]
        return torch.cat(outputs, dim=1)


def set_weights(model, seed):
    with torch.no_grad():
        named = list(model.named_parameters())
        for (name, p), w in zip(named, numpy_weights([(n, p.shape) for n, p in named], seed=seed)):
            p.copy_(torch.from_numpy(w))


seq = Sequence()
set_weights(seq, 1)
criterion = nn.MSELoss()
optimizer = torch.optim.Adam(seq.parameters(), lr=0.02)
sine_losses = []
for step in range(15):
    optimizer.zero_grad()
    out = seq(inputs[:20])
    loss = criterion(out, targets[:20])
    loss.backward()
    optimizer.step()
    sine_losses.append(loss.item())
    print(f"step {step}: loss {loss.item():.5f}")
with torch.no_grad():
    pred = seq(inputs[20:], future=10)
    test_loss = criterion(pred[:, :-10], targets[20:]).item()
print(f"test loss {test_loss:.5f}, first predicted future values {pred[0, -10:-7].tolist()}")

# variable-length sequences: predict each sequence's mean with a bidirectional GRU over packed input
lengths = [int(n) for n in rng.integers(3, 15, size=16)]
seqs = [torch.from_numpy(rng.standard_normal((n, 2)).astype(np.float32)) for n in lengths]
means = torch.stack([s.mean() for s in seqs])


class MeanRegressor(nn.Module):
    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(2, 16, num_layers=2, batch_first=True, bidirectional=True)
        self.head = nn.Linear(2 * 16, 1)

    def forward(self, padded, lengths):
        packed = pack_padded_sequence(padded, lengths, batch_first=True, enforce_sorted=False)
        out, h_n = self.gru(packed)
        out, out_lengths = pad_packed_sequence(out, batch_first=True)
        summary = out.sum(dim=1) / out_lengths.unsqueeze(1).float()
        return self.head(summary).squeeze(1) + 0 * h_n.sum()


model = MeanRegressor()
set_weights(model, 2)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
padded = pad_sequence(seqs, batch_first=True)
gru_losses = []
for step in range(12):
    optimizer.zero_grad()
    loss = nn.functional.mse_loss(model(padded, lengths), means)
    loss.backward()
    optimizer.step()
    gru_losses.append(loss.item())
print("GRU losses:", ", ".join(f"{v:.4f}" for v in gru_losses[::3]))
print(f"padded {tuple(padded.shape)}, log10 of the last loss {math.log10(gru_losses[-1]):.3f}")
result = {"sine_losses": sine_losses, "sine_test_loss": test_loss, "future": pred[0, -10:].tolist(),
          "gru_losses": gru_losses}
