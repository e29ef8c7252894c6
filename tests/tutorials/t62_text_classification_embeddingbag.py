"""PyTorch's "Text classification with the torchtext library" tutorial (pytorch/tutorials beginner_source/
text_sentiment_ngrams_tutorial.py, BSD licence): the text and label pipelines, collate_batch packing token ids
with torch.cat and offsets from torch.tensor(offsets[:-1]).cumsum(dim=0), TextClassificationModel on
nn.EmbeddingBag(vocab_size, embed_dim, sparse=False) (mean of each bag given by offsets) and a Linear head
initialised through weight.data.uniform_/bias.data.zero_, train() with CrossEntropyLoss, clip_grad_norm_(...,
0.1) and SGD at lr 5, evaluate() under no_grad, StepLR(optimizer, 1.0, gamma=0.1) stepped when the validation
accuracy drops, the test pass and predict() with offsets torch.tensor([0]). Unchanged except where marked
``# adapted``: torchtext (not installed) is replaced by the stand-ins of _text_helpers.py (a generated
AG_NEWS-like corpus, basic_english tokenizer, vocabulary), the weights are set from NumPy after init_weights
(the libraries' generators differ), random_split becomes a fixed split and the loaders do not shuffle,
3 epochs of batch 16, the elapsed times are not printed."""
import numpy as np  # adapted
import torch
from _text_helpers import AG_NEWS  # adapted (from torchtext.datasets import AG_NEWS)

train_iter = iter(AG_NEWS(split="train"))

from _text_helpers import get_tokenizer  # adapted (from torchtext.data.utils import get_tokenizer)
from _text_helpers import build_vocab_from_iterator  # adapted (from torchtext.vocab import ...)

tokenizer = get_tokenizer("basic_english")
train_iter = AG_NEWS(split="train")


def yield_tokens(data_iter):
    for _, text in data_iter:
        yield tokenizer(text)


vocab = build_vocab_from_iterator(yield_tokens(train_iter), specials=["<unk>"])
vocab.set_default_index(vocab["<unk>"])

text_pipeline = lambda x: vocab(tokenizer(x))
label_pipeline = lambda x: int(x) - 1

from torch.utils.data import DataLoader

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")


def collate_batch(batch):
    label_list, text_list, offsets = [], [], [0]
    for _label, _text in batch:
        label_list.append(label_pipeline(_label))
        processed_text = torch.tensor(text_pipeline(_text), dtype=torch.int64)
        text_list.append(processed_text)
        offsets.append(processed_text.size(0))
    label_list = torch.tensor(label_list, dtype=torch.int64)
    offsets = torch.tensor(offsets[:-1]).cumsum(dim=0)
    text_list = torch.cat(text_list)
    return label_list.to(device), text_list.to(device), offsets.to(device)


train_iter = AG_NEWS(split="train")
dataloader = DataLoader(
    train_iter, batch_size=8, shuffle=False, collate_fn=collate_batch
)

from torch import nn


class TextClassificationModel(nn.Module):
    def __init__(self, vocab_size, embed_dim, num_class):
        super(TextClassificationModel, self).__init__()
        self.embedding = nn.EmbeddingBag(vocab_size, embed_dim, sparse=False)
        self.fc = nn.Linear(embed_dim, num_class)
        self.init_weights()

    def init_weights(self):
        initrange = 0.5
        self.embedding.weight.data.uniform_(-initrange, initrange)
        self.fc.weight.data.uniform_(-initrange, initrange)
        self.fc.bias.data.zero_()
        ranges = [self.embedding.weight.abs().max().item(), self.fc.weight.abs().max().item()]  # adapted
        result["init_in_range"] = all(0.4 < r <= initrange for r in ranges)  # adapted
        draws = np.random.default_rng(0)  # adapted: the same uniform draws in both runs
        self.embedding.weight.data.copy_(torch.from_numpy(
            draws.uniform(-initrange, initrange, tuple(self.embedding.weight.shape)).astype(np.float32)))
        self.fc.weight.data.copy_(torch.from_numpy(
            draws.uniform(-initrange, initrange, tuple(self.fc.weight.shape)).astype(np.float32)))

    def forward(self, text, offsets):
        embedded = self.embedding(text, offsets)
        return self.fc(embedded)


result = {"valid_accuracy": [], "lr": []}  # adapted
train_iter = AG_NEWS(split="train")
num_class = len(set([label for (label, text) in train_iter]))
vocab_size = len(vocab)
emsize = 64
model = TextClassificationModel(vocab_size, emsize, num_class).to(device)

import time


def train(dataloader):
    model.train()
    total_acc, total_count = 0, 0
    log_interval = 5  # adapted (500)
    start_time = time.time()

    for idx, (label, text, offsets) in enumerate(dataloader):
        optimizer.zero_grad()
        predicted_label = model(text, offsets)
        loss = criterion(predicted_label, label)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 0.1)
        optimizer.step()
        result.setdefault("losses", []).append(loss.item())  # adapted
        total_acc += (predicted_label.argmax(1) == label).sum().item()
        total_count += label.size(0)
        if idx % log_interval == 0 and idx > 0:
            elapsed = time.time() - start_time
            print(
                "| epoch {:3d} | {:5d}/{:5d} batches "
                "| accuracy {:8.3f}".format(
                    epoch, idx, len(dataloader), total_acc / total_count
                )
            )
            total_acc, total_count = 0, 0
            start_time = time.time()


def evaluate(dataloader):
    model.eval()
    total_acc, total_count = 0, 0

    with torch.no_grad():
        for idx, (label, text, offsets) in enumerate(dataloader):
            predicted_label = model(text, offsets)
            loss = criterion(predicted_label, label)
            total_acc += (predicted_label.argmax(1) == label).sum().item()
            total_count += label.size(0)
    return total_acc / total_count


from torch.utils.data.dataset import random_split
from _text_helpers import to_map_style_dataset  # adapted (from torchtext.data.functional import ...)

# Hyperparameters
EPOCHS = 3  # epoch  # adapted (10)
LR = 5  # learning rate
BATCH_SIZE = 16  # batch size for training  # adapted (64)

criterion = torch.nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=LR)
scheduler = torch.optim.lr_scheduler.StepLR(optimizer, 1.0, gamma=0.1)
total_accu = None
train_iter, test_iter = AG_NEWS()
train_dataset = to_map_style_dataset(train_iter)
test_dataset = to_map_style_dataset(test_iter)
num_train = int(len(train_dataset) * 0.95)
split_train_ = torch.utils.data.Subset(train_dataset, range(num_train))  # adapted (random_split(...))
split_valid_ = torch.utils.data.Subset(train_dataset, range(num_train, len(train_dataset)))  # adapted
result["random_split_sizes"] = [len(s) for s in random_split(
    train_dataset, [num_train, len(train_dataset) - num_train])]  # adapted: random_split itself, its sizes

train_dataloader = DataLoader(
    split_train_, batch_size=BATCH_SIZE, shuffle=False, collate_fn=collate_batch  # adapted (shuffle=True)
)
valid_dataloader = DataLoader(
    split_valid_, batch_size=BATCH_SIZE, shuffle=False, collate_fn=collate_batch  # adapted (shuffle=True)
)
test_dataloader = DataLoader(
    test_dataset, batch_size=BATCH_SIZE, shuffle=False, collate_fn=collate_batch  # adapted (shuffle=True)
)

for epoch in range(1, EPOCHS + 1):
    epoch_start_time = time.time()
    train(train_dataloader)
    accu_val = evaluate(valid_dataloader)
    if total_accu is not None and total_accu > accu_val:
        scheduler.step()
    else:
        total_accu = accu_val
    result["valid_accuracy"].append(accu_val)  # adapted
    result["lr"].append(optimizer.param_groups[0]["lr"])  # adapted
    print("-" * 59)
    print(
        "| end of epoch {:3d} | time: {:5.2f}s | "
        "valid accuracy {:8.3f} ".format(
            epoch, (time.time() - epoch_start_time) * 0, accu_val  # adapted (times zeroed)
        )
    )
    print("-" * 59)

print("Checking the results of test dataset.")
accu_test = evaluate(test_dataloader)
print("test accuracy {:8.3f}".format(accu_test))
result["test_accuracy"] = accu_test  # adapted

ag_news_label = {1: "World", 2: "Sports", 3: "Business", 4: "Sci/Tec"}


def predict(text, text_pipeline):
    with torch.no_grad():
        text = torch.tensor(text_pipeline(text))
        output = model(text, torch.tensor([0]))
        return output.argmax(1).item() + 1


ex_text_str = "The coach said the players will win the cup match after a long season."  # adapted (a golf news)

model = model.to("cpu")

print("This is a %s news" % ag_news_label[predict(ex_text_str, text_pipeline)])
result["prediction"] = ag_news_label[predict(ex_text_str, text_pipeline)]  # adapted
