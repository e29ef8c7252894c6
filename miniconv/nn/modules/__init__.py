from .container import ModuleList, Sequential
from .module import Module, Parameter
