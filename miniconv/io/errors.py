"""The one exception every bad checkpoint file raises."""


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
