"""``torch.storage``: the storage classes of ``tensor.storage()`` and ``tensor.untyped_storage()``
(see miniconv/tensor/_storage.py)."""
from .tensor._storage import TypedStorage, UntypedStorage

__all__ = ["TypedStorage", "UntypedStorage"]
