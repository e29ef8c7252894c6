from .container import ModuleList, Sequential
from .module import Module, Parameter
from .conv import Conv2d
