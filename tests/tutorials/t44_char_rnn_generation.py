"""PyTorch's "NLP From Scratch: Generating Names with a Character-Level RNN", small: the category + letter +
hidden RNN (i2h, i2o, o2o, Dropout, LogSoftmax), one-hot tensors built by item assignment, targetTensor with
LongTensor and unsqueeze_, the loss accumulated into torch.Tensor([0]) with +=, the manual update
p.data.add_(p.grad.data, alpha=-lr), and sampling with topk under no_grad (a 0-d index tensor into a Python
string). The names are generated per category; the random training choices come from a seeded Python
random (the same in both runs) and the dropout probability is set to 0 so that both runs draw nothing."""
import random
import string

import torch
import torch.nn as nn

from _helpers import numpy_weights

all_letters = string.ascii_letters + " .,;'-"
n_letters = len(all_letters) + 1  # Plus EOS marker

rnd = random.Random(0)
syllables = {"Italian": ["ro", "ssi", "ma", "ri", "no", "lli"], "German": ["schm", "idt", "ber", "ger", "mann"],
             "Japanese": ["ka", "to", "na", "shi", "mo", "ri"], "Russian": ["iv", "ov", "sky", "an", "pet"]}
category_lines = {c: ["".join(rnd.choice(s) for _ in range(rnd.randint(2, 3))).capitalize() for _ in range(12)]
                  for c, s in syllables.items()}
all_categories = list(category_lines)
n_categories = len(all_categories)


class RNN(nn.Module):
    def __init__(self, input_size, hidden_size, output_size):
        super(RNN, self).__init__()
        self.hidden_size = hidden_size

        self.i2h = nn.Linear(n_categories + input_size + hidden_size, hidden_size)
        self.i2o = nn.Linear(n_categories + input_size + hidden_size, output_size)
        self.o2o = nn.Linear(hidden_size + output_size, output_size)
        self.dropout = nn.Dropout(0.1)
        self.softmax = nn.LogSoftmax(dim=1)

    def forward(self, category, input, hidden):
        input_combined = torch.cat((category, input, hidden), 1)
        hidden = self.i2h(input_combined)
        output = self.i2o(input_combined)
        output_combined = torch.cat((hidden, output), 1)
        output = self.o2o(output_combined)
        output = self.dropout(output)
        output = self.softmax(output)
        return output, hidden

    def initHidden(self):
        return torch.zeros(1, self.hidden_size)


def randomChoice(l):
    return l[rnd.randint(0, len(l) - 1)]


def randomTrainingPair():
    category = randomChoice(all_categories)
    line = randomChoice(category_lines[category])
    return category, line


def categoryTensor(category):
    li = all_categories.index(category)
    tensor = torch.zeros(1, n_categories)
    tensor[0][li] = 1
    return tensor


def inputTensor(line):
    tensor = torch.zeros(len(line), 1, n_letters)
    for li in range(len(line)):
        letter = line[li]
        tensor[li][0][all_letters.find(letter)] = 1
    return tensor


def targetTensor(line):
    letter_indexes = [all_letters.find(line[li]) for li in range(1, len(line))]
    letter_indexes.append(n_letters - 1)  # EOS
    return torch.LongTensor(letter_indexes)


def randomTrainingExample():
    category, line = randomTrainingPair()
    category_tensor = categoryTensor(category)
    input_line_tensor = inputTensor(line)
    target_line_tensor = targetTensor(line)
    return category_tensor, input_line_tensor, target_line_tensor


criterion = nn.NLLLoss()
learning_rate = 0.005


def train(category_tensor, input_line_tensor, target_line_tensor):
    target_line_tensor.unsqueeze_(-1)
    hidden = rnn.initHidden()

    rnn.zero_grad()

    loss = torch.Tensor([0])  # you can also just simply use ``loss = 0``

    for i in range(input_line_tensor.size(0)):
        output, hidden = rnn(category_tensor, input_line_tensor[i], hidden)
        l = criterion(output, target_line_tensor[i])
        loss += l

    loss.backward()

    for p in rnn.parameters():
        p.data.add_(p.grad.data, alpha=-learning_rate)

    return output, loss.item() / input_line_tensor.size(0)


rnn = RNN(n_letters, 32, n_letters)
rnn.dropout.p = 0.0  # the tutorial's Dropout(0.1) draws random masks; off here so both runs agree
with torch.no_grad():
    named = list(rnn.named_parameters())
    for (name, p), w in zip(named, numpy_weights([(n, p.shape) for n, p in named], seed=12)):
        p.copy_(torch.from_numpy(w))

n_iters = 300
print_every = 100
plot_every = 50
all_losses = []
total_loss = 0
for iter in range(1, n_iters + 1):
    output, loss = train(*randomTrainingExample())
    total_loss += loss
    if iter % print_every == 0:
        print('(%d %d%%) %.4f' % (iter, iter / n_iters * 100, loss))
    if iter % plot_every == 0:
        all_losses.append(total_loss / plot_every)
        total_loss = 0

max_length = 20


def sample(category, start_letter='A'):
    with torch.no_grad():  # no need to track history in sampling
        category_tensor = categoryTensor(category)
        input = inputTensor(start_letter)
        hidden = rnn.initHidden()

        output_name = start_letter

        for i in range(max_length):
            output, hidden = rnn(category_tensor, input[0], hidden)
            topv, topi = output.topk(1)
            topi = topi[0][0]
            if topi == n_letters - 1:
                break
            else:
                letter = all_letters[topi]
                output_name += letter
            input = inputTensor(letter)

        return output_name


def samples(category, start_letters='ABC'):
    return [sample(category, start_letter) for start_letter in start_letters]


names = {c: samples(c, "RSK") for c in all_categories}
for c in all_categories:
    print(c, names[c])
result = {"losses": all_losses, "names": names, "output": output.tolist()}
