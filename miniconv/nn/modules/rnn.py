"""Recurrent layers: RNN, LSTM, GRU and their single-step cells, as PyTorch's ``torch.nn``.

Parameters have PyTorch's names, shapes, order and initialisation, so a PyTorch state_dict
loads: per layer k and direction (suffix ``_reverse`` for the backward one) ``weight_ih_l{k}``
(G*hidden_size, input), ``weight_hh_l{k}`` (G*hidden_size, P), ``bias_ih_l{k}``, ``bias_hh_l{k}``
(G*hidden_size,) and, for an LSTM with ``proj_size`` > 0, ``weight_hr_l{k}`` (proj_size,
hidden_size); G = 4 (LSTM: gates i, f, g, o), 3 (GRU: r, z, n), 1 (RNN); P = proj_size or
hidden_size. All are drawn from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)).

Example::

    >>> lstm = LSTM(10, 20, num_layers=2, batch_first=True)
    >>> out, (h_n, c_n) = lstm(miniconv.randn(3, 5, 10))
    >>> out.shape, h_n.shape
    (miniconv.Size([3, 5, 20]), miniconv.Size([2, 3, 20]))
"""
import math
import numbers
import warnings

import numpy as np

from ...creation import zeros
from ...dtypes import get_default_dtype
from ..._device import _check_device
from ...tensor import Tensor
from .. import functional as F
from .. import init
from ..functional import rnn as _rnn
from ..utils.rnn import PackedSequence
from .module import Module, Parameter

_GATES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}


def _new_param(shape, dtype):
    return Parameter(np.empty(shape, dtype=dtype))


def _dtype_arg(dtype, device):
    if device is not None:
        _check_device(device)
    return np.dtype(get_default_dtype() if dtype is None else dtype)


def _torch_dtype(dt):
    return "torch." + np.dtype(dt).name


class RNNBase(Module):
    """Shared by RNN, LSTM and GRU: argument checks, parameters, input and state handling.

    Input (T, B, input_size), (B, T, input_size) with ``batch_first``, (T, input_size) unbatched, or
    a PackedSequence. Output (T, B, D * P) (D = 2 if bidirectional), h_n (num_layers * D, B, P),
    for LSTM also c_n (num_layers * D, B, hidden_size).
    """

    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__()
        if not isinstance(dropout, numbers.Number) or isinstance(dropout, bool) or not 0 <= dropout <= 1:
            raise ValueError("dropout should be a number in range [0, 1] representing the probability of an element "
                             "being zeroed")
        if dropout > 0 and num_layers == 1:
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so non-zero dropout expects "
                          f"num_layers greater than 1, but got dropout={dropout} and num_layers={num_layers}",
                          stacklevel=3)
        if not isinstance(bias, bool):
            raise TypeError(f"bias should be of type bool, got: {type(bias).__name__}")
        if not isinstance(batch_first, bool):
            raise TypeError(f"batch_first should be of type bool, got: {type(batch_first).__name__}")
        for name, v in (("input_size", input_size), ("hidden_size", hidden_size)):
            if not isinstance(v, int):
                raise TypeError(f"{name} should be of type int, got: {type(v).__name__}")
            if v <= 0:
                raise ValueError(f"{name} must be greater than zero")
        if num_layers <= 0:
            raise ValueError("num_layers must be greater than zero")
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        if mode not in _GATES:
            raise ValueError("Unrecognized RNN mode: " + mode)
        dtype = _dtype_arg(dtype, device)
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        directions = 2 if bidirectional else 1
        gate_size = _GATES[mode] * hidden_size
        real_hidden_size = proj_size if proj_size > 0 else hidden_size
        self._flat_weights_names = []
        self._all_weights = []
        for layer in range(num_layers):
            for direction in range(directions):
                layer_input_size = input_size if layer == 0 else real_hidden_size * directions
                suffix = "_reverse" if direction == 1 else ""
                params = [("weight_ih", (gate_size, layer_input_size)), ("weight_hh", (gate_size, real_hidden_size))]
                if bias:
                    params += [("bias_ih", (gate_size,)), ("bias_hh", (gate_size,))]
                if proj_size > 0:
                    params += [("weight_hr", (proj_size, hidden_size))]
                names = []
                for base, shape in params:
                    name = f"{base}_l{layer}{suffix}"
                    setattr(self, name, _new_param(shape, dtype))
                    names.append(name)
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self.reset_parameters()

    @property
    def _flat_weights(self):
        return [getattr(self, name) for name in self._flat_weights_names]

    @property
    def all_weights(self):
        """The parameters as a list per layer and direction, in PyTorch's order."""
        return [[getattr(self, name) for name in names] for names in self._all_weights]

    def flatten_parameters(self):
        """Does nothing: the weights are used where they are (PyTorch packs them for cuDNN)."""

    def reset_parameters(self):
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s

    # -- forward ------------------------------------------------------------------------------
    def _state_sizes(self):
        """(rows, h size, c size or None) of the initial states."""
        rows = self.num_layers * (2 if self.bidirectional else 1)
        h = self.proj_size if self.proj_size > 0 else self.hidden_size
        return rows, h, (self.hidden_size if self.mode == "LSTM" else None)

    def _check_input(self, input, packed):  # noqa: A002
        weight_dtype = self.weight_ih_l0.dtype
        if input.dtype != weight_dtype:
            raise ValueError(f"RNN input dtype ({_torch_dtype(input.dtype)}) does not match weight dtype "
                             f"({_torch_dtype(weight_dtype)}). Convert input: input.to({_torch_dtype(weight_dtype)}), "
                             f"or convert model: model.to({_torch_dtype(input.dtype)})")
        expected = 2 if packed else 3
        if input.ndim != expected:
            raise RuntimeError(f"input must have {expected} dimensions, got {input.ndim}")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected {self.input_size}, "
                               f"got {input.shape[-1]}")

    def _check_state(self, state, expected, msg):
        if not isinstance(state, Tensor):
            raise TypeError(f"{type(self).__name__}: expected hx to be a Tensor, got {type(state).__name__}")
        if tuple(state.shape) != expected:
            raise RuntimeError(msg.format(expected, list(state.shape)))
        if state.dtype != self.weight_ih_l0.dtype:
            raise RuntimeError(f"Expected all hidden states to have the dtype of the weights ("
                               f"{_torch_dtype(self.weight_ih_l0.dtype)}), got {_torch_dtype(state.dtype)}")

    def _split_hx(self, hx):
        """(h0, c0 or None) from the user's hx (a Tensor, or a pair for LSTM)."""
        if self.mode != "LSTM":
            return hx, None
        if not isinstance(hx, (tuple, list)) or len(hx) != 2:
            raise TypeError(f"LSTM: expected hx to be a tuple (h_0, c_0) of two Tensors, got {type(hx).__name__}")
        return hx[0], hx[1]

    def forward(self, input, hx=None):  # noqa: A002
        name = "RNN" if self.mode.startswith("RNN") else self.mode
        rows, h_size, c_size = self._state_sizes()
        packed = isinstance(input, PackedSequence)
        sorted_indices = unsorted_indices = None
        h0, c0 = (None, None) if hx is None else self._split_hx(hx)
        if packed:
            data, batch_sizes, sorted_indices, unsorted_indices = input
            batch_sizes_np = np.asarray(batch_sizes._data, dtype=np.int64)
            batch = int(batch_sizes_np[0])
            self._check_input(data, True)
            if h0 is not None and sorted_indices is not None:
                h0 = h0.index_select(1, sorted_indices)
                c0 = None if c0 is None else c0.index_select(1, sorted_indices)
        else:
            if not isinstance(input, Tensor):
                raise TypeError(f"{name}: expected input to be a Tensor or a PackedSequence, got {type(input).__name__}")
            if input.ndim not in (2, 3):
                end = " tensor instead" if name == "RNN" else " instead"
                raise ValueError(f"{name}: Expected input to be 2D or 3D, got {input.ndim}D{end}")
            batched = input.ndim == 3
            if h0 is not None:
                dims = (h0.ndim,) if c0 is None else (h0.ndim, c0.ndim)
                want = 3 if batched else 2
                if any(d != want for d in dims):
                    kind = "batched 3-D" if batched else "unbatched 2-D"
                    if c0 is None:
                        raise RuntimeError(f"For {kind} input, hx should also be {want}-D but got {h0.ndim}-D tensor")
                    raise RuntimeError(f"For {kind} input, hx and cx should also be {want}-D but got "
                                       f"({h0.ndim}-D, {c0.ndim}-D) tensors")
            if not batched:
                input = input.unsqueeze(0 if self.batch_first else 1)
                if h0 is not None:
                    h0 = h0.unsqueeze(1)
                    c0 = None if c0 is None else c0.unsqueeze(1)
            self._check_input(input, False)
            seq = input.transpose(0, 1) if self.batch_first else input
            steps, batch = seq.shape[0], seq.shape[1]
            if steps == 0:
                raise RuntimeError("Expected sequence length to be larger than 0 in RNN")
            data = seq.reshape((steps * batch, self.input_size))
            batch_sizes_np = np.full(steps, batch, dtype=np.int64)
        if h0 is None:
            h0 = zeros(rows, batch, h_size, dtype=data.dtype)
            c0 = None if c_size is None else zeros(rows, batch, c_size, dtype=data.dtype)
        else:
            label = "hidden[0] " if c0 is not None else "hidden "
            self._check_state(h0, (rows, batch, h_size), "Expected " + label + "size {}, got {}")
            if c0 is not None:
                self._check_state(c0, (rows, batch, c_size), "Expected hidden[1] size {}, got {}")
        out, h_n, c_n = _rnn.rnn(self.mode, data, batch_sizes_np, h0, c0, self._flat_weights, self.bias,
                                 self.num_layers, self.dropout, self.training, self.bidirectional, self.proj_size > 0)
        if packed:
            if unsorted_indices is not None:
                h_n = h_n.index_select(1, unsorted_indices)
                c_n = None if c_n is None else c_n.index_select(1, unsorted_indices)
            output = PackedSequence(out, batch_sizes, sorted_indices, unsorted_indices)
        else:
            output = out.reshape((steps, batch, out.shape[-1]))
            if self.batch_first:
                output = output.transpose(0, 1).contiguous()
            if not batched:
                output = output.squeeze(0 if self.batch_first else 1)
                h_n = h_n.squeeze(1)
                c_n = None if c_n is None else c_n.squeeze(1)
        return output, ((h_n, c_n) if self.mode == "LSTM" else h_n)


class RNN(RNNBase):
    """Elman RNN: h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh) (or relu with
    ``nonlinearity='relu'``). Arguments: input_size, hidden_size, num_layers=1, nonlinearity='tanh',
    bias=True, batch_first=False, dropout=0.0, bidirectional=False. forward(input, h_0=None) ->
    (output, h_n)."""

    def __init__(self, *args, **kwargs):
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        if len(args) > 3:
            nonlinearity = args[3]
            args = args[:3] + args[4:]
        else:
            nonlinearity = kwargs.pop("nonlinearity", "tanh")
        if nonlinearity == "tanh":
            mode = "RNN_TANH"
        elif nonlinearity == "relu":
            mode = "RNN_RELU"
        else:
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
        super().__init__(mode, *args, **kwargs)
        self.nonlinearity = nonlinearity


class LSTM(RNNBase):
    """Long short-term memory: gates i, f, g, o from x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh;
    c_t = f * c_{t-1} + i * g, h_t = o * tanh(c_t) (then h_t W_hr^T with ``proj_size``).
    forward(input, (h_0, c_0)=None) -> (output, (h_n, c_n))."""

    def __init__(self, *args, **kwargs):
        super().__init__("LSTM", *args, **kwargs)


class GRU(RNNBase):
    """Gated recurrent unit: r, z = sigmoid(...), n = tanh(x W_in^T + b_in + r * (h W_hn^T + b_hn)),
    h_t = (1 - z) * n + z * h_{t-1}. forward(input, h_0=None) -> (output, h_n)."""

    def __init__(self, *args, **kwargs):
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        super().__init__("GRU", *args, **kwargs)


class RNNCellBase(Module):
    """Shared by the cells: ``weight_ih`` (G*hidden, input), ``weight_hh`` (G*hidden, hidden),
    ``bias_ih``, ``bias_hh`` (G*hidden,), all U(-1/sqrt(hidden), 1/sqrt(hidden))."""

    def __init__(self, input_size, hidden_size, bias, num_chunks, device=None, dtype=None):
        super().__init__()
        dtype = _dtype_arg(dtype, device)
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        self.weight_ih = _new_param((num_chunks * hidden_size, input_size), dtype)
        self.weight_hh = _new_param((num_chunks * hidden_size, hidden_size), dtype)
        if bias:
            self.bias_ih = _new_param((num_chunks * hidden_size,), dtype)
            self.bias_hh = _new_param((num_chunks * hidden_size,), dtype)
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s

    def reset_parameters(self):
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def _step(self, mode, input, hx, cx=None):  # noqa: A002
        """Checks as PyTorch's cell kernels, then one step of the functional cell."""
        if input.shape[1] != self.input_size:
            raise RuntimeError(f"input has inconsistent input_size: got {input.shape[1]} expected {self.input_size}")
        for i, state in enumerate((hx, cx) if cx is not None else (hx,)):
            if input.shape[0] != state.shape[0]:
                raise RuntimeError(f"Input batch size {input.shape[0]} doesn't match hidden{i} batch size "
                                   f"{state.shape[0]}")
            if state.shape[1] != self.hidden_size:
                raise RuntimeError(f"hidden{i} has inconsistent hidden_size: got {state.shape[1]}, expected "
                                   f"{self.hidden_size}")
        for t in (input, hx) + ((cx,) if cx is not None else ()):
            if t.dtype != self.weight_ih.dtype:
                other, first = (t.dtype, self.weight_ih.dtype)
                raise RuntimeError(f"mat1 and mat2 must have the same dtype, but got {F._args._dtype_name(other)} "
                                   f"and {F._args._dtype_name(first)}")
        return _rnn.rnn_cell(mode, input, hx, cx, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)

    def _batched(self, input, states):  # noqa: A002
        """(input, states, batched) with 1-D input and states made (1, size)."""
        name = type(self).__name__
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}: expected input to be a Tensor, got {type(input).__name__}")
        if input.ndim not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.ndim}D instead")
        for i, state in enumerate(states):
            if state is not None and state.ndim not in (1, 2):
                what = f"hx[{i}]" if len(states) == 2 else "hidden"
                raise ValueError(f"{name}: Expected {what} to be 1D or 2D, got {state.ndim}D instead")
        batched = input.ndim == 2
        if not batched:
            input = input.unsqueeze(0)
        zero = None
        out = []
        for state in states:
            if state is None:
                zero = zero if zero is not None else zeros(input.shape[0], self.hidden_size, dtype=input.dtype)
                state = zero
            elif not batched:
                state = state.unsqueeze(0)
            out.append(state)
        return input, out, batched


class RNNCell(RNNCellBase):
    """One Elman RNN step: h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh) (or relu).
    Input (B, input_size) or (input_size,); hx likewise with hidden_size (zeros if omitted)."""

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=1, device=device, dtype=dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):  # noqa: A002
        input, (hx,), batched = self._batched(input, (hx,))
        if self.nonlinearity not in ("tanh", "relu"):
            raise RuntimeError(f"Unknown nonlinearity: {self.nonlinearity}")
        h = self._step("RNN_TANH" if self.nonlinearity == "tanh" else "RNN_RELU", input, hx)
        return h if batched else h.squeeze(0)


class LSTMCell(RNNCellBase):
    """One LSTM step: (h', c') from input (B, input_size) and (h, c) (B, hidden_size) each
    (zeros if omitted); 1-D input and states for an unbatched step."""

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=4, device=device, dtype=dtype)

    def forward(self, input, hx=None):  # noqa: A002
        states = (None, None) if hx is None else tuple(hx)
        input, (h, c), batched = self._batched(input, states)
        h, c = self._step("LSTM", input, h, c)
        return (h, c) if batched else (h.squeeze(0), c.squeeze(0))


class GRUCell(RNNCellBase):
    """One GRU step: h' from input (B, input_size) and h (B, hidden_size) (zeros if omitted)."""

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=3, device=device, dtype=dtype)

    def forward(self, input, hx=None):  # noqa: A002
        input, (hx,), batched = self._batched(input, (hx,))
        h = self._step("GRU", input, hx)
        return h if batched else h.squeeze(0)
