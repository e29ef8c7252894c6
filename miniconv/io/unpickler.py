"""A pickle interpreter that builds only allowlisted objects: PyTorch's ``weights_only=True`` rule.

Used for ``torch.save`` zip files (:mod:`miniconv.io.torch_format`) and for miniconv's own whole-object
checkpoints (:mod:`miniconv.io.pickled`) whenever ``weights_only=True``. It never imports anything
and never looks a name up in a module: a ``GLOBAL`` opcode is a key into a dict of objects built in
advance (``allowed``) or given by the user through :func:`add_safe_globals`; anything else is refused
with PyTorch's message. As in ``torch._weights_only_unpickler``: ``REDUCE`` and ``NEWOBJ`` call only
allowlisted callables, ``BUILD`` sets state only on ``OrderedDict`` and allowlisted classes,
``APPEND(S)`` only extends lists, ``SETITEM(S)`` only fills dicts, ``BINPERSID`` hands the id to the
caller's ``persistent_load``. The opcodes are those of protocol 2 (what ``torch.save`` writes) plus a
few plain ones of protocols 3-4 (``SHORT_BINUNICODE``, ``BINBYTES``, ``FRAME``, ``MEMOIZE``,
``STACK_GLOBAL``, sets); every read is checked against the data left, so a truncated or crafted
pickle cannot make it allocate more than the data holds.

Malformed data raises :class:`Malformed` (the caller turns it into a ``CheckpointError``); anything
the rule refuses raises ``pickle.UnpicklingError`` with PyTorch's wording (:func:`weights_only_message`
gives the full text ``torch.load`` shows).
"""
import pickle
import re
import struct
from collections import Counter, OrderedDict

from .errors import CheckpointError

_BLOCKED_MODULES = ("sys", "os", "posix", "nt")
_user_safe_globals = set()

# PyTorch's renames of Python 2 names (torch._utils.IMPORT_MAPPING / NAME_MAPPING, which follow _compat_pickle)
_IMPORT_MAPPING = {"__builtin__": "builtins", "copy_reg": "copyreg", "Queue": "queue", "repr": "reprlib",
                   "_abcoll": "collections.abc", "UserDict": "collections", "UserList": "collections",
                   "UserString": "collections", "whichdb": "dbm", "StringIO": "io", "cStringIO": "io"}
_NAME_MAPPING = {("__builtin__", "xrange"): ("builtins", "range"), ("__builtin__", "reduce"): ("functools", "reduce"),
                 ("__builtin__", "intern"): ("sys", "intern"), ("__builtin__", "unichr"): ("builtins", "chr"),
                 ("__builtin__", "unicode"): ("builtins", "str"), ("__builtin__", "long"): ("builtins", "int"),
                 ("__builtin__", "basestring"): ("builtins", "str"),
                 ("exceptions", "StandardError"): ("builtins", "Exception")}

UNSAFE_MESSAGE = (
    "As in PyTorch 2.6 and later, the default value of the `weights_only` argument of `miniconv.load` "
    "is `True`. Re-running `miniconv.load` with `weights_only` set to `False` will likely succeed, "
    "but it can result in arbitrary code execution. Do it only if you got the file from a trusted source."
)
DOCS_MESSAGE = ("\n\nCheck the documentation of miniconv.load (docs/api.md, \"Saving\") to learn more about types "
                "accepted by default with weights_only.")


class _Stand:
    """Base of stand-in objects that REDUCE/NEWOBJ may meet though they are not callable themselves."""


class Malformed(Exception):
    """The pickle data is corrupted or crafted (not a refusal of the rule)."""


# -- the user's allowlist (torch.serialization.add_safe_globals and friends) ------------------------------------
def add_safe_globals(safe_globals):
    """Mark classes/functions as safe for ``load(..., weights_only=True)`` (``torch.serialization.add_safe_globals``).

    Each item is an object (matched by its ``__module__.__qualname__``) or a ``(object, "module.name")`` pair.
    Modules ``sys``, ``os``, ``posix`` and ``nt`` stay refused whatever the list says.
    """
    global _user_safe_globals
    _user_safe_globals = _user_safe_globals | set(safe_globals)


def get_safe_globals():
    """The objects added with :func:`add_safe_globals`."""
    return list(_user_safe_globals)


def clear_safe_globals():
    """Forget every object added with :func:`add_safe_globals`."""
    global _user_safe_globals
    _user_safe_globals = set()


def _remove_safe_globals(items):
    global _user_safe_globals
    _user_safe_globals = _user_safe_globals - set(items)


class safe_globals:  # noqa: N801  (PyTorch's name)
    """Context manager: ``with safe_globals([MyClass]): load(f)`` allowlists ``MyClass`` inside the block."""

    def __init__(self, safe_globals):
        self.safe_globals = safe_globals

    def __enter__(self):
        add_safe_globals(self.safe_globals)

    def __exit__(self, *exc):
        _remove_safe_globals(self.safe_globals)


def user_allowed_globals():
    out = {}
    for f in _user_safe_globals:
        if isinstance(f, tuple):
            if len(f) != 2:
                raise ValueError(f"Expected tuple of length 2 (global, str of callable full path), but got tuple "
                                 f"of length: {len(f)}")
            if type(f[1]) is not str:
                raise TypeError(f"Expected second item in tuple to be str of callable full path, but got: {type(f[1])}")
            out[f[1]] = f[0]
        else:
            out[f"{f.__module__}.{f.__qualname__}"] = f
    return out


def weights_only_message(message):
    """The text ``torch.load`` shows for a refusal ``message`` of its weights-only unpickler."""
    if re.search(r"GLOBAL (\S+) was not an allowed global by default.", message):
        return ("Weights only load failed. This file can still be loaded, to do so you have two options, "
                "\033[1mdo those steps only if you trust the source of the checkpoint\033[0m. "
                f"\n\t(1) {UNSAFE_MESSAGE}\n\t(2) Alternatively, to load with `weights_only=True` please check "
                "the recommended steps in the following error message.\n\tWeightsUnpickler error: "
                + message + DOCS_MESSAGE)
    text = f"Weights only load failed. {UNSAFE_MESSAGE}\n"
    if not re.search(r"whose module (\S+) is blocked", message):
        text += ("Please file an issue with the following so that we can make "
                 "`weights_only=True` compatible with your use case: WeightsUnpickler error: ")
    return text + "\n\n" + message + DOCS_MESSAGE


# -- the interpreter --------------------------------------------------------------------------------------------
def _op(c):
    return c[0]


class RestrictedUnpickler:
    """``RestrictedUnpickler(data, allowed, persistent_load).load()``: the object pickled in ``data``.

    ``allowed`` maps ``"module.name"`` to the object a ``GLOBAL`` of that name stands for (the values may be
    stand-ins: miniconv functions for PyTorch's rebuild functions). ``special_build`` may map a type to a
    function ``(instance, state)`` used by ``BUILD`` on instances of exactly that type.
    """

    def __init__(self, data, allowed, persistent_load, encoding="utf-8", special_build=None):
        self.data = memoryview(data)
        self.pos = 0
        self.allowed = allowed
        self.user = user_allowed_globals()
        self.persistent_load = persistent_load
        self.encoding = encoding
        self.special_build = special_build or {}
        values = list(allowed.values()) + list(self.user.values())
        self.callables = {id(v): v for v in values if callable(v) or isinstance(v, _Stand)}
        self.classes = {id(v): v for v in values if isinstance(v, type)}

    # reading
    def read(self, n):
        end = self.pos + n
        if n < 0 or end > len(self.data):
            raise Malformed(f"pickle data was truncated (wanted {n} bytes at offset {self.pos}, "
                            f"{len(self.data) - self.pos} left)")
        out = self.data[self.pos:end]
        self.pos = end
        return out

    def readline(self):
        rest = self.data[self.pos:]
        i = bytes(rest[:4096]).find(b"\n")
        if i < 0:
            raise Malformed("pickle data was truncated (a GLOBAL name without its end of line)")
        line = bytes(rest[:i])
        self.pos += i + 1
        return line

    def _is_allowed_callable(self, f):
        return self.callables.get(id(f)) is f

    def _is_allowed_class(self, cls):
        return self.classes.get(id(cls)) is cls

    def _global(self, module, name):
        if (module, name) in _NAME_MAPPING:
            module, name = _NAME_MAPPING[(module, name)]
        elif module in _IMPORT_MAPPING:
            module = _IMPORT_MAPPING[module]
        full = f"{module}.{name}"
        if module in _BLOCKED_MODULES:
            raise pickle.UnpicklingError(f"Trying to load unsupported GLOBAL {full} whose module {module} is blocked.")
        if full in self.allowed:
            return self.allowed[full]
        if full in self.user:
            return self.user[full]
        shown = full[len("builtins."):] if full.startswith("builtins.") else full
        raise pickle.UnpicklingError(
            f"Unsupported global: GLOBAL {shown} was not an allowed global by default. "
            f"Please use `miniconv.serialization.add_safe_globals([{shown}])` or the "
            f"`miniconv.serialization.safe_globals([{shown}])` context manager to allowlist this global "
            "if you trust this class/function.")

    def pop_mark(self):
        if not self.metastack:
            raise Malformed("malformed pickle data (no MARK on the stack)")
        items = self.stack
        self.stack = self.metastack.pop()
        return items

    def pop(self):
        if not self.stack:
            raise Malformed("malformed pickle data (stack underflow)")
        return self.stack.pop()

    def top(self):
        if not self.stack:
            raise Malformed("malformed pickle data (stack underflow)")
        return self.stack[-1]

    def load(self):
        try:
            return self._load()
        except (Malformed, pickle.UnpicklingError, CheckpointError):
            raise
        except Exception as e:  # noqa: BLE001  (a crafted pickle: wrong types on the stack, unhashable keys, ...)
            raise Malformed(f"malformed pickle data ({type(e).__name__}: {e})") from None

    def _load(self):  # noqa: C901  (one branch per opcode, as pickle.py)
        self.metastack = []
        self.stack = []
        self.memo = {}
        read, push = self.read, None
        while True:
            push = self.stack.append
            key = _op(read(1))
            if key == _op(pickle.PROTO):
                read(1)
            elif key == 0x95:  # FRAME (protocol 4): an 8-byte length, then the frame's opcodes
                read(8)
            elif key == _op(pickle.STOP):
                return self.pop()
            elif key == _op(pickle.GLOBAL):
                module = self.readline().decode("utf-8", "strict")
                name = self.readline().decode("utf-8", "strict")
                push(self._global(module, name))
            elif key == 0x93:  # STACK_GLOBAL
                name, module = self.pop(), self.pop()
                if type(name) is not str or type(module) is not str:
                    raise Malformed("malformed pickle data (STACK_GLOBAL needs two strings)")
                push(self._global(module, name))
            elif key == _op(pickle.NEWOBJ):
                args, cls = self.pop(), self.pop()
                make = self.special_build.get(("new", cls)) if self._is_allowed_callable(cls) else None
                if make is None and not self._is_allowed_class(cls):
                    raise pickle.UnpicklingError(
                        "Can only create new object for nn.Parameter or classes allowlisted via `add_safe_globals` "
                        f"but got {cls}")
                if type(args) is not tuple:
                    raise Malformed("malformed pickle data (NEWOBJ arguments are not a tuple)")
                push(make(*args) if make else cls.__new__(cls, *args))
            elif key == _op(pickle.REDUCE):
                args = self.pop()
                func = self.top()
                if not self._is_allowed_callable(func):
                    raise pickle.UnpicklingError(f"Trying to call reduce for unrecognized function {func}")
                if type(args) is not tuple:
                    raise Malformed("malformed pickle data (REDUCE arguments are not a tuple)")
                self.stack[-1] = func(*args)
            elif key == _op(pickle.BUILD):
                state = self.pop()
                inst = self.top()
                build = self.special_build.get(type(inst))
                if build is not None:
                    build(inst, state)
                elif type(inst) is OrderedDict:
                    if not (type(state) is dict and all(type(k) is str for k in state)):
                        raise Malformed("malformed pickle data (BUILD of an OrderedDict needs a dict of str keys)")
                    inst.__dict__.update(state)
                elif self._is_allowed_class(type(inst)) and type(inst) not in (dict, list, set, tuple, Counter):
                    if hasattr(inst, "__setstate__") and type(inst).__setstate__ is not object.__setstate__:
                        inst.__setstate__(state)
                    else:
                        slotstate = None
                        if isinstance(state, tuple) and len(state) == 2:
                            state, slotstate = state
                        if state:
                            inst.__dict__.update(state)
                        if slotstate:
                            for k, v in slotstate.items():
                                setattr(inst, k, v)
                else:
                    raise pickle.UnpicklingError("Can only build Tensor, Parameter, OrderedDict or types allowlisted "
                                                 f"via `add_safe_globals`, but got {type(inst)}")
            elif key == _op(pickle.APPEND):
                item = self.pop()
                if type(self.top()) is not list:
                    raise pickle.UnpicklingError(f"Can only append to lists, but got {type(self.top())}")
                self.top().append(item)
            elif key == _op(pickle.APPENDS):
                items = self.pop_mark()
                if type(self.top()) is not list:
                    raise pickle.UnpicklingError(f"Can only extend lists, but got {type(self.top())}")
                self.top().extend(items)
            elif key in (_op(pickle.SETITEM), _op(pickle.SETITEMS)):
                if key == _op(pickle.SETITEM):
                    v, k = self.pop(), self.pop()
                    items = [k, v]
                else:
                    items = self.pop_mark()
                    if len(items) % 2:
                        raise Malformed("malformed pickle data (SETITEMS with an odd number of items)")
                target = self.top()
                if type(target) not in (dict, OrderedDict, Counter):
                    raise pickle.UnpicklingError("Can only SETITEM for dict, collections.OrderedDict, "
                                                 f"collections.Counter, but got {type(target)}")
                for i in range(0, len(items), 2):
                    target[items[i]] = items[i + 1]
            elif key == 0x90:  # ADDITEMS
                items = self.pop_mark()
                if type(self.top()) is not set:
                    raise pickle.UnpicklingError(f"Can only add items to sets, but got {type(self.top())}")
                self.top().update(items)
            elif key == 0x91:  # FROZENSET
                items = self.pop_mark()
                self.stack.append(frozenset(items))
            elif key == _op(pickle.MARK):
                self.metastack.append(self.stack)
                self.stack = []
            elif key == _op(pickle.TUPLE):
                items = self.pop_mark()
                self.stack.append(tuple(items))
            elif key in (_op(pickle.TUPLE1), _op(pickle.TUPLE2), _op(pickle.TUPLE3)):
                n = 1 + key - _op(pickle.TUPLE1)
                if len(self.stack) < n:
                    raise Malformed("malformed pickle data (stack underflow)")
                self.stack[-n:] = [tuple(self.stack[-n:])]
            elif key == _op(pickle.NONE):
                push(None)
            elif key == _op(pickle.NEWFALSE):
                push(False)
            elif key == _op(pickle.NEWTRUE):
                push(True)
            elif key == _op(pickle.EMPTY_TUPLE):
                push(())
            elif key == _op(pickle.EMPTY_LIST):
                push([])
            elif key == _op(pickle.EMPTY_DICT):
                push({})
            elif key == 0x8f:  # EMPTY_SET
                push(set())
            elif key == _op(pickle.BININT):
                push(struct.unpack("<i", read(4))[0])
            elif key == _op(pickle.BININT1):
                push(read(1)[0])
            elif key == _op(pickle.BININT2):
                push(struct.unpack("<H", read(2))[0])
            elif key == _op(pickle.LONG1):
                push(pickle.decode_long(bytes(read(read(1)[0]))))
            elif key == 0x8b:  # LONG4
                n = struct.unpack("<i", read(4))[0]
                if not 0 <= n <= 4096:  # 32,768-bit integers are far beyond anything a checkpoint holds
                    raise Malformed(f"malformed pickle data (a LONG4 integer of {n} bytes)")
                push(pickle.decode_long(bytes(read(n))))
            elif key == _op(pickle.BINFLOAT):
                push(struct.unpack(">d", read(8))[0])
            elif key in (_op(pickle.BINUNICODE), 0x8c):  # BINUNICODE, SHORT_BINUNICODE
                n = struct.unpack("<I", read(4))[0] if key == _op(pickle.BINUNICODE) else read(1)[0]
                push(str(read(n), "utf-8", "surrogatepass"))
            elif key == _op(pickle.SHORT_BINSTRING):
                raw = bytes(read(read(1)[0]))
                push(raw if self.encoding == "bytes" else raw.decode(self.encoding, "strict"))
            elif key in (_op(pickle.BINBYTES), _op(pickle.SHORT_BINBYTES)):
                n = struct.unpack("<I", read(4))[0] if key == _op(pickle.BINBYTES) else read(1)[0]
                push(bytes(read(n)))
            elif key == _op(pickle.BINPERSID):
                pid = self.pop()
                if type(pid) is not tuple and type(pid) is not int:
                    raise pickle.UnpicklingError(f"persistent_load id must be tuple or int, but got {type(pid)}")
                push(self.persistent_load(pid))
            elif key in (_op(pickle.BINGET), _op(pickle.LONG_BINGET)):
                i = read(1)[0] if key == _op(pickle.BINGET) else struct.unpack("<I", read(4))[0]
                if i not in self.memo:
                    raise Malformed(f"malformed pickle data (memo entry {i} was never stored)")
                push(self.memo[i])
            elif key in (_op(pickle.BINPUT), _op(pickle.LONG_BINPUT)):
                i = read(1)[0] if key == _op(pickle.BINPUT) else struct.unpack("<I", read(4))[0]
                self.memo[i] = self.top()
            elif key == 0x94:  # MEMOIZE
                self.memo[len(self.memo)] = self.top()
            else:
                raise pickle.UnpicklingError(f"Unsupported operand {key}")
