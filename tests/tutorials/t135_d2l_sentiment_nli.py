"""Dive into Deep Learning (d2l-ai/d2l-en, commit 23d7a5a, PyTorch code; sample code under the modified MIT licence
of LICENSE-SAMPLECODE), chapter_natural-language-processing-applications, three sections not ported before:
sentiment-analysis-cnn.md (corr1d with item assignment into d2l.zeros, corr1d_multi_in summing a generator,
TextCNN with two embeddings concatenated, permute, Conv1d, AdaptiveAvgPool1d and torch.squeeze(dim=-1),
init_weights through net.apply on type(module) in (nn.Linear, nn.Conv1d), the frozen constant_embedding),
sentiment-analysis-rnn.md (BiRNN: an embedding of inputs.T, a bidirectional two-layer nn.LSTM with
flatten_parameters(), torch.cat((outputs[0], outputs[-1]), dim=1); init_weights over module._flat_weights_names
and module._parameters[param]; predict_sentiment) and natural-language-inference-attention.md (mlp with
nn.Flatten(start_dim=1), Attend with bmm of softmaxes, Compare, Aggregate, DecomposableAttention taking a list
[premises, hypotheses], predict_snli), each trained with d2l's train_ch13 / train_batch_ch13 (in d2l/torch.py:
nn.DataParallel(net, device_ids=devices).to(devices[0]) over d2l.try_all_gpus(), CrossEntropyLoss(reduction=
"none") summed, d2l.accuracy, evaluate_accuracy_gpu, Accumulator) written out below. Unchanged except where
marked ``# adapted``: IMDb and SNLI (downloads) are small synthetic token sequences with labels, GloVe vectors
are NumPy draws, the sizes are smaller, one epoch, dropout p is set to 0 after construction (the libraries draw
different masks), the Animator records its points and the Timer's examples/sec line is not printed."""
import collections  # adapted
import time

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from _d2l import Accumulator, Vocab  # adapted (d2l.Accumulator, d2l.Vocab)

result = {}  # adapted


class d2l:  # adapted: the d2l (torch) library functions these sections call
    zeros = staticmethod(torch.zeros)
    tensor = staticmethod(torch.tensor)
    Accumulator = Accumulator

    @staticmethod
    def try_gpu(i=0):
        if torch.cuda.device_count() >= i + 1:
            return torch.device(f'cuda:{i}')
        return torch.device('cpu')

    @staticmethod
    def try_all_gpus():
        devices = [torch.device(f'cuda:{i}') for i in range(torch.cuda.device_count())]
        return devices if devices else [torch.device('cpu')]

    @staticmethod
    def accuracy(y_hat, y):
        if len(y_hat.shape) > 1 and y_hat.shape[1] > 1:
            y_hat = y_hat.argmax(axis=1)
        cmp = y_hat.type(y.dtype) == y
        return float(cmp.type(y.dtype).sum())

    @staticmethod
    def evaluate_accuracy_gpu(net, data_iter, device=None):
        if isinstance(net, nn.Module):
            net.eval()  # Set the model to evaluation mode
            if not device:
                device = next(iter(net.parameters())).device
        # No. of correct predictions, no. of predictions
        metric = d2l.Accumulator(2)

        with torch.no_grad():
            for X, y in data_iter:
                if isinstance(X, list):
                    # Required for BERT Fine-tuning (to be covered later)
                    X = [x.to(device) for x in X]
                else:
                    X = X.to(device)
                y = y.to(device)
                metric.add(d2l.accuracy(net(X), y), d2l.size(y))
        return metric[0] / metric[1]

    @staticmethod
    def size(x):
        return x.numel()

    class Timer:
        def __init__(self):
            self.times = []
            self.start()

        def start(self):
            self.tik = time.time()

        def stop(self):
            self.times.append(time.time() - self.tik)
            return self.times[-1]

        def sum(self):
            return sum(self.times)

    class Animator:  # adapted: records the points
        def __init__(self, **kwargs):
            self.points = []

        def add(self, x, y):
            self.points.append((x, y))
            result.setdefault("animator", []).append([x, [v for v in y]])


def train_batch_ch13(net, X, y, loss, trainer, devices):
    if isinstance(X, list):
        # Required for BERT fine-tuning (to be covered later)
        X = [x.to(devices[0]) for x in X]
    else:
        X = X.to(devices[0])
    y = y.to(devices[0])
    net.train()
    trainer.zero_grad()
    pred = net(X)
    l = loss(pred, y)
    l.sum().backward()
    trainer.step()
    train_loss_sum = l.sum()
    train_acc_sum = d2l.accuracy(pred, y)
    return train_loss_sum, train_acc_sum


def train_ch13(net, train_iter, test_iter, loss, trainer, num_epochs,
               devices=d2l.try_all_gpus()):
    timer, num_batches = d2l.Timer(), len(train_iter)
    animator = d2l.Animator(xlabel='epoch', xlim=[1, num_epochs], ylim=[0, 1],
                            legend=['train loss', 'train acc', 'test acc'])
    net = nn.DataParallel(net, device_ids=devices).to(devices[0])
    for epoch in range(num_epochs):
        # Sum of training loss, sum of training accuracy, no. of examples,
        # no. of predictions
        metric = d2l.Accumulator(4)
        for i, (features, labels) in enumerate(train_iter):
            timer.start()
            l, acc = train_batch_ch13(
                net, features, labels, loss, trainer, devices)
            metric.add(l, acc, labels.shape[0], labels.numel())
            timer.stop()
            if (i + 1) % (num_batches // 5) == 0 or i == num_batches - 1:
                animator.add(epoch + (i + 1) / num_batches,
                             (metric[0] / metric[2], metric[1] / metric[3],
                              None))
        test_acc = d2l.evaluate_accuracy_gpu(net, test_iter)
        animator.add(epoch + 1, (None, None, test_acc))
    print(f'loss {metric[0] / metric[2]:.3f}, train acc '
          f'{metric[1] / metric[3]:.3f}, test acc {test_acc:.3f}')
    result.setdefault("train_ch13", []).append([metric[0] / metric[2], metric[1] / metric[3], test_acc])  # adapted


# adapted: load_data_imdb -> a synthetic corpus: "good"-ish and "bad"-ish words decide the label
rng = np.random.default_rng(0)
words = ["this", "movie", "is", "so", "great", "bad", "fun", "boring", "plot", "actor", "the", "a"]
vocab = Vocab([words], reserved_tokens=['<pad>'])


def truncate_pad(line, num_steps, padding_token):
    if len(line) > num_steps:
        return line[:num_steps]  # Truncate
    return line + [padding_token] * (num_steps - len(line))  # Pad


def synthetic_reviews(n, num_steps=12):
    feats, labels = [], []
    for _ in range(n):
        toks = list(rng.choice(words, size=int(rng.integers(4, num_steps + 1))))
        labels.append(int(sum(t in ("great", "fun") for t in toks) >= sum(t in ("bad", "boring") for t in toks)))
        feats.append(truncate_pad(vocab[toks], num_steps, vocab['<pad>']))
    return torch.tensor(feats), torch.tensor(labels)


batch_size = 16  # adapted (64)
train_data, test_data = synthetic_reviews(80), synthetic_reviews(16)  # 5 batches: train_ch13 plots every num_batches // 5
train_iter = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(*train_data), batch_size)
test_iter = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(*test_data), batch_size)
embeds_np = rng.normal(0, 0.5, (len(vocab), 16)).astype(np.float32)  # adapted (GloVe 100d)


def corr1d(X, K):
    w = K.shape[0]
    Y = d2l.zeros((X.shape[0] - w + 1))
    for i in range(Y.shape[0]):
        Y[i] = (X[i: i + w] * K).sum()
    return Y


X, K = d2l.tensor([0, 1, 2, 3, 4, 5, 6]), d2l.tensor([1, 2])
result["corr1d"] = corr1d(X, K).tolist()  # adapted (the displayed value)


def corr1d_multi_in(X, K):
    # First, iterate through the 0th dimension (channel dimension) of `X` and
    # `K`. Then, add them together
    return sum(corr1d(x, k) for x, k in zip(X, K))


X = d2l.tensor([[0, 1, 2, 3, 4, 5, 6],
              [1, 2, 3, 4, 5, 6, 7],
              [2, 3, 4, 5, 6, 7, 8]])
K = d2l.tensor([[1, 2], [3, 4], [-1, -3]])
result["corr1d_multi_in"] = [corr1d_multi_in(X, K).tolist(), corr1d_multi_in(X, K).dtype == torch.float32]


class TextCNN(nn.Module):
    def __init__(self, vocab_size, embed_size, kernel_sizes, num_channels,
                 **kwargs):
        super(TextCNN, self).__init__(**kwargs)
        self.embedding = nn.Embedding(vocab_size, embed_size)
        # The embedding layer not to be trained
        self.constant_embedding = nn.Embedding(vocab_size, embed_size)
        self.dropout = nn.Dropout(0.5)
        self.decoder = nn.Linear(sum(num_channels), 2)
        # The max-over-time pooling layer has no parameters, so this instance
        # can be shared
        self.pool = nn.AdaptiveAvgPool1d(1)
        self.relu = nn.ReLU()
        # Create multiple one-dimensional convolutional layers
        self.convs = nn.ModuleList()
        for c, k in zip(num_channels, kernel_sizes):
            self.convs.append(nn.Conv1d(2 * embed_size, c, k))

    def forward(self, inputs):
        embeddings = torch.cat((
            self.embedding(inputs), self.constant_embedding(inputs)), dim=2)
        embeddings = embeddings.permute(0, 2, 1)
        encoding = torch.cat([
            torch.squeeze(self.relu(self.pool(conv(embeddings))), dim=-1)
            for conv in self.convs], dim=1)
        outputs = self.decoder(self.dropout(encoding))
        return outputs


torch.manual_seed(0)  # adapted
embed_size, kernel_sizes, nums_channels = 16, [3, 4, 5], [8, 8, 8]  # adapted (100, [3, 4, 5], [100, 100, 100])
devices = d2l.try_all_gpus()
net = TextCNN(len(vocab), embed_size, kernel_sizes, nums_channels)


def init_weights(module):
    if type(module) in (nn.Linear, nn.Conv1d):
        nn.init.xavier_uniform_(module.weight)


net.apply(init_weights);
net.dropout.p = 0.0  # adapted

embeds = torch.from_numpy(embeds_np)  # adapted (glove_embedding[vocab.idx_to_token])
net.embedding.weight.data.copy_(embeds)
net.constant_embedding.weight.data.copy_(embeds)
net.constant_embedding.weight.requires_grad = False

lr, num_epochs = 0.001, 1  # adapted (5 epochs)
trainer = torch.optim.Adam(net.parameters(), lr=lr)
loss = nn.CrossEntropyLoss(reduction="none")
train_ch13(net, train_iter, test_iter, loss, trainer, num_epochs, devices)
result["textcnn"] = [net.decoder.weight[:, :4].tolist(), net.constant_embedding.weight.grad is None,
                     (net.embedding.weight - embeds).abs().sum().item()]


def predict_sentiment(net, vocab, sequence):
    """Predict the sentiment of a text sequence."""
    sequence = torch.tensor(vocab[sequence.split()], device=d2l.try_gpu())
    label = torch.argmax(net(sequence.reshape(1, -1)), dim=1)
    return 'positive' if label == 1 else 'negative'


result["textcnn_predict"] = [net(torch.tensor(vocab['this movie is so great'.split()]).reshape(1, -1)).tolist(),
                             net(torch.tensor(vocab['this movie is so bad'.split()]).reshape(1, -1)).tolist()]


class BiRNN(nn.Module):
    def __init__(self, vocab_size, embed_size, num_hiddens,
                 num_layers, **kwargs):
        super(BiRNN, self).__init__(**kwargs)
        self.embedding = nn.Embedding(vocab_size, embed_size)
        # Set `bidirectional` to True to get a bidirectional RNN
        self.encoder = nn.LSTM(embed_size, num_hiddens, num_layers=num_layers,
                                bidirectional=True)
        self.decoder = nn.Linear(4 * num_hiddens, 2)

    def forward(self, inputs):
        embeddings = self.embedding(inputs.T)
        self.encoder.flatten_parameters()
        outputs, _ = self.encoder(embeddings)
        encoding = torch.cat((outputs[0], outputs[-1]), dim=1)
        outs = self.decoder(encoding)
        return outs


torch.manual_seed(1)  # adapted
embed_size, num_hiddens, num_layers, devices = 16, 8, 2, d2l.try_all_gpus()  # adapted (100, 100, 2)
net = BiRNN(len(vocab), embed_size, num_hiddens, num_layers)


def init_weights(module):
    if type(module) == nn.Linear:
        nn.init.xavier_uniform_(module.weight)
    if type(module) == nn.LSTM:
        for param in module._flat_weights_names:
            if "weight" in param:
                nn.init.xavier_uniform_(module._parameters[param])


net.apply(init_weights);
net.embedding.weight.data.copy_(embeds)
net.embedding.weight.requires_grad = False

lr, num_epochs = 0.01, 1  # adapted (5 epochs)
trainer = torch.optim.Adam(net.parameters(), lr=lr)
loss = nn.CrossEntropyLoss(reduction="none")
train_ch13(net, train_iter, test_iter, loss, trainer, num_epochs, devices)
result["birnn"] = [predict_sentiment(net, vocab, 'this movie is so great'),
                   predict_sentiment(net, vocab, 'this movie is so bad'),
                   net(torch.tensor(vocab['this movie is so bad'.split()]).reshape(1, -1)).tolist(),
                   net.encoder.weight_hh_l1_reverse[:2, :4].tolist(), list(net.encoder._flat_weights_names)[:4]]


def mlp(num_inputs, num_hiddens, flatten):
    net = []
    net.append(nn.Dropout(0.2))
    net.append(nn.Linear(num_inputs, num_hiddens))
    net.append(nn.ReLU())
    if flatten:
        net.append(nn.Flatten(start_dim=1))
    net.append(nn.Dropout(0.2))
    net.append(nn.Linear(num_hiddens, num_hiddens))
    net.append(nn.ReLU())
    if flatten:
        net.append(nn.Flatten(start_dim=1))
    return nn.Sequential(*net)


class Attend(nn.Module):
    def __init__(self, num_inputs, num_hiddens, **kwargs):
        super(Attend, self).__init__(**kwargs)
        self.f = mlp(num_inputs, num_hiddens, flatten=False)

    def forward(self, A, B):
        f_A = self.f(A)
        f_B = self.f(B)
        e = torch.bmm(f_A, f_B.permute(0, 2, 1))
        beta = torch.bmm(F.softmax(e, dim=-1), B)
        alpha = torch.bmm(F.softmax(e.permute(0, 2, 1), dim=-1), A)
        return beta, alpha


class Compare(nn.Module):
    def __init__(self, num_inputs, num_hiddens, **kwargs):
        super(Compare, self).__init__(**kwargs)
        self.g = mlp(num_inputs, num_hiddens, flatten=False)

    def forward(self, A, B, beta, alpha):
        V_A = self.g(torch.cat([A, beta], dim=2))
        V_B = self.g(torch.cat([B, alpha], dim=2))
        return V_A, V_B


class Aggregate(nn.Module):
    def __init__(self, num_inputs, num_hiddens, num_outputs, **kwargs):
        super(Aggregate, self).__init__(**kwargs)
        self.h = mlp(num_inputs, num_hiddens, flatten=True)
        self.linear = nn.Linear(num_hiddens, num_outputs)

    def forward(self, V_A, V_B):
        V_A = V_A.sum(dim=1)
        V_B = V_B.sum(dim=1)
        Y_hat = self.linear(self.h(torch.cat([V_A, V_B], dim=1)))
        return Y_hat


class DecomposableAttention(nn.Module):
    def __init__(self, vocab, embed_size, num_hiddens, num_inputs_attend=100,
                 num_inputs_compare=200, num_inputs_agg=400, **kwargs):
        super(DecomposableAttention, self).__init__(**kwargs)
        self.embedding = nn.Embedding(len(vocab), embed_size)
        self.attend = Attend(num_inputs_attend, num_hiddens)
        self.compare = Compare(num_inputs_compare, num_hiddens)
        # There are 3 possible outputs: entailment, contradiction, and neutral
        self.aggregate = Aggregate(num_inputs_agg, num_hiddens, num_outputs=3)

    def forward(self, X):
        premises, hypotheses = X
        A = self.embedding(premises)
        B = self.embedding(hypotheses)
        beta, alpha = self.attend(A, B)
        V_A, V_B = self.compare(A, B, beta, alpha)
        Y_hat = self.aggregate(V_A, V_B)
        return Y_hat


# adapted: load_data_snli -> premise/hypothesis pairs labelled by a rule (0 entail, 1 contradict, 2 neutral)
def synthetic_snli(n, num_steps=8):
    P, H, Y = [], [], []
    for _ in range(n):
        p = list(rng.choice(words, size=6))
        kind = int(rng.integers(0, 3))
        h = p[:4] if kind == 0 else [("bad" if t == "great" else "great") for t in p[:4]] if kind == 1 else \
            list(rng.choice(words, size=4))
        P.append(truncate_pad(vocab[p], num_steps, vocab['<pad>']))
        H.append(truncate_pad(vocab[h], num_steps, vocab['<pad>']))
        Y.append(kind)
    return torch.tensor(P), torch.tensor(H), torch.tensor(Y)


class SNLIDataset(torch.utils.data.Dataset):  # adapted: the shape of d2l's SNLIDataset.__getitem__
    def __init__(self, n):
        self.premises, self.hypotheses, self.labels = synthetic_snli(n)

    def __getitem__(self, idx):
        return (self.premises[idx], self.hypotheses[idx]), self.labels[idx]

    def __len__(self):
        return len(self.premises)


batch_size, num_steps = 16, 8  # adapted (256, 50)
train_iter = torch.utils.data.DataLoader(SNLIDataset(80), batch_size)
test_iter = torch.utils.data.DataLoader(SNLIDataset(16), batch_size)

torch.manual_seed(2)  # adapted
embed_size, num_hiddens, devices = 16, 12, d2l.try_all_gpus()  # adapted (100, 200)
net = DecomposableAttention(vocab, embed_size, num_hiddens, num_inputs_attend=16, num_inputs_compare=32,
                            num_inputs_agg=24)  # adapted (the defaults for embed_size 100, num_hiddens 200)
for m in net.modules():  # adapted
    if isinstance(m, nn.Dropout):
        m.p = 0.0
net.embedding.weight.data.copy_(embeds);

lr, num_epochs = 0.001, 1  # adapted (4 epochs)
trainer = torch.optim.Adam(net.parameters(), lr=lr)
loss = nn.CrossEntropyLoss(reduction="none")
train_ch13(net, train_iter, test_iter, loss, trainer, num_epochs, devices)


def predict_snli(net, vocab, premise, hypothesis):
    """Predict the logical relationship between the premise and hypothesis."""
    net.eval()
    premise = torch.tensor(vocab[premise], device=d2l.try_gpu())
    hypothesis = torch.tensor(vocab[hypothesis], device=d2l.try_gpu())
    label = torch.argmax(net([premise.reshape((1, -1)),
                           hypothesis.reshape((1, -1))]), dim=1)
    return 'entailment' if label == 0 else 'contradiction' if label == 1 \
            else 'neutral'


result["snli"] = [net([torch.tensor(vocab[['he', 'is', 'good', '.']]).reshape(1, -1),
                       torch.tensor(vocab[['he', 'is', 'bad', '.']]).reshape(1, -1)]).tolist(),
                  net.aggregate.linear.weight[:, :3].tolist()]
print(predict_snli(net, vocab, ['he', 'is', 'good', '.'], ['he', 'is', 'bad', '.']))
