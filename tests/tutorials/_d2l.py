"""The d2l library code (d2l/torch.py of d2l-ai/d2l-en) that the d2l tutorials use, written once.

The tutorials run twice, with their torch imports swapped for miniconv and under PyTorch, so the classes that
need the library (Module derives from nn.Module, the Trainer calls torch.no_grad, ...) are built by
``make_d2l(torch, nn, F)`` from the library the tutorial imported; the pure-Python pieces (HyperParameters,
Vocab, ...) are plain module-level code. Adapted as in the tutorials: the loaders do not shuffle, the progress
board records points instead of plotting, the Time Machine text is a few inline sentences, and
``set_numpy_weights`` sets parameters from NumPy so both libraries start from the same point."""
import collections
import inspect
import re
import types

import numpy as np

from _helpers import numpy_weights


def add_to_class(Class):
    """Register functions as methods in created class."""
    def wrapper(obj):
        setattr(Class, obj.__name__, obj)
    return wrapper


class HyperParameters:
    """The base class of hyperparameters."""
    def save_hyperparameters(self, ignore=[]):
        """Save function arguments into class attributes."""
        frame = inspect.currentframe().f_back
        _, _, _, local_vars = inspect.getargvalues(frame)
        self.hparams = {k: v for k, v in local_vars.items()
                        if k not in set(ignore + ['self']) and not k.startswith('_')}
        for k, v in self.hparams.items():
            setattr(self, k, v)


class ProgressBoard(HyperParameters):
    """Records the points d2l would plot."""
    def __init__(self):
        self.points = {}

    def draw(self, x, y, label, every_n=1):
        self.points.setdefault(label, []).append(float(y))


class Vocab:
    """Vocabulary for text."""
    def __init__(self, tokens=[], min_freq=0, reserved_tokens=[]):
        # Flatten a 2D list if needed
        if tokens and isinstance(tokens[0], list):
            tokens = [token for line in tokens for token in line]
        # Count token frequencies
        counter = collections.Counter(tokens)
        self.token_freqs = sorted(counter.items(), key=lambda x: x[1], reverse=True)
        # The list of unique tokens
        self.idx_to_token = list(sorted(set(['<unk>'] + reserved_tokens + [
            token for token, freq in self.token_freqs if freq >= min_freq])))
        self.token_to_idx = {token: idx for idx, token in enumerate(self.idx_to_token)}

    def __len__(self):
        return len(self.idx_to_token)

    def __getitem__(self, tokens):
        if not isinstance(tokens, (list, tuple)):
            return self.token_to_idx.get(tokens, self.unk)
        return [self.__getitem__(token) for token in tokens]

    def to_tokens(self, indices):
        if hasattr(indices, '__len__') and len(indices) > 1:
            return [self.idx_to_token[int(index)] for index in indices]
        return self.idx_to_token[indices]

    @property
    def unk(self):  # Index for the unknown token
        return self.token_to_idx['<unk>']


class Accumulator:
    """For accumulating sums over `n` variables."""
    def __init__(self, n):
        self.data = [0.0] * n

    def add(self, *args):
        self.data = [a + float(b) for a, b in zip(self.data, args)]

    def reset(self):
        self.data = [0.0] * len(self.data)

    def __getitem__(self, idx):
        return self.data[idx]


TEXT = ("The Time Machine, by H. G. Wells. The Time Traveller (for so it will be convenient to speak of him) "
        "was expounding a recondite matter to us. His grey eyes shone and twinkled, and his usually pale face "
        "was flushed and animated. ") * 3


def make_d2l(torch, nn, F):
    """A namespace of d2l's library classes and aliases built on ``torch`` (either library)."""
    class Module(nn.Module, HyperParameters):
        """The base class of models."""
        def __init__(self, plot_train_per_epoch=2, plot_valid_per_epoch=1):
            super().__init__()
            self.save_hyperparameters()
            self.board = ProgressBoard()

        def loss(self, y_hat, y):
            raise NotImplementedError

        def forward(self, X):
            assert hasattr(self, 'net'), 'Neural network is defined'
            return self.net(X)

        def plot(self, key, value, train):
            """Plot a point in animation."""
            self.board.draw(0, value.detach().to(torch.device('cpu')).numpy(), ('train_' if train else 'val_') + key)

        def training_step(self, batch):
            l = self.loss(self(*batch[:-1]), batch[-1])
            self.plot('loss', l, train=True)
            return l

        def validation_step(self, batch):
            l = self.loss(self(*batch[:-1]), batch[-1])
            self.plot('loss', l, train=False)

        def configure_optimizers(self):
            return torch.optim.SGD(self.parameters(), lr=self.lr)

        def apply_init(self, inputs, init=None):
            self.forward(*inputs)
            if init is not None:
                self.net.apply(init)


    class DataModule(HyperParameters):
        """The base class of data."""
        def __init__(self, root='../data', num_workers=4):
            self.save_hyperparameters()

        def get_dataloader(self, train):
            raise NotImplementedError

        def train_dataloader(self):
            return self.get_dataloader(train=True)

        def val_dataloader(self):
            return self.get_dataloader(train=False)

        def get_tensorloader(self, tensors, train, indices=slice(0, None)):
            tensors = tuple(a[indices] for a in tensors)
            dataset = torch.utils.data.TensorDataset(*tensors)
            return torch.utils.data.DataLoader(dataset, self.batch_size, shuffle=False)  # d2l: shuffle=train


    class Trainer(HyperParameters):
        """The base class for training models with data."""
        def __init__(self, max_epochs, num_gpus=0, gradient_clip_val=0):
            self.save_hyperparameters()
            assert num_gpus == 0, 'No GPU support yet'

        def prepare_data(self, data):
            self.train_dataloader = data.train_dataloader()
            self.val_dataloader = data.val_dataloader()
            self.num_train_batches = len(self.train_dataloader)
            self.num_val_batches = (len(self.val_dataloader) if self.val_dataloader is not None else 0)

        def prepare_model(self, model):
            model.trainer = self
            self.model = model

        def fit(self, model, data):
            self.prepare_data(data)
            self.prepare_model(model)
            self.optim = model.configure_optimizers()
            self.epoch = 0
            self.train_batch_idx = 0
            self.val_batch_idx = 0
            for self.epoch in range(self.max_epochs):
                self.fit_epoch()

        def prepare_batch(self, batch):
            return batch

        def fit_epoch(self):
            self.model.train()
            for batch in self.train_dataloader:
                loss = self.model.training_step(self.prepare_batch(batch))
                self.optim.zero_grad()
                with torch.no_grad():
                    loss.backward()
                    if self.gradient_clip_val > 0:  # To be discussed later
                        self.clip_gradients(self.gradient_clip_val, self.model)
                    self.optim.step()
                self.train_batch_idx += 1
            if self.val_dataloader is None:
                return
            self.model.eval()
            for batch in self.val_dataloader:
                with torch.no_grad():
                    self.model.validation_step(self.prepare_batch(batch))
                self.val_batch_idx += 1

        def clip_gradients(self, grad_clip_val, model):
            params = [p for p in model.parameters() if p.requires_grad]
            norm = torch.sqrt(sum(torch.sum((p.grad ** 2)) for p in params))
            if norm > grad_clip_val:
                for param in params:
                    param.grad[:] *= grad_clip_val / norm


    def set_numpy_weights(model, seed):
        with torch.no_grad():
            named = list(model.named_parameters())
            for (name, p), w in zip(named, numpy_weights([(n, p.shape) for n, p in named], seed=seed)):
                p.copy_(torch.from_numpy(w))


    class Classifier(Module):
        """The base class of classification models."""
        def validation_step(self, batch):
            Y_hat = self(*batch[:-1])
            self.plot('loss', self.loss(Y_hat, batch[-1]), train=False)
            self.plot('acc', self.accuracy(Y_hat, batch[-1]), train=False)

        def accuracy(self, Y_hat, Y, averaged=True):
            """Compute the number of correct predictions."""
            Y_hat = Y_hat.reshape((-1, Y_hat.shape[-1]))
            preds = Y_hat.argmax(axis=1).type(Y.dtype)
            compare = (preds == Y.reshape(-1)).type(torch.float32)
            return compare.mean() if averaged else compare

        def layer_summary(self, X_shape):
            # adapted: the input comes from NumPy (d2l.randn)
            X = torch.from_numpy(np.random.default_rng(3).standard_normal(X_shape).astype(np.float32))
            for layer in self.net:
                X = layer(X)
                print(layer.__class__.__name__, 'output shape:\t', X.shape)
            return X

        def loss(self, Y_hat, Y, averaged=True):
            Y_hat = Y_hat.reshape((-1, Y_hat.shape[-1]))
            Y = Y.reshape((-1,))
            return F.cross_entropy(Y_hat, Y, reduction='mean' if averaged else 'none')


    class TimeMachine(DataModule):
        """The Time Machine dataset."""
        def _download(self):
            return TEXT

        def _preprocess(self, text):
            return re.sub('[^A-Za-z]+', ' ', text).lower()

        def _tokenize(self, text):
            return list(text)

        def build(self, raw_text, vocab=None):
            tokens = self._tokenize(self._preprocess(raw_text))
            if vocab is None: vocab = Vocab(tokens)
            corpus = [vocab[token] for token in tokens]
            return corpus, vocab

        def __init__(self, batch_size, num_steps, num_train=10000, num_val=5000):
            super(TimeMachine, self).__init__()
            self.save_hyperparameters()
            corpus, self.vocab = self.build(self._download())
            array = torch.tensor([corpus[i:i+num_steps+1] for i in range(len(corpus)-num_steps)])
            self.X, self.Y = array[:,:-1], array[:,1:]

        def get_dataloader(self, train):
            idx = slice(0, self.num_train) if train else slice(self.num_train, self.num_train + self.num_val)
            return self.get_tensorloader([self.X, self.Y], train, idx)


    class RNNScratch(Module):
        """The RNN model implemented from scratch."""
        def __init__(self, num_inputs, num_hiddens, sigma=0.01):
            super().__init__()
            self.save_hyperparameters()
            self.W_xh = nn.Parameter(torch.randn(num_inputs, num_hiddens) * sigma)
            self.W_hh = nn.Parameter(torch.randn(num_hiddens, num_hiddens) * sigma)
            self.b_h = nn.Parameter(torch.zeros(num_hiddens))

        def forward(self, inputs, state=None):
            if state is None:
                # Initial state with shape: (batch_size, num_hiddens)
                state = torch.zeros((inputs.shape[1], self.num_hiddens), device=inputs.device)
            else:
                state, = state
            outputs = []
            for X in inputs:  # Shape of inputs: (num_steps, batch_size, num_inputs)
                state = torch.tanh(torch.matmul(X, self.W_xh) + torch.matmul(state, self.W_hh) + self.b_h)
                outputs.append(state)
            return outputs, state


    class RNNLMScratch(Classifier):
        """The RNN-based language model implemented from scratch."""
        def __init__(self, rnn, vocab_size, lr=0.01):
            super().__init__()
            self.save_hyperparameters()
            self.init_params()

        def init_params(self):
            self.W_hq = nn.Parameter(torch.randn(self.rnn.num_hiddens, self.vocab_size) * self.rnn.sigma)
            self.b_q = nn.Parameter(torch.zeros(self.vocab_size))

        def training_step(self, batch):
            l = self.loss(self(*batch[:-1]), batch[-1])
            self.plot('ppl', torch.exp(l), train=True)
            return l

        def validation_step(self, batch):
            l = self.loss(self(*batch[:-1]), batch[-1])
            self.plot('ppl', torch.exp(l), train=False)

        def one_hot(self, X):
            # Output shape: (num_steps, batch_size, vocab_size)
            return F.one_hot(X.T, self.vocab_size).type(torch.float32)

        def output_layer(self, rnn_outputs):
            outputs = [torch.matmul(H, self.W_hq) + self.b_q for H in rnn_outputs]
            return torch.stack(outputs, 1)

        def forward(self, X, state=None):
            embs = self.one_hot(X)
            rnn_outputs, _ = self.rnn(embs, state)
            return self.output_layer(rnn_outputs)

        def predict(self, prefix, num_preds, vocab, device=None):
            state, outputs = None, [vocab[prefix[0]]]
            for i in range(len(prefix) + num_preds - 1):
                X = torch.tensor([[outputs[-1]]], device=device)
                embs = self.one_hot(X)
                rnn_outputs, state = self.rnn(embs, state)
                if i < len(prefix) - 1:  # Warm-up period
                    outputs.append(vocab[prefix[i + 1]])
                else:  # Predict num_preds steps
                    Y = self.output_layer(rnn_outputs)
                    outputs.append(int(Y.argmax(axis=2).reshape(1)))
            return ''.join([vocab.idx_to_token[i] for i in outputs])


    class RNN(Module):
        """The RNN model implemented with high-level APIs."""
        def __init__(self, num_inputs, num_hiddens):
            super().__init__()
            self.save_hyperparameters()
            self.rnn = nn.RNN(num_inputs, num_hiddens)

        def forward(self, inputs, H=None):
            return self.rnn(inputs, H)


    class RNNLM(RNNLMScratch):
        """The RNN-based language model implemented with high-level APIs."""
        def init_params(self):
            self.linear = nn.LazyLinear(self.vocab_size)

        def output_layer(self, hiddens):
            return self.linear(hiddens).swapaxes(0, 1)


    return types.SimpleNamespace(
        add_to_class=add_to_class, HyperParameters=HyperParameters, ProgressBoard=ProgressBoard, Vocab=Vocab,
        Accumulator=Accumulator,
        Module=Module, DataModule=DataModule, Trainer=Trainer, Classifier=Classifier,
        set_numpy_weights=set_numpy_weights, TimeMachine=TimeMachine, RNNScratch=RNNScratch,
        RNNLMScratch=RNNLMScratch, RNN=RNN, RNNLM=RNNLM,
        # the tensor aliases d2l/torch.py defines
        randn=torch.randn, zeros=torch.zeros, ones=torch.ones, sigmoid=torch.sigmoid, tanh=torch.tanh,
        matmul=torch.matmul, stack=torch.stack, concat=torch.cat, try_gpu=lambda: None)
