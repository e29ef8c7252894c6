"""yunjey/pytorch-tutorial's recurrent tutorials, small: the many-to-one RNN (LSTM, batch_first, initial
states from torch.zeros(...).to(device)) and the bidirectional RNN (num_layers*2 states, hidden_size*2 head) on
MNIST rows with Adam and torch.max(outputs.data, 1) accuracy; the language model (Corpus.get_data filling
torch.LongTensor(tokens) item by item, ids.view(batch_size, -1), truncated BPTT with a detach() helper,
clip_grad_norm_, perplexity with np.exp) and its greedy sampling loop with input.fill_(word_id). The corpus is
a generated text, sampling takes the argmax (the tutorial draws with torch.multinomial; its draws differ between
libraries) and weights are set from NumPy."""
import numpy as np
import torch
import torch.nn as nn
from torch.nn.utils import clip_grad_norm_

from _helpers import mnist_subset, numpy_weights

device = torch.device('cuda' if torch.cuda.is_available() else 'cpu')


def set_weights(model, seed):
    with torch.no_grad():
        named = list(model.named_parameters())
        for (name, p), w in zip(named, numpy_weights([(n, p.shape) for n, p in named], seed=seed)):
            p.copy_(torch.from_numpy(w))


sequence_length = 28
input_size = 28
hidden_size = 32
num_layers = 2
num_classes = 10
batch_size = 50
learning_rate = 0.003
x_train, y_train, x_test, y_test = mnist_subset(200, 100)
train_loader = torch.utils.data.DataLoader(
    dataset=torch.utils.data.TensorDataset(torch.from_numpy(x_train), torch.from_numpy(y_train)),
    batch_size=batch_size, shuffle=False)
test_loader = torch.utils.data.DataLoader(
    dataset=torch.utils.data.TensorDataset(torch.from_numpy(x_test), torch.from_numpy(y_test)),
    batch_size=batch_size, shuffle=False)


class RNN(nn.Module):
    def __init__(self, input_size, hidden_size, num_layers, num_classes):
        super(RNN, self).__init__()
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.lstm = nn.LSTM(input_size, hidden_size, num_layers, batch_first=True)
        self.fc = nn.Linear(hidden_size, num_classes)

    def forward(self, x):
        # Set initial hidden and cell states
        h0 = torch.zeros(self.num_layers, x.size(0), self.hidden_size).to(device)
        c0 = torch.zeros(self.num_layers, x.size(0), self.hidden_size).to(device)

        # Forward propagate LSTM
        out, _ = self.lstm(x, (h0, c0))  # out: tensor of shape (batch_size, seq_length, hidden_size)

        # Decode the hidden state of the last time step
        out = self.fc(out[:, -1, :])
        return out


class BiRNN(nn.Module):
    def __init__(self, input_size, hidden_size, num_layers, num_classes):
        super(BiRNN, self).__init__()
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.lstm = nn.LSTM(input_size, hidden_size, num_layers, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(hidden_size*2, num_classes)  # 2 for bidirection

    def forward(self, x):
        # Set initial states
        h0 = torch.zeros(self.num_layers*2, x.size(0), self.hidden_size).to(device)  # 2 for bidirection
        c0 = torch.zeros(self.num_layers*2, x.size(0), self.hidden_size).to(device)

        # Forward propagate LSTM
        out, _ = self.lstm(x, (h0, c0))  # out: tensor of shape (batch_size, seq_length, hidden_size*2)

        # Decode the hidden state of the last time step
        out = self.fc(out[:, -1, :])
        return out


result = {}
for key, cls in (("rnn", RNN), ("birnn", BiRNN)):
    model = cls(input_size, hidden_size, num_layers, num_classes).to(device)
    set_weights(model, 31)
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate)
    total_step = len(train_loader)
    losses = []
    for epoch in range(2):
        for i, (images, labels) in enumerate(train_loader):
            images = images.reshape(-1, sequence_length, input_size).to(device)
            labels = labels.to(device)
            outputs = model(images)
            loss = criterion(outputs, labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
            if (i+1) % 2 == 0:
                print('Epoch [{}/{}], Step [{}/{}], Loss: {:.4f}'.format(epoch+1, 2, i+1, total_step, loss.item()))
    with torch.no_grad():
        correct = 0
        total = 0
        for images, labels in test_loader:
            images = images.reshape(-1, sequence_length, input_size).to(device)
            labels = labels.to(device)
            outputs = model(images)
            _, predicted = torch.max(outputs.data, 1)
            total += labels.size(0)
            correct += (predicted == labels).sum().item()
        print('Test Accuracy of the model on the 10000 test images: {} %'.format(100 * correct / total))
    result[key] = {"losses": losses, "accuracy": correct / total}


# -- the language model (02-intermediate/language_model)
class Dictionary(object):
    def __init__(self):
        self.word2idx = {}
        self.idx2word = {}
        self.idx = 0

    def add_word(self, word):
        if not word in self.word2idx:
            self.word2idx[word] = self.idx
            self.idx2word[self.idx] = word
            self.idx += 1

    def __len__(self):
        return len(self.word2idx)


class Corpus(object):
    def __init__(self):
        self.dictionary = Dictionary()

    def get_data(self, lines, batch_size=20):
        # Add words to the dictionary
        tokens = 0
        for line in lines:
            words = line.split() + ['<eos>']
            tokens += len(words)
            for word in words:
                self.dictionary.add_word(word)

        # Tokenize the file content
        ids = torch.LongTensor(tokens)
        token = 0
        for line in lines:
            words = line.split() + ['<eos>']
            for word in words:
                ids[token] = self.dictionary.word2idx[word]
                token += 1
        num_batches = ids.size(0) // batch_size
        ids = ids[:num_batches*batch_size]
        return ids.view(batch_size, -1)


rng = np.random.default_rng(5)
subjects, verbs, objects = ["the cat", "a dog", "my friend"], ["sees", "eats", "likes"], ["the fish", "a ball"]
lines = [f"{subjects[rng.integers(3)]} {verbs[rng.integers(3)]} {objects[rng.integers(2)]}" for _ in range(80)]
embed_size = 16
hidden_size = 32
num_layers = 1
batch_size = 4
seq_length = 10
corpus = Corpus()
ids = corpus.get_data(lines, batch_size)
vocab_size = len(corpus.dictionary)
num_batches = ids.size(1) // seq_length


class RNNLM(nn.Module):
    def __init__(self, vocab_size, embed_size, hidden_size, num_layers):
        super(RNNLM, self).__init__()
        self.embed = nn.Embedding(vocab_size, embed_size)
        self.lstm = nn.LSTM(embed_size, hidden_size, num_layers, batch_first=True)
        self.linear = nn.Linear(hidden_size, vocab_size)

    def forward(self, x, h):
        # Embed word ids to vectors
        x = self.embed(x)

        # Forward propagate LSTM
        out, (h, c) = self.lstm(x, h)

        # Reshape output to (batch_size*sequence_length, hidden_size)
        out = out.reshape(out.size(0)*out.size(1), out.size(2))

        # Decode hidden states of all time steps
        out = self.linear(out)
        return out, (h, c)


model = RNNLM(vocab_size, embed_size, hidden_size, num_layers).to(device)
set_weights(model, 32)
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=0.01)


def detach(states):
    return [state.detach() for state in states]


lm_losses = []
for epoch in range(3):
    states = (torch.zeros(num_layers, batch_size, hidden_size).to(device),
              torch.zeros(num_layers, batch_size, hidden_size).to(device))
    for i in range(0, ids.size(1) - seq_length, seq_length):
        inputs = ids[:, i:i+seq_length].to(device)
        targets = ids[:, (i+1):(i+1)+seq_length].to(device)
        states = detach(states)
        outputs, states = model(inputs, states)
        loss = criterion(outputs, targets.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        clip_grad_norm_(model.parameters(), 0.5)
        optimizer.step()
        step = (i+1) // seq_length
        lm_losses.append(loss.item())
        if step % 2 == 0:
            print('Epoch [{}/{}], Step[{}/{}], Loss: {:.4f}, Perplexity: {:5.2f}'
                  .format(epoch+1, 3, step, num_batches, loss.item(), np.exp(loss.item())))

with torch.no_grad():
    state = (torch.zeros(num_layers, 1, hidden_size).to(device),
             torch.zeros(num_layers, 1, hidden_size).to(device))
    input = torch.tensor([[0]]).to(device)
    sampled = []
    for i in range(12):
        output, state = model(input, state)
        prob = output.exp()
        word_id = prob.argmax(dim=1).item()
        input.fill_(word_id)
        word = corpus.dictionary.idx2word[word_id]
        sampled.append('\n' if word == '<eos>' else word + ' ')
result["lm"] = {"ids_shape": list(ids.shape), "vocab": vocab_size, "losses": lm_losses, "sampled": "".join(sampled)}
