"""Sequential and ModuleList."""
from collections import OrderedDict

from .module import Module


class Sequential(Module):
    """Modules run one after another: ``Sequential(a, b)``, ``Sequential(OrderedDict(...))`` or
    ``add_module(name, m)``. Indexing, slicing, ``len`` and iteration work as in PyTorch."""

    def __init__(self, *args):
        super().__init__()
        if len(args) == 1 and isinstance(args[0], OrderedDict):
            for name, m in args[0].items():
                self.add_module(name, m)
        else:
            for i, m in enumerate(args):
                self.add_module(str(i), m)

    def forward(self, x):
        for m in self._modules.values():
            x = m(x)
        return x

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return Sequential(OrderedDict(list(self._modules.items())[idx]))
        return list(self._modules.values())[_index(idx, len(self))]

    def __setitem__(self, idx, module):
        key = list(self._modules.keys())[_index(idx, len(self))]
        self.add_module(key, module)

    def __delitem__(self, idx):
        keys = list(self._modules.keys())
        for k in keys[idx] if isinstance(idx, slice) else [keys[_index(idx, len(self))]]:
            del self._modules[k]

    def append(self, module):
        self.add_module(str(len(self)), module)
        return self


class ModuleList(Module):
    """A list of Modules whose parameters the parent Module sees."""

    def __init__(self, modules=None):
        super().__init__()
        for m in modules or []:
            self.append(m)

    def append(self, module):
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules):
        for m in modules:
            self.append(m)
        return self

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return ModuleList(list(self._modules.values())[idx])
        return self._modules[str(_index(idx, len(self)))]

    def __setitem__(self, idx, module):
        self.add_module(str(_index(idx, len(self))), module)

    def forward(self, *args, **kwargs):
        raise NotImplementedError("ModuleList has no forward(); iterate over it in your Module's forward")

    def __repr__(self):
        """Like PyTorch: runs of identical entries print once, as ``(0-2): 3 x ReLU()``."""
        reprs = [repr(m) for m in self]
        if not reprs:
            return self._get_name() + "()"
        runs = []  # [first index, last index, repr]
        for i, r in enumerate(reprs):
            if runs and runs[-1][2] == r:
                runs[-1][1] = i
            else:
                runs.append([i, i, r])
        lines = []
        for first, last, r in runs:
            head = f"({first})" if first == last else f"({first}-{last}): {last - first + 1} x"
            lines.append((f"{head}: {r}" if first == last else f"{head} {r}").replace("\n", "\n  "))
        return self._get_name() + "(\n  " + "\n  ".join(lines) + "\n)"


def _index(idx, n):
    if not isinstance(idx, int):
        raise TypeError(f"index must be an int or slice, got {type(idx).__name__}")
    if not -n <= idx < n:
        raise IndexError(f"index {idx} is out of range")
    return idx % n


# -- ModuleDict, ParameterList, ParameterDict --------------------------------
class ModuleDict(Module):
    """An ordered dict of Modules whose parameters the parent Module sees."""

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key):
        return self._modules[key]

    def __setitem__(self, key, module):
        self.add_module(key, module)

    def __delitem__(self, key):
        del self._modules[key]

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules)

    def __contains__(self, key):
        return key in self._modules

    def keys(self):
        return self._modules.keys()

    def values(self):
        return self._modules.values()

    def items(self):
        return self._modules.items()

    def update(self, modules):
        items = modules.items() if hasattr(modules, "items") else modules
        for k, m in items:
            self[k] = m

    def pop(self, key):
        m = self._modules[key]
        del self._modules[key]
        return m

    def clear(self):
        self._modules.clear()

    def forward(self, *args, **kwargs):
        raise NotImplementedError("ModuleDict has no forward(); pick its modules in your Module's forward")


class ParameterList(Module):
    """A list of Parameters registered on the Module (Tensors are wrapped into Parameters)."""

    def __init__(self, values=None):
        super().__init__()
        for v in values or []:
            self.append(v)

    def _wrap(self, v):
        from .module import Parameter

        return v if isinstance(v, Parameter) else Parameter(v)

    def append(self, value):
        self.register_parameter(str(len(self)), self._wrap(value))
        return self

    def extend(self, values):
        for v in values:
            self.append(v)
        return self

    def __len__(self):
        return len(self._parameters)

    def __iter__(self):
        return iter(self._parameters.values())

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return ParameterList(list(self._parameters.values())[idx])
        return self._parameters[str(_index(idx, len(self)))]

    def __setitem__(self, idx, value):
        self.register_parameter(str(_index(idx, len(self))), self._wrap(value))

    def forward(self, *args, **kwargs):
        raise NotImplementedError("ParameterList has no forward()")

    def extra_repr(self):
        """PyTorch's: one line per parameter, ``(0): Parameter containing: [miniconv.float32 of size 2x3]``."""
        return "\n".join(f"  ({k}): Parameter containing: [miniconv.{p.dtype.name} of size "
                         f"{'x'.join(str(n) for n in p.shape)}]" for k, p in enumerate(self))


class ParameterDict(Module):
    """A dict of Parameters registered on the Module."""

    def __init__(self, parameters=None):
        super().__init__()
        for k, v in (parameters.items() if hasattr(parameters, "items") else parameters or []):
            self[k] = v

    def __setitem__(self, key, value):
        from .module import Parameter

        self.register_parameter(key, value if isinstance(value, Parameter) else Parameter(value))

    def __getitem__(self, key):
        return self._parameters[key]

    def __len__(self):
        return len(self._parameters)

    def __iter__(self):
        return iter(self._parameters)

    def __contains__(self, key):
        return key in self._parameters

    def keys(self):
        return self._parameters.keys()

    def values(self):
        return self._parameters.values()

    def items(self):
        return self._parameters.items()

    def forward(self, *args, **kwargs):
        raise NotImplementedError("ParameterDict has no forward()")

    def extra_repr(self):
        """PyTorch's: one line per parameter, ``(a): Parameter containing: [torch.FloatTensor of size 2x3]``."""
        from ...dtypes import legacy_type_name

        return "\n".join(f"  ({k}): Parameter containing: [{legacy_type_name(p.dtype)} of size "
                         f"{'x'.join(str(n) for n in p.shape)}]" for k, p in self.items())
