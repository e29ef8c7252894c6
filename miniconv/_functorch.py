"""The function transforms of ``torch.func`` built on miniconv's autograd: ``grad``, ``grad_and_value``,
``vjp``, ``jvp``, ``jacrev``, ``jacfwd``, ``hessian``, ``vmap``, ``stack_module_state``.

How (and where it differs from functorch):
* ``grad``/``vjp``/``jacrev`` run the function on inputs that are fresh graph nodes (a view of an input
  that already requires grad, so an enclosing transform can differentiate the result; a detached leaf
  otherwise) and call ``autograd.grad`` with ``create_graph=True``, so transforms nest
  (``jacrev(grad(f))``, ``hessian``). At the outermost level the results are detached, as functorch's
  are, unless an input itself required grad (then they stay on the caller's graph, as in PyTorch).
* ``jacfwd`` and ``jvp`` give forward-mode results by reverse mode (``jvp`` by the double-vjp trick):
  the same values; they need double backward of the ops inside, which the common ops have.
* ``vmap`` runs the function once per index of the mapped dimension and stacks the results: the same
  values and gradients as PyTorch's batching rules, at a per-sample loop's speed. Functions that
  PyTorch's vmap refuses (``.item()``, data-dependent control flow, in-place writes into an unmapped
  tensor) run here; ``randomness`` is accepted and every sample draws its own numbers ('different').
Inputs and outputs may be pytrees of tuples, lists and dicts holding tensors."""
import contextlib

from .tensor import Tensor

__all__ = ["grad", "grad_and_value", "hessian", "jacfwd", "jacrev", "jvp", "stack_module_state", "vjp", "vmap"]

_depth = 0


@contextlib.contextmanager
def _level():
    global _depth
    _depth += 1
    try:
        yield
    finally:
        _depth -= 1


# -- pytrees ---------------------------------------------------------------------------------------
def _flatten(tree):
    """(leaves, spec): the tensors (and other leaves) of nested tuples/lists/dicts, depth first."""
    if isinstance(tree, (tuple, list)):
        leaves, specs = [], []
        for t in tree:
            sub, spec = _flatten(t)
            leaves += sub
            specs.append((len(sub), spec))
        return leaves, (type(tree), specs)
    if isinstance(tree, dict):
        leaves, specs = [], []
        for k, v in tree.items():
            sub, spec = _flatten(v)
            leaves += sub
            specs.append((k, len(sub), spec))
        return leaves, (dict, specs)
    return [tree], None


def _unflatten(leaves, spec):
    if spec is None:
        return leaves[0]
    kind, specs = spec
    out, i = [], 0
    if kind is dict:
        d = {}
        for k, n, sub in specs:
            d[k] = _unflatten(leaves[i:i + n], sub)
            i += n
        return d
    for n, sub in specs:
        out.append(_unflatten(leaves[i:i + n], sub))
        i += n
    if kind is tuple or kind is list:
        return kind(out)
    return kind(*out)   # a namedtuple


def _map(fn, tree):
    leaves, spec = _flatten(tree)
    return _unflatten([fn(x) for x in leaves], spec)


# -- differentiable inputs -------------------------------------------------------------------------
def _as_input(x):
    if not isinstance(x, Tensor):
        return x
    if x.requires_grad:
        return x.view_as(x)     # a new node on the enclosing graph: the result stays differentiable
    return x.detach().requires_grad_(True)


def _argnums_tuple(argnums, nargs, fn):
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    if not nums:
        raise RuntimeError(f"{fn}: argnums must be non-empty")
    for a in nums:
        if not isinstance(a, int):
            raise RuntimeError(f"{fn}: argnums must be int or Tuple[int, ...], got: {type(argnums)}")
        if not -nargs <= a < nargs:
            raise RuntimeError(f"Got argnums={a}, but only {nargs} positional inputs")
    return tuple(a % nargs for a in nums)


def _prepare(args, argnums, fn):
    nums = _argnums_tuple(argnums, len(args), fn)
    args = list(args)
    diff = []
    for a in nums:
        args[a] = _map(_as_input, args[a])
        diff.append(args[a])
    return args, nums, diff


def _outermost_detach(tree, keep):
    if _depth > 1 or keep:
        return tree
    return _map(lambda t: t.detach() if isinstance(t, Tensor) else t, tree)


def _any_requires_grad(args):
    return any(isinstance(t, Tensor) and t.requires_grad for t in _flatten(list(args))[0])


def _grads(outputs, inputs, grad_outputs=None):
    from . import autograd
    from .creation import zeros_like
    gs = autograd.grad(outputs, inputs, grad_outputs=grad_outputs, retain_graph=True, create_graph=True,
                       allow_unused=True)
    return [zeros_like(x) if g is None else g for g, x in zip(gs, inputs)]


# -- grad ------------------------------------------------------------------------------------------
def grad_and_value(func, argnums=0, has_aux=False):
    """(gradient of ``func`` w.r.t. ``args[argnums]``, its value); ``func`` returns a scalar tensor
    (and an aux value with ``has_aux``)."""

    def wrapper(*args, **kwargs):
        from .autograd.grad_mode import enable_grad
        keep = _any_requires_grad(args)
        with _level(), enable_grad():
            args, nums, diff = _prepare(args, argnums, "grad_and_value(f)(*args)")
            out = func(*args, **kwargs)
            aux = None
            if has_aux:
                if not (isinstance(out, tuple) and len(out) == 2):
                    raise RuntimeError("grad_and_value(f)(*args): output of function f should be a tuple: "
                                       "(output, aux) if has_aux is True")
                out, aux = out
            if not isinstance(out, Tensor):
                raise RuntimeError(f"grad_and_value(f)(*args): Expected f(*args) to return a Tensor, got "
                                   f"{type(out)}")
            if out.dim() != 0:
                raise RuntimeError(f"grad_and_value(f)(*args): Expected f(*args) to return a scalar Tensor, got "
                                   f"tensor with {out.dim()} dims. Maybe you wanted to use the vjp or jacrev APIs "
                                   "instead?")
            leaves, spec = _flatten(tuple(diff))
            tensors = [x for x in leaves if isinstance(x, Tensor)]
            gs = iter(_grads(out, tensors))
            g = _unflatten([next(gs) if isinstance(x, Tensor) else None for x in leaves], spec)
            g = g[0] if isinstance(argnums, int) else g
            result = (g, (out, aux)) if has_aux else (g, out)
            return _outermost_detach(result, keep)
    return wrapper


def grad(func, argnums=0, has_aux=False):
    """The gradient of scalar ``func`` w.r.t. ``args[argnums]`` (with aux: (gradient, aux))."""
    gv = grad_and_value(func, argnums, has_aux)

    def wrapper(*args, **kwargs):
        g, value = gv(*args, **kwargs)
        return (g, value[1]) if has_aux else g
    return wrapper


# -- vjp / jvp -------------------------------------------------------------------------------------
def vjp(func, *primals, has_aux=False):
    """(func(*primals), vjp_fn[, aux]): vjp_fn(cotangents) is the tuple of cotangents @ d func / d primal."""
    from .autograd.grad_mode import enable_grad
    keep = _any_requires_grad(primals)
    with _level(), enable_grad():
        args, _, diff = _prepare(primals, tuple(range(len(primals))), "vjp(f, *primals)")
        out = func(*args)
        aux = None
        if has_aux:
            out, aux = out
    out_leaves, out_spec = _flatten(out)
    in_leaves, in_spec = _flatten(tuple(diff))
    depth = _depth

    def vjp_fn(cotangents):
        global _depth
        ct_leaves, ct_spec = _flatten(cotangents)
        if len(ct_leaves) != len(out_leaves):
            raise RuntimeError("Expected pytree structure of cotangents to be the same as pytree structure of "
                               "outputs to the function")
        saved, _depth = _depth, depth + 1
        try:
            tensors = [x for x in in_leaves if isinstance(x, Tensor)]
            gs = iter(_grads(out_leaves, tensors, ct_leaves))
            res = _unflatten([next(gs) if isinstance(x, Tensor) else None for x in in_leaves], in_spec)
            return _outermost_detach(res, keep)
        finally:
            _depth = saved

    out = _outermost_detach(out, keep)
    return (out, vjp_fn, aux) if has_aux else (out, vjp_fn)


def jvp(func, primals, tangents, *, strict=False, has_aux=False):
    """(func(*primals), J @ tangents) by the double-vjp trick (forward-mode values by reverse mode)."""
    from .autograd.grad_mode import enable_grad
    from .creation import zeros_like
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise RuntimeError("jvp(f, primals, tangents): Expected primals to be a tuple. E.g. it should be valid "
                           "to call f(*primals).")
    if len(primals) != len(tangents):
        raise RuntimeError("jvp(f, primals, tangents): Expected primals and tangents to have the same python "
                           "structure.")
    keep = _any_requires_grad(primals)
    with _level(), enable_grad():
        args, _, diff = _prepare(tuple(primals), tuple(range(len(primals))), "jvp")
        out = func(*args)
        aux = None
        if has_aux:
            out, aux = out
        out_leaves, out_spec = _flatten(out)
        in_leaves = [x for x in _flatten(tuple(diff))[0] if isinstance(x, Tensor)]
        us = [zeros_like(o).requires_grad_(True) for o in out_leaves]
        g = _grads(out_leaves, in_leaves, us)
        t_leaves = [t for t in _flatten(tuple(tangents))[0] if isinstance(t, Tensor)]
        jv = _grads(g, us, t_leaves)
        result = (out, _unflatten(jv, out_spec))
    result = _outermost_detach(result, keep)
    return (result[0], result[1], aux) if has_aux else result


# -- Jacobians -------------------------------------------------------------------------------------
def jacrev(func, argnums=0, *, has_aux=False, chunk_size=None, _fn="jacrev"):
    """The Jacobian of ``func`` w.r.t. ``args[argnums]``: for each output, a tensor of shape
    output.shape + input.shape (structured like the outputs, then like the inputs)."""

    def wrapper(*args, **kwargs):
        from .autograd.grad_mode import enable_grad
        from .creation import stack, zeros
        keep = _any_requires_grad(args)
        with _level(), enable_grad():
            args, nums, diff = _prepare(args, argnums, f"{_fn}(f)(*args)")
            out = func(*args, **kwargs)
            aux = None
            if has_aux:
                out, aux = out
            out_leaves, out_spec = _flatten(out)
            in_leaves, in_spec = _flatten(tuple(diff))
            tensors = [x for x in in_leaves if isinstance(x, Tensor)]
            per_out = []
            for o in out_leaves:
                if not isinstance(o, Tensor):
                    raise RuntimeError(f"{_fn}(f, ...)(*args): expected f(*args) to return only tensors, got "
                                       f"unsupported type {type(o)}")
                flat = o.reshape(-1)
                rows = [_grads(flat[k], tensors) for k in range(flat.shape[0])]
                jacs = []
                for j, x in enumerate(tensors):
                    shape = tuple(o.shape) + tuple(x.shape)
                    jacs.append(stack([r[j] for r in rows]).reshape(shape) if rows else
                                zeros(shape, dtype=x.dtype))
                it = iter(jacs)
                by_input = _unflatten([next(it) if isinstance(x, Tensor) else None for x in in_leaves], in_spec)
                per_out.append(by_input[0] if isinstance(argnums, int) else by_input)
            result = _unflatten(per_out, out_spec)
            result = (result, aux) if has_aux else result
            return _outermost_detach(result, keep)
    return wrapper


def jacfwd(func, argnums=0, has_aux=False, *, randomness="error"):
    """The Jacobian of ``func`` (the values forward mode gives; computed in reverse mode here)."""
    return jacrev(func, argnums, has_aux=has_aux, _fn="jacfwd")


def hessian(func, argnums=0):
    """The Hessian of scalar ``func`` w.r.t. ``args[argnums]``: ``jacfwd(jacrev(func))``."""
    return jacfwd(jacrev(func, argnums), argnums)


# -- vmap ------------------------------------------------------------------------------------------
def _broadcast_dims(in_dims, args, name):
    if in_dims is None or not isinstance(in_dims, (int, tuple, list)):
        raise ValueError(f"vmap({name}, in_dims={in_dims}, ...)(<inputs>): expected `in_dims` to be int or a "
                         f"(potentially nested) tuple matching the structure of inputs, got: {type(in_dims)}.")
    if isinstance(in_dims, int):
        return [in_dims] * len(args)
    if not isinstance(in_dims, (tuple, list)) or len(in_dims) != len(args):
        raise ValueError(f"vmap(f, in_dims={in_dims}, ...)(<inputs>): in_dims is not compatible with the "
                         f"structure of `inputs`. in_dims has structure {in_dims} but inputs has {len(args)} "
                         "positional arguments.")
    return list(in_dims)


def _leaf_dims(dims, arg):
    """Per leaf of ``arg``: its mapped dim (``dims`` an int/None for the whole arg, or a matching tree)."""
    leaves, _ = _flatten(arg)
    if dims is None or isinstance(dims, int):
        return [dims if isinstance(x, Tensor) else None for x in leaves]
    dl, _ = _flatten(dims)
    if len(dl) != len(leaves):
        raise ValueError("vmap: in_dims is not compatible with the structure of `inputs`")
    return dl


def vmap(func, in_dims=0, out_dims=0, randomness="error", *, chunk_size=None):
    """``func`` mapped over dimension ``in_dims`` of its inputs; results stacked along ``out_dims``."""
    if randomness not in ("error", "different", "same"):
        raise RuntimeError(f"Only allowed values for randomness are 'error', 'different', or 'same'. Got "
                           f"{randomness}")

    def wrapped(*args, **kwargs):
        from .creation import stack
        name = getattr(func, "__name__", "f")
        dims = _broadcast_dims(in_dims, args, name)
        per_arg = [(_flatten(a), _leaf_dims(d, a)) for a, d in zip(args, dims)]
        sizes = set()
        for (leaves, _), ds in per_arg:
            for x, d in zip(leaves, ds):
                if d is None:
                    continue
                if not isinstance(x, Tensor):
                    raise ValueError(f"vmap(f, in_dims={in_dims}, ...)(<inputs>): Got in_dim={d} for an input "
                                     f"but the input is of type {type(x)}. We cannot vmap over non-Tensor "
                                     "arguments, please use None as the respective in_dim")
                if not -x.dim() <= d < max(x.dim(), 1) or x.dim() == 0:
                    raise ValueError(f"vmap({name}, in_dims={in_dims}, ...)(<inputs>): Got in_dim={d} for some input, "
                                     f"but that input is a Tensor of dimensionality {x.dim()} so expected in_dim "
                                     f"to satisfy -{x.dim()} <= in_dim < {x.dim()}.")
                sizes.add(x.shape[d])
        if not sizes:
            raise ValueError("vmap: Expected at least one Tensor to vmap over")
        if len(sizes) > 1:
            raise ValueError(f"vmap: Expected all tensors to have the same size in the mapped dimension, got "
                             f"sizes {sorted(sizes)} for the mapped dimension")
        n = sizes.pop()
        results = []
        for i in range(n):
            call = []
            for (leaves, spec), ds in per_arg:
                call.append(_unflatten([x.select(d, i) if d is not None else x for x, d in zip(leaves, ds)], spec))
            results.append(func(*call, **kwargs))
        out_leaves_list = [_flatten(r)[0] for r in results]
        spec = _flatten(results[0])[1]
        odims = _flatten(out_dims)[0] if not isinstance(out_dims, int) else [out_dims] * len(out_leaves_list[0])
        stacked = []
        for j in range(len(out_leaves_list[0])):
            col = [r[j] for r in out_leaves_list]
            if not all(isinstance(c, Tensor) for c in col):
                raise ValueError(f"vmap({getattr(func, '__name__', 'f')}, ...): `{getattr(func, '__name__', 'f')}` "
                                 f"must only return Tensors, got type {type(col[0])}. Did you mean to set "
                                 "out_dims= to None for output?")
            d = odims[j]
            stacked.append(stack(col, dim=d if d >= 0 else d + col[0].dim() + 1))
        return _unflatten(stacked, spec)
    return wrapped


# -- model ensembles -------------------------------------------------------------------------------
def stack_module_state(models):
    """(params, buffers): each name's tensors of ``models`` stacked along a new dim 0 (params keep
    requires_grad when all the originals have it), for ``vmap(functional_call)`` over the ensemble."""
    from .creation import stack
    models = list(models)
    if len(models) == 0:
        raise RuntimeError("stack_module_state: Expected at least one model, got 0.")
    if not (all(m.training for m in models) or all(not m.training for m in models)):
        raise RuntimeError("stack_module_state: Expected all models to have the same training/eval mode.")
    first = type(models[0])
    if not all(type(m) is first for m in models):
        raise RuntimeError("stack_module_state: Expected all models to be of the same class.")

    def leaf(ts):
        req = all(t.requires_grad for t in ts)
        return stack([t.detach() for t in ts]).detach().requires_grad_(req)
    params = {k: leaf([dict(m.named_parameters())[k] for m in models]) for k, _ in models[0].named_parameters()}
    buffers = {k: leaf([dict(m.named_buffers())[k] for m in models]) for k, _ in models[0].named_buffers()}
    return params, buffers
