"""pytorch/examples' language_translation model code and a tabular MLP. The Translator (nn.Transformer with
PositionalEncoding as a buffer, xavier_uniform_ on every matrix, src/tgt embeddings) trained with the example's
create_mask (a float -inf causal mask from triu(...).transpose, a bool src mask, bool padding masks from
(src == pad).transpose(0, 1) also passed as memory_key_padding_mask), CrossEntropyLoss(ignore_index=pad),
Adam(betas, eps), pad_sequence collation, and greedy_decode (ys grown with torch.cat of ones(1, 1).type_as(...)
.fill_(next_word)). Then an MLP on a NumPy table (pandas-free): standardisation, FloatTensor/.float() inputs,
TensorDataset/DataLoader, Linear(bias=False) + BatchNorm1d + Dropout(0) + ReLU (a bias before
BatchNorm has a zero gradient, whose rounding noise Adam would amplify differently in each library), CrossEntropyLoss, AdamW with a StepLR, accuracy.
Adapted: a generated toy translation task (reversal with a shifted vocabulary), dropout 0, weights from NumPy."""
import math

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F
from torch.nn.utils.rnn import pad_sequence
from torch.utils.data import DataLoader, TensorDataset

from _helpers import numpy_weights

DEVICE = torch.device("cuda" if torch.cuda.is_available() else "cpu")
result = {}


def set_weights(model, seed):
    with torch.no_grad():
        named = list(model.named_parameters())
        for (name, p), w in zip(named, numpy_weights([(n, p.shape) for n, p in named], seed=seed)):
            p.copy_(torch.from_numpy(w))


class PositionalEncoding(nn.Module):
    def __init__(
        self,
        emb_size,
        dropout,
        maxlen=5000
    ):
        super(PositionalEncoding, self).__init__()
        den = torch.exp(- torch.arange(0, emb_size, 2)* math.log(10000) / emb_size)
        pos = torch.arange(0, maxlen).reshape(maxlen, 1)
        pos_embedding = torch.zeros((maxlen, emb_size))
        pos_embedding[:, 0::2] = torch.sin(pos * den)
        pos_embedding[:, 1::2] = torch.cos(pos * den)
        pos_embedding = pos_embedding.unsqueeze(-2)

        self.dropout = nn.Dropout(dropout)
        self.register_buffer('pos_embedding', pos_embedding)

    def forward(self, token_embedding):
        return self.dropout(token_embedding + self.pos_embedding[:token_embedding.size(0), :])


class Translator(nn.Module):
    def __init__(
            self,
            num_encoder_layers,
            num_decoder_layers,
            embed_size,
            num_heads,
            src_vocab_size,
            tgt_vocab_size,
            dim_feedforward,
            dropout
        ):
        super(Translator, self).__init__()

        # Output of embedding must be equal (embed_size)
        self.src_embedding = nn.Embedding(src_vocab_size, embed_size)
        self.tgt_embedding = nn.Embedding(tgt_vocab_size, embed_size)

        self.pos_enc = PositionalEncoding(embed_size, dropout)

        self.transformer = nn.Transformer(
            d_model=embed_size,
            nhead=num_heads,
            num_encoder_layers=num_encoder_layers,
            num_decoder_layers=num_decoder_layers,
            dim_feedforward=dim_feedforward,
            dropout=dropout
        )

        self.ff = nn.Linear(embed_size, tgt_vocab_size)

        self._init_weights()

    def _init_weights(self):
        for p in self.parameters():
            if p.dim() > 1:
                nn.init.xavier_uniform_(p)

    def forward(self, src, trg, src_mask, tgt_mask, src_padding_mask, tgt_padding_mask, memory_key_padding_mask):

        src_emb = self.pos_enc(self.src_embedding(src))
        tgt_emb = self.pos_enc(self.tgt_embedding(trg))

        outs = self.transformer(
            src_emb,
            tgt_emb,
            src_mask,
            tgt_mask,
            None,
            src_padding_mask,
            tgt_padding_mask,
            memory_key_padding_mask
        )

        return self.ff(outs)

    def encode(self, src, src_mask):

        embed = self.src_embedding(src)

        pos_enc = self.pos_enc(embed)

        return self.transformer.encoder(pos_enc, src_mask)

    def decode(self, tgt, memory, tgt_mask):

        embed = self.tgt_embedding(tgt)

        pos_enc = self.pos_enc(embed)

        return self.transformer.decoder(pos_enc, memory, tgt_mask)


def generate_square_subsequent_mask(size, device):
    mask = (torch.triu(torch.ones((size, size), device=device)) == 1).transpose(0, 1)
    mask = mask.float().masked_fill(mask == 0, float('-inf')).masked_fill(mask == 1, float(0.0))
    return mask


def create_mask(src, tgt, pad_idx, device):

    # Get sequence length
    src_seq_len = src.shape[0]
    tgt_seq_len = tgt.shape[0]

    # Generate the mask
    tgt_mask = generate_square_subsequent_mask(tgt_seq_len, device)
    src_mask = torch.zeros((src_seq_len, src_seq_len),device=device).type(torch.bool)

    # Overlay the mask over the original input
    src_padding_mask = (src == pad_idx).transpose(0, 1)
    tgt_padding_mask = (tgt == pad_idx).transpose(0, 1)
    return src_mask, tgt_mask, src_padding_mask, tgt_padding_mask


special_symbols = {"<unk>": 0, "<pad>": 1, "<bos>": 2, "<eos>": 3}
VOCAB = 12
rng = np.random.default_rng(8)
pairs = []
for _ in range(48):
    words = rng.integers(4, VOCAB, rng.integers(2, 6)).tolist()
    pairs.append((words, [4 + (w - 4 + 1) % (VOCAB - 4) for w in reversed(words)]))


def _tensor_transform(token_ids):
    return torch.cat(
        (torch.tensor([special_symbols["<bos>"]]),
         torch.tensor(token_ids),
         torch.tensor([special_symbols["<eos>"]]))
    )


def _collate_fn(batch):
    src_batch, tgt_batch = [], []
    for src_sample, tgt_sample in batch:
        src_batch.append(_tensor_transform(src_sample))
        tgt_batch.append(_tensor_transform(tgt_sample))

    src_batch = pad_sequence(src_batch, padding_value=special_symbols["<pad>"])
    tgt_batch = pad_sequence(tgt_batch, padding_value=special_symbols["<pad>"])
    return src_batch, tgt_batch


train_dl = DataLoader(pairs, batch_size=8, collate_fn=_collate_fn)
model = Translator(num_encoder_layers=2, num_decoder_layers=2, embed_size=16, num_heads=2, src_vocab_size=VOCAB,
                   tgt_vocab_size=VOCAB, dim_feedforward=32, dropout=0.0).to(DEVICE)
set_weights(model, 61)
loss_fn = torch.nn.CrossEntropyLoss(ignore_index=special_symbols["<pad>"])
optim = torch.optim.Adam(model.parameters(), lr=3e-3, betas=(0.9, 0.98), eps=1e-9)
epoch_losses = []
for epoch in range(4):
    model.train()
    losses = 0
    for src, tgt in train_dl:
        src = src.to(DEVICE)
        tgt = tgt.to(DEVICE)
        # We need to reshape the input slightly to fit into the transformer
        tgt_input = tgt[:-1, :]
        # Create masks
        src_mask, tgt_mask, src_padding_mask, tgt_padding_mask = create_mask(src, tgt_input,
                                                                            special_symbols["<pad>"], DEVICE)
        logits = model(src, tgt_input, src_mask, tgt_mask, src_padding_mask, tgt_padding_mask, src_padding_mask)
        optim.zero_grad()
        tgt_out = tgt[1:, :]
        loss = loss_fn(logits.reshape(-1, logits.shape[-1]), tgt_out.reshape(-1))
        loss.backward()
        optim.step()
        losses += loss.item()
    epoch_losses.append(losses / len(list(train_dl)))
    print(f"Epoch: {epoch}, Train loss: {epoch_losses[-1]:.3f}")


def greedy_decode(model, src, src_mask, max_len, start_symbol, end_symbol):
    src = src.to(DEVICE)
    src_mask = src_mask.to(DEVICE)
    memory = model.encode(src, src_mask)
    ys = torch.ones(1, 1).fill_(start_symbol).type(torch.long).to(DEVICE)
    for i in range(max_len-1):
        memory = memory.to(DEVICE)
        tgt_mask = (generate_square_subsequent_mask(ys.size(0), DEVICE).type(torch.bool)).to(DEVICE)
        out = model.decode(ys, memory, tgt_mask)
        out = out.transpose(0, 1)
        prob = model.ff(out[:, -1])
        _, next_word = torch.max(prob, dim=1)
        next_word = next_word.item()
        ys = torch.cat([ys, torch.ones(1, 1).type_as(src.data).fill_(next_word)], dim=0)
        if next_word == end_symbol:
            break
    return ys


model.eval()
decoded = []
with torch.no_grad():
    for words, _ in pairs[:4]:
        src = _tensor_transform(words).view(-1, 1)
        num_tokens = src.shape[0]
        src_mask = (torch.zeros(num_tokens, num_tokens)).type(torch.bool)
        tgt_tokens = greedy_decode(model, src, src_mask, max_len=num_tokens + 5,
                                   start_symbol=special_symbols["<bos>"], end_symbol=special_symbols["<eos>"])
        decoded.append(tgt_tokens.flatten().tolist())
result["translator"] = {"losses": epoch_losses, "decoded": decoded,
                        "mask": generate_square_subsequent_mask(3, DEVICE).tolist()}

# -- an MLP on tabular data (no pandas)
table = np.random.default_rng(9).standard_normal((240, 6))
table[:, 2] = table[:, 2] * 10 + 50
labels = ((table[:, 0] + 0.1 * table[:, 2] - 5 > 0).astype(np.int64) + (table[:, 1] > 0.8)).astype(np.int64)
mean, std = table[:180].mean(axis=0), table[:180].std(axis=0)
X = (table - mean) / std
X_train, X_test = torch.FloatTensor(X[:180]), torch.from_numpy(X[180:]).float()
y_train, y_test = torch.LongTensor(labels[:180]), torch.from_numpy(labels[180:])


class TabularMLP(nn.Module):
    def __init__(self, n_features, n_classes, hidden=32, p=0.0):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(n_features, hidden, bias=False), nn.BatchNorm1d(hidden), nn.ReLU(), nn.Dropout(p),
            nn.Linear(hidden, hidden), nn.ReLU(),
            nn.Linear(hidden, n_classes))

    def forward(self, x):
        return self.net(x)


clf = TabularMLP(X_train.shape[1], int(y_train.max()) + 1)
set_weights(clf, 62)
loader = DataLoader(TensorDataset(X_train, y_train), batch_size=32, shuffle=False)
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.AdamW(clf.parameters(), lr=1e-2, weight_decay=1e-2)
scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=3, gamma=0.5)
tab_losses = []
for epoch in range(6):
    clf.train()
    running = 0.0
    for xb, yb in loader:
        optimizer.zero_grad()
        loss = criterion(clf(xb), yb)
        loss.backward()
        optimizer.step()
        running += loss.item() * xb.size(0)
    scheduler.step()
    tab_losses.append(running / len(loader.dataset))
clf.eval()
with torch.no_grad():
    logits = clf(X_test)
    test_accuracy = (logits.argmax(dim=1) == y_test).float().mean().item()
    probs = F.softmax(logits, dim=1)
print(f"tabular: loss {tab_losses[-1]:.4f} accuracy {test_accuracy:.3f} lr {scheduler.get_last_lr()[0]:.5f}")
result["tabular"] = {"losses": tab_losses, "accuracy": test_accuracy, "probs": probs[:5].tolist(),
                     "lr": scheduler.get_last_lr(), "running_mean": clf.net[1].running_mean[:4].tolist()}
