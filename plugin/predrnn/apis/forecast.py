"""Forecast any number of future frames from observed ones.

The recurrent core is length-agnostic: for ``future`` frames beyond the
trained ``out_frames`` it keeps feeding its own predictions (the decoder
steps of the inference mask). Quality degrades past the trained horizon:
errors compound and predictions blur (README).
"""
import json
import os.path as osp
import warnings
from typing import Optional, Tuple

import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

from predrnn.engine import load_checkpoint_safely
from predrnn.engine.data_normalization_hook import (FILE_NAME,
                                                    checkpoint_normalization)
from predrnn.engine.frame_size_check import (check_layer_norm_size,
                                             checkpoint_frame_size,
                                             size_mismatch)
from predrnn.registry import MODELS


def forecast(model, observed: torch.Tensor, future: int,
             conditions: Optional[torch.Tensor] = None) -> torch.Tensor:
    """Predict ``future`` frames after ``observed``: the model's own
    :meth:`~predrnn.models.PredRNN.forecast` (data units in and out).

    Args:
        model: A :class:`~predrnn.models.PredRNN` (or v2) in eval mode; its
            data preprocessor holds the normalisation.
        observed (torch.Tensor): ``(B, T_obs, C, H, W)`` in data units (any
            dtype), ``T_obs >= model.in_frames``; the last ``in_frames``
            are used.
        future (int): Frames to predict, any number >= 1.
        conditions (torch.Tensor, optional): Conditioned models only: one
            row per frame of the ``in_frames + future`` window, ``(B, T,
            A)`` or ``(T, A)`` (see :mod:`.conditioned_forecast`).

    Frames of another size than the model was trained on (its
    ``trained_frame_size``, set by :func:`load_forecaster`) give a
    warning; for layer-norm models an error.

    Returns:
        torch.Tensor: float32 ``(B, future, C, H, W)`` in data units, not
        clipped.
    """
    message = size_mismatch(getattr(model, 'trained_frame_size', None),
                            tuple(observed.shape[-2:]), 'the input')
    if message:
        warnings.warn(message, stacklevel=2)
    return model.forecast(observed, future, conditions)


def normalization_of(cfg: Config, checkpoint: dict,
                     checkpoint_path: str) -> Optional[dict]:
    """The training normalisation, from (in order) the checkpoint's meta,
    ``normalization.json`` beside the checkpoint, or a fixed
    ``kind='range'`` declared in the config's test dataset. None when the
    config declares none (uint8 / 255)."""
    norm = checkpoint_normalization(checkpoint)
    if norm is not None:
        return norm
    beside = osp.join(osp.dirname(osp.abspath(checkpoint_path)), FILE_NAME)
    if osp.isfile(beside):
        with open(beside) as f:
            return json.load(f)
    declared = None
    for key in ('test_dataloader', 'val_dataloader', 'train_dataloader'):
        dataset = (cfg.get(key) or {}).get('dataset') or {}
        if dataset.get('normalization') is not None:
            declared = dict(dataset['normalization'])
            break
    if declared is None:
        return None
    if declared.get('kind') != 'range' and declared.get('scale') is None:
        raise ValueError(
            f'The config declares normalization kind '
            f'{declared.get("kind")!r} but neither {checkpoint_path} nor '
            f'{beside} holds the training statistics; use a checkpoint '
            'saved by a run with DataNormalizationHook, or copy that run\'s '
            'normalization.json beside the checkpoint.')
    return declared


def units_of(cfg: Config, checkpoint: dict) -> Optional[str]:
    """The data's unit name (``'dBZ'``), from the checkpoint's meta or
    the config's datasets; None when neither names one."""
    found = [checkpoint_normalization(checkpoint)] + [
        ((cfg.get(key) or {}).get('dataset') or {}).get('normalization')
        for key in ('test_dataloader', 'val_dataloader', 'train_dataloader')]
    return next((n['units'] for n in found if n and n.get('units')), None)


def load_forecaster(config: str, checkpoint: str, device: str = 'cpu'
                    ) -> Tuple[torch.nn.Module, Config]:
    """Build the config's model and load the checkpoint through the
    plugin's safe loader: weights and the training normalisation (for a
    checkpoint from before the weights carried it: :func:`normalization_of`).
    The checkpoint's training frame size (None if unknown) becomes the
    model's ``trained_frame_size``; :func:`forecast` warns on other sizes.

    Returns:
        tuple: The model (eval mode, on ``device``) and the config.
    """
    cfg = Config.fromfile(config)
    init_default_scope(cfg.get('default_scope', 'predrnn'))
    model = MODELS.build(cfg.model)
    state = load_checkpoint_safely(checkpoint, map_location='cpu')
    weights = state.get('state_dict', state) if isinstance(state,
                                                           dict) else state
    trained = checkpoint_frame_size(state if isinstance(state, dict) else {})
    check_layer_norm_size(model, trained)
    model.load_state_dict(weights, strict=True)
    # compared with the input by forecast()
    model.trained_frame_size = trained
    pre = model.data_preprocessor
    if 'data_preprocessor.kind' not in weights:
        # written before the weights carried the normalisation
        pre.set_normalization(normalization_of(cfg, state, checkpoint))
    elif pre.normalization is not None:
        # the unit's name is a label, not state: the run's record or config
        pre.normalization['units'] = units_of(cfg, state)
    return model.to(device).eval(), cfg
