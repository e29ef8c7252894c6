"""Sebastian Raschka's "Build a Large Language Model From Scratch" (github.com/rasbt/LLMs-from-scratch, commit
28c65cd, Apache-2.0 licence): appendix-A/01_main-chapter-code/code-part1.ipynb, the "Introduction to PyTorch"
appendix, every cell in order (tensors from ints/lists/NumPy, torch.tensor copying vs from_numpy sharing, dtypes,
reshape/view/.T/matmul/@, the logistic-regression forward with F.binary_cross_entropy, torch.autograd.grad with
retain_graph then .backward(), the NeuralNetwork MLP with its parameter count and seeded init, no_grad and
softmax, ToyDataset and DataLoader with shuffle/drop_last, the SGD training loop with its log lines,
set_printoptions(sci_mode=False), argmax predictions, compute_accuracy, save/load), then the token- and
positional-embedding cells of ch02/01_main-chapter-code/ch02.ipynb that run without tiktoken. Unchanged except
where marked ``# adapted``: bare notebook expressions are recorded in ``result``, model.pth goes to a temporary
directory, the print options are reset at the end, and the tiktoken dataloader cell of ch02 is left out."""
import os  # adapted
import tempfile  # adapted

result = {}  # adapted
import torch

print(torch.__version__)

print(torch.cuda.is_available())

import torch
import numpy as np

# create a 0D tensor (scalar) from a Python integer
tensor0d = torch.tensor(1)

# create a 1D tensor (vector) from a Python list
tensor1d = torch.tensor([1, 2, 3])

# create a 2D tensor from a nested Python list
tensor2d = torch.tensor([[1, 2],
                         [3, 4]])

# create a 3D tensor from a nested Python list
tensor3d_1 = torch.tensor([[[1, 2], [3, 4]],
                           [[5, 6], [7, 8]]])

# create a 3D tensor from NumPy array
ary3d = np.array([[[1, 2], [3, 4]],
                  [[5, 6], [7, 8]]])
tensor3d_2 = torch.tensor(ary3d)  # Copies NumPy array
tensor3d_3 = torch.from_numpy(ary3d)  # Shares memory with NumPy array

ary3d[0, 0, 0] = 999
print(tensor3d_2) # remains unchanged

print(tensor3d_3) # changes because of memory sharing
result["tensors"] = [str(tensor0d), str(tensor3d_1), str(tensor3d_2), str(tensor3d_3)]  # adapted

tensor1d = torch.tensor([1, 2, 3])
print(tensor1d.dtype)

floatvec = torch.tensor([1.0, 2.0, 3.0])
print(floatvec.dtype)

floatvec = tensor1d.to(torch.float32)
print(floatvec.dtype)
result["dtypes"] = [tensor1d.dtype == torch.int64, floatvec.dtype == torch.float32]  # adapted

tensor2d = torch.tensor([[1, 2, 3],
                         [4, 5, 6]])
result["tensor2d"] = repr(tensor2d)  # adapted (a bare expression)

result["shape"] = list(tensor2d.shape)  # adapted (a bare expression)

result["reshape"] = repr(tensor2d.reshape(3, 2))  # adapted (a bare expression)

result["view"] = repr(tensor2d.view(3, 2))  # adapted (a bare expression)

result["T"] = repr(tensor2d.T)  # adapted (a bare expression)

result["matmul"] = repr(tensor2d.matmul(tensor2d.T))  # adapted (a bare expression)

result["@"] = repr(tensor2d @ tensor2d.T)  # adapted (a bare expression)

import torch.nn.functional as F

y = torch.tensor([1.0])  # true label
x1 = torch.tensor([1.1]) # input feature
w1 = torch.tensor([2.2]) # weight parameter
b = torch.tensor([0.0])  # bias unit

z = x1 * w1 + b          # net input
a = torch.sigmoid(z)     # activation & output

loss = F.binary_cross_entropy(a, y)
print(loss)
result["bce"] = [loss.item(), repr(loss)]  # adapted

import torch.nn.functional as F
from torch.autograd import grad

y = torch.tensor([1.0])
x1 = torch.tensor([1.1])
w1 = torch.tensor([2.2], requires_grad=True)
b = torch.tensor([0.0], requires_grad=True)

z = x1 * w1 + b
a = torch.sigmoid(z)

loss = F.binary_cross_entropy(a, y)

grad_L_w1 = grad(loss, w1, retain_graph=True)
grad_L_b = grad(loss, b, retain_graph=True)

print(grad_L_w1)
print(grad_L_b)
result["grad"] = [str(grad_L_w1), str(grad_L_b)]  # adapted

loss.backward()

print(w1.grad)
print(b.grad)
result["backward"] = [str(w1.grad), str(b.grad), repr(loss)]  # adapted

class NeuralNetwork(torch.nn.Module):
    def __init__(self, num_inputs, num_outputs):
        super().__init__()

        self.layers = torch.nn.Sequential(

            # 1st hidden layer
            torch.nn.Linear(num_inputs, 30),
            torch.nn.ReLU(),

            # 2nd hidden layer
            torch.nn.Linear(30, 20),
            torch.nn.ReLU(),

            # output layer
            torch.nn.Linear(20, num_outputs),
        )

    def forward(self, x):
        logits = self.layers(x)
        return logits

model = NeuralNetwork(50, 3)

print(model)
result["model"] = str(model)  # adapted

num_params = sum(p.numel() for p in model.parameters() if p.requires_grad)
print("Total number of trainable model parameters:", num_params)
result["num_params"] = num_params  # adapted

print(model.layers[0].weight)

torch.manual_seed(123)

model = NeuralNetwork(50, 3)
print(model.layers[0].weight)
result["seeded weight"] = model.layers[0].weight[:3].tolist()  # adapted

print(model.layers[0].weight.shape)

torch.manual_seed(123)

X = torch.rand((1, 50))
out = model(X)
print(out)
result["out"] = [str(out), out.grad_fn.name()]  # adapted

with torch.no_grad():
    out = model(X)
print(out)
result["out no_grad"] = str(out)  # adapted

with torch.no_grad():
    out = torch.softmax(model(X), dim=1)
print(out)
result["softmax"] = str(out)  # adapted

X_train = torch.tensor([
    [-1.2, 3.1],
    [-0.9, 2.9],
    [-0.5, 2.6],
    [2.3, -1.1],
    [2.7, -1.5]
])

y_train = torch.tensor([0, 0, 0, 1, 1])

X_test = torch.tensor([
    [-0.8, 2.8],
    [2.6, -1.6],
])

y_test = torch.tensor([0, 1])

from torch.utils.data import Dataset


class ToyDataset(Dataset):
    def __init__(self, X, y):
        self.features = X
        self.labels = y

    def __getitem__(self, index):
        one_x = self.features[index]
        one_y = self.labels[index]
        return one_x, one_y

    def __len__(self):
        return self.labels.shape[0]

train_ds = ToyDataset(X_train, y_train)
test_ds = ToyDataset(X_test, y_test)

result["len"] = len(train_ds)  # adapted (a bare expression)

from torch.utils.data import DataLoader

torch.manual_seed(123)

train_loader = DataLoader(
    dataset=train_ds,
    batch_size=2,
    shuffle=True,
    num_workers=0
)

test_ds = ToyDataset(X_test, y_test)

test_loader = DataLoader(
    dataset=test_ds,
    batch_size=2,
    shuffle=False,
    num_workers=0
)

for idx, (x, y) in enumerate(train_loader):
    print(f"Batch {idx+1}:", x, y)
    result.setdefault("batches", []).append(f"Batch {idx+1}: {x} {y}")  # adapted

train_loader = DataLoader(
    dataset=train_ds,
    batch_size=2,
    shuffle=True,
    num_workers=0,
    drop_last=True
)

for idx, (x, y) in enumerate(train_loader):
    print(f"Batch {idx+1}:", x, y)
    result.setdefault("batches drop_last", []).append(f"Batch {idx+1}: {x} {y}")  # adapted

import torch.nn.functional as F


torch.manual_seed(123)
model = NeuralNetwork(num_inputs=2, num_outputs=2)
optimizer = torch.optim.SGD(model.parameters(), lr=0.5)

num_epochs = 3

for epoch in range(num_epochs):

    model.train()
    for batch_idx, (features, labels) in enumerate(train_loader):

        logits = model(features)

        loss = F.cross_entropy(logits, labels) # Loss function

        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

        ### LOGGING
        print(f"Epoch: {epoch+1:03d}/{num_epochs:03d}"
              f" | Batch {batch_idx+1:03d}/{len(train_loader):03d}"
              f" | Train/Val Loss: {loss:.2f}")
        result.setdefault("log", []).append(f"Epoch: {epoch+1:03d}/{num_epochs:03d}"  # adapted
                                            f" | Batch {batch_idx+1:03d}/{len(train_loader):03d}"
                                            f" | Train/Val Loss: {loss:.2f}")

    model.eval()
    # Optional model evaluation

model.eval()

with torch.no_grad():
    outputs = model(X_train)

print(outputs)
result["outputs"] = outputs.tolist()  # adapted

torch.set_printoptions(sci_mode=False)
probas = torch.softmax(outputs, dim=1)
print(probas)
result["probas"] = str(probas)  # adapted

predictions = torch.argmax(probas, dim=1)
print(predictions)

predictions = torch.argmax(outputs, dim=1)
print(predictions)

result["predictions == y_train"] = repr(predictions == y_train)  # adapted (a bare expression)

result["sum"] = repr(torch.sum(predictions == y_train))  # adapted (a bare expression)

def compute_accuracy(model, dataloader):

    model.eval()
    correct = 0.0
    total_examples = 0

    for idx, (features, labels) in enumerate(dataloader):

        with torch.no_grad():
            logits = model(features)

        predictions = torch.argmax(logits, dim=1)
        compare = labels == predictions
        correct += torch.sum(compare)
        total_examples += len(compare)

    return (correct / total_examples).item()

result["train accuracy"] = compute_accuracy(model, train_loader)  # adapted (a bare expression)

result["test accuracy"] = compute_accuracy(model, test_loader)  # adapted (a bare expression)

cwd = os.getcwd(); os.chdir(tempfile.mkdtemp())  # adapted: model.pth goes to a temporary directory
torch.save(model.state_dict(), "model.pth")

model = NeuralNetwork(2, 2) # needs to match the original model exactly
result["load_state_dict"] = repr(model.load_state_dict(torch.load("model.pth", weights_only=True)))  # adapted (a bare expression)
result["loaded accuracy"] = compute_accuracy(model, train_loader)  # adapted
os.chdir(cwd)  # adapted

# ---------------------------------------------------------------- ch02.ipynb: token and positional embeddings
input_ids = torch.tensor([2, 3, 5, 1])

vocab_size = 6
output_dim = 3

torch.manual_seed(123)
embedding_layer = torch.nn.Embedding(vocab_size, output_dim)

print(embedding_layer.weight)
result["embedding weight"] = str(embedding_layer.weight)  # adapted

print(embedding_layer(torch.tensor([3])))

print(embedding_layer(input_ids))
result["embedding"] = str(embedding_layer(input_ids))  # adapted

vocab_size = 50257
output_dim = 256

token_embedding_layer = torch.nn.Embedding(vocab_size, output_dim)

max_length = 4
inputs = torch.tensor([[40, 367, 2885, 1464], [1807, 3619, 402, 271]])  # adapted (the tiktoken dataloader's first batch, 2 of 8 rows)

token_embeddings = token_embedding_layer(inputs)
print(token_embeddings.shape)

context_length = max_length
pos_embedding_layer = torch.nn.Embedding(context_length, output_dim)

pos_embeddings = pos_embedding_layer(torch.arange(max_length))
print(pos_embeddings.shape)

input_embeddings = token_embeddings + pos_embeddings
print(input_embeddings.shape)
result["input_embeddings"] = [list(input_embeddings.shape), input_embeddings[:, :, :4].tolist()]  # adapted
torch.set_printoptions(profile="default")  # adapted: the print options are process-wide
