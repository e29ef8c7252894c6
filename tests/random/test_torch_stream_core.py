"""miniconv's CPU generator draws PyTorch's numbers: the same seed and the same random calls, run on both
libraries, give the same values (bit for bit where PyTorch's algorithm is reproduced; within 2 ulp where the
transform uses libm functions that may round differently on another platform)."""
import numpy as np
import pytest

import miniconv
from miniconv import _mt19937

torch = pytest.importorskip("torch")

SEEDS = [0, 1, 7, 42, 12345, 2**32 + 5, 2**63 + 11]
SIZES = [1, 3, 15, 16, 17, 31, 32, 33, 100, 1000, 4099]


def _intel():
    try:
        with open("/proc/cpuinfo") as f:
            return "GenuineIntel" in f.read(4096)
    except OSError:
        return False


# PyTorch's MKL build draws bernoulli_(float p) (and so dropout) from MKL's own stream on Intel CPUs only
intel_mkl = pytest.mark.skipif(_intel(), reason="on Intel CPUs PyTorch's bernoulli_(p) uses MKL's stream")
# normal_fill's float32 transform is PyTorch's AVX2 kernel (x86-64 with AVX2); elsewhere PyTorch runs libm's
AVX2 = torch.backends.cpu.get_cpu_capability() in ("AVX2", "AVX512")


def run(fn, seed=0):
    """fn(lib) on both libraries after manual_seed(seed): (miniconv's array, torch's array)."""
    miniconv.manual_seed(seed)
    a = fn(miniconv)
    torch.manual_seed(seed)
    b = fn(torch)
    return np.asarray(a.numpy() if hasattr(a, "numpy") else a), np.asarray(b.numpy() if hasattr(b, "numpy") else b)


def assert_ulp(a, b, ulp=0):
    """Equal to within ``ulp`` units in the last place (0: the same bits)."""
    assert a.shape == b.shape and a.dtype == b.dtype, (a.shape, b.shape, a.dtype, b.dtype)
    if a.dtype.kind != "f":
        np.testing.assert_array_equal(a, b)
        return
    itype = np.int32 if a.dtype == np.float32 else np.int64
    diff = np.abs(a.view(itype).astype(np.float64) - b.view(itype).astype(np.float64))
    assert diff.size == 0 or diff.max() <= ulp, f"max {diff.max()} ulp apart"


def assert_normal(a, b):
    assert_ulp(a, b, 0 if AVX2 or a.size < 16 else 2)


# -- the raw stream and the state ----------------------------------------------------------------------
def test_engine_matches_numpy_mt19937_and_torch():
    for seed in SEEDS:
        bits = np.random.MT19937()
        bits._legacy_seeding(seed & 0xffffffff)
        g = _mt19937.MT19937(seed)
        np.testing.assert_array_equal(g.random_u32(1500), bits.random_raw(1500).astype(np.uint32))
        # random64: the first draw is the high word; randint over 2**40 takes random64 % 2**40
        a, b = run(lambda lib: lib.randint(0, 2**40, (5,)), seed)
        np.testing.assert_array_equal(a, b)


def test_state_bytes_equal_torch_after_every_kind_of_call():
    calls = [lambda lib: lib.rand(7), lambda lib: lib.randn(3), lambda lib: lib.randn(100),
             lambda lib: lib.randperm(50), lambda lib: lib.randint(0, 2**40, (9,)),
             lambda lib: lib.empty(5).bernoulli_(lib.full((5,), 0.5)), lambda lib: lib.rand(2000)]
    for seed in (0, 3, 2**40 + 1):
        miniconv.manual_seed(seed)
        torch.manual_seed(seed)
        np.testing.assert_array_equal(miniconv.get_rng_state().numpy(), torch.get_rng_state().numpy())
        for call in calls:
            call(miniconv)
            call(torch)
            np.testing.assert_array_equal(miniconv.get_rng_state().numpy(), torch.get_rng_state().numpy())
    s = miniconv.get_rng_state()
    assert s.dtype == miniconv.uint8 and tuple(s.shape) == (5056,)
    assert miniconv.initial_seed() == torch.initial_seed() == 2**40 + 1


def test_torch_state_loads_into_miniconv_and_back():
    torch.manual_seed(9)
    torch.randn(5)  # leaves a cached second normal sample in the state
    state = torch.get_rng_state()
    miniconv.set_rng_state(state.numpy())
    np.testing.assert_array_equal(miniconv.randn(3).numpy(), torch.randn(3).numpy())
    np.testing.assert_array_equal(miniconv.rand(40).numpy(), torch.rand(40).numpy())
    torch.set_rng_state(torch.from_numpy(miniconv.get_rng_state().numpy().copy()))
    np.testing.assert_array_equal(miniconv.randperm(30).numpy(), torch.randperm(30).numpy())
    g = miniconv.Generator().set_state(state.numpy())
    tg = torch.Generator().set_state(state)
    np.testing.assert_array_equal(miniconv.randn(3, generator=g).numpy(), torch.randn(3, generator=tg).numpy())


def test_rng_state_round_trip_and_fork_rng():
    for lib in (miniconv, torch):
        lib.manual_seed(4)
        lib.randn(1)
        state = lib.get_rng_state()
        a = lib.randn(5)
        lib.set_rng_state(state)
        np.testing.assert_array_equal(a.numpy(), lib.randn(5).numpy())
        with lib.random.fork_rng():
            lib.rand(100)
        b = lib.rand(3)
        lib.set_rng_state(state)
        lib.randn(5)
        np.testing.assert_array_equal(b.numpy(), lib.rand(3).numpy())


def test_generator_api_and_errors_match_torch():
    g, t = miniconv.Generator(), torch.Generator()
    assert g.initial_seed() == t.initial_seed() == 67280421310721
    np.testing.assert_array_equal(miniconv.rand(5, generator=g).numpy(), torch.rand(5, generator=t).numpy())
    assert g.manual_seed(-1) is g and g.initial_seed() == t.manual_seed(-1).initial_seed() == 2**64 - 1
    np.testing.assert_array_equal(miniconv.rand(5, generator=g).numpy(), torch.rand(5, generator=t).numpy())
    s = g.seed()
    assert g.initial_seed() == s and 0 <= s < 2**53
    assert str(g.device) == "cpu"
    cases = [lambda lib: lib.Generator().manual_seed(1.5), lambda lib: lib.Generator().manual_seed(True),
             lambda lib: lib.Generator().manual_seed(2**64), lambda lib: lib.manual_seed(-2**63 - 1),
             lambda lib: lib.Generator().set_state(lib.zeros(10, dtype=lib.uint8)),
             lambda lib: lib.Generator().set_state(lib.zeros(5056)),
             lambda lib: lib.Generator().set_state(lib.zeros(5056, dtype=lib.uint8)),
             lambda lib: lib.Generator().set_state([1, 2]), lambda lib: lib.set_rng_state([1, 2])]
    for case in cases:
        with pytest.raises(Exception) as m:
            case(miniconv)
        with pytest.raises(Exception) as t_:
            case(torch)
        assert type(m.value) is type(t_.value) and str(m.value) == str(t_.value)
    miniconv.manual_seed("3")  # torch.manual_seed calls int(seed)
    torch.manual_seed("3")
    np.testing.assert_array_equal(miniconv.rand(2).numpy(), torch.rand(2).numpy())


def test_generator_copies_and_pickles_keep_the_stream():
    import copy
    import pickle
    g = miniconv.Generator().manual_seed(3)
    miniconv.randn(3, generator=g)
    for other in (copy.deepcopy(g), pickle.loads(pickle.dumps(g)), g.clone_state()):
        np.testing.assert_array_equal(miniconv.randn(5, generator=other).numpy(),
                                      miniconv.randn(5, generator=copy.deepcopy(g)).numpy())


def test_legacy_pcg64_state_dict_still_loads():
    old = np.random.Generator(np.random.PCG64(5)).bit_generator.state  # what older miniconv versions saved
    with pytest.warns(UserWarning, match="older miniconv"):
        miniconv.set_rng_state(old)
    a = miniconv.rand(4).numpy()
    with pytest.warns(UserWarning):
        miniconv.set_rng_state(old)
    np.testing.assert_array_equal(a, miniconv.rand(4).numpy())


# -- creation functions and in-place fills -------------------------------------------------------------
@pytest.mark.parametrize("n", SIZES)
def test_rand_randn_uniform_normal(n):
    for seed in SEEDS[:4]:
        assert_ulp(*run(lambda lib: lib.rand(n), seed))
        assert_ulp(*run(lambda lib: lib.rand(n, dtype=lib.float64), seed))
        assert_normal(*run(lambda lib: lib.randn(n), seed))
        assert_ulp(*run(lambda lib: lib.randn(n, dtype=lib.float64), seed), 0 if n < 16 else 1)
        assert_ulp(*run(lambda lib: lib.empty(n).uniform_(-0.37, 0.61), seed))
        assert_ulp(*run(lambda lib: lib.empty(n, dtype=lib.float64).uniform_(-3.5, 0.25), seed))
        assert_normal(*run(lambda lib: lib.empty(n).normal_(0.3, 1.7), seed))
        assert_ulp(*run(lambda lib: lib.empty(n, dtype=lib.float64).normal_(0.3, 1.7), seed), 0 if n < 16 else 1)


def test_normal_paths_and_cached_second_sample():
    # small tensors share normal_distribution<double>'s cached sample; large ones do not touch it
    def calls(lib):
        return lib.cat([lib.randn(3), lib.randn(1), lib.randn(20), lib.randn(1), lib.randn(2, 3).reshape(-1),
                        lib.normal(2.0, 3.0, size=(5,)), lib.randn(4, 5).reshape(-1)])
    for seed in SEEDS:
        assert_normal(*run(calls, seed))
    # a non-contiguous tensor is filled element by element in memory order
    for shape in [(4, 6), (8, 5), (3, 17)]:
        assert_ulp(*run(lambda lib: lib.empty(shape).t().normal_(), 3))
        assert_ulp(*run(lambda lib: lib.empty(shape).t().uniform_(-1, 2), 3))
        assert_ulp(*run(lambda lib: lib.empty(shape[0], 2 * shape[1])[:, ::2].normal_(), 3))


def test_normal_with_tensor_arguments():
    m = np.linspace(-1, 1, 24).astype(np.float32).reshape(4, 6)
    s = np.linspace(0.5, 2, 24).astype(np.float32).reshape(4, 6)
    assert_normal(*run(lambda lib: lib.normal(lib.tensor(m), lib.tensor(s))))
    assert_normal(*run(lambda lib: lib.normal(lib.tensor(m), 2.5)))
    assert_normal(*run(lambda lib: lib.normal(1.5, lib.tensor(s))))
    assert_ulp(*run(lambda lib: lib.normal(lib.tensor(m[:1, :3]), lib.tensor(s[:1, :3]))))


def test_avx2_kernels_and_scalar_twins_agree():
    for dt in (np.float32, np.float64):
        for fill, args in (("fill_normal", (0.25, 3.0)), ("fill_uniform", (-0.37, 0.61))):
            a, b = np.empty(4096 + 7, dt), np.empty(4096 + 7, dt)
            getattr(_mt19937.MT19937(5), fill)(a, *args)
            previous = _mt19937.set_use_avx2(False)
            try:
                getattr(_mt19937.MT19937(5), fill)(b, *args)
            finally:
                _mt19937.set_use_avx2(previous)
            assert_ulp(a, b)


@pytest.mark.parametrize("low,high", [(0, 10), (-5, 5), (0, 2**28 - 1), (0, 2**28), (0, 2**32), (0, 2**32 + 3),
                                      (-2**40, 2**40), (3, 4)])
def test_randint(low, high):
    for seed in SEEDS:
        for n in (1, 17, 300):
            assert_ulp(*run(lambda lib: lib.randint(low, high, (n,)), seed))
    assert_ulp(*run(lambda lib: lib.randint(low, high, (3, 4), dtype=lib.float64)))


def test_randint_dtypes_and_like():
    for dt in ("int8", "uint8", "int16", "int32", "int64", "float32", "bool"):
        hi = 2 if dt == "bool" else 100
        assert_ulp(*run(lambda lib: lib.randint(0, hi, (50,), dtype=getattr(lib, dt))))
    assert_ulp(*run(lambda lib: lib.randint_like(lib.zeros(4, 6).t(), 3, 11)))
    assert_ulp(*run(lambda lib: lib.rand_like(lib.zeros(4, 6).t())))
    assert_ulp(*run(lambda lib: lib.randn_like(lib.zeros(5, 7).t())))
    assert_normal(*run(lambda lib: lib.randn_like(lib.zeros(8, 9)[:, ::2])))
    assert_ulp(*run(lambda lib: lib.rand_like(lib.zeros(3, 3), dtype=lib.float64)))


@pytest.mark.parametrize("n", [0, 1, 2, 5, 16, 100, 1000, 100_000])
def test_randperm(n):
    for seed in SEEDS:
        assert_ulp(*run(lambda lib: lib.randperm(n), seed))
    assert_ulp(*run(lambda lib: lib.randperm(n, dtype=lib.float32)))


def test_randperm_large_n_inside_out_shuffle():
    """From n = 2**32 // 20 PyTorch shuffles inside-out with random64() % (i + 1). Checked on the engine (a
    torch randperm that large takes 1.7 GB): the small-n path is random() % (n - i)."""
    g = _mt19937.MT19937(3)
    out = np.empty(12, np.int64)
    g.randperm(out)
    bits = np.random.MT19937()
    bits._legacy_seeding(3)
    raw = bits.random_raw(11).astype(np.int64)
    ref = np.arange(12)
    for i in range(11):
        z = raw[i] % (12 - i)
        ref[i], ref[z + i] = ref[z + i], ref[i]
    np.testing.assert_array_equal(out, ref)


def test_random_and_other_in_place_samplers():
    fns = [lambda lib: lib.empty(20).random_(), lambda lib: lib.empty(20, dtype=lib.int64).random_(),
           lambda lib: lib.empty(20, dtype=lib.int32).random_(), lambda lib: lib.empty(20, dtype=lib.uint8).random_(),
           lambda lib: lib.empty(20, dtype=lib.float64).random_(), lambda lib: lib.empty(20, dtype=lib.bool).random_(),
           lambda lib: lib.empty(20).random_(7), lambda lib: lib.empty(20).random_(-3, 9),
           lambda lib: lib.empty(20, dtype=lib.int64).random_(-2**63, None),
           lambda lib: lib.empty(20, dtype=lib.int16).random_(100, None),
           lambda lib: lib.empty(20, dtype=lib.int64).random_(0, 2**33)]
    for seed in SEEDS[:3]:
        for fn in fns:
            assert_ulp(*run(fn, seed))
        assert_ulp(*run(lambda lib: lib.empty(33).exponential_(1.5), seed), 1)
        assert_ulp(*run(lambda lib: lib.empty(33, dtype=lib.float64).exponential_(), seed), 2)
        assert_ulp(*run(lambda lib: lib.empty(33).geometric_(0.3), seed))
        assert_ulp(*run(lambda lib: lib.empty(33).log_normal_(0.5, 0.7), seed), 1)
        assert_ulp(*run(lambda lib: lib.empty(33, dtype=lib.float64).cauchy_(1.0, 2.0), seed), 4)


@intel_mkl
def test_bernoulli_scalar_p():
    for seed in SEEDS:
        for n in (1, 16, 333):
            assert_ulp(*run(lambda lib: lib.empty(n).bernoulli_(0.3), seed))
            assert_ulp(*run(lambda lib: lib.bernoulli(lib.zeros(n, dtype=lib.float64), 0.7), seed))
    assert_ulp(*run(lambda lib: lib.empty(6, 5).t().bernoulli_(0.5)))


def test_bernoulli_tensor_p():
    p = np.random.RandomState(0).rand(7, 9).astype(np.float32)
    for seed in SEEDS:
        assert_ulp(*run(lambda lib: lib.bernoulli(lib.tensor(p)), seed))
        assert_ulp(*run(lambda lib: lib.bernoulli(lib.tensor(p.astype(np.float64))), seed))
        assert_ulp(*run(lambda lib: lib.empty(7, 9).bernoulli_(lib.tensor(p[0])), seed))


def test_multinomial():
    p = np.array([[0.1, 0.5, 0.0, 0.4], [1.0, 2.0, 3.0, 4.0], [0.0, 0.0, 1.0, 0.0]], np.float32)
    for seed in SEEDS:
        assert_ulp(*run(lambda lib: lib.multinomial(lib.tensor(p), 6, replacement=True), seed))
        assert_ulp(*run(lambda lib: lib.multinomial(lib.tensor(p[1]), 3), seed))
        assert_ulp(*run(lambda lib: lib.multinomial(lib.tensor(p[:2]), 1), seed))
        assert_ulp(*run(lambda lib: lib.multinomial(lib.tensor(p[1].astype(np.float64)), 20, True), seed))


def test_same_numbers_for_any_thread_count():
    def draws():
        miniconv.manual_seed(3)
        return np.concatenate([miniconv.randn(5000).numpy(), miniconv.rand(777).numpy(),
                               miniconv.randperm(500).numpy().astype(np.float32)])
    before = miniconv.get_num_threads()
    try:
        miniconv.set_num_threads(1)
        one = draws()
        miniconv.set_num_threads(max(2, before))
        many = draws()
    finally:
        miniconv.set_num_threads(before)
    assert_ulp(one, many)
