"""``torch.utils.data.dataloader``'s import path (``from torch.utils.data.dataloader import DataLoader``)."""
from ...data import DataLoader, default_collate, default_convert, get_worker_info  # noqa: F401

__all__ = ["DataLoader", "get_worker_info", "default_collate", "default_convert"]
