"""Dive into Deep Learning (d2l-ai/d2l-en, PyTorch code), chapter_natural-language-processing-pretraining:
word-embedding-dataset and word2vec-pretraining, with the d2l helpers they use (Vocab, Accumulator, in _d2l.py):
subsampling with random.uniform, get_centers_and_contexts, RandomGenerator (random.choices), get_negatives,
batchify building d2l.tensor(...) of padded lists and reshape((-1, 1)), a PTBDataset and a DataLoader with
collate_fn=batchify and shuffle=True; Embedding and its f-string, skip_gram with torch.bmm(v, u.permute(0, 2, 1)),
SigmoidBCELoss (binary_cross_entropy_with_logits with an int64 weight=mask, reduction="none", mean(dim=1)),
the loss normalised by mask.sum(axis=1) * mask.shape[1], train() with xavier_uniform_ through net.apply, Adam,
l.sum().backward(), metric.add(l.sum(), l.numel()), and get_similar_tokens (W = embed.weight.data, torch.mv,
topk(...)[1].cpu().numpy().astype('int32'), float(cos[i])). Adapted: PTB is a generated corpus of a few hundred
sentences, vocabulary min_freq=2, small embeddings, two epochs, num_workers=0; the Animator/Timer are left out;
random.seed and torch.manual_seed are set."""
import collections
import math
import random

import numpy as np
import torch
from torch import nn

from _d2l import Accumulator, Vocab

result = {}
random.seed(0)  # adapted
torch.manual_seed(0)




def read_ptb():  # adapted: the PTB training text, generated
    gen = np.random.default_rng(2)
    topics = [["chip", "intel", "computer", "processor", "memory"], ["stock", "market", "shares", "trading", "price"],
              ["bank", "loan", "credit", "interest", "rate"]]
    common = ["the", "a", "of", "and", "to", "in", "said", "is"]
    lines = []
    for _ in range(300):
        t = topics[int(gen.integers(0, 3))]
        lines.append([str(gen.choice(t)) if gen.uniform() < 0.5 else str(gen.choice(common))
                      for _ in range(int(gen.integers(3, 12)))])
    return lines


sentences = read_ptb()
print(f'# sentences: {len(sentences)}')
vocab = Vocab(sentences, min_freq=2)  # adapted: 10
print(f'vocab size: {len(vocab)}')


def subsample(sentences, vocab):
    """Subsample high-frequency words."""
    # Exclude unknown tokens ('<unk>')
    sentences = [[token for token in line if vocab[token] != vocab.unk]
                 for line in sentences]
    counter = collections.Counter([
        token for line in sentences for token in line])
    num_tokens = sum(counter.values())

    # Return True if `token` is kept during subsampling
    def keep(token):
        return(random.uniform(0, 1) <
               math.sqrt(1e-4 / counter[token] * num_tokens))

    return ([[token for token in line if keep(token)] for line in sentences],
            counter)


def get_centers_and_contexts(corpus, max_window_size):
    """Return center words and context words in skip-gram."""
    centers, contexts = [], []
    for line in corpus:
        # To form a "center word--context word" pair, each sentence needs to
        # have at least 2 words
        if len(line) < 2:
            continue
        centers += line
        for i in range(len(line)):  # Context window centered at `i`
            window_size = random.randint(1, max_window_size)
            indices = list(range(max(0, i - window_size),
                                 min(len(line), i + 1 + window_size)))
            # Exclude the center word from the context words
            indices.remove(i)
            contexts.append([line[idx] for idx in indices])
    return centers, contexts


class RandomGenerator:
    """Randomly draw among {1, ..., n} according to n sampling weights."""
    def __init__(self, sampling_weights):
        # Exclude
        self.population = list(range(1, len(sampling_weights) + 1))
        self.sampling_weights = sampling_weights
        self.candidates = []
        self.i = 0

    def draw(self):
        if self.i == len(self.candidates):
            # Cache `k` random sampling results
            self.candidates = random.choices(
                self.population, self.sampling_weights, k=10000)
            self.i = 0
        self.i += 1
        return self.candidates[self.i - 1]


def get_negatives(all_contexts, vocab, counter, K):
    """Return noise words in negative sampling."""
    # Sampling weights for words with indices 1, 2, ... (index 0 is the
    # excluded unknown token) in the vocabulary
    sampling_weights = [counter[vocab.to_tokens(i)]**0.75
                        for i in range(1, len(vocab))]
    all_negatives, generator = [], RandomGenerator(sampling_weights)
    for contexts in all_contexts:
        negatives = []
        while len(negatives) < len(contexts) * K:
            neg = generator.draw()
            # Noise words cannot be context words
            if neg not in contexts:
                negatives.append(neg)
        all_negatives.append(negatives)
    return all_negatives


def batchify(data):
    """Return a minibatch of examples for skip-gram with negative sampling."""
    max_len = max(len(c) + len(n) for _, c, n in data)
    centers, contexts_negatives, masks, labels = [], [], [], []
    for center, context, negative in data:
        cur_len = len(context) + len(negative)
        centers += [center]
        contexts_negatives += [context + negative + [0] * (max_len - cur_len)]
        masks += [[1] * cur_len + [0] * (max_len - cur_len)]
        labels += [[1] * len(context) + [0] * (max_len - len(context))]
    return (torch.tensor(centers).reshape((-1, 1)), torch.tensor(
        contexts_negatives), torch.tensor(masks), torch.tensor(labels))


x_1 = (1, [2, 2], [3, 3, 3, 3])
x_2 = (1, [2, 2, 2], [3, 3])
batch = batchify((x_1, x_2))
names = ['centers', 'contexts_negatives', 'masks', 'labels']
for name, data in zip(names, batch):
    print(name, '=', data)
result["batchify"] = [data.tolist() for data in batch]


def load_data_ptb(batch_size, max_window_size, num_noise_words):
    """Download the PTB dataset and then load it into memory."""
    num_workers = 0  # adapted: d2l.get_dataloader_workers()
    sentences = read_ptb()
    vocab = Vocab(sentences, min_freq=2)
    subsampled, counter = subsample(sentences, vocab)
    corpus = [vocab[line] for line in subsampled]
    all_centers, all_contexts = get_centers_and_contexts(
        corpus, max_window_size)
    all_negatives = get_negatives(
        all_contexts, vocab, counter, num_noise_words)

    class PTBDataset(torch.utils.data.Dataset):
        def __init__(self, centers, contexts, negatives):
            assert len(centers) == len(contexts) == len(negatives)
            self.centers = centers
            self.contexts = contexts
            self.negatives = negatives

        def __getitem__(self, index):
            return (self.centers[index], self.contexts[index],
                    self.negatives[index])

        def __len__(self):
            return len(self.centers)

    dataset = PTBDataset(all_centers, all_contexts, all_negatives)
    data_iter = torch.utils.data.DataLoader(dataset, batch_size, shuffle=True,
                                      collate_fn=batchify,
                                      num_workers=num_workers)
    return data_iter, vocab


batch_size, max_window_size, num_noise_words = 4, 5, 5  # adapted: 512 (the small corpus keeps few words)
data_iter, vocab = load_data_ptb(batch_size, max_window_size,
                                 num_noise_words)
for batch in data_iter:
    for name, data in zip(names, batch):
        print(name, 'shape:', data.shape)
    break
embed = nn.Embedding(num_embeddings=20, embedding_dim=4)
print(f'Parameter embedding_weight ({embed.weight.shape}, '
      f'dtype={embed.weight.dtype})')
x = torch.tensor([[1, 2, 3], [4, 5, 6]])
result["embed"] = embed(x).tolist()


def skip_gram(center, contexts_and_negatives, embed_v, embed_u):
    v = embed_v(center)
    u = embed_u(contexts_and_negatives)
    pred = torch.bmm(v, u.permute(0, 2, 1))
    return pred


result["skip_gram_shape"] = list(skip_gram(torch.ones((2, 1), dtype=torch.long),
                                           torch.ones((2, 4), dtype=torch.long), embed, embed).shape)


class SigmoidBCELoss(nn.Module):
    # Binary cross-entropy loss with masking
    def __init__(self):
        super().__init__()

    def forward(self, inputs, target, mask=None):
        out = nn.functional.binary_cross_entropy_with_logits(
            inputs, target, weight=mask, reduction="none")
        return out.mean(dim=1)


loss = SigmoidBCELoss()
pred = torch.tensor([[1.1, -2.2, 3.3, -4.4]] * 2)
label = torch.tensor([[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0]])
mask = torch.tensor([[1, 1, 1, 1], [1, 1, 0, 0]])
masked = loss(pred, label, mask) * mask.shape[1] / mask.sum(axis=1)
print(masked)
result["masked_loss"] = [masked.tolist(), str(masked.dtype).split(".")[-1]]
embed_size = 16  # adapted: 100
net = nn.Sequential(nn.Embedding(num_embeddings=len(vocab),
                                 embedding_dim=embed_size),
                    nn.Embedding(num_embeddings=len(vocab),
                                 embedding_dim=embed_size))


def train(net, data_iter, lr, num_epochs, device=torch.device('cpu')):
    def init_weights(module):
        if type(module) == nn.Embedding:
            nn.init.xavier_uniform_(module.weight)
    net.apply(init_weights)
    net = net.to(device)
    optimizer = torch.optim.Adam(net.parameters(), lr=lr)
    # Sum of normalized losses, no. of normalized losses
    metric = Accumulator(2)
    history = []
    for epoch in range(num_epochs):
        num_batches = len(data_iter)
        for i, batch in enumerate(data_iter):
            optimizer.zero_grad()
            center, context_negative, mask, label = [
                data.to(device) for data in batch]
            pred = skip_gram(center, context_negative, net[0], net[1])
            l = (loss(pred.reshape(label.shape).float(), label.float(), mask)
                     / mask.sum(axis=1) * mask.shape[1])
            l.sum().backward()
            optimizer.step()
            metric.add(l.sum(), l.numel())
            if (i + 1) % (num_batches // 5) == 0 or i == num_batches - 1:
                history.append(metric[0] / metric[1])
    print(f'loss {metric[0] / metric[1]:.3f}, {str(device)}')
    return history


lr, num_epochs = 0.01, 2  # adapted: 0.002, 5
result["history"] = train(net, data_iter, lr, num_epochs)
similar = []


def get_similar_tokens(query_token, k, embed):
    W = embed.weight.data
    x = W[vocab[query_token]]
    # Compute the cosine similarity. Add 1e-9 for numerical stability
    cos = torch.mv(W, x) / torch.sqrt(torch.sum(W * W, dim=1) *
                                      torch.sum(x * x) + 1e-9)
    topk = torch.topk(cos, k=k+1)[1].cpu().numpy().astype('int32')
    for i in topk[1:]:  # Remove the input words
        print(f'cosine sim={float(cos[i]):.3f}: {vocab.to_tokens(i)}')
        similar.append([float(cos[i]), vocab.to_tokens(i)])


get_similar_tokens('chip', 3, net[0])
result["similar"] = similar
