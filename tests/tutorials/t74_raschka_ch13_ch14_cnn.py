"""Raschka, Liu & Mirjalili, "Machine Learning with PyTorch and Scikit-Learn" (rasbt/machine-learning-book, MIT
licence), ch13_part2.py and ch14_part1.py/ch14_part2.py, in order and unchanged except where marked ``# adapted``:
the Auto MPG regressor (torch.bucketize(v, boundaries, right=True) of a float64 column, one_hot of an int64 column
% total, torch.cat of float64 and int64 tensors then .float(), hidden layers appended in a loop, MSELoss, SGD, the
no_grad test with nn.L1Loss()(pred, y).item()), the MNIST MLP (Flatten + Linear, Adam, accuracy summed as a tensor
then divided in place, ``mnist_test_dataset.data / 255.`` of a uint8 tensor), the losses with penalties (BCELoss on
torch.tensor([0.9]), l2 via sum([(p**2).sum() for p in ...]), BCE/BCEWithLogits, NLLLoss of log-softmax and
CrossEntropyLoss printed with :.4f), the MNIST CNN built with add_module (Conv2d/MaxPool2d/Flatten/Dropout, model(x)
.shape checks), Subset with torch.arange indices, train() with .to(device), .cpu() accumulators and model.eval()/
no_grad validation, the per-image prediction with unsqueeze(0).unsqueeze(1), and the CelebA smile CNN (Dropout
after pooling, AvgPool2d(kernel_size=8), Sigmoid head, BCELoss of y_batch.float()). All random numbers (weights,
shuffling, dropout masks) come from torch.manual_seed as in the book. Adapted: Auto MPG (pandas/scikit-learn) is
100 NumPy rows with the same columns; MNIST is a 512-image subset in a TensorDataset of [0, 1] images; CelebA is
32 random 64x64 images; device is the CPU; one or two epochs; no plots, no files."""
import numpy as np
import torch
import torch.nn as nn
from torch.nn.functional import one_hot
from torch.utils.data import DataLoader, TensorDataset
from torch.utils.data import Subset

from _helpers import mnist_subset

result = {}

# ---------------------------------------------------------------- ch13_part2.py: Auto MPG
# adapted: df = pd.read_csv(url, ...); train_test_split(df, train_size=0.8, random_state=1); describe()
rng = np.random.default_rng(1)
n = 100
cols = {'MPG': rng.uniform(10, 40, n), 'Cylinders': rng.choice([4., 6., 8.], n),
        'Displacement': rng.uniform(70, 450, n), 'Horsepower': rng.uniform(50, 230, n),
        'Weight': rng.uniform(1600, 5100, n), 'Acceleration': rng.uniform(8, 25, n),
        'Model Year': rng.integers(70, 83, n).astype(np.float64), 'Origin': rng.integers(1, 4, n)}
train_idx, test_idx = np.arange(80), np.arange(80, 100)
df_train_norm = {k: v[train_idx].copy() for k, v in cols.items()}
df_test_norm = {k: v[test_idx].copy() for k, v in cols.items()}
numeric_column_names = ['Cylinders', 'Displacement', 'Horsepower', 'Weight', 'Acceleration']
for col_name in numeric_column_names:
    mean = df_train_norm[col_name].mean()
    std = df_train_norm[col_name].std(ddof=1)
    df_train_norm[col_name] = (df_train_norm[col_name] - mean)/std
    df_test_norm[col_name] = (df_test_norm[col_name] - mean)/std

boundaries = torch.tensor([73, 76, 79])
v = torch.tensor(df_train_norm['Model Year'])  # adapted: .values
df_train_norm['Model Year Bucketed'] = torch.bucketize(v, boundaries, right=True)
v = torch.tensor(df_test_norm['Model Year'])
df_test_norm['Model Year Bucketed'] = torch.bucketize(v, boundaries, right=True)
numeric_column_names.append('Model Year Bucketed')
result["bucketized"] = [df_train_norm['Model Year Bucketed'][:12].tolist(),
                        str(df_train_norm['Model Year Bucketed'].dtype).split(".")[-1]]
total_origin = len(set(df_train_norm['Origin']))
origin_encoded = one_hot(torch.from_numpy(df_train_norm['Origin']) % total_origin)
x_train_numeric = torch.tensor(np.stack([np.asarray(df_train_norm[c], dtype=np.float64)  # adapted: df[cols].values
                                         for c in numeric_column_names], 1))
x_train = torch.cat([x_train_numeric, origin_encoded], 1).float()
origin_encoded = one_hot(torch.from_numpy(df_test_norm['Origin']) % total_origin)
x_test_numeric = torch.tensor(np.stack([np.asarray(df_test_norm[c], dtype=np.float64)
                                        for c in numeric_column_names], 1))
x_test = torch.cat([x_test_numeric, origin_encoded], 1).float()
y_train = torch.tensor(df_train_norm['MPG']).float()
y_test = torch.tensor(df_test_norm['MPG']).float()
result["mpg_x"] = [x_train.sum(dim=0).tolist(), str(torch.cat([x_test_numeric, origin_encoded], 1).dtype
                                                    ).split(".")[-1]]
train_ds = TensorDataset(x_train, y_train)
batch_size = 8
torch.manual_seed(1)
train_dl = DataLoader(train_ds, batch_size, shuffle=True)
hidden_units = [8, 4]
input_size = x_train.shape[1]
all_layers = []
for hidden_unit in hidden_units:
    layer = nn.Linear(input_size, hidden_unit)
    all_layers.append(layer)
    all_layers.append(nn.ReLU())
    input_size = hidden_unit
all_layers.append(nn.Linear(hidden_units[-1], 1))
model = nn.Sequential(*all_layers)
print(model)
loss_fn = nn.MSELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.001)
torch.manual_seed(1)
num_epochs = 20  # adapted: 200
log_epochs = 5
hist = []
for epoch in range(num_epochs):
    loss_hist_train = 0
    for x_batch, y_batch in train_dl:
        pred = model(x_batch)[:, 0]
        loss = loss_fn(pred, y_batch)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        loss_hist_train += loss.item()
    if epoch % log_epochs==0:
        print(f'Epoch {epoch}  Loss {loss_hist_train/len(train_dl):.4f}')
    hist.append(loss_hist_train/len(train_dl))
with torch.no_grad():
    pred = model(x_test.float())[:, 0]
    loss = loss_fn(pred, y_test)
    print(f'Test MSE: {loss.item():.4f}')
    print(f'Test MAE: {nn.L1Loss()(pred, y_test).item():.4f}')
    result["mpg"] = [hist, loss.item(), nn.L1Loss()(pred, y_test).item()]

# ---------------------------------------------------------------- ch13_part2.py: MNIST MLP
x_tr, y_tr, x_te, y_te = mnist_subset(512, 256)  # adapted: torchvision.datasets.MNIST + ToTensor()
x_tr01 = torch.from_numpy(x_tr * 0.3081 + 0.1307)
mnist_train_dataset = TensorDataset(x_tr01, torch.from_numpy(y_tr))


class TestSet:  # adapted: the .data (uint8 images) and .targets of torchvision's MNIST
    data = torch.from_numpy(np.clip(np.round((x_te[:, 0] * 0.3081 + 0.1307) * 255), 0, 255).astype(np.uint8))
    targets = torch.from_numpy(y_te)


mnist_test_dataset = TestSet()
batch_size = 64
torch.manual_seed(1)
train_dl = DataLoader(mnist_train_dataset, batch_size, shuffle=True)
hidden_units = [32, 16]
image_size = mnist_train_dataset[0][0].shape
input_size = image_size[0] * image_size[1] * image_size[2]
all_layers = [nn.Flatten()]
for hidden_unit in hidden_units:
    layer = nn.Linear(input_size, hidden_unit)
    all_layers.append(layer)
    all_layers.append(nn.ReLU())
    input_size = hidden_unit
all_layers.append(nn.Linear(hidden_units[-1], 10))
model = nn.Sequential(*all_layers)
print(model)
loss_fn = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=0.001)
torch.manual_seed(1)
num_epochs = 2  # adapted: 20
accs = []
for epoch in range(num_epochs):
    accuracy_hist_train = 0
    for x_batch, y_batch in train_dl:
        pred = model(x_batch)
        loss = loss_fn(pred, y_batch)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        is_correct = (torch.argmax(pred, dim=1) == y_batch).float()
        accuracy_hist_train += is_correct.sum()
    accuracy_hist_train /= len(train_dl.dataset)
    print(f'Epoch {epoch}  Accuracy {accuracy_hist_train:.4f}')
    accs.append(accuracy_hist_train.item())
pred = model(mnist_test_dataset.data / 255.)
is_correct = (torch.argmax(pred, dim=1) == mnist_test_dataset.targets).float()
print(f'Test accuracy: {is_correct.mean():.4f}')
result["mlp_accuracy"] = accs + [is_correct.mean().item()]
result["mlp_logits"] = pred[:3].tolist()

# ---------------------------------------------------------------- ch14_part1.py
loss_func = nn.BCELoss()
loss = loss_func(torch.tensor([0.9]), torch.tensor([1.0]))
l2_lambda = 0.001
conv_layer = nn.Conv2d(in_channels=3, out_channels=5, kernel_size=5)
l2_penalty = l2_lambda * sum([(p**2).sum() for p in conv_layer.parameters()])
loss_with_penalty = loss + l2_penalty
result["conv_penalty"] = loss_with_penalty.item()
linear_layer = nn.Linear(10, 16)
l2_penalty = l2_lambda * sum([(p**2).sum() for p in linear_layer.parameters()])
loss_with_penalty = loss + l2_penalty
result["linear_penalty"] = loss_with_penalty.item()
####### Binary Cross-entropy
logits = torch.tensor([0.8])
probas = torch.sigmoid(logits)
target = torch.tensor([1.0])
bce_loss_fn = nn.BCELoss()
bce_logits_loss_fn = nn.BCEWithLogitsLoss()
print(f'BCE (w Probas): {bce_loss_fn(probas, target):.4f}')
print(f'BCE (w Logits): {bce_logits_loss_fn(logits, target):.4f}')
####### Categorical Cross-entropy
logits = torch.tensor([[1.5, 0.8, 2.1]])
probas = torch.softmax(logits, dim=1)
target = torch.tensor([2])
cce_loss_fn = nn.NLLLoss()
cce_logits_loss_fn = nn.CrossEntropyLoss()
print(f'CCE (w Logits): {cce_logits_loss_fn(logits, target):.4f}')
print(f'CCE (w Probas): {cce_loss_fn(torch.log(probas), target):.4f}')
result["loss_strings"] = [f'{bce_loss_fn(torch.sigmoid(torch.tensor([0.8])), torch.tensor([1.0])):.4f}',
                          f'{cce_logits_loss_fn(logits, target):.4f}', f'{cce_loss_fn(torch.log(probas), target):.4f}']

mnist_dataset = TensorDataset(x_tr01, torch.from_numpy(y_tr))  # adapted: torchvision MNIST (60000 images)
mnist_valid_dataset = Subset(mnist_dataset, torch.arange(128))  # adapted: 10000
mnist_train_dataset = Subset(mnist_dataset, torch.arange(128, len(mnist_dataset)))
batch_size = 64
torch.manual_seed(1)
train_dl = DataLoader(mnist_train_dataset, batch_size, shuffle=True)
valid_dl = DataLoader(mnist_valid_dataset, batch_size, shuffle=False)
model = nn.Sequential()
model.add_module('conv1', nn.Conv2d(in_channels=1, out_channels=32, kernel_size=5, padding=2))
model.add_module('relu1', nn.ReLU())
model.add_module('pool1', nn.MaxPool2d(kernel_size=2))
model.add_module('conv2', nn.Conv2d(in_channels=32, out_channels=64, kernel_size=5, padding=2))
model.add_module('relu2', nn.ReLU())
model.add_module('pool2', nn.MaxPool2d(kernel_size=2))
x = torch.ones((4, 1, 28, 28))
shapes = [list(model(x).shape)]
model.add_module('flatten', nn.Flatten())
x = torch.ones((4, 1, 28, 28))
shapes.append(list(model(x).shape))
model.add_module('fc1', nn.Linear(3136, 1024))
model.add_module('relu3', nn.ReLU())
model.add_module('dropout', nn.Dropout(p=0.5))
model.add_module('fc2', nn.Linear(1024, 10))
result["cnn_shapes"] = shapes
device = torch.device("cpu")  # adapted: "cuda:0"
model = model.to(device)
loss_fn = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=0.001)


def train(model, num_epochs, train_dl, valid_dl):
    loss_hist_train = [0] * num_epochs
    accuracy_hist_train = [0] * num_epochs
    loss_hist_valid = [0] * num_epochs
    accuracy_hist_valid = [0] * num_epochs
    for epoch in range(num_epochs):
        model.train()
        for x_batch, y_batch in train_dl:
            x_batch = x_batch.to(device)
            y_batch = y_batch.to(device)
            pred = model(x_batch)
            loss = loss_fn(pred, y_batch)
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
            loss_hist_train[epoch] += loss.item()*y_batch.size(0)
            is_correct = (torch.argmax(pred, dim=1) == y_batch).float()
            accuracy_hist_train[epoch] += is_correct.sum().cpu()
        loss_hist_train[epoch] /= len(train_dl.dataset)
        accuracy_hist_train[epoch] /= len(train_dl.dataset)

        model.eval()
        with torch.no_grad():
            for x_batch, y_batch in valid_dl:
                x_batch = x_batch.to(device)
                y_batch = y_batch.to(device)
                pred = model(x_batch)
                loss = loss_fn(pred, y_batch)
                loss_hist_valid[epoch] += loss.item()*y_batch.size(0)
                is_correct = (torch.argmax(pred, dim=1) == y_batch).float()
                accuracy_hist_valid[epoch] += is_correct.sum().cpu()
        loss_hist_valid[epoch] /= len(valid_dl.dataset)
        accuracy_hist_valid[epoch] /= len(valid_dl.dataset)

        print(f'Epoch {epoch+1} accuracy: {accuracy_hist_train[epoch]:.4f} val_accuracy: {accuracy_hist_valid[epoch]:.4f}')
    return loss_hist_train, loss_hist_valid, accuracy_hist_train, accuracy_hist_valid


torch.manual_seed(1)
num_epochs = 1  # adapted: 20
hist = train(model, num_epochs, train_dl, valid_dl)
result["cnn_hist"] = [hist[0], hist[1], [float(a) for a in hist[2]], [float(a) for a in hist[3]]]
model_cpu = model.cpu()
pred = model(mnist_test_dataset.data.unsqueeze(1) / 255.)
is_correct = (torch.argmax(pred, dim=1) == mnist_test_dataset.targets).float()
print(f'Test accuracy: {is_correct.mean():.4f}')
result["cnn_test_accuracy"] = is_correct.mean().item()
preds = []
for i in range(12):
    img = mnist_test_dataset.data[i] / 255.  # adapted: mnist_test_dataset[i][0][0, :, :] (ToTensor)
    pred = model(img.unsqueeze(0).unsqueeze(1))
    y_pred = torch.argmax(pred)
    preds.append(y_pred.item())
result["cnn_preds"] = preds

# ---------------------------------------------------------------- ch14_part2.py: the smile classifier
model = nn.Sequential()
model.add_module('conv1', nn.Conv2d(in_channels=3, out_channels=32, kernel_size=3, padding=1))
model.add_module('relu1', nn.ReLU())
model.add_module('pool1', nn.MaxPool2d(kernel_size=2))
model.add_module('dropout1', nn.Dropout(p=0.5))
model.add_module('conv2', nn.Conv2d(in_channels=32, out_channels=64, kernel_size=3, padding=1))
model.add_module('relu2', nn.ReLU())
model.add_module('pool2', nn.MaxPool2d(kernel_size=2))
model.add_module('dropout2', nn.Dropout(p=0.5))
model.add_module('conv3', nn.Conv2d(in_channels=64, out_channels=128, kernel_size=3, padding=1))
model.add_module('relu3', nn.ReLU())
model.add_module('pool3', nn.MaxPool2d(kernel_size=2))
model.add_module('conv4', nn.Conv2d(in_channels=128, out_channels=256, kernel_size=3, padding=1))
model.add_module('relu4', nn.ReLU())
x = torch.ones((4, 3, 64, 64))
shapes = [list(model(x).shape)]
model.add_module('pool4', nn.AvgPool2d(kernel_size=8))
model.add_module('flatten', nn.Flatten())
x = torch.ones((4, 3, 64, 64))
shapes.append(list(model(x).shape))
model.add_module('fc', nn.Linear(256, 1))
model.add_module('sigmoid', nn.Sigmoid())
x = torch.ones((4, 3, 64, 64))
shapes.append(list(model(x).shape))
print(model)
result["smile_shapes"] = shapes
model = model.to(device)
loss_fn = nn.BCELoss()
optimizer = torch.optim.Adam(model.parameters(), lr=0.001)
# adapted: CelebA with RandomCrop/RandomHorizontalFlip/Resize; 32 + 16 + 16 random images and labels
imgs = torch.from_numpy(np.random.default_rng(2).uniform(size=(64, 3, 64, 64)).astype(np.float32))
labels = torch.from_numpy(np.random.default_rng(3).integers(0, 2, 64))
train_dl = DataLoader(TensorDataset(imgs[:32], labels[:32]), 16, shuffle=True)
valid_dl = DataLoader(TensorDataset(imgs[32:48], labels[32:48]), 16, shuffle=False)
test_dl = DataLoader(TensorDataset(imgs[48:], labels[48:]), 16, shuffle=False)


def train(model, num_epochs, train_dl, valid_dl):
    loss_hist_train = [0] * num_epochs
    accuracy_hist_train = [0] * num_epochs
    loss_hist_valid = [0] * num_epochs
    accuracy_hist_valid = [0] * num_epochs
    for epoch in range(num_epochs):
        model.train()
        for x_batch, y_batch in train_dl:
            x_batch = x_batch.to(device)
            y_batch = y_batch.to(device)
            pred = model(x_batch)[:, 0]
            loss = loss_fn(pred, y_batch.float())
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
            loss_hist_train[epoch] += loss.item()*y_batch.size(0)
            is_correct = ((pred>=0.5).float() == y_batch).float()
            accuracy_hist_train[epoch] += is_correct.sum().cpu()
        loss_hist_train[epoch] /= len(train_dl.dataset)
        accuracy_hist_train[epoch] /= len(train_dl.dataset)

        model.eval()
        with torch.no_grad():
            for x_batch, y_batch in valid_dl:
                x_batch = x_batch.to(device)
                y_batch = y_batch.to(device)
                pred = model(x_batch)[:, 0]
                loss = loss_fn(pred, y_batch.float())
                loss_hist_valid[epoch] += loss.item()*y_batch.size(0)
                is_correct = ((pred>=0.5).float() == y_batch).float()
                accuracy_hist_valid[epoch] += is_correct.sum().cpu()
        loss_hist_valid[epoch] /= len(valid_dl.dataset)
        accuracy_hist_valid[epoch] /= len(valid_dl.dataset)

        print(f'Epoch {epoch+1} accuracy: {accuracy_hist_train[epoch]:.4f} val_accuracy: {accuracy_hist_valid[epoch]:.4f}')
    return loss_hist_train, loss_hist_valid, accuracy_hist_train, accuracy_hist_valid


torch.manual_seed(1)
num_epochs = 2  # adapted: 30
hist = train(model, num_epochs, train_dl, valid_dl)
accuracy_test = 0
model.eval()
with torch.no_grad():
    for x_batch, y_batch in test_dl:
        x_batch = x_batch.to(device)
        y_batch = y_batch.to(device)
        pred = model(x_batch)[:, 0]
        is_correct = ((pred>=0.5).float() == y_batch).float()
        accuracy_test += is_correct.sum().cpu()
accuracy_test /= len(test_dl.dataset)
print(f'Test accuracy: {accuracy_test:.4f}')
result["smile"] = [hist[0], hist[1], [float(a) for a in hist[2]], float(accuracy_test), pred.tolist()]
