"""Forecast any number of future frames from observed ones.

The recurrent core is length-agnostic: for ``future`` frames beyond the
trained ``out_frames`` it keeps feeding its own predictions (the decoder
steps of the inference mask, SPEC section 5). Quality degrades past the
trained horizon: errors compound and predictions blur (README).
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
from predrnn.models.curricula import inference_mask
from predrnn.models.utils import (check_patchable, patch_frames,
                                  unpatch_frames)
from predrnn.registry import MODELS
from .conditioned_forecast import run_core


@torch.no_grad()
def forecast(model, observed: torch.Tensor, future: int,
             conditions: Optional[torch.Tensor] = None) -> torch.Tensor:
    """Predict ``future`` frames after ``observed``.

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
        clipped. Without a normalisation, uint8 input gives 0..255 and
        float input (taken as it is, in [0, 1]) gives the model's [0, 1].
    """
    in_frames = model.in_frames
    if observed.dim() != 5:
        raise ValueError(f'observed must be (B, T, C, H, W), got shape '
                         f'{tuple(observed.shape)}')
    if observed.shape[1] < in_frames:
        raise ValueError(f'{observed.shape[1]} frames given; the model needs '
                         f'in_frames = {in_frames} observed frames.')
    if observed.shape[2] != model.frame_channels:
        raise ValueError(
            f'The input has {observed.shape[2]} channels but the model was '
            f'trained on {model.frame_channels}; convert the input (color='
            "'rgb' or 'gray') or use a matching checkpoint.")
    if future < 1:
        raise ValueError(f'future must be >= 1, got {future}')
    size = tuple(observed.shape[-2:])
    trained = tuple(getattr(model, 'frame_size', None) or ())
    if trained and size != trained and any(
            isinstance(m, torch.nn.LayerNorm) for m in model.modules()):
        raise ValueError(
            f'The input frames are {size[0]}x{size[1]} but the model '
            f'(layer_norm) was built for {trained[0]}x{trained[1]}; set '
            f"resize={trained} on the config's test dataset (tools/"
            'predict.py applies it) or resize the input.')
    message = size_mismatch(getattr(model, 'trained_frame_size', None),
                            size, 'the input')
    if message:
        warnings.warn(message, stacklevel=2)
    pre = model.data_preprocessor
    check_patchable(observed.shape[-2], observed.shape[-1], pre.patch_size)
    device = next(model.parameters()).device
    frames = pre.normalize(observed[:, -in_frames:].to(device))
    patched = patch_frames(frames, pre.patch_size)
    pad = patched.new_zeros(patched.shape[0], future, *patched.shape[2:])
    clip = torch.cat([patched, pad], dim=1)
    total = in_frames + future
    mask = inference_mask(clip.shape[0], in_frames, total, device)
    preds = run_core(model, clip, mask, conditions)[:, in_frames - 1:]
    frames = unpatch_frames(preds, pre.patch_size)
    if pre.normalization is None and observed.is_floating_point():
        return frames.float()  # the input's units are the model's
    return pre.denormalize(frames)


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


def load_forecaster(config: str, checkpoint: str, device: str = 'cpu'
                    ) -> Tuple[torch.nn.Module, Config]:
    """Build the config's model, load the checkpoint through the plugin's
    safe loader and set the training normalisation. The checkpoint's
    training frame size (None if unknown) becomes the model's
    ``trained_frame_size``; :func:`forecast` warns on other sizes.

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
    model.data_preprocessor.set_normalization(
        normalization_of(cfg, state, checkpoint))
    return model.to(device).eval(), cfg
