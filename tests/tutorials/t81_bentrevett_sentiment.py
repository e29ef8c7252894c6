"""bentrevett/pytorch-sentiment-analysis (MIT licence), notebooks 1 (Neural Bag of Words), 2 (Recurrent Neural
Networks) and 3 (Convolutional Neural Networks), their PyTorch code unchanged except where marked ``# adapted``:
the seeds, collate_fn with pad_sequence(batch_first=True) and torch.stack of 0-d label/length tensors, NBoW
(Embedding(padding_idx=pad_index), embedded.mean(dim=1)), the bidirectional 2-layer LSTM over
pack_padded_sequence(embedded, length, batch_first=True, enforce_sorted=False) and pad_packed_sequence, joining
hidden[-1] and hidden[-2], the CNN (ModuleList of Conv1d over permute(0, 2, 1), conv.max(dim=-1).values),
initialize_weights through model.apply (xavier_normal_, zeros_, orthogonal_ on the LSTM's weights,
kaiming_normal_(nonlinearity="relu") on Conv1d), pretrained vectors assigned through
model.embedding.weight.data = ..., count_parameters printed with {:,}, Adam, CrossEntropyLoss, get_accuracy
(argmax(dim=-1).eq(label).sum() / batch_size), train/evaluate returning np.mean of .item()s, the best state dict
saved and loaded, and predict_sentiment (torch.LongTensor(ids).unsqueeze(dim=0), softmax, argmax().item(),
probability[predicted_class].item()). Random numbers come from torch.manual_seed(1234) as in the notebooks.
Adapted: IMDB (datasets), torchtext's basic_english tokenizer and vocabulary and the GloVe vectors are replaced by
generated reviews, a regex tokenizer, a small Vocab class with torchtext's methods and NumPy vectors; small models,
two epochs; tqdm is left out; files go to a temporary directory."""
import collections
import os
import re
import tempfile

import numpy as np
import torch
import torch.nn as nn
import torch.optim as optim

result = {}
seed = 1234

np.random.seed(seed)
torch.manual_seed(seed)
torch.cuda.manual_seed(seed)
torch.backends.cudnn.deterministic = True

# adapted: datasets.load_dataset("imdb"), torchtext.data.utils.get_tokenizer("basic_english")
gen = np.random.default_rng(11)
pos, neg = "great superb loved wonderful fun brilliant".split(), "terrible awful boring hated dull bad".split()
filler = "this film is the movie was a and it acting plot story not".split()


def review(label):
    words = [str(gen.choice((pos if label else neg) if gen.uniform() < 0.3 else filler))
             for _ in range(int(gen.integers(4, 16)))]
    return " ".join(words).capitalize() + ("!" if gen.uniform() < 0.5 else ".")


def make_data(n):
    labels = gen.integers(0, 2, n)
    return [{"text": review(int(lab)), "label": int(lab)} for lab in labels]


train_data, test_data = make_data(64), make_data(16)


def tokenizer(text):  # adapted: basic_english
    return re.findall(r"[a-z']+|[!?.,]", text.lower())


def tokenize_example(example, tokenizer, max_length):
    tokens = tokenizer(example["text"])[:max_length]
    length = len(tokens)
    return {"tokens": tokens, "length": length}


max_length = 256
train_data = [dict(ex, **tokenize_example(ex, tokenizer, max_length)) for ex in train_data]  # adapted: .map
test_data = [dict(ex, **tokenize_example(ex, tokenizer, max_length)) for ex in test_data]
train_data, valid_data = train_data[:48], train_data[48:]  # adapted: train_test_split(test_size=0.25)
min_freq = 2  # adapted: 5
special_tokens = ["<unk>", "<pad>"]


class Vocab:  # adapted: torchtext.vocab.build_vocab_from_iterator
    def __init__(self, iterator, min_freq, specials):
        counts = collections.Counter(tok for toks in iterator for tok in toks)
        ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        self.itos = list(specials) + [t for t, c in ordered if c >= min_freq and t not in specials]
        self.stoi = {t: i for i, t in enumerate(self.itos)}
        self.default = None

    def get_itos(self):
        return self.itos

    def set_default_index(self, index):
        self.default = index

    def __getitem__(self, token):
        return self.stoi.get(token, self.default)

    def __contains__(self, token):
        return token in self.stoi

    def __len__(self):
        return len(self.itos)

    def lookup_indices(self, tokens):
        return [self[t] for t in tokens]


vocab = Vocab([ex["tokens"] for ex in train_data], min_freq=min_freq, specials=special_tokens)
unk_index = vocab["<unk>"]
pad_index = vocab["<pad>"]
vocab.set_default_index(unk_index)


def numericalize_example(example, vocab):
    ids = vocab.lookup_indices(example["tokens"])
    return {"ids": ids}


def with_torch_format(data):  # adapted: .map(numericalize_example).with_format(type="torch", columns=[...])
    return [{"ids": torch.tensor(numericalize_example(ex, vocab)["ids"]), "label": torch.tensor(ex["label"]),
             "length": torch.tensor(ex["length"])} for ex in data]


train_data, valid_data, test_data = with_torch_format(train_data), with_torch_format(valid_data), \
    with_torch_format(test_data)


def get_collate_fn(pad_index):
    def collate_fn(batch):
        batch_ids = [i["ids"] for i in batch]
        batch_ids = nn.utils.rnn.pad_sequence(
            batch_ids, padding_value=pad_index, batch_first=True
        )
        batch_length = [i["length"] for i in batch]
        batch_length = torch.stack(batch_length)
        batch_label = [i["label"] for i in batch]
        batch_label = torch.stack(batch_label)
        batch = {"ids": batch_ids, "length": batch_length, "label": batch_label}
        return batch

    return collate_fn


def get_data_loader(dataset, batch_size, pad_index, shuffle=False):
    collate_fn = get_collate_fn(pad_index)
    data_loader = torch.utils.data.DataLoader(
        dataset=dataset,
        batch_size=batch_size,
        collate_fn=collate_fn,
        shuffle=shuffle,
    )
    return data_loader


batch_size = 16  # adapted: 512
train_data_loader = get_data_loader(train_data, batch_size, pad_index, shuffle=True)
valid_data_loader = get_data_loader(valid_data, batch_size, pad_index)
test_data_loader = get_data_loader(test_data, batch_size, pad_index)
output_dim = 2  # adapted: len(train_data.unique("label"))
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
tmp = tempfile.TemporaryDirectory()  # adapted


def count_parameters(model):
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def get_accuracy(prediction, label):
    batch_size, _ = prediction.shape
    predicted_classes = prediction.argmax(dim=-1)
    correct_predictions = predicted_classes.eq(label).sum()
    accuracy = correct_predictions / batch_size
    return accuracy


def pretrained(vocab, dim):  # adapted: torchtext.vocab.GloVe().get_vecs_by_tokens(vocab.get_itos())
    rng = np.random.default_rng(5)
    return torch.from_numpy(rng.normal(0, 0.3, (len(vocab.get_itos()), dim)).astype(np.float32))


def fit(name, model, optimizer, criterion, with_length):
    def train(data_loader, model, criterion, optimizer, device):
        model.train()
        epoch_losses = []
        epoch_accs = []
        for batch in data_loader:
            ids = batch["ids"].to(device)
            length = batch["length"]
            label = batch["label"].to(device)
            prediction = model(ids, length) if with_length else model(ids)
            loss = criterion(prediction, label)
            accuracy = get_accuracy(prediction, label)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            epoch_losses.append(loss.item())
            epoch_accs.append(accuracy.item())
        return np.mean(epoch_losses), np.mean(epoch_accs)

    def evaluate(data_loader, model, criterion, device):
        model.eval()
        epoch_losses = []
        epoch_accs = []
        with torch.no_grad():
            for batch in data_loader:
                ids = batch["ids"].to(device)
                length = batch["length"]
                label = batch["label"].to(device)
                prediction = model(ids, length) if with_length else model(ids)
                loss = criterion(prediction, label)
                accuracy = get_accuracy(prediction, label)
                epoch_losses.append(loss.item())
                epoch_accs.append(accuracy.item())
        return np.mean(epoch_losses), np.mean(epoch_accs)

    n_epochs = 2  # adapted: 10
    best_valid_loss = float("inf")
    metrics = collections.defaultdict(list)
    path = os.path.join(tmp.name, f"{name}.pt")  # adapted: "nbow.pt", "lstm.pt", "cnn.pt"
    for epoch in range(n_epochs):
        train_loss, train_acc = train(
            train_data_loader, model, criterion, optimizer, device
        )
        valid_loss, valid_acc = evaluate(valid_data_loader, model, criterion, device)
        metrics["train_losses"].append(train_loss)
        metrics["train_accs"].append(train_acc)
        metrics["valid_losses"].append(valid_loss)
        metrics["valid_accs"].append(valid_acc)
        if valid_loss < best_valid_loss:
            best_valid_loss = valid_loss
            torch.save(model.state_dict(), path)
        print(f"epoch: {epoch}")
        print(f"train_loss: {train_loss:.3f}, train_acc: {train_acc:.3f}")
        print(f"valid_loss: {valid_loss:.3f}, valid_acc: {valid_acc:.3f}")
    model.load_state_dict(torch.load(path))
    test_loss, test_acc = evaluate(test_data_loader, model, criterion, device)
    print(f"test_loss: {test_loss:.3f}, test_acc: {test_acc:.3f}")
    result[name] = {k: [float(v) for v in vals] for k, vals in metrics.items()}
    result[name + "_test"] = [float(test_loss), float(test_acc)]


# ---------------------------------------------------------------- notebook 1: NBoW
class NBoW(nn.Module):
    def __init__(self, vocab_size, embedding_dim, output_dim, pad_index):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embedding_dim, padding_idx=pad_index)
        self.fc = nn.Linear(embedding_dim, output_dim)

    def forward(self, ids):
        embedded = self.embedding(ids)
        pooled = embedded.mean(dim=1)
        prediction = self.fc(pooled)
        return prediction


vocab_size = len(vocab)
embedding_dim = 30  # adapted: 300
model = NBoW(vocab_size, embedding_dim, output_dim, pad_index)
print(f"The model has {count_parameters(model):,} trainable parameters")
pretrained_embedding = pretrained(vocab, embedding_dim)
model.embedding.weight.data = pretrained_embedding
result["embedding_is_parameter"] = [type(model.embedding.weight).__name__,
                                    model.embedding.weight.requires_grad, model.embedding.weight[2, :3].tolist()]
optimizer = optim.Adam(model.parameters())
criterion = nn.CrossEntropyLoss()
model = model.to(device)
criterion = criterion.to(device)
fit("nbow", model, optimizer, criterion, with_length=False)


def predict_sentiment(text, model, tokenizer, vocab, device):
    tokens = tokenizer(text)
    ids = vocab.lookup_indices(tokens)
    tensor = torch.LongTensor(ids).unsqueeze(dim=0).to(device)
    prediction = model(tensor).squeeze(dim=0)
    probability = torch.softmax(prediction, dim=-1)
    predicted_class = prediction.argmax(dim=-1).item()
    predicted_probability = probability[predicted_class].item()
    return predicted_class, predicted_probability


result["nbow_predict"] = [predict_sentiment(text, model, tokenizer, vocab, device) for text in
                          ["This film is terrible!", "This film is great!", "This film is not terrible, it's great!"]]


# ---------------------------------------------------------------- notebook 2: LSTM
class LSTM(nn.Module):
    def __init__(
        self,
        vocab_size,
        embedding_dim,
        hidden_dim,
        output_dim,
        n_layers,
        bidirectional,
        dropout_rate,
        pad_index,
    ):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embedding_dim, padding_idx=pad_index)
        self.lstm = nn.LSTM(
            embedding_dim,
            hidden_dim,
            n_layers,
            bidirectional=bidirectional,
            dropout=dropout_rate,
            batch_first=True,
        )
        self.fc = nn.Linear(hidden_dim * 2 if bidirectional else hidden_dim, output_dim)
        self.dropout = nn.Dropout(dropout_rate)

    def forward(self, ids, length):
        embedded = self.dropout(self.embedding(ids))
        packed_embedded = nn.utils.rnn.pack_padded_sequence(
            embedded, length, batch_first=True, enforce_sorted=False
        )
        packed_output, (hidden, cell) = self.lstm(packed_embedded)
        output, output_length = nn.utils.rnn.pad_packed_sequence(packed_output)
        if self.lstm.bidirectional:
            hidden = self.dropout(torch.cat([hidden[-1], hidden[-2]], dim=-1))
        else:
            hidden = self.dropout(hidden[-1])
        prediction = self.fc(hidden)
        return prediction


model = LSTM(vocab_size, 30, 24, output_dim, 2, True, 0.5, pad_index)  # adapted: 300, 300
print(f"The model has {count_parameters(model):,} trainable parameters")


def initialize_weights(m):
    if isinstance(m, nn.Linear):
        nn.init.xavier_normal_(m.weight)
        nn.init.zeros_(m.bias)
    elif isinstance(m, nn.LSTM):
        for name, param in m.named_parameters():
            if "bias" in name:
                nn.init.zeros_(param)
            elif "weight" in name:
                nn.init.orthogonal_(param)


model.apply(initialize_weights)
result["orthogonal"] = (model.lstm.weight_hh_l0 @ model.lstm.weight_hh_l0.T)[:3, :3].tolist()
pretrained_embedding = pretrained(vocab, 30)
model.embedding.weight.data = pretrained_embedding
lr = 5e-4
optimizer = optim.Adam(model.parameters(), lr=lr)
criterion = nn.CrossEntropyLoss()
model = model.to(device)
criterion = criterion.to(device)
fit("lstm", model, optimizer, criterion, with_length=True)


def predict_sentiment(text, model, tokenizer, vocab, device):
    tokens = tokenizer(text)
    ids = vocab.lookup_indices(tokens)
    length = torch.LongTensor([len(ids)])
    tensor = torch.LongTensor(ids).unsqueeze(dim=0).to(device)
    prediction = model(tensor, length).squeeze(dim=0)
    probability = torch.softmax(prediction, dim=-1)
    predicted_class = prediction.argmax(dim=-1).item()
    predicted_probability = probability[predicted_class].item()
    return predicted_class, predicted_probability


result["lstm_predict"] = [predict_sentiment(text, model, tokenizer, vocab, device) for text in
                          ["This film is terrible!", "This film is great!", "This film is not great, it's terrible!"]]


# ---------------------------------------------------------------- notebook 3: CNN
class CNN(nn.Module):
    def __init__(
        self,
        vocab_size,
        embedding_dim,
        n_filters,
        filter_sizes,
        output_dim,
        dropout_rate,
        pad_index,
    ):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embedding_dim, padding_idx=pad_index)
        self.convs = nn.ModuleList(
            [
                nn.Conv1d(embedding_dim, n_filters, filter_size)
                for filter_size in filter_sizes
            ]
        )
        self.fc = nn.Linear(len(filter_sizes) * n_filters, output_dim)
        self.dropout = nn.Dropout(dropout_rate)

    def forward(self, ids):
        embedded = self.dropout(self.embedding(ids))
        embedded = embedded.permute(0, 2, 1)
        conved = [torch.relu(conv(embedded)) for conv in self.convs]
        pooled = [conv.max(dim=-1).values for conv in conved]
        cat = self.dropout(torch.cat(pooled, dim=-1))
        prediction = self.fc(cat)
        return prediction


# adapted: the notebook's longest filter (7) needs reviews of at least 7 tokens; the generated ones are padded
min_length = 7
for data in (train_data, valid_data, test_data):
    for ex in data:
        if len(ex["ids"]) < min_length:
            ex["ids"] = torch.cat([ex["ids"], torch.full((min_length - len(ex["ids"]),), pad_index)])
model = CNN(vocab_size, 30, 10, [3, 5, 7], output_dim, 0.25, pad_index)  # adapted: 300, 100
print(f"The model has {count_parameters(model):,} trainable parameters")


def initialize_weights(m):
    if isinstance(m, nn.Linear):
        nn.init.xavier_normal_(m.weight)
        nn.init.zeros_(m.bias)
    elif isinstance(m, nn.Conv1d):
        nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
        nn.init.zeros_(m.bias)


model.apply(initialize_weights)
pretrained_embedding = pretrained(vocab, 30)
model.embedding.weight.data = pretrained_embedding
optimizer = optim.Adam(model.parameters())
criterion = nn.CrossEntropyLoss()
model = model.to(device)
criterion = criterion.to(device)
fit("cnn", model, optimizer, criterion, with_length=False)


def predict_sentiment(text, model, tokenizer, vocab, device):
    tokens = tokenizer(text)
    ids = vocab.lookup_indices(tokens)
    tensor = torch.LongTensor(ids).unsqueeze(dim=0).to(device)
    prediction = model(tensor).squeeze(dim=0)
    probability = torch.softmax(prediction, dim=-1)
    predicted_class = prediction.argmax(dim=-1).item()
    predicted_probability = probability[predicted_class].item()
    return predicted_class, predicted_probability


result["cnn_predict"] = [predict_sentiment(text, model, tokenizer, vocab, device)
                         for text in ["This film is terrible, boring and bad!", "This film is great, superb fun!"]]
tmp.cleanup()
