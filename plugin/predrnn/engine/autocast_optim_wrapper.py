"""mmengine's ``AmpOptimWrapper`` on any device autocast supports, CPU too.

``AmpOptimWrapper`` asserts a GPU/NPU/MLU/MUSA device in ``__init__`` and
autocasts on ``get_device()`` with CPU limited to bfloat16. This subclass
changes only that: it builds the same state (``loss_scaler``,
``_scale_update_param``, ``cast_dtype``) for the parameters' device, picks
the dtype, and autocasts on that device. ``backward``, ``step``,
``state_dict`` and ``load_state_dict`` are ``AmpOptimWrapper``'s.

Dtype chosen when none is given:

* CPU: ``bfloat16`` (float32's exponent range, so no loss scaling). Only
  CPUs with native bf16 (AVX512-BF16 or AMX) run it faster than float32;
  elsewhere oneDNN emulates it, many times slower (see BENCHMARKS.md), and a
  warning says so.
* CUDA with bf16 support (Ampere and later): ``bfloat16``, no loss scaler.
* other CUDA GPUs: ``float16`` with a dynamic ``GradScaler``.

Without float16 the ``GradScaler`` is built disabled (it then passes the
loss, the step and an empty state through), so fp16 and bf16 runs resume
each other. Parameters, gradients, optimizer state and checkpoints stay
float32.
"""
import logging
from contextlib import contextmanager
from typing import Any, Dict, Iterator, Optional, Union

import torch
import torch.nn as nn
from mmengine.logging import print_log
from mmengine.optim import AmpOptimWrapper, OptimWrapper

from predrnn.registry import OPTIM_WRAPPERS

__all__ = ['AutocastOptimWrapper', 'cpu_has_native_bf16',
           'default_autocast_dtype']


def cpu_has_native_bf16() -> bool:
    """Whether this CPU has bf16 instructions (AVX512-BF16 or AMX tiles)."""
    cpu = getattr(torch, 'cpu', None)
    return any(
        getattr(cpu, name, lambda: False)()
        for name in ('_is_avx512_bf16_supported', '_is_amx_tile_supported'))


def default_autocast_dtype(device_type: str) -> torch.dtype:
    """bfloat16 on the CPU and on CUDA GPUs that support it, else float16."""
    if device_type == 'cuda' and not torch.cuda.is_bf16_supported():
        return torch.float16
    return torch.bfloat16 if device_type in ('cpu', 'cuda') else torch.float16


@OPTIM_WRAPPERS.register_module()
class AutocastOptimWrapper(AmpOptimWrapper):
    """``AmpOptimWrapper`` for CPU and CUDA, with a device-aware dtype.

    Example config::

        optim_wrapper = dict(
            type='AutocastOptimWrapper',
            optimizer=dict(type='Adam', lr=1e-4))

    Args:
        optimizer (torch.optim.Optimizer): The optimizer (built by the
            optim wrapper constructor from the config).
        dtype (str or torch.dtype, optional): ``'bfloat16'`` or
            ``'float16'``; ``None`` picks :func:`default_autocast_dtype`.
            Defaults to None.
        device_type (str, optional): The autocast device type (``'cpu'``,
            ``'cuda'``). ``None`` takes that of the optimizer's first
            parameter (the Runner moves the model before building the
            optimizer). Defaults to None.
        loss_scale (float, str or dict): ``GradScaler`` settings as in
            ``AmpOptimWrapper`` (``'dynamic'``, a fixed initial scale or
            ``GradScaler`` keyword arguments); used with float16 only.
            Defaults to ``'dynamic'``.
        **kwargs: Passed to :class:`mmengine.optim.OptimWrapper`
            (``accumulative_counts``, ``clip_grad``).
    """

    valid_dtypes = ('float16', 'bfloat16')

    def __init__(self,
                 optimizer: torch.optim.Optimizer,
                 dtype: Optional[Union[str, torch.dtype]] = None,
                 device_type: Optional[str] = None,
                 loss_scale: Union[float, str, Dict[str, Any]] = 'dynamic',
                 **kwargs: Any) -> None:
        # AmpOptimWrapper.__init__ only asserts a GPU, then sets the three
        # attributes below: skip it, set them for this device.
        OptimWrapper.__init__(self, optimizer=optimizer, **kwargs)
        self.device_type = device_type or self._infer_device_type()
        self.cast_dtype = self._resolve_dtype(dtype, self.device_type)
        use_scaler = self.cast_dtype == torch.float16
        self._scale_update_param: Optional[float] = None
        if loss_scale == 'dynamic':
            scaler_kwargs = {}
        elif isinstance(loss_scale, float):
            self._scale_update_param = loss_scale  # fixed scale
            scaler_kwargs = dict(init_scale=loss_scale)
        elif isinstance(loss_scale, dict):
            scaler_kwargs = dict(loss_scale)
        else:
            raise TypeError('loss_scale must be a float, a dict or "dynamic",'
                            f' got {loss_scale!r}')
        self.loss_scaler = torch.amp.GradScaler(
            self.device_type, enabled=use_scaler, **scaler_kwargs)
        if (self.device_type == 'cpu' and self.cast_dtype == torch.bfloat16
                and not cpu_has_native_bf16()):
            print_log(
                'AutocastOptimWrapper: this CPU has no native bf16 '
                '(AVX512-BF16/AMX); bf16 convolutions are emulated and run '
                'many times slower than float32. Train without --amp here.',
                logger='current', level=logging.WARNING)

    def _infer_device_type(self) -> str:
        """Device type of the first parameter of the optimizer."""
        for group in self.optimizer.param_groups:
            for param in group['params']:
                return param.device.type
        return 'cuda' if torch.cuda.is_available() else 'cpu'

    @classmethod
    def _resolve_dtype(cls, dtype: Optional[Union[str, torch.dtype]],
                       device_type: str) -> torch.dtype:
        """Check ``dtype`` and fill in the device's default."""
        if dtype is None:
            return default_autocast_dtype(device_type)
        if isinstance(dtype, str):
            if dtype not in cls.valid_dtypes:
                raise ValueError(f'dtype must be one of {cls.valid_dtypes}, '
                                 f'got {dtype!r}')
            return getattr(torch, dtype)
        if dtype not in (torch.float16, torch.bfloat16):
            raise ValueError('dtype must be torch.float16 or torch.bfloat16, '
                             f'got {dtype}')
        return dtype

    def load_state_dict(self, state_dict: dict) -> None:
        """``AmpOptimWrapper.load_state_dict``, ignoring an empty
        ``loss_scaler`` state (saved without float16), which an enabled
        ``GradScaler`` would refuse.

        Args:
            state_dict (dict): As returned by :meth:`state_dict`.
        """
        state_dict = dict(state_dict)
        if not state_dict.get('loss_scaler', True):
            state_dict.pop('loss_scaler')
        super().load_state_dict(state_dict)

    @contextmanager
    def optim_context(self, model: nn.Module) -> Iterator[None]:
        """Gradient-accumulation context plus ``torch.autocast`` on this
        wrapper's device.

        Args:
            model (nn.Module): The model being trained.
        """
        with OptimWrapper.optim_context(self, model), torch.autocast(
                device_type=self.device_type, dtype=self.cast_dtype):
            yield
