"""Karpathy's "Neural Networks: Zero to Hero", lectures 1-2: micrograd (karpathy/micrograd, MIT licence) engine.py's
Value and test/test_engine.py's two comparisons with torch (torch.Tensor([-4.0]).double(), requires_grad set
afterwards, relu, **, /, augmented adds rebuilt as c = c + ...), then makemore part 1 (makemore_part1_bigrams
notebook): the 27x27 int32 bigram counts N, rows normalised with P.sum(1, keepdims=True) broadcasting, sampling
names with torch.Generator().manual_seed(2147483647) and torch.multinomial(p, num_samples=1, replacement=True,
generator=g), the log-likelihood of the data, then the one-layer neural bigram: F.one_hot(xs, num_classes=27).float()
@ W, softmax written out with exp and sum(1, keepdims=True), loss = -probs[torch.arange(num), ys].log().mean() +
0.01*(W**2).mean(), W.grad = None; loss.backward(); W.data += -50 * W.grad, and sampling from it. Unchanged except
where marked ``# adapted``: names.txt is a generated list of name-like words, the plots are left out, fewer
gradient steps."""
import math  # noqa: F401  (micrograd's engine imports nothing; kept for the notebook's cells)

import torch
import torch.nn.functional as F

from _karpathy_helpers import names, text_file  # adapted

result = {}


# ---------------------------------------------------------------- micrograd/engine.py
class Value:
    """ stores a single scalar value and its gradient """

    def __init__(self, data, _children=(), _op=''):
        self.data = data
        self.grad = 0
        # internal variables used for autograd graph construction
        self._backward = lambda: None
        self._prev = set(_children)
        self._op = _op  # the op that produced this node, for graphviz / debugging / etc

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other), '+')

        def _backward():
            self.grad += out.grad
            other.grad += out.grad
        out._backward = _backward

        return out

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other), '*')

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad
        out._backward = _backward

        return out

    def __pow__(self, other):
        assert isinstance(other, (int, float)), "only supporting int/float powers for now"
        out = Value(self.data**other, (self,), f'**{other}')

        def _backward():
            self.grad += (other * self.data**(other-1)) * out.grad
        out._backward = _backward

        return out

    def relu(self):
        out = Value(0 if self.data < 0 else self.data, (self,), 'ReLU')

        def _backward():
            self.grad += (out.data > 0) * out.grad
        out._backward = _backward

        return out

    def backward(self):

        # topological order all of the children in the graph
        topo = []
        visited = set()
        def build_topo(v):
            if v not in visited:
                visited.add(v)
                for child in v._prev:
                    build_topo(child)
                topo.append(v)
        build_topo(self)

        # go one variable at a time and apply the chain rule to get its gradient
        self.grad = 1
        for v in reversed(topo):
            v._backward()

    def __neg__(self): # -self
        return self * -1

    def __radd__(self, other): # other + self
        return self + other

    def __sub__(self, other): # self - other
        return self + (-other)

    def __rsub__(self, other): # other - self
        return other + (-self)

    def __rmul__(self, other): # other * self
        return self * other

    def __truediv__(self, other): # self / other
        return self * other**-1

    def __rtruediv__(self, other): # other / self
        return other * self**-1

    def __repr__(self):
        return f"Value(data={self.data}, grad={self.grad})"


# ---------------------------------------------------------------- micrograd/test/test_engine.py
def test_sanity_check():

    x = Value(-4.0)
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    y = h + q + q * x
    y.backward()
    xmg, ymg = x, y

    x = torch.Tensor([-4.0]).double()
    x.requires_grad = True
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    y = h + q + q * x
    y.backward()
    xpt, ypt = x, y

    # forward pass went well
    assert ymg.data == ypt.data.item()
    # backward pass went well
    assert xmg.grad == xpt.grad.item()
    return [ypt.data.item(), xpt.grad.item()]  # adapted: the values are reported


def test_more_ops():

    a = Value(-4.0)
    b = Value(2.0)
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    g.backward()
    amg, bmg, gmg = a, b, g

    a = torch.Tensor([-4.0]).double()
    b = torch.Tensor([2.0]).double()
    a.requires_grad = True
    b.requires_grad = True
    c = a + b
    d = a * b + b**3
    c = c + c + 1
    c = c + 1 + c + (-a)
    d = d + d * 2 + (b + a).relu()
    d = d + 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g = g + 10.0 / f
    g.backward()
    apt, bpt, gpt = a, b, g

    tol = 1e-6
    # forward pass went well
    assert abs(gmg.data - gpt.data.item()) < tol
    # backward pass went well
    assert abs(amg.grad - apt.grad.item()) < tol
    assert abs(bmg.grad - bpt.grad.item()) < tol
    return [gpt.data.item(), apt.grad.item(), bpt.grad.item(), gpt.dtype == torch.float64]  # adapted


result["micrograd"] = [test_sanity_check(), test_more_ops()]

# ---------------------------------------------------------------- makemore part 1: bigrams
with text_file("names.txt", "\n".join(names()) + "\n") as path:  # adapted
    words = open(path, 'r').read().splitlines()
print(words[:10])
print(len(words))
print(min(len(w) for w in words))
print(max(len(w) for w in words))

b = {}
for w in words:
    chs = ['<S>'] + list(w) + ['<E>']
    for ch1, ch2 in zip(chs, chs[1:]):
        bigram = (ch1, ch2)
        b[bigram] = b.get(bigram, 0) + 1
print(sorted(b.items(), key = lambda kv: -kv[1])[:5])

a = torch.zeros((3, 5), dtype=torch.int32)
a[1, 3] += 1
a[1,3] = 1
a[0, 0] = 5
print(a)

N = torch.zeros((27, 27), dtype=torch.int32)
chars = sorted(list(set(''.join(words))))
stoi = {s:i+1 for i,s in enumerate(chars)}
stoi['.'] = 0
itos = {i:s for s,i in stoi.items()}
vocab = len(itos)  # adapted: the generated names use fewer than 26 letters
N = torch.zeros((vocab, vocab), dtype=torch.int32)  # adapted (27 -> vocab)
for w in words:
    chs = ['.'] + list(w) + ['.']
    for ch1, ch2 in zip(chs, chs[1:]):
        ix1 = stoi[ch1]
        ix2 = stoi[ch2]
        N[ix1, ix2] += 1
result["N"] = [N.sum().item(), N[0].tolist(), N.dtype == torch.int32, N[1, 2].item()]

p = N[0].float()
p = p / p.sum()
print(p)

g = torch.Generator().manual_seed(2147483647)
ix = torch.multinomial(p, num_samples=1, replacement=True, generator=g).item()
print(itos[ix])

g = torch.Generator().manual_seed(2147483647)
p = torch.rand(3, generator=g)
p = p / p.sum()
print(p)
draws = torch.multinomial(p, num_samples=100, replacement=True, generator=g)
result["rand_multinomial"] = [p.tolist(), draws.tolist()]

P = (N+1).float()
P /= P.sum(1, keepdims=True)
print(P[0].sum())
result["P"] = P.numpy().copy()

g = torch.Generator().manual_seed(2147483647)
samples = []
for i in range(10):

    out = []
    ix = 0
    while True:
        p = P[ix]
        ix = torch.multinomial(p, num_samples=1, replacement=True, generator=g).item()
        out.append(itos[ix])
        if ix == 0:
            break
    print(''.join(out))
    samples.append(''.join(out))
result["counts_samples"] = samples

log_likelihood = 0.0
n = 0
for w in words:
    chs = ['.'] + list(w) + ['.']
    for ch1, ch2 in zip(chs, chs[1:]):
        ix1 = stoi[ch1]
        ix2 = stoi[ch2]
        prob = P[ix1, ix2]
        logprob = torch.log(prob)
        log_likelihood += logprob
        n += 1

print(f'{log_likelihood=}')
nll = -log_likelihood
print(f'{nll=}')
print(f'{nll/n}')
result["counts_nll"] = (nll / n).item()

# create the training set of bigrams (x,y)
xs, ys = [], []
for w in words[:1]:
    chs = ['.'] + list(w) + ['.']
    for ch1, ch2 in zip(chs, chs[1:]):
        ix1 = stoi[ch1]
        ix2 = stoi[ch2]
        xs.append(ix1)
        ys.append(ix2)
xs = torch.tensor(xs)
ys = torch.tensor(ys)
xenc = F.one_hot(xs, num_classes=vocab).float()  # adapted (27 -> vocab)
print(xenc.shape, xenc.dtype)

# randomly initialize 27 neurons' weights. each neuron receives 27 inputs
g = torch.Generator().manual_seed(2147483647)
W = torch.randn((vocab, vocab), generator=g)  # adapted (27 -> vocab)
logits = xenc @ W # log-counts
counts = logits.exp() # equivalent N
probs = counts / counts.sum(1, keepdims=True)
nlls = torch.zeros(len(xs))
for i in range(len(xs)):
    x = xs[i].item()
    y = ys[i].item()
    p = probs[i, y]
    logp = torch.log(p)
    nll = -logp
    nlls[i] = nll
print('average negative log likelihood, i.e. loss =', nlls.mean().item())
result["one_word_nll"] = nlls.mean().item()

# create the dataset
xs, ys = [], []
for w in words:
    chs = ['.'] + list(w) + ['.']
    for ch1, ch2 in zip(chs, chs[1:]):
        ix1 = stoi[ch1]
        ix2 = stoi[ch2]
        xs.append(ix1)
        ys.append(ix2)
xs = torch.tensor(xs)
ys = torch.tensor(ys)
num = xs.nelement()
print('number of examples: ', num)

# initialize the 'network'
g = torch.Generator().manual_seed(2147483647)
W = torch.randn((vocab, vocab), generator=g, requires_grad=True)  # adapted (27 -> vocab)

# gradient descent
losses = []
for k in range(30):  # adapted: 100 steps

    # forward pass
    xenc = F.one_hot(xs, num_classes=vocab).float() # input to the network: one-hot encoding
    logits = xenc @ W # predict log-counts
    counts = logits.exp() # counts, equivalent to N
    probs = counts / counts.sum(1, keepdims=True) # probabilities for next character
    loss = -probs[torch.arange(num), ys].log().mean() + 0.01*(W**2).mean()
    print(loss.item())
    losses.append(loss.item())

    # backward pass
    W.grad = None # set to zero the gradient
    loss.backward()

    # update
    W.data += -50 * W.grad
result["nn_losses"] = losses
result["W"] = W.detach().numpy().copy()

# finally, sample from the 'neural net' model
g = torch.Generator().manual_seed(2147483647)

samples = []
for i in range(5):

    out = []
    ix = 0
    while True:

        # ----------
        # BEFORE:
        #p = P[ix]
        # ----------
        # NOW:
        xenc = F.one_hot(torch.tensor([ix]), num_classes=vocab).float()  # adapted (27 -> vocab)
        logits = xenc @ W # predict log-counts
        counts = logits.exp() # counts, equivalent to N
        p = counts / counts.sum(1, keepdims=True) # probabilities for next character
        # ----------

        ix = torch.multinomial(p, num_samples=1, replacement=True, generator=g).item()
        out.append(itos[ix])
        if ix == 0:
            break
    print(''.join(out))
    samples.append(''.join(out))
result["nn_samples"] = samples
