"""Daniel Bourke's "Zero to Mastery Learn PyTorch for Deep Learning" (mrdbourke/pytorch-deep-learning, MIT
licence), notebooks 00-02 condensed to their code cells: 00 fundamentals (scalars/vectors/MATRIX/TENSOR, ndim,
item(), torch.rand(size=(224, 224, 3)), zeros/ones, arange(start=0, end=10, step=1), zeros_like, dtypes with
float16 * float32, element-wise ops, torch.matmul / @ / torch.mm with .T, nn.Linear with manual_seed(42),
min/max/mean of .type(torch.float32)/sum, argmax/argmin, reshape/view/stack/squeeze/unsqueeze/permute,
indexing, from_numpy / numpy(), reproducible torch.rand with manual_seed, device-agnostic .to(device));
01 workflow (X = torch.arange(0, 1, 0.02).unsqueeze(dim=1), LinearRegressionModel with nn.Parameter(torch.randn(1,
dtype=torch.float), requires_grad=True), torch.inference_mode, L1Loss + SGD training loop, save/load
state_dict with pathlib, LinearRegressionModelV2 with nn.Linear); 02 classification (make_circles data,
torch.from_numpy(X).type(torch.float), CircleModelV0 and its nn.Sequential twin, BCEWithLogitsLoss,
accuracy_fn, torch.round(torch.sigmoid(y_logits)), CircleModelV2 with ReLU, the multi-class blob model with
CrossEntropyLoss and torch.softmax(...).argmax(dim=1)). Unchanged except where marked ``# adapted``: the
scikit-learn helpers are NumPy stand-ins (see _ztm_helpers), the model is saved to a temporary directory,
fewer epochs, no plots."""
import tempfile  # adapted
from pathlib import Path

import numpy as np
import torch
from torch import nn

from _ztm_helpers import make_blobs, make_circles, train_test_split  # adapted: from sklearn...

result = {}

# ---------------------------------------------------------------- 00 fundamentals
scalar = torch.tensor(7)
vector = torch.tensor([7, 7])
MATRIX = torch.tensor([[7, 8],
                       [9, 10]])
TENSOR = torch.tensor([[[1, 2, 3],
                        [3, 6, 9],
                        [2, 4, 5]]])
print(scalar, scalar.ndim, scalar.item())
print(vector.ndim, vector.shape, MATRIX.ndim, MATRIX.shape, TENSOR.ndim, TENSOR.shape)
result["ndims"] = [scalar.ndim, vector.ndim, MATRIX.ndim, TENSOR.ndim, list(TENSOR.shape), scalar.item()]

torch.manual_seed(42)  # adapted: the notebook's random tensors are unseeded
random_tensor = torch.rand(size=(3, 4))
random_image_size_tensor = torch.rand(size=(224, 224, 3))
print(random_tensor, random_tensor.dtype, random_image_size_tensor.shape, random_image_size_tensor.ndim)
zeros = torch.zeros(size=(3, 4))
ones = torch.ones(size=(3, 4))
zero_to_ten = torch.arange(start=0, end=10, step=1)
ten_zeros = torch.zeros_like(input=zero_to_ten)
result["creation"] = [random_tensor.numpy().copy(), random_image_size_tensor.mean().item(),
                      zero_to_ten.tolist(), ten_zeros.tolist(), str(ones.dtype).split(".")[-1]]

float_32_tensor = torch.tensor([3.0, 6.0, 9.0], dtype=None, device=None, requires_grad=False)
float_16_tensor = float_32_tensor.type(torch.float16)
int_32_tensor = torch.tensor([3, 6, 9], dtype=torch.int32)
print(float_32_tensor.shape, float_32_tensor.dtype, float_32_tensor.device)
result["dtypes"] = [(float_32_tensor * int_32_tensor).tolist(), str((float_32_tensor * int_32_tensor).dtype).split(".")[-1],
                    (float_16_tensor * float_32_tensor).tolist(), str((float_16_tensor * float_32_tensor).dtype).split(".")[-1],
                    (float_16_tensor * int_32_tensor).tolist(), str((float_16_tensor * int_32_tensor).dtype).split(".")[-1]]

tensor = torch.tensor([1, 2, 3])
result["elementwise"] = [(tensor + 10).tolist(), (tensor * 10).tolist(), torch.multiply(tensor, 10).tolist(),
                         (tensor - 10).tolist(), (tensor * tensor).tolist(), torch.matmul(tensor, tensor).item(),
                         (tensor @ tensor).item()]
tensor_A = torch.tensor([[1, 2], [3, 4], [5, 6]], dtype=torch.float32)
tensor_B = torch.tensor([[7, 10], [8, 11], [9, 12]], dtype=torch.float32)
print(torch.mm(tensor_A, tensor_B.T))
torch.manual_seed(42)
linear = torch.nn.Linear(in_features=2, out_features=6)
x = tensor_A
output = linear(x)
print(f"Input shape: {x.shape}\n")
print(f"Output:\n{output}\n\nOutput shape: {output.shape}")
result["linear"] = [torch.mm(tensor_A, tensor_B.T).tolist(), output.detach().numpy().copy()]

x = torch.arange(0, 100, 10)
print(f"Minimum: {x.min()}")
print(f"Maximum: {x.max()}")
print(f"Mean: {x.type(torch.float32).mean()}")
print(f"Sum: {x.sum()}")
result["aggregates"] = [x.min().item(), x.max().item(), x.type(torch.float32).mean().item(), x.sum().item(),
                        x.argmax().item(), x.argmin().item(), str(x.type(torch.int8).dtype).split(".")[-1]]

x = torch.arange(1., 8.)
x_reshaped = x.reshape(1, 7)
z = x.view(1, 7)
z[:, 0] = 5
x_stacked = torch.stack([x, x, x, x], dim=0)
x_squeezed = x_reshaped.squeeze()
x_unsqueezed = x_squeezed.unsqueeze(dim=0)
x_original = torch.rand(size=(224, 224, 3))
x_permuted = x_original.permute(2, 0, 1)
result["shapes"] = [x.tolist(), list(x_stacked.shape), list(x_squeezed.shape), list(x_unsqueezed.shape),
                    list(x_permuted.shape), x_permuted[0, 0, 0].item() == x_original[0, 0, 0].item()]

x = torch.arange(1, 10).reshape(1, 3, 3)
result["indexing"] = [x[0].tolist(), x[0][0].tolist(), x[0][0][0].item(), x[:, 0].tolist(), x[:, :, 1].tolist(),
                      x[:, 1, 1].tolist(), x[0, 0, :].tolist()]

array = np.arange(1.0, 8.0)
tensor = torch.from_numpy(array)
array = array + 1
tensor = torch.ones(7)
numpy_tensor = tensor.numpy()
result["numpy"] = [str(torch.from_numpy(np.arange(1.0, 8.0)).dtype).split(".")[-1], numpy_tensor.dtype.name]

RANDOM_SEED = 42
torch.manual_seed(seed=RANDOM_SEED)
random_tensor_C = torch.rand(3, 4)
torch.random.manual_seed(seed=RANDOM_SEED)
random_tensor_D = torch.rand(3, 4)
result["reproducible"] = (random_tensor_C == random_tensor_D).all().item()
device = "cuda" if torch.cuda.is_available() else "cpu"
print(torch.cuda.device_count())
tensor_on_gpu = torch.tensor([1, 2, 3]).to(device)
result["device"] = [device, tensor_on_gpu.cpu().numpy().tolist()]

# ---------------------------------------------------------------- 01 workflow
weight = 0.7
bias = 0.3
start = 0
end = 1
step = 0.02
X = torch.arange(start, end, step).unsqueeze(dim=1)
y = weight * X + bias
train_split = int(0.8 * len(X))
X_train, y_train = X[:train_split], y[:train_split]
X_test, y_test = X[train_split:], y[train_split:]
result["workflow_data"] = X.numpy()[:, 0].copy()


class LinearRegressionModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.weights = nn.Parameter(torch.randn(1, dtype=torch.float), requires_grad=True)
        self.bias = nn.Parameter(torch.randn(1, dtype=torch.float), requires_grad=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.weights * x + self.bias


torch.manual_seed(42)
model_0 = LinearRegressionModel()
print(list(model_0.parameters()))
print(model_0.state_dict())
with torch.inference_mode():
    y_preds = model_0(X_test)
loss_fn = nn.L1Loss()
optimizer = torch.optim.SGD(params=model_0.parameters(), lr=0.01)
torch.manual_seed(42)
epochs = 100
train_loss_values = []
test_loss_values = []
epoch_count = []
for epoch in range(epochs):
    model_0.train()
    y_pred = model_0(X_train)
    loss = loss_fn(y_pred, y_train)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    model_0.eval()
    with torch.inference_mode():
        test_pred = model_0(X_test)
        test_loss = loss_fn(test_pred, y_test.type(torch.float))
        if epoch % 10 == 0:
            epoch_count.append(epoch)
            train_loss_values.append(loss.detach().numpy())
            test_loss_values.append(test_loss.detach().numpy())
            print(f"Epoch: {epoch} | MAE Train Loss: {loss} | MAE Test Loss: {test_loss} ")
result["workflow_losses"] = [np.array(train_loss_values, dtype=np.float32), np.array(test_loss_values, dtype=np.float32)]

with tempfile.TemporaryDirectory() as tmp:  # adapted: Path("models")
    MODEL_PATH = Path(tmp) / "models"
    MODEL_PATH.mkdir(parents=True, exist_ok=True)
    MODEL_NAME = "01_pytorch_workflow_model_0.pth"
    MODEL_SAVE_PATH = MODEL_PATH / MODEL_NAME
    print(f"Saving model to: {MODEL_SAVE_PATH}")
    torch.save(obj=model_0.state_dict(), f=MODEL_SAVE_PATH)
    loaded_model_0 = LinearRegressionModel()
    loaded_model_0.load_state_dict(torch.load(f=MODEL_SAVE_PATH))
loaded_model_0.eval()
with torch.inference_mode():
    loaded_model_preds = loaded_model_0(X_test)
    y_preds = model_0(X_test)
result["loaded_equal"] = (y_preds == loaded_model_preds).all().item()


class LinearRegressionModelV2(nn.Module):
    def __init__(self):
        super().__init__()
        self.linear_layer = nn.Linear(in_features=1, out_features=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear_layer(x)


torch.manual_seed(42)
model_1 = LinearRegressionModelV2()
print(model_1, model_1.state_dict())
print(next(model_1.parameters()).device)
model_1.to(device)
loss_fn = nn.L1Loss()
optimizer = torch.optim.SGD(params=model_1.parameters(), lr=0.01)
torch.manual_seed(42)
for epoch in range(300):  # adapted: 1000
    model_1.train()
    y_pred = model_1(X_train)
    loss = loss_fn(y_pred, y_train)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    model_1.eval()
    with torch.inference_mode():
        test_pred = model_1(X_test)
        test_loss = loss_fn(test_pred, y_test)
    if epoch % 100 == 0:
        print(f"Epoch: {epoch} | Train loss: {loss} | Test loss: {test_loss}")
result["model_1"] = [model_1.linear_layer.weight.item(), model_1.linear_layer.bias.item(), test_loss.item()]

# ---------------------------------------------------------------- 02 classification
n_samples = 1000
X, y = make_circles(n_samples, noise=0.03, random_state=42)
X = torch.from_numpy(X).type(torch.float)
y = torch.from_numpy(y).type(torch.float)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=42)


class CircleModelV0(nn.Module):
    def __init__(self):
        super().__init__()
        self.layer_1 = nn.Linear(in_features=2, out_features=5)
        self.layer_2 = nn.Linear(in_features=5, out_features=1)

    def forward(self, x):
        return self.layer_2(self.layer_1(x))


model_0 = CircleModelV0().to(device)
model_0 = nn.Sequential(
    nn.Linear(in_features=2, out_features=5),
    nn.Linear(in_features=5, out_features=1)
).to(device)
loss_fn = nn.BCEWithLogitsLoss()
optimizer = torch.optim.SGD(params=model_0.parameters(), lr=0.1)


def accuracy_fn(y_true, y_pred):
    correct = torch.eq(y_true, y_pred).sum().item()
    acc = (correct / len(y_pred)) * 100
    return acc


y_logits = model_0(X_test.to(device))[:5]
y_pred_probs = torch.sigmoid(y_logits)
y_preds = torch.round(y_pred_probs)
y_pred_labels = torch.round(torch.sigmoid(model_0(X_test.to(device))[:5]))
print(torch.eq(y_preds.squeeze(), y_pred_labels.squeeze()))


def fit(model, optimizer, epochs):  # adapted: the notebook repeats this loop per model
    hist = []
    for epoch in range(epochs):
        model.train()
        y_logits = model(X_train).squeeze()
        y_pred = torch.round(torch.sigmoid(y_logits))
        loss = loss_fn(y_logits, y_train)
        acc = accuracy_fn(y_true=y_train, y_pred=y_pred)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        model.eval()
        with torch.inference_mode():
            test_logits = model(X_test).squeeze()
            test_pred = torch.round(torch.sigmoid(test_logits))
            test_loss = loss_fn(test_logits, y_test)
            test_acc = accuracy_fn(y_true=y_test, y_pred=test_pred)
        if epoch % 10 == 0:
            print(f"Epoch: {epoch} | Loss: {loss:.5f}, Accuracy: {acc:.2f}% | Test loss: {test_loss:.5f}, Test acc: {test_acc:.2f}%")
            hist.append([loss.item(), test_loss.item()])
    return hist, [acc / 100, test_acc / 100]


torch.manual_seed(42)
hist, accuracy = fit(model_0, optimizer, 100)
result["circle_v0"] = {"losses": hist, "accuracy": accuracy}


class CircleModelV2(nn.Module):
    def __init__(self):
        super().__init__()
        self.layer_1 = nn.Linear(in_features=2, out_features=10)
        self.layer_2 = nn.Linear(in_features=10, out_features=10)
        self.layer_3 = nn.Linear(in_features=10, out_features=1)
        self.relu = nn.ReLU()

    def forward(self, x):
        return self.layer_3(self.relu(self.layer_2(self.relu(self.layer_1(x)))))


model_3 = CircleModelV2().to(device)
optimizer = torch.optim.SGD(model_3.parameters(), lr=0.1)
torch.manual_seed(42)
hist, accuracy = fit(model_3, optimizer, 200)  # adapted: 1000 epochs
result["circle_v2"] = {"losses": hist, "accuracy": accuracy}

NUM_CLASSES = 4
NUM_FEATURES = 2
RANDOM_SEED = 42
X_blob, y_blob = make_blobs(n_samples=1000, n_features=NUM_FEATURES, centers=NUM_CLASSES, cluster_std=1.5,
                            random_state=RANDOM_SEED)
X_blob = torch.from_numpy(X_blob).type(torch.float)
y_blob = torch.from_numpy(y_blob).type(torch.LongTensor)
X_blob_train, X_blob_test, y_blob_train, y_blob_test = train_test_split(X_blob, y_blob, test_size=0.2,
                                                                        random_state=RANDOM_SEED)


class BlobModel(nn.Module):
    def __init__(self, input_features, output_features, hidden_units=8):
        super().__init__()
        self.linear_layer_stack = nn.Sequential(
            nn.Linear(in_features=input_features, out_features=hidden_units),
            # nn.ReLU(), # <- does our dataset require non-linear layers? (try uncommenting and see if the results change)
            nn.Linear(in_features=hidden_units, out_features=hidden_units),
            # nn.ReLU(), # <- does our dataset require non-linear layers? (try uncommenting and see if the results change)
            nn.Linear(in_features=hidden_units, out_features=output_features),  # how many classes are there?
        )

    def forward(self, x):
        return self.linear_layer_stack(x)


model_4 = BlobModel(input_features=NUM_FEATURES, output_features=NUM_CLASSES, hidden_units=8).to(device)
loss_fn = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model_4.parameters(), lr=0.1)
torch.manual_seed(42)
blob_hist = []
for epoch in range(100):
    model_4.train()
    y_logits = model_4(X_blob_train)
    y_pred = torch.softmax(y_logits, dim=1).argmax(dim=1)
    loss = loss_fn(y_logits, y_blob_train)
    acc = accuracy_fn(y_true=y_blob_train, y_pred=y_pred)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    model_4.eval()
    with torch.inference_mode():
        test_logits = model_4(X_blob_test)
        test_pred = torch.softmax(test_logits, dim=1).argmax(dim=1)
        test_loss = loss_fn(test_logits, y_blob_test)
        test_acc = accuracy_fn(y_true=y_blob_test, y_pred=test_pred)
    if epoch % 10 == 0:
        print(f"Epoch: {epoch} | Loss: {loss:.5f}, Acc: {acc:.2f}% | Test Loss: {test_loss:.5f}, Test Acc: {test_acc:.2f}%")
        blob_hist.append([loss.item(), test_loss.item()])
result["blob"] = {"losses": blob_hist, "accuracy": [acc / 100, test_acc / 100]}
