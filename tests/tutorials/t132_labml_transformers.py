"""labml.ai Annotated Deep Learning Paper Implementations (github.com/labmlai/annotated_deep_learning_paper_
implementations, commit e6b3c8a, MIT licence), labml_nn/transformers: mha.py (PrepareForMultiHeadAttention,
MultiHeadAttention with einsum 'ibhd,jbhd->ijbh', in-place scores *= scale, masked_fill(mask == 0, -inf), an
nn.Softmax(dim=1) over the key axis), feed_forward.py (FeedForward, plain and gated), positional_encoding.py
(register_buffer(..., False), slice assignment of sin/cos into [:, 0::2]/[:, 1::2]), utils.py (subsequent_mask),
models.py (EmbeddingsWithPositionalEncoding/LearnedPositionalEncoding, pre-norm TransformerLayer, Encoder/Decoder
built by labml_nn.utils.clone_module_list (copy.deepcopy), Generator, EncoderDecoder with xavier_uniform_ on
every matrix), rope/__init__.py (RotaryPositionalEmbeddings with its cos/sin cache and _test_rotary,
RotaryPEMultiHeadAttention), alibi/__init__.py (get_slopes with torch.pow(float, int tensor), @torch.no_grad()
get_alibi_biases from a bool mask's cumsum, AlibiMultiHeadAttention and _test_alibi) and label_smoothing_loss.py
(LabelSmoothingLoss: scatter_, torch.nonzero(as_tuple=False), index_fill_, KLDivLoss(reduction='sum'), and
_test_label_smoothing's numbers). Unchanged except where marked ``# adapted``: labml's inspect() is print(),
tracker.debug is dropped, the plots record their numbers, the docstrings/comments are dropped, and a small
EncoderDecoder (dropout 0: the libraries draw different masks) is trained a few Adam steps on a copy task."""
import copy
import math
from typing import Optional, List

import numpy as np
import torch
from torch import nn

result = {}  # adapted
inspect = lambda *a, _n=None: print(*a)  # adapted (from labml.logger import inspect)


def clone_module_list(module: nn.Module, n: int) -> nn.ModuleList:
    return nn.ModuleList([copy.deepcopy(module) for _ in range(n)])


class PrepareForMultiHeadAttention(nn.Module):
    def __init__(self, d_model: int, heads: int, d_k: int, bias: bool):
        super().__init__()
        self.linear = nn.Linear(d_model, heads * d_k, bias=bias)
        self.heads = heads
        self.d_k = d_k

    def forward(self, x: torch.Tensor):
        head_shape = x.shape[:-1]
        x = self.linear(x)
        x = x.view(*head_shape, self.heads, self.d_k)
        return x


class MultiHeadAttention(nn.Module):
    def __init__(self, heads: int, d_model: int, dropout_prob: float = 0.1, bias: bool = True):
        super().__init__()
        self.d_k = d_model // heads
        self.heads = heads
        self.query = PrepareForMultiHeadAttention(d_model, heads, self.d_k, bias=bias)
        self.key = PrepareForMultiHeadAttention(d_model, heads, self.d_k, bias=bias)
        self.value = PrepareForMultiHeadAttention(d_model, heads, self.d_k, bias=True)
        self.softmax = nn.Softmax(dim=1)
        self.output = nn.Linear(d_model, d_model)
        self.dropout = nn.Dropout(dropout_prob)
        self.scale = 1 / math.sqrt(self.d_k)
        self.attn = None

    def get_scores(self, query: torch.Tensor, key: torch.Tensor):
        return torch.einsum('ibhd,jbhd->ijbh', query, key)

    def prepare_mask(self, mask: torch.Tensor, query_shape: List[int], key_shape: List[int]):
        assert mask.shape[0] == 1 or mask.shape[0] == query_shape[0]
        assert mask.shape[1] == key_shape[0]
        assert mask.shape[2] == 1 or mask.shape[2] == query_shape[1]
        mask = mask.unsqueeze(-1)
        return mask

    def forward(self, *,
                query: torch.Tensor,
                key: torch.Tensor,
                value: torch.Tensor,
                mask: Optional[torch.Tensor] = None):
        seq_len, batch_size, _ = query.shape

        if mask is not None:
            mask = self.prepare_mask(mask, query.shape, key.shape)
        query = self.query(query)
        key = self.key(key)
        value = self.value(value)
        scores = self.get_scores(query, key)
        scores *= self.scale
        if mask is not None:
            scores = scores.masked_fill(mask == 0, float('-inf'))
        attn = self.softmax(scores)
        attn = self.dropout(attn)
        x = torch.einsum("ijbh,jbhd->ibhd", attn, value)
        self.attn = attn.detach()
        x = x.reshape(seq_len, batch_size, -1)
        return self.output(x)


class FeedForward(nn.Module):
    def __init__(self, d_model: int, d_ff: int,
                 dropout: float = 0.1,
                 activation=nn.ReLU(),
                 is_gated: bool = False,
                 bias1: bool = True,
                 bias2: bool = True,
                 bias_gate: bool = True):
        super().__init__()
        self.layer1 = nn.Linear(d_model, d_ff, bias=bias1)
        self.layer2 = nn.Linear(d_ff, d_model, bias=bias2)
        self.dropout = nn.Dropout(dropout)
        self.activation = activation
        self.is_gated = is_gated
        if is_gated:
            self.linear_v = nn.Linear(d_model, d_ff, bias=bias_gate)

    def forward(self, x: torch.Tensor):
        g = self.activation(self.layer1(x))
        if self.is_gated:
            x = g * self.linear_v(x)
        else:
            x = g
        x = self.dropout(x)
        return self.layer2(x)


class PositionalEncoding(nn.Module):
    def __init__(self, d_model: int, dropout_prob: float, max_len: int = 5000):
        super().__init__()
        self.dropout = nn.Dropout(dropout_prob)

        self.register_buffer('positional_encodings', get_positional_encoding(d_model, max_len), False)

    def forward(self, x: torch.Tensor):
        pe = self.positional_encodings[:x.shape[0]].detach().requires_grad_(False)
        x = x + pe
        x = self.dropout(x)
        return x


def get_positional_encoding(d_model: int, max_len: int = 5000):
    encodings = torch.zeros(max_len, d_model)
    position = torch.arange(0, max_len, dtype=torch.float32).unsqueeze(1)
    two_i = torch.arange(0, d_model, 2, dtype=torch.float32)
    div_term = torch.exp(two_i * -(math.log(10000.0) / d_model))
    encodings[:, 0::2] = torch.sin(position * div_term)
    encodings[:, 1::2] = torch.cos(position * div_term)
    encodings = encodings.unsqueeze(1).requires_grad_(False)

    return encodings


def _test_positional_encoding():
    pe = get_positional_encoding(20, 100)
    result["pe_plot"] = [np.arange(100)[::9].tolist(), pe[::9, 0, 4:8].numpy().tolist()]  # adapted (plt.plot)


_test_positional_encoding()  # adapted (if __name__ == '__main__')
penc = PositionalEncoding(20, 0.0, max_len=50)  # adapted: the module and its non-persistent buffer
result["pe_module"] = [sorted(penc.state_dict()), [n for n, _ in penc.named_buffers()],
                       penc(torch.zeros(3, 2, 20))[2, 1, :6].tolist()]


def subsequent_mask(seq_len):
    mask = torch.tril(torch.ones(seq_len, seq_len)).to(torch.bool).unsqueeze(-1)
    return mask


def _subsequent_mask():
    inspect(subsequent_mask(10)[:, :, 0])
    result["subsequent_mask"] = subsequent_mask(4)[:, :, 0].tolist()  # adapted


_subsequent_mask()  # adapted


class EmbeddingsWithPositionalEncoding(nn.Module):
    def __init__(self, d_model: int, n_vocab: int, max_len: int = 5000):
        super().__init__()
        self.linear = nn.Embedding(n_vocab, d_model)
        self.d_model = d_model
        self.register_buffer('positional_encodings', get_positional_encoding(d_model, max_len))

    def forward(self, x: torch.Tensor):
        pe = self.positional_encodings[:x.shape[0]].requires_grad_(False)
        return self.linear(x) * math.sqrt(self.d_model) + pe


class EmbeddingsWithLearnedPositionalEncoding(nn.Module):
    def __init__(self, d_model: int, n_vocab: int, max_len: int = 5000):
        super().__init__()
        self.linear = nn.Embedding(n_vocab, d_model)
        self.d_model = d_model
        self.positional_encodings = nn.Parameter(torch.zeros(max_len, 1, d_model), requires_grad=True)

    def forward(self, x: torch.Tensor):
        pe = self.positional_encodings[:x.shape[0]]
        return self.linear(x) * math.sqrt(self.d_model) + pe


class TransformerLayer(nn.Module):
    def __init__(self, *,
                 d_model: int,
                 self_attn: MultiHeadAttention,
                 src_attn: MultiHeadAttention = None,
                 feed_forward: FeedForward,
                 dropout_prob: float):
        super().__init__()
        self.size = d_model
        self.self_attn = self_attn
        self.src_attn = src_attn
        self.feed_forward = feed_forward
        self.dropout = nn.Dropout(dropout_prob)
        self.norm_self_attn = nn.LayerNorm([d_model])
        if self.src_attn is not None:
            self.norm_src_attn = nn.LayerNorm([d_model])
        self.norm_ff = nn.LayerNorm([d_model])
        self.is_save_ff_input = False

    def forward(self, *,
                x: torch.Tensor,
                mask: torch.Tensor,
                src: torch.Tensor = None,
                src_mask: torch.Tensor = None):
        z = self.norm_self_attn(x)
        self_attn = self.self_attn(query=z, key=z, value=z, mask=mask)
        x = x + self.dropout(self_attn)
        if src is not None:
            z = self.norm_src_attn(x)
            attn_src = self.src_attn(query=z, key=src, value=src, mask=src_mask)
            x = x + self.dropout(attn_src)
        z = self.norm_ff(x)
        if self.is_save_ff_input:
            self.ff_input = z.clone()
        ff = self.feed_forward(z)
        x = x + self.dropout(ff)

        return x


class Encoder(nn.Module):
    def __init__(self, layer: TransformerLayer, n_layers: int):
        super().__init__()
        self.layers = clone_module_list(layer, n_layers)
        self.norm = nn.LayerNorm([layer.size])

    def forward(self, x: torch.Tensor, mask: torch.Tensor):
        for layer in self.layers:
            x = layer(x=x, mask=mask)
        return self.norm(x)


class Decoder(nn.Module):
    def __init__(self, layer: TransformerLayer, n_layers: int):
        super().__init__()
        self.layers = clone_module_list(layer, n_layers)
        self.norm = nn.LayerNorm([layer.size])

    def forward(self, x: torch.Tensor, memory: torch.Tensor, src_mask: torch.Tensor, tgt_mask: torch.Tensor):
        for layer in self.layers:
            x = layer(x=x, mask=tgt_mask, src=memory, src_mask=src_mask)
        return self.norm(x)


class Generator(nn.Module):
    def __init__(self, n_vocab: int, d_model: int):
        super().__init__()
        self.projection = nn.Linear(d_model, n_vocab)

    def forward(self, x):
        return self.projection(x)


class EncoderDecoder(nn.Module):
    def __init__(self, encoder: Encoder, decoder: Decoder, src_embed: nn.Module, tgt_embed: nn.Module, generator: nn.Module):
        super().__init__()
        self.encoder = encoder
        self.decoder = decoder
        self.src_embed = src_embed
        self.tgt_embed = tgt_embed
        self.generator = generator
        for p in self.parameters():
            if p.dim() > 1:
                nn.init.xavier_uniform_(p)

    def forward(self, src: torch.Tensor, tgt: torch.Tensor, src_mask: torch.Tensor, tgt_mask: torch.Tensor):
        enc = self.encode(src, src_mask)
        return self.decode(enc, src_mask, tgt, tgt_mask)

    def encode(self, src: torch.Tensor, src_mask: torch.Tensor):
        return self.encoder(self.src_embed(src), src_mask)

    def decode(self, memory: torch.Tensor, src_mask: torch.Tensor, tgt: torch.Tensor, tgt_mask: torch.Tensor):
        return self.decoder(self.tgt_embed(tgt), memory, src_mask, tgt_mask)


class RotaryPositionalEmbeddings(nn.Module):
    def __init__(self, d: int, base: int = 10_000):
        super().__init__()

        self.base = base
        self.d = d
        self.cos_cached = None
        self.sin_cached = None

    def _build_cache(self, x: torch.Tensor):
        if self.cos_cached is not None and x.shape[0] <= self.cos_cached.shape[0]:
            return
        seq_len = x.shape[0]
        theta = 1. / (self.base ** (torch.arange(0, self.d, 2).float() / self.d)).to(x.device)
        seq_idx = torch.arange(seq_len, device=x.device).float().to(x.device)
        idx_theta = torch.einsum('n,d->nd', seq_idx, theta)
        idx_theta2 = torch.cat([idx_theta, idx_theta], dim=1)
        self.cos_cached = idx_theta2.cos()[:, None, None, :]
        self.sin_cached = idx_theta2.sin()[:, None, None, :]

    def _neg_half(self, x: torch.Tensor):
        d_2 = self.d // 2
        return torch.cat([-x[:, :, :, d_2:], x[:, :, :, :d_2]], dim=-1)

    def forward(self, x: torch.Tensor):
        self._build_cache(x)
        seq_len = x.shape[0]
        x_rope, x_pass = x[..., :self.d], x[..., self.d:]
        neg_half_x = self._neg_half(x_rope)
        x_rope = (x_rope * self.cos_cached[:seq_len]) + (neg_half_x * self.sin_cached[:seq_len])
        return torch.cat((x_rope, x_pass), dim=-1)


class RotaryPEMultiHeadAttention(MultiHeadAttention):
    def __init__(self, heads: int, d_model: int, rope_percentage: float = 0.5, dropout_prob: float = 0.0):
        super().__init__(heads, d_model, dropout_prob)
        d_rope = int(self.d_k * rope_percentage)
        self.query_rotary_pe = RotaryPositionalEmbeddings(d_rope)
        self.key_rotary_pe = RotaryPositionalEmbeddings(d_rope)

    def get_scores(self, query: torch.Tensor, key: torch.Tensor):
        return torch.einsum('ibhd,jbhd->ijbh', self.query_rotary_pe(query), self.key_rotary_pe(key))


def _test_rotary():
    x = torch.tensor([[1, 2, 3, 4], [4, 5, 6, 7], [7, 8, 9, 10]], dtype=torch.float)
    x = x[:, None, None, :]
    inspect(x)

    rotary_pe = RotaryPositionalEmbeddings(4)
    inspect(rotary_pe(x))
    result["rotary"] = rotary_pe(x).tolist()  # adapted


_test_rotary()  # adapted


def get_slopes(n_heads: int):
    n = 2 ** math.floor(math.log2(n_heads))
    m_0 = 2.0 ** (-8.0 / n)
    m = torch.pow(m_0, torch.arange(1, 1 + n))
    if n < n_heads:
        m_hat_0 = 2.0 ** (-4.0 / n)
        m_hat = torch.pow(m_hat_0, torch.arange(1, 1 + 2 * (n_heads - n), 2))
        m = torch.cat([m, m_hat])

    return m


@torch.no_grad()
def get_alibi_biases(n_heads: int, mask: torch.Tensor):
    m = get_slopes(n_heads).to(mask.device)
    distance = mask.cumsum(dim=-1)
    return distance[:, :, None] * m[None, None, :]


class AlibiMultiHeadAttention(MultiHeadAttention):
    def __init__(self, heads: int, d_model: int, dropout_prob: float = 0.1):
        super().__init__(heads, d_model, dropout_prob)
        self.alibi_biases = None

    def forward(self, *,
                query: torch.Tensor,
                key: torch.Tensor,
                value: torch.Tensor,
                mask: Optional[torch.Tensor] = None):
        assert mask is not None
        assert mask.shape[0] == mask.shape[1] and mask.shape[2] == 1
        seq_len, batch_size, _ = query.shape
        mask = self.prepare_mask(mask, query.shape, key.shape)
        query = self.query(query)
        key = self.key(key)
        value = self.value(value)
        scores = self.get_scores(query, key)
        scores *= self.scale
        if self.alibi_biases is None or self.alibi_biases.shape[1] < seq_len:
            self.alibi_biases = get_alibi_biases(scores.shape[-1], mask[:, :, 0, 0])
        scores += self.alibi_biases[:seq_len, :seq_len, None, :]
        scores = scores.masked_fill(mask == 0, float('-inf'))
        attn = self.softmax(scores)
        attn = self.dropout(attn)
        x = torch.einsum("ijbh,jbhd->ibhd", attn, value)
        x = x.reshape(seq_len, batch_size, -1)
        return self.output(x)


def _test_alibi():
    inspect(get_slopes(12).tolist(), _n=-1)

    mask = subsequent_mask(8)[:, :, 0]
    inspect(mask)

    inspect(get_alibi_biases(12, mask)[:, :, 3], _n=-1)
    biases = get_alibi_biases(12, mask)  # adapted
    result["alibi"] = [get_slopes(12).tolist(), get_slopes(8).dtype == torch.float32, biases[:, :, 3].tolist(),
                       biases.dtype == torch.float32, biases.requires_grad]  # adapted


_test_alibi()  # adapted


class LabelSmoothingLoss(nn.Module):
    def __init__(self, size: int, padding_idx: int, smoothing: float = 0.0):
        super().__init__()
        self.loss = nn.KLDivLoss(reduction='sum')
        self.padding_idx = padding_idx
        self.confidence = 1.0 - smoothing
        self.smoothing = smoothing
        self.size = size
        self.true_dist = None

    def forward(self, x: torch.Tensor, target: torch.Tensor):
        assert x.shape[1] == self.size
        true_dist = x.clone()
        true_dist.fill_(self.smoothing / (self.size - 2))
        true_dist.scatter_(1, target.unsqueeze(1), self.confidence)
        true_dist[:, self.padding_idx] = 0
        mask = torch.nonzero(target == self.padding_idx, as_tuple=False)
        if mask.dim() > 0:
            true_dist.index_fill_(0, mask.squeeze(), 0.0)
        self.true_dist = true_dist
        return self.loss(x, true_dist.detach())


def _test_label_smoothing():
    smooth_loss = LabelSmoothingLoss(5, 0, 0.4)
    predict = torch.tensor([[0, 0.2, 0.7, 0.1, 0],
                            [0, 0.2, 0.7, 0.1, 0],
                            [0, 0.2, 0.7, 0.1, 0]], dtype=torch.float)
    _ = smooth_loss(predict.log(),
                    torch.tensor([2, 1, 0], dtype=torch.long))
    result["true_dist"] = [smooth_loss.true_dist.tolist(), _.item()]  # adapted (plt.imshow)

    smooth_loss = LabelSmoothingLoss(5, 0, 0.1)

    def loss_sample(x):
        d = x + 3 * 1
        predict2 = torch.tensor([[0, x / d, 1 / d, 1 / d, 1 / d],
                                 ], dtype=torch.float)
        return smooth_loss(predict2.log(),
                           torch.tensor([1], dtype=torch.long)).item()

    result["loss_sample"] = [loss_sample(x) for x in range(1, 100)][::7]  # adapted (plt.plot)


_test_label_smoothing()  # adapted

# adapted: the modules put together on a copy task (seq-first tensors [seq_len, batch]), dropout 0
torch.manual_seed(0)
d_model, heads, n_vocab = 32, 4, 11
x = torch.randn(5, 3, d_model)
mha = MultiHeadAttention(heads, d_model, dropout_prob=0.0)
out = mha(query=x, key=x, value=x, mask=subsequent_mask(5))
out.pow(2).sum().backward()
result["mha"] = [out[:, 0, :4].tolist(), mha.attn[:, :, 0, 1].tolist(), mha.query.linear.weight.grad[:2, :4].tolist()]
for name, attn in [("rope", RotaryPEMultiHeadAttention(heads, d_model)),
                   ("alibi", AlibiMultiHeadAttention(heads, d_model, dropout_prob=0.0))]:
    y = attn(query=x, key=x, value=x, mask=subsequent_mask(5))
    y.sum().backward()
    result[name + "_mha"] = [y[:, 1, :3].tolist(), attn.key.linear.weight.grad.abs().sum().item()]
gated = FeedForward(d_model, 64, dropout=0.0, activation=nn.SiLU(), is_gated=True, bias1=False, bias2=False)
result["gated_ff"] = gated(x)[0, 0, :4].tolist()

layer = TransformerLayer(d_model=d_model, self_attn=MultiHeadAttention(heads, d_model, 0.0),
                         src_attn=MultiHeadAttention(heads, d_model, 0.0),
                         feed_forward=FeedForward(d_model, 64, 0.0), dropout_prob=0.0)
enc_layer = TransformerLayer(d_model=d_model, self_attn=MultiHeadAttention(heads, d_model, 0.0),
                             feed_forward=FeedForward(d_model, 64, 0.0), dropout_prob=0.0)
model = EncoderDecoder(Encoder(enc_layer, 2), Decoder(layer, 2),
                       EmbeddingsWithPositionalEncoding(d_model, n_vocab, max_len=20),
                       EmbeddingsWithLearnedPositionalEncoding(d_model, n_vocab, max_len=20),
                       Generator(n_vocab, d_model))
result["n_params"] = [sum(p.numel() for p in model.parameters()), len(list(model.buffers())),
                      model.encoder.layers[0].self_attn.query.linear.weight is not
                      model.encoder.layers[1].self_attn.query.linear.weight]
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.98), eps=1e-9)
criterion = LabelSmoothingLoss(n_vocab, 0, 0.1)
src = torch.randint(1, n_vocab, (6, 4))
tgt = torch.cat([torch.zeros(1, 4, dtype=torch.long), src[:-1]])
src_mask = torch.ones(1, 6, 1, dtype=torch.bool)
losses = []
for _ in range(4):
    out = model.generator(model(src, tgt, src_mask, subsequent_mask(6)))
    logp = torch.log_softmax(out, dim=-1).view(-1, n_vocab)
    loss = criterion(logp, src.view(-1))
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    losses.append(loss.item())
result["copy_task"] = [losses, model.tgt_embed.positional_encodings.grad[:6, 0, :3].tolist()]
