"""``SummaryWriter.add_graph`` for miniconv: the graph TensorBoard draws is the autograd graph of
one forward call (PyTorch traces the model with TorchScript instead; miniconv has no tracer).

Nodes are the autograd operations (``LinearBackward0`` is drawn as ``Linear``) named under the
scope of the module that produced their output (``Net/Sequential[features]/Conv2d[0]``-style, as
PyTorch's graphs are scoped), the parameters (by their ``named_parameters`` name) and the inputs;
edges follow ``next_functions``. Each node carries its output shape, as PyTorch's do."""

import contextlib

from tensorboard.compat.proto.attr_value_pb2 import AttrValue
from tensorboard.compat.proto.config_pb2 import RunMetadata
from tensorboard.compat.proto.graph_pb2 import GraphDef
from tensorboard.compat.proto.node_def_pb2 import NodeDef
from tensorboard.compat.proto.step_stats_pb2 import DeviceStepStats, StepStats
from tensorboard.compat.proto.tensor_shape_pb2 import TensorShapeProto
from tensorboard.compat.proto.versions_pb2 import VersionDef

from ...autograd.composite import Composite


def _node(name, op, inputs=(), shape=None, attributes=""):
    attr = {"attr": AttrValue(s=attributes.encode("utf_8"))}
    if shape is not None:
        proto = TensorShapeProto(dim=[TensorShapeProto.Dim(size=int(d)) for d in shape])
        attr["_output_shapes"] = AttrValue(list=AttrValue.ListValue(shape=[proto]))
    return NodeDef(name=name.encode("utf_8"), op=op, input=list(inputs), attr=attr)


@contextlib.contextmanager
def _eval_mode(model):
    training = model.training
    model.train(False)
    try:
        yield
    finally:
        model.train(training)


def _flatten(obj):
    from ...tensor import Tensor

    if isinstance(obj, Tensor):
        return [obj]
    if isinstance(obj, (list, tuple)):
        return [t for o in obj for t in _flatten(o)]
    if isinstance(obj, dict):
        return [t for o in obj.values() for t in _flatten(o)]
    return []


def graph(model, args, verbose=False, use_strict_trace=True):
    """(GraphDef, RunMetadata) of ``model(*args)``'s autograd graph."""
    from ... import autograd

    del use_strict_trace  # a TorchScript tracing option: nothing to trace here
    if args is None:
        args = ()
    elif not isinstance(args, (list, tuple)):
        args = (args,)
    root = type(model).__name__
    names = {}
    for name, mod in model.named_modules():
        path = root
        if name:
            parts, sub = name.split("."), model
            for part in parts:
                sub = getattr(sub, part) if not part.isdigit() else sub[int(part)]
                path += f"/{type(sub).__name__}[{part}]"
        names[id(mod)] = path
    scope_of = {}

    def hook(mod, _inputs, output):
        for t in _flatten(output):
            if t.grad_fn is not None:
                scope_of.setdefault(id(t.grad_fn), names.get(id(mod), root))

    handles = [m.register_forward_hook(hook) for m in model.modules()]
    inputs = [
        a.detach().requires_grad_(True) if hasattr(a, "requires_grad_") and a.is_floating_point() else a
        for a in args
    ]
    try:
        with _eval_mode(model), autograd.set_grad_enabled(True):
            outputs = _flatten(model(*inputs))
    finally:
        for h in handles:
            h.remove()
    param_name = {id(p): n for n, p in model.named_parameters()}
    input_ids = {id(t): i for i, t in enumerate(_flatten(inputs))}
    node_name, nodes, counts = {}, [], {}

    def name_of(fn):
        key = id(fn)
        if key in node_name:
            return node_name[key]
        leaf = getattr(fn, "variable", None)
        if leaf is not None:
            if id(leaf) in param_name:
                name = f"{root}/{param_name[id(leaf)]}"
            elif id(leaf) in input_ids:
                name = f"input/input.{input_ids[id(leaf)]}"
            else:
                name = f"{root}/constant"
            node_name[key] = name
            nodes.append(
                _node(
                    name,
                    "IO Node" if name.startswith("input/") else "prim::GetAttr",
                    shape=tuple(leaf.shape),
                )
            )
            return name
        # the op as miniconv computed it (Linear, ReLU, Reshape): PyTorch's node names (AddmmBackward0,
        # ViewBackward0) describe its own decomposition; a user's Function keeps its class name
        cls = type(fn)._node_base or type(fn)  # the op class, not its node class named as PyTorch's
        op = cls.__name__.lstrip("_") if cls.__module__.startswith("miniconv.") else fn.name()
        if isinstance(fn, Composite):  # a composed op's one node: its name without the suffix (GeluBackward0 -> Gelu)
            op = fn.name().rstrip("0123456789").removesuffix("Backward")
        op = op.removesuffix("Backward")
        scope = scope_of.get(key, root)
        k = counts.get((scope, op), 0)
        counts[(scope, op)] = k + 1
        name = f"{scope}/{op}" + (f"_{k}" if k else "")
        node_name[key] = name
        return name

    seen, order, stack = (
        set(),
        [],
        [t.grad_fn for t in outputs if t.grad_fn is not None],
    )
    while stack:
        fn = stack.pop()
        if id(fn) in seen:
            continue
        seen.add(id(fn))
        order.append(fn)
        for nxt, _ in _op_inputs(fn):
            if nxt is not None and id(nxt) not in seen:
                stack.append(nxt)
    shapes = {}
    for t in outputs:
        if t.grad_fn is not None:
            shapes[id(t.grad_fn)] = tuple(t.shape)
    for fn in reversed(order):
        if getattr(fn, "variable", None) is not None:
            name_of(fn)
            continue
        ins = [name_of(nxt) for nxt, _ in _op_inputs(fn) if nxt is not None]
        name = name_of(fn)
        meta = getattr(fn, "output_meta", None)
        shape = shapes.get(id(fn), meta[0][0] if meta else None)
        nodes.append(_node(name, name.rsplit("/", 1)[-1].split("_")[0], ins, shape))
    for i, t in enumerate(outputs):
        src = node_name.get(id(t.grad_fn)) if t.grad_fn is not None else None
        nodes.append(
            _node(
                f"output/output.{i + 1}",
                "IO Node",
                [src] if src else [],
                tuple(t.shape),
            )
        )
    if verbose:
        for n in nodes:
            print(n)
    stepstats = RunMetadata(step_stats=StepStats(dev_stats=[DeviceStepStats(device="/device:CPU:0")]))
    return GraphDef(node=nodes, versions=VersionDef(producer=22)), stepstats


def _op_inputs(fn):
    """The nodes ``fn``'s backward sends gradients to: miniconv's graph, without the nodes of PyTorch's chain
    that ``next_functions`` also lists (nn.Linear's TBackward0 on the weight)."""
    ops = getattr(fn, "_op_next_functions", None)
    return ops() if ops is not None else getattr(fn, "next_functions", ())
