"""Karpathy's "Neural Networks: Zero to Hero", makemore parts 2 and 3 (makemore_part2_mlp and
makemore_part3_bn notebooks, MIT licence). Part 2: the embedding lookup C[X], emb.view(-1, 30) (and the
torch.cat / torch.unbind / view explorations), the MLP with torch.randn(..., generator=g) weights, the
explicit softmax loss checked against F.cross_entropy, minibatches from torch.randint, the learning-rate sweep
over 10**torch.linspace(-3, 0, 1000), the step decay, split losses and sampling under torch.no_grad. Part 3:
the kaiming-scaled init (5/3)/fan_in**0.5, batch normalisation by hand with bnmean_running/bnstd_running updated
under torch.no_grad, the calibration pass, @torch.no_grad() split_loss (part 3's second half, the
"PyTorch-ified" layer classes, runs in t90 on part 5's copies of those classes). Unchanged
except where marked ``# adapted``: names.txt is generated (see _karpathy_helpers), the build_dataset loop
lives in the helper, a few hundred steps instead of 200000, the plots are left out."""
import random

import torch
import torch.nn.functional as F

from _karpathy_helpers import context_lists, names, vocabulary  # adapted

result = {}
torch.manual_seed(42)  # adapted: the notebook's first cells draw from the unseeded global generator
words = names(600)  # adapted: open('names.txt', 'r').read().splitlines()
print(len(words))
stoi, itos = vocabulary(words)  # adapted: the notebook's three lines
vocab_size = len(itos)
print(itos)

# ---------------------------------------------------------------- part 2
# build the dataset

block_size = 3 # context length: how many characters do we take to predict the next one?
X, Y = context_lists(words[:5], block_size, stoi)  # adapted: the loop over words
X = torch.tensor(X)
Y = torch.tensor(Y)
print(X.shape, X.dtype, Y.shape, Y.dtype)

C = torch.randn((vocab_size, 2))  # adapted (27 -> vocab_size)
print(C[5])
result["one_hot_lookup"] = torch.allclose(F.one_hot(torch.tensor(5), num_classes=vocab_size).float() @ C, C[5])
print(C[[5,6,7]])
print(C[torch.tensor([5,6,7,7,7,7])])
print(C[X].shape)
print(X[13,2])
print(C[X][13,2])
print(C[1])
emb = C[X]
print(emb.shape)
W1 = torch.randn((6, 100))
b1 = torch.randn(100)
cat1 = torch.cat([emb[:, 0, :], emb[:, 1, :], emb[:, 2, :]], 1)
cat2 = torch.cat(torch.unbind(emb, 1), 1)
result["cat_unbind_view"] = [torch.equal(cat1, cat2), torch.equal(cat2, emb.view(-1, 6))]
a = torch.arange(18)
print(a.view(2, 9))
print(a.view(9, 2))
print(a.view(3, 3, 2))
h = torch.tanh(emb.view(-1, 6) @ W1 + b1)
print(h.shape)
W2 = torch.randn((100, vocab_size))
b2 = torch.randn(vocab_size)
logits = h @ W2 + b2
counts = logits.exp()
prob = counts / counts.sum(1, keepdims=True)
print(prob.shape)
loss = -prob[torch.arange(len(Y)), Y].log().mean()  # adapted: torch.arange(32) (the first 5 words)
result["explicit_loss"] = [loss.item(), F.cross_entropy(logits, Y).item()]


def build_dataset(words):
    X, Y = context_lists(words, block_size, stoi)  # adapted: the loop over words
    X = torch.tensor(X)
    Y = torch.tensor(Y)
    print(X.shape, Y.shape)
    return X, Y

random.seed(42)
random.shuffle(words)
n1 = int(0.8*len(words))
n2 = int(0.9*len(words))

Xtr, Ytr = build_dataset(words[:n1])
Xdev, Ydev = build_dataset(words[n1:n2])
Xte, Yte = build_dataset(words[n2:])

g = torch.Generator().manual_seed(2147483647) # for reproducibility
C = torch.randn((vocab_size, 10), generator=g)
W1 = torch.randn((30, 200), generator=g)
b1 = torch.randn(200, generator=g)
W2 = torch.randn((200, vocab_size), generator=g)
b2 = torch.randn(vocab_size, generator=g)
parameters = [C, W1, b1, W2, b2]
print(sum(p.nelement() for p in parameters)) # number of parameters in total
for p in parameters:
    p.requires_grad = True

lre = torch.linspace(-3, 0, 1000)
lrs = 10**lre
result["lrs"] = [lrs[0].item(), lrs[500].item(), lrs[-1].item()]

lri = []
lossi = []
stepi = []

for i in range(50):  # adapted: 200000 (this unscaled init at lr 0.1 amplifies float32 rounding ~10x per 50 steps)

    # minibatch construct
    ix = torch.randint(0, Xtr.shape[0], (32,))

    # forward pass
    emb = C[Xtr[ix]] # (32, 3, 10)
    h = torch.tanh(emb.view(-1, 30) @ W1 + b1) # (32, 200)
    logits = h @ W2 + b2 # (32, 27)
    loss = F.cross_entropy(logits, Ytr[ix])
    #print(loss.item())

    # backward pass
    for p in parameters:
        p.grad = None
    loss.backward()

    # update
    #lr = lrs[i]
    lr = 0.1 if i < 40 else 0.01  # adapted: 100000
    for p in parameters:
        p.data += -lr * p.grad

    # track stats
    #lri.append(lre[i])
    stepi.append(i)
    lossi.append(loss.log10().item())

print(loss.item())
result["mlp_lossi"] = lossi[::5]
result["mlp_C"] = C.detach().numpy().copy()

emb = C[Xtr] # (32, 3, 2)
h = torch.tanh(emb.view(-1, 30) @ W1 + b1) # (32, 100)
logits = h @ W2 + b2 # (32, 27)
loss = F.cross_entropy(logits, Ytr)
emb = C[Xdev] # (32, 3, 2)
h = torch.tanh(emb.view(-1, 30) @ W1 + b1) # (32, 100)
logits = h @ W2 + b2 # (32, 27)
dev_loss = F.cross_entropy(logits, Ydev)
result["mlp_split"] = [loss.item(), dev_loss.item()]

# sample from the model
g = torch.Generator().manual_seed(2147483647 + 10)

samples = []
with torch.no_grad():  # adapted: the notebook samples with grad mode on
    for _ in range(10):

        out = []
        context = [0] * block_size # initialize with all ...
        while True:
            emb = C[torch.tensor([context])] # (1,block_size,d)
            h = torch.tanh(emb.view(1, -1) @ W1 + b1)
            logits = h @ W2 + b2
            probs = F.softmax(logits, dim=1)
            ix = torch.multinomial(probs, num_samples=1, generator=g).item()
            context = context[1:] + [ix]
            out.append(ix)
            if ix == 0 or len(out) == 30:  # adapted: a short training may never end a name
                break

        print(''.join(itos[i] for i in out))
        samples.append(''.join(itos[i] for i in out))
result["mlp_samples"] = samples

# ---------------------------------------------------------------- part 3: batch norm by hand
n_embd = 10 # the dimensionality of the character embedding vectors
n_hidden = 200 # the number of neurons in the hidden layer of the MLP

g = torch.Generator().manual_seed(2147483647) # for reproducibility
C  = torch.randn((vocab_size, n_embd),            generator=g)
W1 = torch.randn((n_embd * block_size, n_hidden), generator=g) * (5/3)/((n_embd * block_size)**0.5)
#b1 = torch.randn(n_hidden,                        generator=g) * 0.01
W2 = torch.randn((n_hidden, vocab_size),          generator=g) * 0.01
b2 = torch.randn(vocab_size,                      generator=g) * 0

# BatchNorm parameters
bngain = torch.ones((1, n_hidden))
bnbias = torch.zeros((1, n_hidden))
bnmean_running = torch.zeros((1, n_hidden))
bnstd_running = torch.ones((1, n_hidden))

parameters = [C, W1, W2, b2, bngain, bnbias]
print(sum(p.nelement() for p in parameters)) # number of parameters in total
for p in parameters:
    p.requires_grad = True

# same optimization as last time
max_steps = 300  # adapted: 200000
batch_size = 32
lossi = []

for i in range(max_steps):

    # minibatch construct
    ix = torch.randint(0, Xtr.shape[0], (batch_size,), generator=g)
    Xb, Yb = Xtr[ix], Ytr[ix] # batch X,Y

    # forward pass
    emb = C[Xb] # embed the characters into vectors
    embcat = emb.view(emb.shape[0], -1) # concatenate the vectors
    # Linear layer
    hpreact = embcat @ W1 #+ b1 # hidden layer pre-activation
    # BatchNorm layer
    # -------------------------------------------------------------
    bnmeani = hpreact.mean(0, keepdim=True)
    bnstdi = hpreact.std(0, keepdim=True)
    hpreact = bngain * (hpreact - bnmeani) / bnstdi + bnbias
    with torch.no_grad():
        bnmean_running = 0.999 * bnmean_running + 0.001 * bnmeani
        bnstd_running = 0.999 * bnstd_running + 0.001 * bnstdi
    # -------------------------------------------------------------
    # Non-linearity
    h = torch.tanh(hpreact) # hidden layer
    logits = h @ W2 + b2 # output layer
    loss = F.cross_entropy(logits, Yb) # loss function

    # backward pass
    for p in parameters:
        p.grad = None
    loss.backward()

    # update
    lr = 0.1 if i < 200 else 0.01 # step learning rate decay  # adapted: 100000
    for p in parameters:
        p.data += -lr * p.grad

    # track stats
    if i % 100 == 0: # print every once in a while  # adapted: 10000
        print(f'{i:7d}/{max_steps:7d}: {loss.item():.4f}')
    lossi.append(loss.log10().item())
result["bn_lossi"] = lossi[::25]
result["bn_running"] = [bnmean_running.numpy().copy(), bnstd_running.numpy().copy(),
                        bnmean_running.requires_grad]

# calibrate the batch norm at the end of training

with torch.no_grad():
    # pass the training set through
    emb = C[Xtr]
    embcat = emb.view(emb.shape[0], -1)
    hpreact = embcat @ W1 # + b1
    # measure the mean/std over the entire training set
    bnmean = hpreact.mean(0, keepdim=True)
    bnstd = hpreact.std(0, keepdim=True)


@torch.no_grad() # this decorator disables gradient tracking
def split_loss(split):
    x,y = {
        'train': (Xtr, Ytr),
        'val': (Xdev, Ydev),
        'test': (Xte, Yte),
    }[split]
    emb = C[x] # (N, block_size, n_embd)
    embcat = emb.view(emb.shape[0], -1) # concat into (N, block_size * n_embd)
    hpreact = embcat @ W1 # + b1
    #hpreact = bngain * (hpreact - hpreact.mean(0, keepdim=True)) / hpreact.std(0, keepdim=True) + bnbias
    hpreact = bngain * (hpreact - bnmean_running) / bnstd_running + bnbias
    h = torch.tanh(hpreact) # (N, n_hidden)
    logits = h @ W2 + b2 # (N, vocab_size)
    loss = F.cross_entropy(logits, y)
    print(split, loss.item())
    return loss.item()  # adapted: the value is reported

result["bn_split"] = [split_loss('train'), split_loss('val'), bnmean.numpy()[0, :8], bnstd.numpy()[0, :8]]
