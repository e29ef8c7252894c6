"""Distribution argument validation is process-wide state in both libraries, and PyTorch's dynamo turns its own
off the first time anything compiles (``torch.compile``, ``torch.cond``). tests/conftest.py puts both defaults
back after every test: the second test here sees the default the first one changed restored (tests run in
file order)."""
import pytest

import miniconv

torch = pytest.importorskip("torch")


def test_a_test_that_turns_validation_off():
    torch.distributions.Distribution.set_default_validate_args(False)
    miniconv.distributions.Distribution.set_default_validate_args(False)
    assert torch.distributions.Distribution._validate_args is False


def test_the_next_test_sees_the_defaults_again():
    assert torch.distributions.Distribution._validate_args is __debug__
    assert miniconv.distributions.Distribution._validate_args is __debug__
    for lib in (torch, miniconv):
        with pytest.raises(ValueError, match="Expected parameter probs"):
            lib.distributions.Bernoulli(lib.tensor([0.2, 1.5]))


def test_after_torch_cond_validation_is_restored_for_the_next_test():
    if not hasattr(torch, "cond"):
        pytest.skip("this PyTorch has no torch.cond")
    torch.cond(torch.tensor(True), lambda x: x + 1, lambda x: x - 1, (torch.ones(2),))


def test_and_still_validates_after_dynamo_ran():
    with pytest.raises(ValueError, match="Expected parameter probs"):
        torch.distributions.Bernoulli(torch.tensor([0.2, 1.5]))
