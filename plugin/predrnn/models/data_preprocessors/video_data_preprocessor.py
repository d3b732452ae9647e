"""Moves clips to the device, scales them to [0, 1] and patches them."""
from typing import Any, Dict, Sequence, Union

import torch
from mmengine.model import BaseDataPreprocessor

from predrnn.registry import MODELS
from ..utils import check_patchable, patch_frames


@MODELS.register_module()
class VideoDataPreprocessor(BaseDataPreprocessor):
    """Turn a batch of clips into the network's patched input.

    The datasets ship ``uint8`` clips (4x less memory through workers and
    collation than float32); this preprocessor scales them by 1/255 on the
    target device. Floating-point clips are taken as already in [0, 1].

    Args:
        patch_size (int): ``p`` of SPEC section 1. Defaults to 4.
        non_blocking (bool): Asynchronous host-to-device copies.
            Defaults to True.

    Input ``data['inputs']``: ``(B, T, C, H, W)`` tensor or a list of
    ``(T, C, H, W)`` tensors. Output ``inputs``: float32
    ``(B, T, p*p*C, H/p, W/p)``.
    """

    def __init__(self, patch_size: int = 4, non_blocking: bool = True) -> None:
        super().__init__(non_blocking=non_blocking)
        if patch_size < 1:
            raise ValueError(f'patch_size must be >= 1, got {patch_size}.')
        self.patch_size = patch_size

    def forward(self, data: Union[Dict[str, Any], Sequence],
                training: bool = False) -> Dict[str, Any]:
        if not isinstance(data, dict) or 'inputs' not in data:
            raise TypeError('Expected a batch dict with an "inputs" entry '
                            '(B, T, C, H, W); got '
                            f'{type(data).__name__}.')
        inputs = data['inputs']
        if isinstance(inputs, (list, tuple)):
            inputs = torch.stack(list(inputs))
        if not isinstance(inputs, torch.Tensor) or inputs.dim() != 5:
            shape = tuple(getattr(inputs, 'shape', ()))
            raise ValueError(f'inputs must be a (B, T, C, H, W) tensor, got '
                             f'shape {shape}.')
        check_patchable(inputs.shape[-2], inputs.shape[-1], self.patch_size)
        inputs = inputs.to(self.device, non_blocking=self._non_blocking)
        if inputs.dtype == torch.uint8:
            inputs = inputs.float().div_(255.)
        else:
            inputs = inputs.float()
        return dict(inputs=patch_frames(inputs, self.patch_size),
                    data_samples=data.get('data_samples'))
