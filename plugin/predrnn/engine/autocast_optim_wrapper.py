"""Mixed precision through ``torch.autocast`` on CPU as well as CUDA.

mmengine's ``AmpOptimWrapper`` asserts a GPU/NPU/MLU/MUSA device, so CPU
runs (and CI) cannot use mixed precision with it. :class:`AutocastOptimWrapper`
runs the forward pass under ``torch.autocast(device_type, dtype)`` for any
device autocast supports:

* CPU: ``bfloat16`` by default. bfloat16 has float32's exponent range, so
  gradients do not underflow and no ``GradScaler`` is used. Only CPUs with
  native bf16 arithmetic (AVX512-BF16 or AMX: recent Xeons, AMD Zen 4 and
  later) run it faster than float32; elsewhere oneDNN emulates it, many
  times slower (see BENCHMARKS.md), and a warning says so.
* CUDA: ``float16`` by default (as ``AmpOptimWrapper``), with a dynamic
  ``GradScaler`` exactly as ``AmpOptimWrapper`` does (``loss_scale``,
  unscale before gradient clipping, scaler state in the checkpoint);
  ``dtype='bfloat16'`` drops the scaler.

Only the computation inside the context is cast: parameters, gradients,
optimizer state and checkpoints stay float32. Losses should be computed in
float32 (autocast already does so for ``mse_loss``).
"""
import logging
from contextlib import contextmanager
from typing import Any, Dict, Iterator, Optional, Union

import torch
import torch.nn as nn
from mmengine.logging import print_log
from mmengine.optim import OptimWrapper

from predrnn.registry import OPTIM_WRAPPERS
from .finite_loss import FiniteLossCheckMixin

__all__ = ['AutocastOptimWrapper', 'cpu_has_native_bf16']


def cpu_has_native_bf16() -> bool:
    """Whether this CPU has bf16 instructions (AVX512-BF16 or AMX tiles)."""
    cpu = getattr(torch, 'cpu', None)
    return any(
        getattr(cpu, name, lambda: False)()
        for name in ('_is_avx512_bf16_supported', '_is_amx_tile_supported'))


@OPTIM_WRAPPERS.register_module()
class AutocastOptimWrapper(FiniteLossCheckMixin, OptimWrapper):
    """Optim wrapper for automatic mixed precision on CPU and CUDA.

    Example config (CPU bf16, or CUDA with ``dtype='bfloat16'``)::

        optim_wrapper = dict(
            type='AutocastOptimWrapper', dtype='bfloat16',
            optimizer=dict(type='Adam', lr=1e-4))

    Args:
        optimizer (torch.optim.Optimizer): The optimizer (built by the
            optim wrapper constructor from the config).
        dtype (str or torch.dtype, optional): ``'bfloat16'`` or
            ``'float16'``. ``None`` picks ``bfloat16`` on CPU and
            ``float16`` elsewhere. Defaults to None.
        device_type (str, optional): The autocast device type (``'cpu'``,
            ``'cuda'``...). ``None`` takes that of the optimizer's first
            parameter (the Runner moves the model before building the
            optimizer). Defaults to None.
        loss_scale (float, str or dict): ``GradScaler`` settings, used with
            float16 only: ``'dynamic'``, an initial scale (kept fixed, as in
            ``AmpOptimWrapper``) or ``GradScaler`` keyword arguments.
            Defaults to ``'dynamic'``.
        check_finite (bool): Stop on a NaN/Inf loss before the update (see
            :class:`FiniteLossCheckMixin`). Defaults to True.
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
        super().__init__(optimizer=optimizer, **kwargs)
        self.device_type = device_type or self._infer_device_type()
        self.cast_dtype = self._resolve_dtype(dtype, self.device_type)
        self._scale_update_param: Optional[float] = None
        self.loss_scaler: Optional[torch.amp.GradScaler] = None
        if self.cast_dtype == torch.float16:
            self.loss_scaler = self._build_scaler(loss_scale)
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
            return torch.bfloat16 if device_type == 'cpu' else torch.float16
        if isinstance(dtype, str):
            if dtype not in cls.valid_dtypes:
                raise ValueError(f'dtype must be one of {cls.valid_dtypes}, '
                                 f'got {dtype!r}')
            return getattr(torch, dtype)
        if dtype not in (torch.float16, torch.bfloat16):
            raise ValueError('dtype must be torch.float16 or torch.bfloat16, '
                             f'got {dtype}')
        return dtype

    def _build_scaler(
            self, loss_scale: Union[float, str,
                                    Dict[str, Any]]) -> torch.amp.GradScaler:
        """Build the float16 ``GradScaler`` as ``AmpOptimWrapper`` does."""
        if loss_scale == 'dynamic':
            return torch.amp.GradScaler(self.device_type)
        if isinstance(loss_scale, float):
            self._scale_update_param = loss_scale
            return torch.amp.GradScaler(
                self.device_type, init_scale=loss_scale)
        if isinstance(loss_scale, dict):
            return torch.amp.GradScaler(self.device_type, **loss_scale)
        raise TypeError('loss_scale must be a float, a dict or "dynamic", '
                        f'got {loss_scale!r}')

    def backward(self, loss: torch.Tensor, **kwargs: Any) -> None:
        """Back-propagate, through the loss scaler with float16.

        Args:
            loss (torch.Tensor): The loss of the current iteration.
            **kwargs: Passed to :meth:`torch.Tensor.backward`.
        """
        if self.loss_scaler is None:
            loss.backward(**kwargs)
        else:
            self.loss_scaler.scale(loss).backward(**kwargs)
        self._inner_count += 1

    def step(self, **kwargs: Any) -> None:
        """Update the parameters (unscaling first with float16).

        Args:
            **kwargs: Passed to :meth:`torch.optim.Optimizer.step`.
        """
        if self.loss_scaler is None:
            super().step(**kwargs)
            return
        if self.clip_grad_kwargs:
            self.loss_scaler.unscale_(self.optimizer)
            self._clip_grad()
        self.loss_scaler.step(self.optimizer, **kwargs)
        self.loss_scaler.update(self._scale_update_param)

    def state_dict(self) -> dict:
        """Optimizer state, plus ``loss_scaler`` with float16.

        Returns:
            dict: The state dict.
        """
        state_dict = super().state_dict()
        if self.loss_scaler is not None:
            state_dict['loss_scaler'] = self.loss_scaler.state_dict()
        return state_dict

    def load_state_dict(self, state_dict: dict) -> None:
        """Load the optimizer state and, if any, the loss scaler's.

        A ``loss_scaler`` entry is ignored when this wrapper runs without a
        scaler (bfloat16), so float16 and bfloat16 runs can resume each other.

        Args:
            state_dict (dict): As returned by :meth:`state_dict` (or by
                mmengine's ``AmpOptimWrapper``).
        """
        state_dict = dict(state_dict)
        scaler_state = state_dict.pop('loss_scaler', None)
        if scaler_state is not None and self.loss_scaler is not None:
            self.loss_scaler.load_state_dict(scaler_state)
        super().load_state_dict(state_dict)

    @contextmanager
    def optim_context(self, model: nn.Module) -> Iterator[None]:
        """Gradient-accumulation context plus ``torch.autocast``.

        Args:
            model (nn.Module): The model being trained.
        """
        with super().optim_context(model), torch.autocast(
                device_type=self.device_type, dtype=self.cast_dtype):
            yield
