"""The one exception every bad checkpoint file raises, and its weights-only refusal form."""
import pickle


class CheckpointError(ValueError):
    """A file that is not a valid miniconv checkpoint, or an object that cannot be stored.

    ``path`` is the file's name (or ``None`` for a file object) and ``reason`` says what is wrong;
    ``str(error)`` names both. A ``ValueError`` subclass, so ``except ValueError`` still catches it.
    """

    def __init__(self, path, reason):
        self.path = path
        self.reason = reason
        where = "the given file object" if path is None else repr(str(path))
        super().__init__(f"{where}: {reason}")


class WeightsOnlyUnpicklingError(CheckpointError, pickle.UnpicklingError):
    """``load(..., weights_only=True)`` met something beyond tensors and plain containers.

    Both a :class:`CheckpointError` (the one error of bad files) and a ``pickle.UnpicklingError``,
    the class ``torch.load`` raises in that case; its message is PyTorch's (without the file name
    in front), telling the user about ``weights_only=False`` and ``add_safe_globals``.
    """

    def __init__(self, path, reason):
        super().__init__(path, reason)
        self.args = (reason,)

    def __str__(self):
        return self.reason
