"""``torch.func.functional_call`` / ``nn.utils.stateless.functional_call``: call a module with some of its
parameters and buffers replaced by the given tensors for that one call (gradients flow to the given tensors);
the module is restored afterwards, also when the call raises."""
import contextlib

from ...tensor import Tensor

__all__ = ["functional_call"]


def _resolve(module, name):
    """(submodule, attribute name) for a dotted ``name``."""
    prefix, _, attr = name.rpartition(".")
    return module.get_submodule(prefix), attr


@contextlib.contextmanager
def _reparametrize(module, values, tie_weights=True, strict=False):
    names = {n for n, _ in module.named_parameters(remove_duplicate=False)}
    names |= {n for n, _ in module.named_buffers(remove_duplicate=False)}
    if tie_weights:  # a tensor shared under several names is replaced under all of them
        by_id = {}
        for n, t in list(module.named_parameters(remove_duplicate=False)) + \
                list(module.named_buffers(remove_duplicate=False)):
            by_id.setdefault(id(t), []).append(n)
        extra = {}
        for group in by_id.values():
            given = [n for n in group if n in values]
            if given:
                for n in group:
                    if n not in values:
                        extra[n] = values[given[0]]
        values = {**values, **extra}
    if strict:
        missing = sorted(names - set(values))
        unexpected = sorted(set(values) - names)
        errors = []
        if unexpected:
            errors.append("Unexpected key(s): " + ", ".join(f"'{k}'" for k in unexpected) + ".")
        if missing:
            errors.append("Missing key(s): " + ", ".join(f"'{k}'" for k in missing) + ".")
        if errors:
            raise RuntimeError(f"Error(s) in reparametrizing for {module._get_name()}:\n\t" + "\n\t".join(errors))
    saved = []
    try:
        for name, value in values.items():
            mod, attr = _resolve(module, name)
            for store in ("_parameters", "_buffers"):
                d = mod.__dict__[store]
                if attr in d:
                    saved.append((d, attr, d[attr]))
                    d[attr] = value
                    break
            else:
                saved.append((mod.__dict__, attr, mod.__dict__.get(attr, _MISSING)))
                mod.__dict__[attr] = value
        yield
    finally:
        for d, attr, old in reversed(saved):
            if old is _MISSING:
                d.pop(attr, None)
            else:
                d[attr] = old


_MISSING = object()


def functional_call(module, parameter_and_buffer_dicts, args=None, kwargs=None, *, tie_weights=True, strict=False):
    """``module(*args, **kwargs)`` with the named parameters/buffers replaced by the given tensors."""
    if isinstance(parameter_and_buffer_dicts, dict):
        values = dict(parameter_and_buffer_dicts)
    else:
        values = {}
        seen = {}
        for d in parameter_and_buffer_dicts:
            for k in d:
                seen[k] = seen.get(k, 0) + 1
        dup = [k for k, c in seen.items() if c > 1]
        if dup:
            raise ValueError(f"{dup} appeared in multiple dictionaries; behavior of functional call is ambiguous")
        for d in parameter_and_buffer_dicts:
            values.update(d)
    if kwargs is None:
        kwargs = {}
    if args is None:
        args = ()
    elif not isinstance(args, tuple):
        args = (args,)
    for k, v in values.items():
        if not isinstance(v, Tensor):
            raise TypeError(f"functional_call: the value of {k!r} must be a Tensor, got {type(v).__name__}")
    with _reparametrize(module, values, tie_weights=tie_weights, strict=strict):
        return module(*args, **kwargs)
