"""scaled_dot_product_attention, MultiheadAttention and the Transformer encoder against PyTorch: values,
gradients of inputs and parameters, state_dict keys, masks, layouts and errors."""

import numpy as np
import pytest

from oracle import assert_close_outcome, assert_same_outcome

torch = pytest.importorskip("torch")

DTYPES = ["float32", "float64"]


def _rtol(dt):
    return 1e-5 if dt == "float32" else 1e-12


def _t(L, shape, dt, seed, grad=True, scale=1.0):
    return L.tensor(np.random.default_rng(seed).standard_normal(shape) * scale, dtype=getattr(L, dt),
                    requires_grad=grad)


def _fill(L, module, dt, seed=7):
    """Give ``module`` the same random parameters in both libraries (through load_state_dict)."""
    rng = np.random.default_rng(seed)
    state = {k: L.tensor(rng.standard_normal(tuple(v.shape)) * 0.4, dtype=getattr(L, dt))
             for k, v in module.state_dict().items()}
    module.load_state_dict(state)
    return module


def _grads(L, outputs, leaves):
    total = 0
    for i, o in enumerate(outputs):
        if o is not None:
            w = L.tensor(np.random.default_rng(50 + i).standard_normal(tuple(o.shape)), dtype=o.dtype)
            total = total + (o * w).sum()
    total.backward()
    return tuple(o.detach() if o is not None else None for o in outputs) + tuple(x.grad for x in leaves)


# -- scaled_dot_product_attention ------------------------------------------------------------------------------
SDPA = [
    ((1, 1, 3, 4), (1, 1, 3, 4), (1, 1, 3, 4), {}),
    ((2, 3, 5, 4), (2, 3, 7, 4), (2, 3, 7, 6), {}),
    ((2, 5, 4), (2, 5, 4), (2, 5, 3), dict(is_causal=True)),
    ((2, 3, 5, 4), (2, 3, 7, 4), (2, 3, 7, 6), dict(is_causal=True)),
    ((2, 3, 5, 4), (2, 3, 7, 4), (2, 3, 7, 6), dict(scale=0.7)),
    ((5, 4), (6, 4), (6, 2), dict(mask="bool")),
    ((2, 3, 5, 4), (2, 3, 6, 4), (2, 3, 6, 2), dict(mask="float")),
    ((2, 4, 5, 4), (2, 2, 6, 4), (2, 2, 6, 3), dict(enable_gqa=True)),
]


@pytest.mark.parametrize("dt", DTYPES)
@pytest.mark.parametrize("case", range(len(SDPA)))
def test_sdpa(case, dt):
    qs, ks, vs, kw = SDPA[case]

    def fn(L):
        q, k, v = _t(L, qs, dt, 0), _t(L, ks, dt, 1), _t(L, vs, dt, 2)
        opts = dict(kw)
        mask = opts.pop("mask", None)
        if mask == "bool":
            m = np.random.default_rng(3).random((qs[-2], ks[-2])) > 0.3
            m[:, 0] = True  # every query sees a key
            opts["attn_mask"] = L.tensor(m)
        elif mask == "float":
            opts["attn_mask"] = _t(L, (qs[-2], ks[-2]), dt, 3, grad=False)
        y = L.nn.functional.scaled_dot_product_attention(q, k, v, **opts)
        return _grads(L, [y], [q, k, v])
    assert_close_outcome(fn, _rtol(dt))


def test_sdpa_errors():
    assert_same_outcome(lambda L: L.nn.functional.scaled_dot_product_attention(
        L.ones(2, 3, 4), L.ones(2, 3, 4), L.ones(2, 3, 4), attn_mask=L.ones(3, 3), is_causal=True))
    assert_same_outcome(lambda L: L.nn.functional.scaled_dot_product_attention(
        L.ones(2, 3, 4), L.ones(2, 3, 5), L.ones(2, 3, 4)))


def test_sdpa_dropout_drops_and_rescales_weights():
    import miniconv
    miniconv.manual_seed(0)
    q, k = miniconv.randn(2, 6, 4), miniconv.randn(2, 6, 4)
    eye = miniconv.eye(6).expand(2, 6, 6)
    plain = miniconv.nn.functional.scaled_dot_product_attention(q, k, eye).numpy()
    dropped = miniconv.nn.functional.scaled_dot_product_attention(q, k, eye, dropout_p=0.4).numpy()
    kept = dropped != 0
    assert 0.3 < 1 - kept.mean() < 0.5
    np.testing.assert_allclose(dropped[kept], plain[kept] / 0.6, rtol=1e-5)


# -- MultiheadAttention -----------------------------------------------------------------------------------------
MHA = [
    dict(),
    dict(batch_first=True),
    dict(bias=False, batch_first=True),
    dict(kdim=3, vdim=5),
    dict(add_bias_kv=True),
    dict(add_zero_attn=True, batch_first=True),
    dict(add_bias_kv=True, add_zero_attn=True, kdim=6, vdim=2),
]
CALLS = [
    dict(),
    dict(need_weights=False),
    dict(average_attn_weights=False),
    dict(key_padding_mask="bool"),
    dict(key_padding_mask="float", attn_mask="float"),
    dict(attn_mask="bool"),
    dict(attn_mask="causal", is_causal=True),
    dict(attn_mask="3d"),
    dict(unbatched=True),
    dict(batch=1),
]


@pytest.mark.parametrize("dt", DTYPES)
@pytest.mark.parametrize("call", range(len(CALLS)))
@pytest.mark.parametrize("conf", range(len(MHA)))
def test_multihead_attention(conf, call, dt):
    cfg, kw = MHA[conf], dict(CALLS[call])
    E, H, L_, S = 8, 2, 4, 5
    N = kw.pop("batch", 3)
    unbatched = kw.pop("unbatched", False)

    def fn(L):
        m = _fill(L, L.nn.MultiheadAttention(E, H, **cfg, dtype=getattr(L, dt)), dt)
        kd, vd = cfg.get("kdim", E), cfg.get("vdim", E)
        bf = cfg.get("batch_first", False) and not unbatched

        def shape(seq, d):
            return (seq, d) if unbatched else (N, seq, d) if bf else (seq, N, d)
        q, k, v = _t(L, shape(L_, E), dt, 0), _t(L, shape(S, kd), dt, 1), _t(L, shape(S, vd), dt, 2)
        opts = dict(kw)
        if opts.get("key_padding_mask") == "bool":
            pad = np.zeros((N, S), bool)
            pad[0, 3:] = True
            opts["key_padding_mask"] = L.tensor(pad)
        elif opts.get("key_padding_mask") == "float":
            opts["key_padding_mask"] = _t(L, (N, S), dt, 4, grad=False)
        if opts.get("attn_mask") == "float":
            opts["attn_mask"] = _t(L, (L_, S), dt, 5, grad=False)
        elif opts.get("attn_mask") == "bool":
            mask = np.random.default_rng(6).random((L_, S)) > 0.6
            mask[:, 0] = False
            opts["attn_mask"] = L.tensor(mask)
        elif opts.get("attn_mask") == "causal":
            opts["attn_mask"] = L.tensor(np.triu(np.ones((L_, S), bool), 1))
        elif opts.get("attn_mask") == "3d":
            opts["attn_mask"] = _t(L, (N * H, L_, S), dt, 5, grad=False)
        out, weights = m(q, k, v, **opts)
        params = [p for _, p in m.named_parameters()]
        return _grads(L, [out, weights], [q, k, v] + params) + (list(m.state_dict()),)
    assert_close_outcome(fn, _rtol(dt))


def test_multihead_attention_state_dict_keys():
    for cfg in MHA:
        assert_same_outcome(lambda L, cfg=cfg: [(k, tuple(v.shape)) for k, v in
                                                L.nn.MultiheadAttention(8, 2, **cfg).state_dict().items()])


def test_multihead_attention_eval_and_init():
    def fn(L):
        m = _fill(L, L.nn.MultiheadAttention(6, 3, dropout=0.5, batch_first=True), "float32").eval()
        x = _t(L, (2, 4, 6), "float32", 0, grad=False)
        with L.no_grad():
            return m(x, x, x)
    assert_close_outcome(fn, 1e-5)
    import miniconv
    m = miniconv.nn.MultiheadAttention(6, 3)
    assert float(m.in_proj_bias.abs().sum()) == 0 and float(m.out_proj.bias.abs().sum()) == 0
    bound = (6 / (6 + 18)) ** 0.5
    assert m.in_proj_weight.abs().max().item() <= bound


@pytest.mark.parametrize("fn", [
    lambda L: L.nn.MultiheadAttention(10, 3),
    lambda L: L.nn.MultiheadAttention(8, 2)(L.ones(3, 2, 8), L.ones(4, 2, 8), L.ones(4, 2, 8),
                                            attn_mask=L.ones(3, 3)),
    lambda L: L.nn.MultiheadAttention(8, 2)(L.ones(3, 2, 8), L.ones(4, 2, 8), L.ones(4, 2, 8),
                                            attn_mask=L.ones(5, 3, 4)),
    lambda L: L.nn.MultiheadAttention(8, 2)(L.ones(3, 2, 6), L.ones(4, 2, 6), L.ones(4, 2, 6)),
    lambda L: L.nn.MultiheadAttention(8, 2)(L.ones(3, 2, 8), L.ones(3, 2, 8), L.ones(3, 2, 8), is_causal=True),
    lambda L: L.nn.MultiheadAttention(8, 2)(L.ones(3, 2, 8), L.ones(3, 2, 8), L.ones(3, 2, 8),
                                            key_padding_mask=L.ones(2, 3, dtype=L.int64)),
])
def test_multihead_attention_errors(fn):
    assert_same_outcome(fn)


# -- Transformer encoder -----------------------------------------------------------------------------------------
ENC = [
    dict(),
    dict(norm_first=True, batch_first=True),
    dict(activation="gelu", batch_first=True),
    dict(activation="callable", bias=False),
]


@pytest.mark.parametrize("dt", DTYPES)
@pytest.mark.parametrize("masks", [False, True])
@pytest.mark.parametrize("conf", range(len(ENC)))
def test_transformer_encoder(conf, masks, dt):
    def fn(L):
        cfg = dict(ENC[conf])
        if cfg.get("activation") == "callable":
            cfg["activation"] = L.nn.functional.silu
        layer = L.nn.TransformerEncoderLayer(8, 2, dim_feedforward=12, dropout=0.0, dtype=getattr(L, dt), **cfg)
        enc = _fill(L, L.nn.TransformerEncoder(layer, 2, norm=L.nn.LayerNorm(8, dtype=getattr(L, dt)),
                                               enable_nested_tensor=False), dt)
        bf = cfg.get("batch_first", False)
        x = _t(L, (3, 5, 8) if bf else (5, 3, 8), dt, 0)
        opts = {}
        if masks:
            opts["mask"] = L.tensor(np.triu(np.ones((5, 5), bool), 1))
            pad = np.zeros((3, 5), bool)
            pad[1, 3:] = True
            opts["src_key_padding_mask"] = L.tensor(pad)
        y = enc(x, **opts)
        params = [p for _, p in enc.named_parameters()]
        return _grads(L, [y], [x] + params) + (list(enc.state_dict()),)
    assert_close_outcome(fn, 1e-4 if dt == "float32" else 1e-11)


def test_encoder_layer_alone_and_unbatched():
    def fn(L):
        layer = _fill(L, L.nn.TransformerEncoderLayer(6, 3, dim_feedforward=10, dropout=0.0), "float64")
        x = _t(L, (4, 6), "float64", 1)
        y = layer(x)
        return _grads(L, [y], [x])
    assert_close_outcome(fn, 1e-11)
    assert_same_outcome(lambda L: L.nn.TransformerEncoderLayer(6, 3, activation="tanh"))


# -- decoder and full Transformer ---------------------------------------------------------------------------------
@pytest.mark.parametrize("dt", DTYPES)
@pytest.mark.parametrize("cfg", [dict(), dict(norm_first=True, batch_first=True, activation="gelu")])
def test_transformer(cfg, dt):
    def fn(L):
        model = _fill(L, L.nn.Transformer(8, 2, 2, 1, 12, dropout=0.0, dtype=getattr(L, dt), **cfg), dt)
        bf = cfg.get("batch_first", False)
        src = _t(L, (2, 5, 8) if bf else (5, 2, 8), dt, 0)
        tgt = _t(L, (2, 4, 8) if bf else (4, 2, 8), dt, 1)
        pad = np.zeros((2, 5), bool)
        pad[0, 4:] = True
        y = model(src, tgt, tgt_mask=L.nn.Transformer.generate_square_subsequent_mask(4, dtype=getattr(L, dt)),
                  src_key_padding_mask=L.tensor(pad), memory_key_padding_mask=L.tensor(pad))
        params = [p for _, p in model.named_parameters()]
        return _grads(L, [y], [src, tgt] + params) + (list(model.state_dict()),)
    assert_close_outcome(fn, 1e-4 if dt == "float32" else 1e-11)


def test_decoder_layer_unbatched_and_errors():
    def fn(L):
        layer = _fill(L, L.nn.TransformerDecoderLayer(6, 2, dim_feedforward=10, dropout=0.0), "float64")
        x, mem = _t(L, (3, 6), "float64", 1), _t(L, (4, 6), "float64", 2)
        return _grads(L, [layer(x, mem)], [x, mem])
    assert_close_outcome(fn, 1e-11)
    assert_same_outcome(lambda L: L.nn.Transformer(8, 2, 1, 1, 8)(L.ones(3, 2, 8), L.ones(3, 4, 8)))
    assert_same_outcome(lambda L: L.nn.Transformer(8, 2, 1, 1, 8)(L.ones(3, 2, 6), L.ones(3, 2, 6)), message=True)
    assert_same_outcome(lambda L: L.nn.Transformer.generate_square_subsequent_mask(4))
