"""DDP wrapper that also runs on CPU-only machines (gloo backend)."""
from typing import Dict, Optional, Sequence, Union

import torch
import torch.nn as nn
from mmengine.model import MMDistributedDataParallel
from mmengine.optim import OptimWrapper

from predrnn.registry import MODEL_WRAPPERS


@MODEL_WRAPPERS.register_module()
class DeviceAgnosticDistributedDataParallel(MMDistributedDataParallel):
    """mmengine's ``MMDistributedDataParallel``, minus ``device_ids`` when
    the module lives on the CPU.

    mmengine's Runner always passes ``device_ids=[LOCAL_RANK]``, which
    PyTorch rejects for CPU modules; CPU DDP (gloo) needs ``device_ids=None``.
    On GPUs this is mmengine's wrapper, plus the delegation of two-step
    iterations in :meth:`train_step`.
    """

    def __init__(self, module: nn.Module,
                 device_ids: Optional[Sequence[int]] = None, **kwargs) -> None:
        on_cpu = all(p.device.type == 'cpu' for p in module.parameters())
        super().__init__(module=module,
                         device_ids=None if on_cpu else device_ids, **kwargs)

    def train_step(self, data: Union[dict, tuple, list],
                   optim_wrapper: OptimWrapper) -> Dict[str, torch.Tensor]:
        """mmengine's step, or the module's own two optimizer steps per
        iteration (PredRNN with ``reverse_input='two_steps'``), run with
        every forward pass through this wrapper so that DDP averages the
        gradients of each step."""
        if getattr(self.module, 'trains_in_two_steps', False):
            return self.module.two_step_train(self, data, optim_wrapper)
        return super().train_step(data, optim_wrapper)
