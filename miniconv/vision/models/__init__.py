"""torchvision's model builders: ``resnet18(num_classes=10)`` etc., random initialisation as
torchvision's, parameter and buffer names equal to torchvision's so its state_dicts load."""
from .alexnet import AlexNet, alexnet
from .mobilenetv2 import MobileNetV2, mobilenet_v2
from .resnet import BasicBlock, Bottleneck, ResNet, resnet18, resnet34, resnet50
from .vgg import VGG, vgg11, vgg11_bn, vgg16, vgg16_bn

__all__ = ["AlexNet", "alexnet", "MobileNetV2", "mobilenet_v2", "ResNet", "BasicBlock", "Bottleneck",
           "resnet18", "resnet34", "resnet50", "VGG", "vgg11", "vgg11_bn", "vgg16", "vgg16_bn"]
