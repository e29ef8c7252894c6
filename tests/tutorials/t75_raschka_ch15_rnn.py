"""Raschka, Liu & Mirjalili, "Machine Learning with PyTorch and Scikit-Learn" (rasbt/machine-learning-book, MIT
licence), ch15_part1.py, ch15_part2.py and ch15_part3.py, in order and unchanged except where marked ``# adapted``:
the RNN computed by hand from nn.RNN's weight_ih_l0/weight_hh_l0/bias_* (torch.reshape, torch.transpose,
.detach().numpy()); the IMDB sentiment models (random_split of a list after torch.manual_seed(1), the tokenizer
and Counter/OrderedDict vocabulary, collate_batch with nn.utils.rnn.pad_sequence(batch_first=True), Embedding with
padding_idx=0, a 2-layer nn.RNN taking hidden[-1], an LSTM over pack_padded_sequence(out, lengths.cpu().numpy(),
enforce_sorted=False, batch_first=True), the bidirectional LSTM joining hidden[-2] and hidden[-1], BCELoss, Adam,
train/evaluate with .item() sums); the character-level language model (torch.tensor of a list of int32 NumPy
chunks, a Dataset slicing .long(), DataLoader(drop_last=True), LSTM stepped one character at a time with
(hidden, cell), loss accumulated with +=, Categorical(logits=...).sample((10,)) after manual_seed, sample() with
scale_factor and NumPy indexing char_array[tensor]). All random numbers come from torch.manual_seed as in the
book. Adapted: IMDB (torchtext) is 64 generated reviews and torchtext's vocab a small class with its methods;
the novel is a few sentences; smaller models (embed 16, hidden 32) and a few epochs/steps; device is the CPU."""
import re
from collections import Counter, OrderedDict

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import Dataset
from torch.utils.data import DataLoader
from torch.utils.data.dataset import random_split
from torch.distributions.categorical import Categorical

result = {}

# ---------------------------------------------------------------- ch15_part1.py
torch.manual_seed(1)
rnn_layer = nn.RNN(input_size=5, hidden_size=2, num_layers=1, batch_first=True)
w_xh = rnn_layer.weight_ih_l0
w_hh = rnn_layer.weight_hh_l0
b_xh = rnn_layer.bias_ih_l0
b_hh = rnn_layer.bias_hh_l0
print('W_xh shape:', w_xh.shape)
print('W_hh shape:', w_hh.shape)
print('b_xh shape:', b_xh.shape)
print('b_hh shape:', b_hh.shape)
x_seq = torch.tensor([[1.0]*5, [2.0]*5, [3.0]*5]).float()
## output of the simple RNN:
output, hn = rnn_layer(torch.reshape(x_seq, (1, 3, 5)))
## manually computing the output:
out_man = []
for t in range(3):
    xt = torch.reshape(x_seq[t], (1, 5))
    print(f'Time step {t} =>')
    print('   Input           :', xt.numpy())

    ht = torch.matmul(xt, torch.transpose(w_xh, 0, 1)) + b_xh
    print('   Hidden          :', ht.detach().numpy())

    if t>0:
        prev_h = out_man[t-1]
    else:
        prev_h = torch.zeros((ht.shape))
    ot = ht + torch.matmul(prev_h, torch.transpose(w_hh, 0, 1)) + b_hh
    ot = torch.tanh(ot)
    out_man.append(ot)
    print('   Output (manual) :', ot.detach().numpy())
    print('   RNN output      :', output[:, t].detach().numpy())
    print()
result["rnn_manual"] = [[o.detach().numpy().tolist() for o in out_man], output.detach().numpy().tolist(),
                        hn.tolist(), w_xh.tolist()]

# ---------------------------------------------------------------- ch15_part2.py
# adapted: IMDB(split='train') / IMDB(split='test') from torchtext
words = {'pos': "great wonderful loved superb fun moving brilliant".split(),
         'neg': "awful boring hated dull terrible waste bad".split()}
common = "the movie film was a and it this plot acting i story".split()
gen = np.random.default_rng(4)


def review(label):
    n = int(gen.integers(5, 14))
    toks = [str(gen.choice(words[label] if gen.uniform() < 0.35 else common)) for _ in range(n)]
    return ' '.join(toks) + (' <br /> :-)' if label == 'pos' and gen.uniform() < 0.3 else '.')


train_dataset = [(lab, review(lab)) for lab in ['pos', 'neg'] * 32]
test_dataset = [(lab, review(lab)) for lab in ['neg', 'pos'] * 8]
torch.manual_seed(1)
train_dataset, valid_dataset = random_split(
    list(train_dataset), [48, 16])  # adapted: [20000, 5000]
result["split_first"] = [train_dataset[i][1] for i in range(3)] + [valid_dataset.indices[:5]]
## Step 2: find unique tokens (words)
token_counts = Counter()


def tokenizer(text):
    text = re.sub('<[^>]*>', '', text)
    emoticons = re.findall(r'(?::|;|=)(?:-)?(?:\)|\(|D|P)', text.lower())
    text = re.sub(r'[\W]+', ' ', text.lower()) +        ' '.join(emoticons).replace('-', '')
    tokenized = text.split()
    return tokenized


for label, line in train_dataset:
    tokens = tokenizer(line)
    token_counts.update(tokens)
print('Vocab-size:', len(token_counts))
## Step 3: encoding each unique token into integers
sorted_by_freq_tuples = sorted(token_counts.items(), key=lambda x: x[1], reverse=True)
ordered_dict = OrderedDict(sorted_by_freq_tuples)


class vocab:  # adapted: torchtext.vocab.vocab
    def __init__(self, ordered_dict):
        self.itos = list(ordered_dict)
        self.default = None

    def insert_token(self, token, index):
        self.itos.insert(index, token)

    def set_default_index(self, index):
        self.default = index

    def __getitem__(self, token):
        return self.itos.index(token) if token in self.itos else self.default

    def __len__(self):
        return len(self.itos)


vocab = vocab(ordered_dict)
vocab.insert_token("<pad>", 0)
vocab.insert_token("<unk>", 1)
vocab.set_default_index(1)
print([vocab[token] for token in ['this', 'is', 'an', 'example']])
## Step 3-A: define the functions for transformation
device = torch.device("cpu")  # adapted: "cuda:0"
text_pipeline = lambda x: [vocab[token] for token in tokenizer(x)]
label_pipeline = lambda x: 1. if x == 'pos' else 0.


## Step 3-B: wrap the encode and transformation function
def collate_batch(batch):
    label_list, text_list, lengths = [], [], []
    for _label, _text in batch:
        label_list.append(label_pipeline(_label))
        processed_text = torch.tensor(text_pipeline(_text),
                                      dtype=torch.int64)
        text_list.append(processed_text)
        lengths.append(processed_text.size(0))
    label_list = torch.tensor(label_list)
    lengths = torch.tensor(lengths)
    padded_text_list = nn.utils.rnn.pad_sequence(
        text_list, batch_first=True)
    return padded_text_list.to(device), label_list.to(device), lengths.to(device)


## Take a small batch
dataloader = DataLoader(train_dataset, batch_size=4, shuffle=False, collate_fn=collate_batch)
text_batch, label_batch, length_batch = next(iter(dataloader))
print(text_batch)
print(label_batch)
print(length_batch)
print(text_batch.shape)
result["first_batch"] = [text_batch.tolist(), label_batch.tolist(), length_batch.tolist(),
                         str(label_batch.dtype).split(".")[-1]]
## Step 4: batching the datasets
batch_size = 8  # adapted: 32
train_dl = DataLoader(train_dataset, batch_size=batch_size,
                      shuffle=True, collate_fn=collate_batch)
valid_dl = DataLoader(valid_dataset, batch_size=batch_size,
                      shuffle=False, collate_fn=collate_batch)
test_dl = DataLoader(test_dataset, batch_size=batch_size,
                     shuffle=False, collate_fn=collate_batch)
embedding = nn.Embedding(num_embeddings=10,
                         embedding_dim=3,
                         padding_idx=0)
text_encoded_input = torch.LongTensor([[1,2,4,5],[4,3,2,0]])
print(embedding(text_encoded_input))
result["embedding"] = embedding(text_encoded_input).tolist()


## An example of building a RNN model
## with simple RNN layer
class RNN(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.rnn = nn.RNN(input_size,
                          hidden_size,
                          num_layers=2,
                          batch_first=True)
        #self.gru = nn.GRU(input_size, hidden_size, num_layers, batch_first=True)
        #self.lstm = nn.LSTM(input_size, hidden_size, num_layers, batch_first=True)
        self.fc = nn.Linear(hidden_size, 1)

    def forward(self, x):
        _, hidden = self.rnn(x)
        out = hidden[-1, :, :]
        out = self.fc(out)
        return out


model = RNN(64, 32)
print(model)
result["rnn_example"] = model(torch.randn(5, 3, 64)).tolist()


class RNN(nn.Module):
    def __init__(self, vocab_size, embed_dim, rnn_hidden_size, fc_hidden_size):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size,
                                      embed_dim,
                                      padding_idx=0)
        self.rnn = nn.LSTM(embed_dim, rnn_hidden_size,
                           batch_first=True)
        self.fc1 = nn.Linear(rnn_hidden_size, fc_hidden_size)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(fc_hidden_size, 1)
        self.sigmoid = nn.Sigmoid()

    def forward(self, text, lengths):
        out = self.embedding(text)
        out = nn.utils.rnn.pack_padded_sequence(out, lengths.cpu().numpy(), enforce_sorted=False, batch_first=True)
        out, (hidden, cell) = self.rnn(out)
        out = hidden[-1, :, :]
        out = self.fc1(out)
        out = self.relu(out)
        out = self.fc2(out)
        out = self.sigmoid(out)
        return out


vocab_size = len(vocab)
embed_dim = 20
rnn_hidden_size = 32  # adapted: 64
fc_hidden_size = 32  # adapted: 64
torch.manual_seed(1)
model = RNN(vocab_size, embed_dim, rnn_hidden_size, fc_hidden_size)
model = model.to(device)


def train(dataloader):
    model.train()
    total_acc, total_loss = 0, 0
    for text_batch, label_batch, lengths in dataloader:
        optimizer.zero_grad()
        pred = model(text_batch, lengths)[:, 0]
        loss = loss_fn(pred, label_batch)
        loss.backward()
        optimizer.step()
        total_acc += ((pred>=0.5).float() == label_batch).float().sum().item()
        total_loss += loss.item()*label_batch.size(0)
    return total_acc/len(dataloader.dataset), total_loss/len(dataloader.dataset)


def evaluate(dataloader):
    model.eval()
    total_acc, total_loss = 0, 0
    with torch.no_grad():
        for text_batch, label_batch, lengths in dataloader:
            pred = model(text_batch, lengths)[:, 0]
            loss = loss_fn(pred, label_batch)
            total_acc += ((pred>=0.5).float() == label_batch).float().sum().item()
            total_loss += loss.item()*label_batch.size(0)
    return total_acc/len(dataloader.dataset), total_loss/len(dataloader.dataset)


loss_fn = nn.BCELoss()
optimizer = torch.optim.Adam(model.parameters(), lr=0.001)
num_epochs = 3  # adapted: 10
torch.manual_seed(1)
hist = []
for epoch in range(num_epochs):
    acc_train, loss_train = train(train_dl)
    acc_valid, loss_valid = evaluate(valid_dl)
    print(f'Epoch {epoch} accuracy: {acc_train:.4f} val_accuracy: {acc_valid:.4f}')
    hist.append([acc_train, loss_train, acc_valid, loss_valid])
acc_test, _ = evaluate(test_dl)
print(f'test_accuracy: {acc_test:.4f}')
result["lstm_sentiment"] = [hist, acc_test, _]


class RNN(nn.Module):
    def __init__(self, vocab_size, embed_dim, rnn_hidden_size, fc_hidden_size):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size,
                                      embed_dim,
                                      padding_idx=0)
        self.rnn = nn.LSTM(embed_dim, rnn_hidden_size,
                           batch_first=True, bidirectional=True)
        self.fc1 = nn.Linear(rnn_hidden_size*2, fc_hidden_size)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(fc_hidden_size, 1)
        self.sigmoid = nn.Sigmoid()

    def forward(self, text, lengths):
        out = self.embedding(text)
        out = nn.utils.rnn.pack_padded_sequence(out, lengths.cpu().numpy(), enforce_sorted=False, batch_first=True)
        _, (hidden, cell) = self.rnn(out)
        out = torch.cat((hidden[-2, :, :], hidden[-1, :, :]), dim=1)
        out = self.fc1(out)
        out = self.relu(out)
        out = self.fc2(out)
        out = self.sigmoid(out)
        return out


torch.manual_seed(1)
model = RNN(vocab_size, embed_dim, rnn_hidden_size, fc_hidden_size)
model = model.to(device)
loss_fn = nn.BCELoss()
optimizer = torch.optim.Adam(model.parameters(), lr=0.002)
torch.manual_seed(1)
hist = []
for epoch in range(num_epochs):
    acc_train, loss_train = train(train_dl)
    acc_valid, loss_valid = evaluate(valid_dl)
    print(f'Epoch {epoch} accuracy: {acc_train:.4f} val_accuracy: {acc_valid:.4f}')
    hist.append([acc_train, loss_train, acc_valid, loss_valid])
acc_test, _ = evaluate(test_dl)
print(f'test_accuracy: {acc_test:.4f}')
result["bilstm_sentiment"] = [hist, acc_test, _]

# ---------------------------------------------------------------- ch15_part3.py
## Reading and processing text
text = ("THE MYSTERIOUS ISLAND. Are we rising again? No. On the contrary. Are we descending? Worse than that, "
        "captain! we are falling! For Heaven's sake throw out the ballast! There! the last sack is empty! "
        "Does the balloon rise? No! I hear a noise like the dashing of waves. The sea is below the car! "
        "End of the Project Gutenberg")  # adapted: open('1268-0.txt').read()
start_indx = text.find('THE MYSTERIOUS ISLAND')
end_indx = text.find('End of the Project Gutenberg')
text = text[start_indx:end_indx]
char_set = set(text)
print('Total Length:', len(text))
print('Unique Characters:', len(char_set))
chars_sorted = sorted(char_set)
char2int = {ch:i for i,ch in enumerate(chars_sorted)}
char_array = np.array(chars_sorted)
text_encoded = np.array(
    [char2int[ch] for ch in text],
    dtype=np.int32)
print('Text encoded shape: ', text_encoded.shape)
seq_length = 40
chunk_size = seq_length + 1
text_chunks = [text_encoded[i:i+chunk_size]
               for i in range(len(text_encoded)-chunk_size+1)]


class TextDataset(Dataset):
    def __init__(self, text_chunks):
        self.text_chunks = text_chunks

    def __len__(self):
        return len(self.text_chunks)

    def __getitem__(self, idx):
        text_chunk = self.text_chunks[idx]
        return text_chunk[:-1].long(), text_chunk[1:].long()


seq_dataset = TextDataset(torch.tensor(text_chunks))
shown = []
for i, (seq, target) in enumerate(seq_dataset):
    print(' Input (x):', repr(''.join(char_array[seq])))
    print('Target (y):', repr(''.join(char_array[target])))
    print()
    shown.append(''.join(char_array[target]))
    if i == 1:
        break
result["text_dataset"] = [shown, str(seq_dataset.text_chunks.dtype).split(".")[-1], str(seq.dtype).split(".")[-1]]
batch_size = 16  # adapted: 64
torch.manual_seed(1)
seq_dl = DataLoader(seq_dataset, batch_size=batch_size, shuffle=True, drop_last=True)


class RNN(nn.Module):
    def __init__(self, vocab_size, embed_dim, rnn_hidden_size):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim)
        self.rnn_hidden_size = rnn_hidden_size
        self.rnn = nn.LSTM(embed_dim, rnn_hidden_size,
                           batch_first=True)
        self.fc = nn.Linear(rnn_hidden_size, vocab_size)

    def forward(self, x, hidden, cell):
        out = self.embedding(x).unsqueeze(1)
        out, (hidden, cell) = self.rnn(out, (hidden, cell))
        out = self.fc(out).reshape(out.size(0), -1)
        return out, hidden, cell

    def init_hidden(self, batch_size):
        hidden = torch.zeros(1, batch_size, self.rnn_hidden_size)
        cell = torch.zeros(1, batch_size, self.rnn_hidden_size)
        return hidden.to(device), cell.to(device)


vocab_size = len(char_array)
embed_dim = 16  # adapted: 256
rnn_hidden_size = 32  # adapted: 512
torch.manual_seed(1)
model = RNN(vocab_size, embed_dim, rnn_hidden_size)
model = model.to(device)
print(model)
loss_fn = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=0.005)
num_epochs = 6  # adapted: 10000
torch.manual_seed(1)
losses = []
for epoch in range(num_epochs):
    hidden, cell = model.init_hidden(batch_size)
    seq_batch, target_batch = next(iter(seq_dl))
    seq_batch = seq_batch.to(device)
    target_batch = target_batch.to(device)
    optimizer.zero_grad()
    loss = 0
    for c in range(seq_length):
        pred, hidden, cell = model(seq_batch[:, c], hidden, cell)
        loss += loss_fn(pred, target_batch[:, c])
    loss.backward()
    optimizer.step()
    loss = loss.item()/seq_length
    losses.append(loss)
    if epoch % 2 == 0:  # adapted: 500
        print(f'Epoch {epoch} loss: {loss:.4f}')
result["char_lm_loss"] = losses

torch.manual_seed(1)
logits = torch.tensor([[1.0, 1.0, 1.0]])
print('Probabilities:', nn.functional.softmax(logits, dim=1).numpy()[0])
m = Categorical(logits=logits)
samples = m.sample((10,))
print(samples.numpy())
result["samples_uniform"] = samples.numpy().tolist()
torch.manual_seed(1)
logits = torch.tensor([[1.0, 1.0, 3.0]])
print('Probabilities:', nn.functional.softmax(logits, dim=1).numpy()[0])
m = Categorical(logits=logits)
samples = m.sample((10,))
print(samples.numpy())
result["samples_skewed"] = samples.numpy().tolist()


def sample(model, starting_str,
           len_generated_text=500,
           scale_factor=1.0):
    encoded_input = torch.tensor([char2int[s] for s in starting_str])
    encoded_input = torch.reshape(encoded_input, (1, -1))
    generated_str = starting_str
    model.eval()
    hidden, cell = model.init_hidden(1)
    hidden = hidden.to('cpu')
    cell = cell.to('cpu')
    for c in range(len(starting_str)-1):
        _, hidden, cell = model(encoded_input[:, c].view(1), hidden, cell)

    last_char = encoded_input[:, -1]
    for i in range(len_generated_text):
        logits, hidden, cell = model(last_char.view(1), hidden, cell)
        logits = torch.squeeze(logits, 0)
        scaled_logits = logits * scale_factor
        m = Categorical(logits=scaled_logits)
        last_char = m.sample()
        generated_str += str(char_array[last_char])

    return generated_str


torch.manual_seed(1)
model.to('cpu')
text1 = sample(model, starting_str='The island', len_generated_text=40)  # adapted: 500
print(text1)
torch.manual_seed(1)
text2 = sample(model, starting_str='The island', len_generated_text=40, scale_factor=2.0)
print(text2)
result["generated"] = [text1, text2]
