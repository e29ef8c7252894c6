"""PyTorch's "Adversarial Example Generation" tutorial (pytorch/tutorials beginner_source/fgsm_tutorial.py, BSD
licence, by Nathan Inkawhich): the LeNet of pytorch/examples' MNIST, the state dict loaded with
torch.load(..., map_location='cpu'), model.eval(), fgsm_attack (sign of the input gradient, torch.clamp to
[0, 1]), and test() over a batch-size-1 loader per epsilon (data.requires_grad = True, model.zero_grad(),
data.grad.data, init_pred.item() != target.item(), perturbed_data.squeeze().detach().cpu().numpy()).
Unchanged except where marked ``# adapted``: the downloaded pretrained model is replaced by one trained here
for two epochs of Adam on 512 images (starting from deterministic weights) and saved with torch.save to a temporary file;
MNIST is a subset in [0, 1] in a TensorDataset without shuffling; 64 test images; no plots."""
import os
import tempfile

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
import numpy as np

from _vision_helpers import load_weights, mnist_subset  # adapted

epsilons = [0, .05, .1, .15, .2, .25, .3]
pretrained_model = os.path.join(tempfile.mkdtemp(), "lenet_mnist_model.pth")  # adapted ("data/lenet_mnist_model.pth")
use_cuda = True


# LeNet Model definition
class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.conv1 = nn.Conv2d(1, 10, kernel_size=5)
        self.conv2 = nn.Conv2d(10, 20, kernel_size=5)
        self.conv2_drop = nn.Dropout2d()
        self.fc1 = nn.Linear(320, 50)
        self.fc2 = nn.Linear(50, 10)

    def forward(self, x):
        x = F.relu(F.max_pool2d(self.conv1(x), 2))
        x = F.relu(F.max_pool2d(self.conv2_drop(self.conv2(x)), 2))
        x = x.view(-1, 320)
        x = F.relu(self.fc1(x))
        x = F.dropout(x, training=self.training)
        x = self.fc2(x)
        return F.log_softmax(x, dim=1)


# adapted: the "pretrained" model, trained here (in eval mode, so without dropout draws) and saved
x_tr, y_tr, x_te, y_te = mnist_subset(512, 64)
x_tr, x_te = x_tr * 0.3081 + 0.1307, x_te * 0.3081 + 0.1307  # transforms.ToTensor() only: pixels in [0, 1]
teacher = Net()
load_weights(torch, teacher, seed=11)
teacher.eval()
opt = optim.Adam(teacher.parameters(), lr=0.01)
train_losses = []
for epoch in range(2):
    for i in range(0, 512, 64):
        opt.zero_grad()
        loss = F.nll_loss(teacher(torch.from_numpy(x_tr[i:i + 64])), torch.from_numpy(y_tr[i:i + 64]))
        loss.backward()
        opt.step()
        train_losses.append(loss.item())
torch.save(teacher.state_dict(), pretrained_model)

# MNIST Test dataset and dataloader declaration
test_loader = torch.utils.data.DataLoader(
    torch.utils.data.TensorDataset(torch.from_numpy(x_te), torch.from_numpy(y_te)),  # adapted (datasets.MNIST)
    batch_size=1, shuffle=False)  # adapted (shuffle=True)

# Define what device we are using
print("CUDA Available: ", torch.cuda.is_available())
device = torch.device("cuda" if (use_cuda and torch.cuda.is_available()) else "cpu")

# Initialize the network
model = Net().to(device)

# Load the pretrained model
model.load_state_dict(torch.load(pretrained_model, map_location='cpu'))

# Set the model in evaluation mode. In this case this is for the Dropout layers
model.eval()


# FGSM attack code
def fgsm_attack(image, epsilon, data_grad):
    # Collect the element-wise sign of the data gradient
    sign_data_grad = data_grad.sign()
    # Create the perturbed image by adjusting each pixel of the input image
    perturbed_image = image + epsilon*sign_data_grad
    # Adding clipping to maintain [0,1] range
    perturbed_image = torch.clamp(perturbed_image, 0, 1)
    # Return the perturbed image
    return perturbed_image


def test( model, device, test_loader, epsilon ):

    # Accuracy counter
    correct = 0
    adv_examples = []

    # Loop over all examples in test set
    for data, target in test_loader:

        # Send the data and label to the device
        data, target = data.to(device), target.to(device)

        # Set requires_grad attribute of tensor. Important for Attack
        data.requires_grad = True

        # Forward pass the data through the model
        output = model(data)
        init_pred = output.max(1, keepdim=True)[1] # get the index of the max log-probability

        # If the initial prediction is wrong, dont bother attacking, just move on
        if init_pred.item() != target.item():
            continue

        # Calculate the loss
        loss = F.nll_loss(output, target)

        # Zero all existing gradients
        model.zero_grad()

        # Calculate gradients of model in backward pass
        loss.backward()

        # Collect datagrad
        data_grad = data.grad.data

        # Call FGSM Attack
        perturbed_data = fgsm_attack(data, epsilon, data_grad)

        # Re-classify the perturbed image
        output = model(perturbed_data)

        # Check for success
        final_pred = output.max(1, keepdim=True)[1] # get the index of the max log-probability
        if final_pred.item() == target.item():
            correct += 1
            # Special case for saving 0 epsilon examples
            if (epsilon == 0) and (len(adv_examples) < 5):
                adv_ex = perturbed_data.squeeze().detach().cpu().numpy()
                adv_examples.append( (init_pred.item(), final_pred.item(), adv_ex) )
        else:
            # Save some adv examples for visualization later
            if len(adv_examples) < 5:
                adv_ex = perturbed_data.squeeze().detach().cpu().numpy()
                adv_examples.append( (init_pred.item(), final_pred.item(), adv_ex) )

    # Calculate final accuracy for this epsilon
    final_acc = correct/float(len(test_loader))
    print("Epsilon: {}\tTest Accuracy = {} / {} = {}".format(epsilon, correct, len(test_loader), final_acc))

    # Return the accuracy and an adversarial example
    return final_acc, adv_examples


accuracies = []
examples = []

# Run test for each epsilon
for eps in epsilons:
    acc, ex = test(model, device, test_loader, eps)
    accuracies.append(acc)
    examples.append(ex)

# adapted: the plots replaced by the numbers they show
result = {
    "train_loss": train_losses,
    "accuracy_vs_epsilon": accuracies,
    "clean_examples": [[o, a, float(e.sum())] for o, a, e in examples[0]],
    "adv_example_shapes": [list(e.shape) for _, _, e in examples[-1]],
    "adv_example_range": [float(min(e.min() for _, _, e in examples[-1])),
                          float(max(e.max() for _, _, e in examples[-1]))],
}
