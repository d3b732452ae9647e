"""DDP wrapper that also runs on CPU-only machines (gloo backend)."""
from typing import Optional, Sequence

import torch.nn as nn
from mmengine.model import MMDistributedDataParallel

from predrnn.registry import MODEL_WRAPPERS


@MODEL_WRAPPERS.register_module()
class DeviceAgnosticDistributedDataParallel(MMDistributedDataParallel):
    """mmengine's ``MMDistributedDataParallel``, minus ``device_ids`` when
    the module lives on the CPU.

    mmengine's Runner always passes ``device_ids=[LOCAL_RANK]``, which
    PyTorch rejects for CPU modules; CPU DDP (gloo) needs ``device_ids=None``.
    On GPUs this is exactly mmengine's wrapper.
    """

    def __init__(self, module: nn.Module,
                 device_ids: Optional[Sequence[int]] = None, **kwargs) -> None:
        on_cpu = all(p.device.type == 'cpu' for p in module.parameters())
        super().__init__(module=module,
                         device_ids=None if on_cpu else device_ids, **kwargs)
