"""Daniel Bourke's "Zero to Mastery Learn PyTorch for Deep Learning" (mrdbourke/pytorch-deep-learning, MIT
licence): 03 computer vision (DataLoader batches, nn.Flatten baseline FashionMNISTModelV0, the conv/max-pool
explorations on torch.randn(size=(32, 3, 64, 64)) including an unbatched 3-D input to nn.Conv2d, TinyVGG
FashionMNISTModelV2, train_step/test_step/eval_model with accuracy_fn and torch.inference_mode, make_predictions
with torch.softmax(pred_logit.squeeze(), dim=0), saving and reloading the state_dict) and 06 transfer learning
(a pretrained backbone's features frozen with requires_grad = False, the classifier replaced by
nn.Sequential(nn.Dropout(p=0.2, inplace=True), nn.Linear(1280, n)), torch.manual_seed + torch.cuda.manual_seed,
Adam). Unchanged except where marked ``# adapted``: MNIST from $MINICONV_DATA instead of FashionMNIST, and the
"pretrained" EfficientNet-B0 is a small locally built stand-in with the same features/avgpool/classifier layout
(no download); fewer samples and epochs."""
import os  # adapted
import tempfile  # adapted
from pathlib import Path

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from _helpers import mnist_subset  # adapted

result = {}
device = "cuda" if torch.cuda.is_available() else "cpu"

# ---------------------------------------------------------------- 03: data
x_tr, y_tr, x_te, y_te = mnist_subset(n_train=320, n_test=96)  # adapted: datasets.FashionMNIST(...)
train_data = TensorDataset(torch.from_numpy(x_tr), torch.from_numpy(y_tr))
test_data = TensorDataset(torch.from_numpy(x_te), torch.from_numpy(y_te))
class_names = [str(i) for i in range(10)]  # adapted: train_data.classes
BATCH_SIZE = 32
torch.manual_seed(42)  # adapted: the shuffled loader draws its order from the global generator
train_dataloader = DataLoader(train_data, batch_size=BATCH_SIZE, shuffle=True)
test_dataloader = DataLoader(test_data, batch_size=BATCH_SIZE, shuffle=False)
print(f"Length of train dataloader: {len(train_dataloader)} batches of {BATCH_SIZE}")
train_features_batch, train_labels_batch = next(iter(train_dataloader))
print(train_features_batch.shape, train_labels_batch.shape)
torch.manual_seed(42)
random_idx = torch.randint(0, len(train_features_batch), size=[1]).item()
img, label = train_features_batch[random_idx], train_labels_batch[random_idx]
flatten_model = nn.Flatten()
x = train_features_batch[0]
output = flatten_model(x)
print(f"Shape before flattening: {x.shape} -> [color_channels, height, width]")
print(f"Shape after flattening: {output.shape} -> [color_channels, height*width]")
result["batch"] = [train_labels_batch.tolist(), random_idx, list(output.shape)]


def accuracy_fn(y_true, y_pred):
    correct = torch.eq(y_true, y_pred).sum().item()
    acc = (correct / len(y_pred)) * 100
    return acc


class FashionMNISTModelV0(nn.Module):
    def __init__(self, input_shape: int, hidden_units: int, output_shape: int):
        super().__init__()
        self.layer_stack = nn.Sequential(
            nn.Flatten(), # neural networks like their inputs in vector form
            nn.Linear(in_features=input_shape, out_features=hidden_units), # in_features = number of features in a data sample (784 pixels)
            nn.Linear(in_features=hidden_units, out_features=output_shape)
        )

    def forward(self, x):
        return self.layer_stack(x)


def train_step(model: torch.nn.Module,
               data_loader: torch.utils.data.DataLoader,
               loss_fn: torch.nn.Module,
               optimizer: torch.optim.Optimizer,
               accuracy_fn,
               device: torch.device = device):
    train_loss, train_acc = 0, 0
    model.to(device)
    for batch, (X, y) in enumerate(data_loader):
        # Send data to GPU
        X, y = X.to(device), y.to(device)

        # 1. Forward pass
        y_pred = model(X)

        # 2. Calculate loss
        loss = loss_fn(y_pred, y)
        train_loss += loss
        train_acc += accuracy_fn(y_true=y,
                                 y_pred=y_pred.argmax(dim=1)) # Go from logits -> pred labels

        # 3. Optimizer zero grad
        optimizer.zero_grad()

        # 4. Loss backward
        loss.backward()

        # 5. Optimizer step
        optimizer.step()

    # Calculate loss and accuracy per epoch and print out what's happening
    train_loss /= len(data_loader)
    train_acc /= len(data_loader)
    print(f"Train loss: {train_loss:.5f} | Train accuracy: {train_acc:.2f}%")
    return train_loss.item(), train_acc / 100  # adapted: the values are reported


def test_step(data_loader: torch.utils.data.DataLoader,
              model: torch.nn.Module,
              loss_fn: torch.nn.Module,
              accuracy_fn,
              device: torch.device = device):
    test_loss, test_acc = 0, 0
    model.to(device)
    model.eval() # put model in eval mode
    # Turn on inference context manager
    with torch.inference_mode():
        for X, y in data_loader:
            # Send data to GPU
            X, y = X.to(device), y.to(device)

            # 1. Forward pass
            test_pred = model(X)

            # 2. Calculate loss and accuracy
            test_loss += loss_fn(test_pred, y)
            test_acc += accuracy_fn(y_true=y,
                y_pred=test_pred.argmax(dim=1) # Go from logits -> pred labels
            )

        # Adjust metrics and print out
        test_loss /= len(data_loader)
        test_acc /= len(data_loader)
        print(f"Test loss: {test_loss:.5f} | Test accuracy: {test_acc:.2f}%\n")
    return test_loss.item(), test_acc / 100  # adapted: the values are reported


def eval_model(model: torch.nn.Module,
               data_loader: torch.utils.data.DataLoader,
               loss_fn: torch.nn.Module,
               accuracy_fn):
    """Returns a dictionary containing the results of model predicting on data_loader."""
    loss, acc = 0, 0
    model.eval()
    with torch.inference_mode():
        for X, y in data_loader:
            # Make predictions with the model
            y_pred = model(X)

            # Accumulate the loss and accuracy values per batch
            loss += loss_fn(y_pred, y)
            acc += accuracy_fn(y_true=y,
                                y_pred=y_pred.argmax(dim=1)) # For accuracy, need the prediction labels (logits -> pred_prob -> pred_labels)

        # Scale loss and acc to find the average loss/acc per batch
        loss /= len(data_loader)
        acc /= len(data_loader)

    return {"model_name": model.__class__.__name__, # only works when model was created with a class
            "model_loss": loss.item(),
            "model_acc": acc}


torch.manual_seed(42)
model_0 = FashionMNISTModelV0(input_shape=784, hidden_units=10, output_shape=len(class_names))
loss_fn = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(params=model_0.parameters(), lr=0.1)
torch.manual_seed(42)
history = []
for epoch in range(2):  # adapted: 3
    print(f"Epoch: {epoch}\n---------")
    history.append([train_step(model_0, train_dataloader, loss_fn, optimizer, accuracy_fn),
                    test_step(test_dataloader, model_0, loss_fn, accuracy_fn)])
model_0_results = eval_model(model=model_0, data_loader=test_dataloader, loss_fn=loss_fn, accuracy_fn=accuracy_fn)
result["model_0"] = {"history": [[h[0][0], h[1][0]] for h in history], "accuracy": [model_0_results["model_acc"] / 100],
                     "name": model_0_results["model_name"]}

torch.manual_seed(42)
images = torch.randn(size=(32, 3, 64, 64)) # [batch_size, color_channels, height, width]
test_image = images[0] # get a single image for testing
conv_layer = nn.Conv2d(in_channels=3, # same number of color channels as our input image
                       out_channels=10,
                       kernel_size=3,
                       stride=1,
                       padding=0) # also try using "valid" or "same" here
conv_out = conv_layer(test_image) # Note: If running PyTorch <1.11.0, this will error because of shape issues (nn.Conv.2d() expects a 4d tensor as input)
conv_layer_2 = nn.Conv2d(in_channels=3, out_channels=10, kernel_size=(5, 5), stride=2, padding=0)
conv_out_2 = conv_layer_2(test_image.unsqueeze(dim=0))
max_pool_layer = nn.MaxPool2d(kernel_size=2)
test_image_through_conv = conv_layer(test_image.unsqueeze(dim=0))
test_image_through_conv_and_max_pool = max_pool_layer(test_image_through_conv)
torch.manual_seed(42)
random_tensor = torch.randn(size=(1, 1, 2, 2))
max_pool_tensor = nn.MaxPool2d(kernel_size=2)(random_tensor)
result["conv_explore"] = [list(conv_out.shape), list(conv_out_2.shape), list(test_image_through_conv_and_max_pool.shape),
                          conv_out[:, :4, :4].detach().numpy().copy(), conv_layer_2.weight.shape[1:] == conv_layer.weight.shape[1:],
                          max_pool_tensor.item()]


class FashionMNISTModelV2(nn.Module):
    """
    Model architecture copying TinyVGG from:
    https://poloclub.github.io/cnn-explainer/
    """
    def __init__(self, input_shape: int, hidden_units: int, output_shape: int):
        super().__init__()
        self.block_1 = nn.Sequential(
            nn.Conv2d(in_channels=input_shape,
                      out_channels=hidden_units,
                      kernel_size=3, # how big is the square that's going over the image?
                      stride=1, # default
                      padding=1),# options = "valid" (no padding) or "same" (output has same shape as input) or int for specific number
            nn.ReLU(),
            nn.Conv2d(in_channels=hidden_units,
                      out_channels=hidden_units,
                      kernel_size=3,
                      stride=1,
                      padding=1),
            nn.ReLU(),
            nn.MaxPool2d(kernel_size=2,
                         stride=2) # default stride value is same as kernel_size
        )
        self.block_2 = nn.Sequential(
            nn.Conv2d(hidden_units, hidden_units, 3, padding=1),
            nn.ReLU(),
            nn.Conv2d(hidden_units, hidden_units, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2)
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),
            # Where did this in_features shape come from?
            # It's because each layer of our network compresses and changes the shape of our input data.
            nn.Linear(in_features=hidden_units*7*7,
                      out_features=output_shape)
        )

    def forward(self, x: torch.Tensor):
        x = self.block_1(x)
        # print(x.shape)
        x = self.block_2(x)
        # print(x.shape)
        x = self.classifier(x)
        # print(x.shape)
        return x


torch.manual_seed(42)
model_2 = FashionMNISTModelV2(input_shape=1, hidden_units=10, output_shape=len(class_names)).to(device)
loss_fn = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(params=model_2.parameters(), lr=0.1)
torch.manual_seed(42)
history = []
for epoch in range(2):  # adapted: 3
    print(f"Epoch: {epoch}\n---------")
    history.append([train_step(data_loader=train_dataloader, model=model_2, loss_fn=loss_fn, optimizer=optimizer,
                               accuracy_fn=accuracy_fn, device=device),
                    test_step(data_loader=test_dataloader, model=model_2, loss_fn=loss_fn, accuracy_fn=accuracy_fn,
                              device=device)])
result["model_2"] = {"history": [[h[0][0], h[1][0]] for h in history], "accuracy": [history[-1][1][1]]}


def make_predictions(model: torch.nn.Module, data: list, device: torch.device = device):
    pred_probs = []
    model.eval()
    with torch.inference_mode():
        for sample in data:
            # Prepare sample
            sample = torch.unsqueeze(sample, dim=0).to(device) # Add an extra dimension and send sample to device

            # Forward pass (model outputs raw logit)
            pred_logit = model(sample)

            # Get prediction probability (logit -> prediction probability)
            pred_prob = torch.softmax(pred_logit.squeeze(), dim=0) # note: perform softmax on the "logits" dimension, not "batch" dimension (in this case we have a batch size of 1, so can perform on dim=0)

            # Get pred_prob off GPU for further calculations
            pred_probs.append(pred_prob.cpu())

    # Stack the pred_probs to turn list into a tensor
    return torch.stack(pred_probs)


test_samples = [test_data[i][0] for i in range(9)]  # adapted: random.sample(list(test_data), k=9)
pred_probs = make_predictions(model=model_2, data=test_samples)
pred_classes = pred_probs.argmax(dim=1)
result["predictions"] = [pred_probs.numpy().copy(), pred_classes.tolist()]

with tempfile.TemporaryDirectory() as tmp:  # adapted: Path("models")
    MODEL_PATH = Path(tmp) / "models"
    MODEL_PATH.mkdir(parents=True, exist_ok=True)
    MODEL_SAVE_PATH = MODEL_PATH / "03_pytorch_computer_vision_model_2.pth"
    torch.save(obj=model_2.state_dict(), f=MODEL_SAVE_PATH)
    loaded_model_2 = FashionMNISTModelV2(input_shape=1, hidden_units=10, output_shape=10)
    loaded_model_2.load_state_dict(torch.load(f=MODEL_SAVE_PATH))
    result["saved_bytes_positive"] = os.path.getsize(MODEL_SAVE_PATH) > 0
loaded_model_2 = loaded_model_2.to(device)
loaded_model_2_results = eval_model(model=loaded_model_2, data_loader=test_dataloader, loss_fn=loss_fn,
                                    accuracy_fn=accuracy_fn)
model_2_results = eval_model(model=model_2, data_loader=test_dataloader, loss_fn=loss_fn, accuracy_fn=accuracy_fn)
result["reloaded_equal"] = torch.isclose(torch.tensor(model_2_results["model_loss"]),
                                         torch.tensor(loaded_model_2_results["model_loss"]),
                                         atol=1e-08, rtol=0.0001).item()


# ---------------------------------------------------------------- 06 transfer learning
class TinyEfficientNet(nn.Module):  # adapted: torchvision.models.efficientnet_b0(weights=weights)
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, 3, stride=2, padding=1), nn.BatchNorm2d(16), nn.SiLU(inplace=True),
            nn.Conv2d(16, 1280, 3, stride=2, padding=1), nn.BatchNorm2d(1280), nn.SiLU(inplace=True))
        self.avgpool = nn.AdaptiveAvgPool2d(output_size=1)
        self.classifier = nn.Sequential(nn.Dropout(p=0.2, inplace=True), nn.Linear(1280, 1000))

    def forward(self, x):
        return self.classifier(torch.flatten(self.avgpool(self.features(x)), 1))


torch.manual_seed(7)  # adapted: the "pretrained" weights
model = TinyEfficientNet().to(device)
# Freeze all base layers in the "features" section of the model (the feature extractor) by setting requires_grad=False
for param in model.features.parameters():
    param.requires_grad = False
# Set the manual seeds
torch.manual_seed(42)
torch.cuda.manual_seed(42)
# Get the length of class_names (one output unit for each class)
output_shape = len(class_names)
# Recreate the classifier layer and seed it to the target device
model.classifier = torch.nn.Sequential(
    torch.nn.Dropout(p=0.2, inplace=True),
    torch.nn.Linear(in_features=1280,
                    out_features=output_shape, # same number of output units as our number of classes
                    bias=True)).to(device)
loss_fn = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=0.001)
torch.manual_seed(42)
torch.cuda.manual_seed(42)
history = []
for epoch in range(2):  # adapted: engine.train(..., epochs=5)
    model.train()
    history.append([train_step(model, train_dataloader, loss_fn, optimizer, accuracy_fn),
                    test_step(test_dataloader, model, loss_fn, accuracy_fn)])
result["transfer"] = {"history": [[h[0][0], h[1][0]] for h in history], "accuracy": [history[-1][1][1]],
                      "frozen": [p.grad is None for p in model.features.parameters()],
                      "trainable": sum(p.numel() for p in model.parameters() if p.requires_grad)}
