"""Word-level language model (pytorch/examples/word_language_model), small: a Corpus/Dictionary over a
generated text, batchify with narrow/view/t().contiguous(), get_batch, an LSTM RNNModel with Embedding,
Dropout, tied encoder/decoder weights and log_softmax + NLLLoss, repackage_hidden with detach, truncated BPTT,
clip_grad_norm_, the manual p.data.add_ update, evaluation with perplexity and lr annealing."""
import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from _helpers import numpy_weights


class Dictionary(object):
    def __init__(self):
        self.word2idx = {}
        self.idx2word = []

    def add_word(self, word):
        if word not in self.word2idx:
            self.idx2word.append(word)
            self.word2idx[word] = len(self.idx2word) - 1
        return self.word2idx[word]

    def __len__(self):
        return len(self.idx2word)


class Corpus(object):
    def __init__(self, lines_train, lines_valid):
        self.dictionary = Dictionary()
        self.train = self.tokenize(lines_train)
        self.valid = self.tokenize(lines_valid)

    def tokenize(self, lines):
        idss = []
        for line in lines:
            words = line.split() + ['<eos>']
            ids = []
            for word in words:
                ids.append(self.dictionary.add_word(word))
            idss.append(torch.tensor(ids).type(torch.int64))
        return torch.cat(idss)


def make_lines(rng, n):
    subjects, verbs, objects = ["the cat", "a dog", "my friend", "the bird"], ["sees", "eats", "likes"], \
        ["the fish", "a ball", "some bread", "the tree"]
    return [f"{subjects[rng.integers(4)]} {verbs[rng.integers(3)]} {objects[rng.integers(4)]}" for _ in range(n)]


class RNNModel(nn.Module):
    """Container module with an encoder, a recurrent module, and a decoder."""

    def __init__(self, rnn_type, ntoken, ninp, nhid, nlayers, dropout=0.5, tie_weights=False):
        super(RNNModel, self).__init__()
        self.ntoken = ntoken
        self.drop = nn.Dropout(dropout)
        self.encoder = nn.Embedding(ntoken, ninp)
        self.rnn = getattr(nn, rnn_type)(ninp, nhid, nlayers, dropout=dropout)
        self.decoder = nn.Linear(nhid, ntoken)
        if tie_weights:
            if nhid != ninp:
                raise ValueError('When using the tied flag, nhid must be equal to emsize')
            self.decoder.weight = self.encoder.weight
        self.init_weights()
        self.rnn_type = rnn_type
        self.nhid = nhid
        self.nlayers = nlayers

    def init_weights(self):
        initrange = 0.1
        nn.init.uniform_(self.encoder.weight, -initrange, initrange)
        nn.init.zeros_(self.decoder.bias)
        nn.init.uniform_(self.decoder.weight, -initrange, initrange)

    def forward(self, input, hidden):
        emb = self.drop(self.encoder(input))
        output, hidden = self.rnn(emb, hidden)
        output = self.drop(output)
        decoded = self.decoder(output)
        decoded = decoded.view(-1, self.ntoken)
        return F.log_softmax(decoded, dim=1), hidden

    def init_hidden(self, bsz):
        weight = next(self.parameters())
        if self.rnn_type == 'LSTM':
            return (weight.new_zeros(self.nlayers, bsz, self.nhid),
                    weight.new_zeros(self.nlayers, bsz, self.nhid))
        return weight.new_zeros(self.nlayers, bsz, self.nhid)


def batchify(data, bsz):
    nbatch = data.size(0) // bsz
    data = data.narrow(0, 0, nbatch * bsz)
    data = data.view(bsz, -1).t().contiguous()
    return data


def repackage_hidden(h):
    """Wraps hidden states in new Tensors, to detach them from their history."""
    if isinstance(h, torch.Tensor):
        return h.detach()
    return tuple(repackage_hidden(v) for v in h)


bptt = 7


def get_batch(source, i):
    seq_len = min(bptt, len(source) - 1 - i)
    data = source[i:i + seq_len]
    target = source[i + 1:i + 1 + seq_len].view(-1)
    return data, target


rng = np.random.default_rng(3)
corpus = Corpus(make_lines(rng, 60), make_lines(rng, 12))
device = torch.device("cpu")
train_data = batchify(corpus.train, 4).to(device)
val_data = batchify(corpus.valid, 2).to(device)
ntokens = len(corpus.dictionary)
model = RNNModel('LSTM', ntokens, 16, 16, 2, dropout=0.0, tie_weights=True).to(device)
with torch.no_grad():  # deterministic weights by name (the tied weight once)
    named = list(model.named_parameters())
    for (name, p), w in zip(named, numpy_weights([(n, p.shape) for n, p in named], seed=9)):
        p.copy_(torch.from_numpy(w))
criterion = nn.NLLLoss()


def evaluate(data_source):
    model.eval()
    total_loss = 0.
    hidden = model.init_hidden(2)
    with torch.no_grad():
        for i in range(0, data_source.size(0) - 1, bptt):
            data, targets = get_batch(data_source, i)
            output, hidden = model(data, hidden)
            hidden = repackage_hidden(hidden)
            total_loss += len(data) * criterion(output, targets).item()
    return total_loss / (len(data_source) - 1)


lr, clip = 5.0, 0.25
train_losses, val_losses = [], []
best_val_loss = None
for epoch in range(1, 4):
    model.train()
    total_loss = 0.
    hidden = model.init_hidden(4)
    for batch, i in enumerate(range(0, train_data.size(0) - 1, bptt)):
        data, targets = get_batch(train_data, i)
        hidden = repackage_hidden(hidden)
        model.zero_grad()
        output, hidden = model(data, hidden)
        loss = criterion(output, targets)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
        for p in model.parameters():
            p.data.add_(p.grad, alpha=-lr)
        total_loss += loss.item()
    train_losses.append(total_loss / (batch + 1))
    val_loss = evaluate(val_data)
    print('| end of epoch {:3d} | valid loss {:5.2f} | valid ppl {:8.2f}'.format(epoch, val_loss, math.exp(val_loss)))
    if not best_val_loss or val_loss < best_val_loss:
        best_val_loss = val_loss
    else:
        lr /= 4.0
    val_losses.append(val_loss)

result = {"ntokens": ntokens, "train_shape": list(train_data.shape), "train_losses": train_losses,
          "val_losses": val_losses, "ppl": math.exp(best_val_loss), "lr": lr,
          "tied": model.decoder.weight is model.encoder.weight,
          "n_params": sum(p.numel() for p in model.parameters())}
