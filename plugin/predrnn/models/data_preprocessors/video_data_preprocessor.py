"""Moves clips to the device, normalises them and patches them."""
import logging
from typing import Any, Dict, Optional, Sequence, Union

import torch
from mmengine.logging import print_log
from mmengine.model import BaseDataPreprocessor

from predrnn.utils.normalization import KINDS, expand, resolve
from predrnn.registry import MODELS
from ..utils import check_patchable, patch_frames

# Float frames may leave [0, 1] by rounding only.
_TOLERANCE = 1e-5
#: ``kind`` buffer values: 0 no normalisation, then the kinds.
KIND_CODES = (None, ) + KINDS


@MODELS.register_module()
class VideoDataPreprocessor(BaseDataPreprocessor):
    """Turn a batch of clips into the network's normalised, patched input.

    Without a declared normalisation the datasets ship ``uint8`` clips (4x
    less memory through workers and collation than float32) and this
    preprocessor scales them by 1/255 on the target device; floating-point
    clips must already be in [0, 1]. Anything else (floats in 0..255, other
    integer types) is refused with the observed range and the fix, rather
    than training silently at a wrong scale.

    With a normalisation (declared here, or set from the dataset's
    ``metainfo['normalization']`` by :class:`~predrnn.engine.
    DataNormalizationHook`), any dtype becomes ``(x - offset) / scale`` per
    channel; see :mod:`predrnn.utils.normalization`. The normalisation is
    held in buffers, saved and loaded with the weights. Data outside a
    declared ``kind='range'`` is refused with the observed range. Data
    outside the training split's range under ``kind='minmax'`` is taken
    (later data may legitimately exceed it; the model extrapolates) with
    one warning per preprocessor giving the normalised range reached, so
    a test set on another scale does not go unnoticed.

    Args:
        patch_size (int): ``p``, side of the square patches folded into
            channels (:mod:`predrnn.models.utils.patching`). Defaults to 4.
        non_blocking (bool): Asynchronous host-to-device copies.
            Defaults to True.
        normalization (dict, optional): Declared or resolved normalisation.
            Defaults to None (uint8 / 255, floats as they are).
        check_range (bool): Check the value range of every batch (one
            min/max reduction). Defaults to True.

    Input ``data['inputs']``: ``(B, T, C, H, W)`` tensor or a list of
    ``(T, C, H, W)`` tensors. Output ``inputs``: float32
    ``(B, T, p*p*C, H/p, W/p)``.
    """

    def __init__(self, patch_size: int = 4, non_blocking: bool = True,
                 normalization: Optional[dict] = None,
                 check_range: bool = True) -> None:
        super().__init__(non_blocking=non_blocking)
        if patch_size < 1:
            raise ValueError(f'patch_size must be >= 1, got {patch_size}.')
        self.patch_size = patch_size
        self.check_range = check_range
        self.normalization: Optional[dict] = None
        self._warned_minmax = False
        # The normalisation is state of the model, saved and loaded with
        # the weights: ``kind`` (an index of KIND_CODES, 0 for none; a
        # float like every other tensor of the state), per-channel
        # ``scale`` and ``offset`` (data = normalised * scale + offset) and
        # ``data_range`` ([lo, hi], zeros when unknown).
        self.register_buffer('kind', torch.tensor(0.))
        self.register_buffer('scale', torch.ones(1))
        self.register_buffer('offset', torch.zeros(1))
        self.register_buffer('data_range', torch.zeros(2))
        self.channels: Optional[int] = None
        self.set_normalization(normalization)

    def reserve_channels(self, channels: int) -> None:
        """Hold ``channels`` values of scale and offset from now on (the
        model's frame channels), so the buffers keep their shape whatever
        normalisation is set later: copies that sync buffers in place (an
        EMA model) stay valid, and a normalisation of other channels is
        refused when it is set."""
        self.channels = channels
        self.set_normalization(self.normalization)

    def set_normalization(self, normalization: Optional[dict]) -> None:
        """Use ``normalization`` (declared or resolved; None: the default
        uint8 / 255 path) from now on."""
        self.normalization = (None if normalization is None else
                              resolve(normalization))
        norm = self.normalization or dict(kind=None, scale=[1.], offset=[0.],
                                          data_range=None)
        scale, offset = norm['scale'], norm['offset']
        if self.channels is not None:
            scale = expand(scale, self.channels, 'scale')
            offset = expand(offset, self.channels, 'offset')
        device = self.scale.device
        self.kind = torch.tensor(float(KIND_CODES.index(norm['kind'])),
                                 device=device)
        self.scale = torch.tensor(scale, device=device)
        self.offset = torch.tensor(offset, device=device)
        self.data_range = torch.tensor(norm['data_range'] or [0., 0.],
                                       device=device)

    def _load_from_state_dict(self, state_dict, prefix, local_metadata,
                              strict, missing_keys, unexpected_keys,
                              error_msgs) -> None:
        """Take the normalisation of the checkpoint. A checkpoint written
        before the normalisation was saved with the weights (or a
        converted reference checkpoint) has none of these keys: the
        normalisation set so far (config, hook) is kept."""
        names = ('kind', 'scale', 'offset', 'data_range')
        if prefix + 'kind' not in state_dict:
            return
        kind, scale, offset, data_range = (state_dict[prefix + name]
                                           for name in names)
        code = round(float(kind))
        if code != float(kind) or not 0 <= code < len(KIND_CODES):
            error_msgs.append(f'{prefix}kind: {float(kind)} is no '
                              f'normalisation kind (0 .. '
                              f'{len(KIND_CODES) - 1}).')
            return
        if code == 0:
            self.set_normalization(None)
            return
        units = (self.normalization or {}).get('units')
        lo, hi = data_range.tolist()
        self.set_normalization(dict(
            kind=KIND_CODES[code], scale=scale.tolist(),
            offset=offset.tolist(), units=units,
            data_range=None if lo == hi == 0 else [lo, hi]))

    def _per_channel(self, channels: int) -> tuple:
        """Scale and offset shaped ``(1, 1, C, 1, 1)`` (or ``C = 1``, which
        broadcasts); other channel counts are refused (no device sync:
        the buffers' shapes only)."""
        held = self.scale.numel()
        if held not in (1, channels):
            raise ValueError(
                f'normalization scale and offset have {held} channels but '
                f'the data has {channels}; recompute the statistics for this '
                'data or give one value per channel')
        shape = (1, 1, -1, 1, 1)
        return (self.scale.view(shape).float(),
                self.offset.view(shape).float())

    def normalize(self, inputs: torch.Tensor) -> torch.Tensor:
        """Data units ``(B, T, C, H, W)`` (any dtype) -> float32 model
        space, with the range checks described in the class docstring."""
        if self.normalization is None:
            if inputs.dtype == torch.uint8:
                return inputs.float().div_(255.)
            if not inputs.is_floating_point():
                raise ValueError(
                    f'Clips of dtype {str(inputs.dtype)[6:]} need a declared '
                    'normalization (e.g. dataset normalization=dict('
                    "kind='range', data_range=[0, 4095])); only uint8 "
                    '(scaled by 1/255) and floats in [0, 1] are taken as '
                    'they are.')
            inputs = inputs.float()
            if self.check_range:
                self._check_unit_range(inputs)
            return inputs
        scale, offset = self._per_channel(inputs.shape[2])
        if self.check_range and self.normalization['kind'] == 'range':
            self._check_declared_range(inputs)
        normalized = (inputs.float() - offset) / scale
        if self.check_range and self.normalization['kind'] == 'minmax' \
                and not self._warned_minmax:
            self._warn_outside_training_range(normalized)
        return normalized

    def denormalize(self, frames: torch.Tensor) -> torch.Tensor:
        """Model space ``(B, T, C, H, W)`` -> data units (float32). Without
        a normalisation: uint8 data units, 0..255."""
        if self.normalization is None:
            return frames.float() * 255.
        scale, offset = self._per_channel(frames.shape[-3])
        return frames.float() * scale.to(frames.device) + offset.to(
            frames.device)

    @staticmethod
    def _check_unit_range(inputs: torch.Tensor) -> None:
        lo, hi = (v.item() for v in torch.aminmax(inputs))
        if lo < -_TOLERANCE or hi > 1 + _TOLERANCE:
            raise ValueError(
                f'Float clips must be in [0, 1] when no normalization is '
                f'declared; observed [{lo:.4g}, {hi:.4g}]. Fix: return uint8 '
                'frames from the dataset (scaled by 1/255 here), or declare '
                "the scale, e.g. data_preprocessor=dict(type="
                "'VideoDataPreprocessor', normalization=dict(kind='range', "
                "data_range=[0, 255])) or the dataset's normalization "
                '(SequenceDataset); check_range=False skips this check.')

    def _check_declared_range(self, inputs: torch.Tensor) -> None:
        lo_d, hi_d = self.normalization['data_range']
        if inputs.dtype == torch.uint8 and lo_d <= 0 and hi_d >= 255:
            return
        lo, hi = (v.item() for v in torch.aminmax(inputs.float()))
        slack = _TOLERANCE * (hi_d - lo_d)
        if lo < lo_d - slack or hi > hi_d + slack:
            units = self.normalization.get('units') or 'data units'
            raise ValueError(
                f'Clips hold values in [{lo:.4g}, {hi:.4g}], outside the '
                f'declared data_range [{lo_d:g}, {hi_d:g}] {units}. Fix the '
                "data or widen normalization=dict(kind='range', "
                'data_range=[lo, hi]) (or use kind=\'minmax\' to take the '
                "training split's range).")

    def _warn_outside_training_range(self, normalized: torch.Tensor) -> None:
        lo, hi = (v.item() for v in torch.aminmax(normalized))
        if lo >= -_TOLERANCE and hi <= 1 + _TOLERANCE:
            return
        self._warned_minmax = True
        lo_d, hi_d = self.normalization['data_range']
        print_log(
            f"Clips leave the training split's range under normalization "
            f"kind='minmax' (training data [{lo_d:g}, {hi_d:g}]): normalised "
            f'values reach [{lo:.4g}, {hi:.4g}] instead of [0, 1], values the '
            'model never saw in training (it extrapolates). Expected for a '
            'few outliers; if this data is on another scale, check its units '
            "or declare kind='range' with a data_range covering both. Said "
            'once.', logger='current', level=logging.WARNING)

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
        inputs = self.normalize(inputs)
        return dict(inputs=patch_frames(inputs, self.patch_size),
                    data_samples=data.get('data_samples'))

