"""torchvision.datasets' image-classification sets: MNIST, FashionMNIST, KMNIST, EMNIST, CIFAR10,
CIFAR100, SVHN, FakeData, DatasetFolder and ImageFolder (items are PIL images, as torchvision's)."""
from .cifar import CIFAR10, CIFAR100
from .fakedata import FakeData
from .folder import DatasetFolder, ImageFolder
from .mnist import EMNIST, KMNIST, MNIST, FashionMNIST
from .svhn import SVHN

__all__ = ["MNIST", "FashionMNIST", "KMNIST", "EMNIST", "CIFAR10", "CIFAR100", "SVHN", "FakeData",
           "DatasetFolder", "ImageFolder"]
