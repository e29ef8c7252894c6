"""``nn.DataParallel`` as PyTorch runs it on a machine without GPUs: the wrapped module is called as it is
(``.module`` holds it, so state_dict keys are prefixed ``module.``; ``device_ids`` is empty)."""
from ..modules.module import Module


class DataParallel(Module):
    """Wraps ``module``; with no accelerator (always, in miniconv) ``forward`` calls it directly."""

    def __init__(self, module, device_ids=None, output_device=None, dim=0):
        super().__init__()
        self.module = module
        self.device_ids = []  # PyTorch without an accelerator keeps no device ids (and no dim/output_device)

    def forward(self, *inputs, **kwargs):
        return self.module(*inputs, **kwargs)


def data_parallel(module, inputs, device_ids=None, output_device=None, dim=0, module_kwargs=None):
    """The functional form; as in PyTorch, it needs an accelerator to run on."""
    raise RuntimeError("device type could not be determined")
