"""Compare the frame size a checkpoint was trained on with the frames it is
tested or used on.

mmengine stores the training dataset's ``metainfo`` in every checkpoint's
``meta['dataset_meta']``: ``frame_size`` for
:class:`~predrnn.datasets.SequenceDataset` (after its resize / crop),
``image_size`` for the Moving MNIST datasets. A model without layer norm
runs on any frame size, but its numbers on a size it never saw are not what
it learned: a warning says so. With layer norm the normalised shape is the
frame size, so another size cannot work: an error says which sizes differ
and what to set.
"""
import logging
from typing import Optional, Tuple

import torch
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper

from predrnn.registry import HOOKS

Size = Tuple[int, int]


def dataset_frame_size(meta: Optional[dict]) -> Optional[Size]:
    """``(H, W)`` of the frames a dataset ``metainfo`` describes, or None."""
    meta = meta or {}
    if meta.get('frame_size'):
        h, w = meta['frame_size']
        return int(h), int(w)
    if meta.get('image_size'):
        return int(meta['image_size']), int(meta['image_size'])
    return None


def checkpoint_frame_size(checkpoint: Optional[dict]) -> Optional[Size]:
    """Training frame size ``(H, W)`` stored in an mmengine checkpoint, or
    None (older or hand-made checkpoints)."""
    meta = (checkpoint or {}).get('meta') or {}
    return dataset_frame_size(meta.get('dataset_meta'))


def has_layer_norm(model: torch.nn.Module) -> bool:
    return any(isinstance(m, torch.nn.LayerNorm) for m in model.modules())


def check_layer_norm_size(model: torch.nn.Module,
                          trained: Optional[Size]) -> None:
    """Refuse a layer-norm model built for other frames than the checkpoint
    was trained on (loading would fail on the LayerNorm shapes)."""
    built = getattr(model, 'frame_size', None)
    if trained and built and has_layer_norm(model) and \
            tuple(built) != tuple(trained):
        raise ValueError(
            f'The checkpoint was trained on {trained[0]}x{trained[1]} frames '
            f'but the config builds a layer_norm model for {built[0]}x'
            f'{built[1]} (layer norm\'s shape is the frame size): set '
            f'model.frame_size={tuple(trained)} and resize the data to '
            f'{tuple(trained)}, or use a checkpoint trained on '
            f'{built[0]}x{built[1]} frames.')


def size_mismatch(trained: Optional[Size], size: Optional[Size],
                  what: str) -> Optional[str]:
    """The warning for ``what`` (e.g. ``'the test set'``) of frames
    ``size`` given a checkpoint trained on ``trained``; None when they
    agree or one is unknown."""
    if not trained or not size or tuple(trained) == tuple(size):
        return None
    return (f'The checkpoint was trained on {trained[0]}x{trained[1]} frames '
            f'but {what} has {size[0]}x{size[1]} frames: the model runs, '
            'but on a size it never saw. Set resize='
            f'{tuple(trained)} on the dataset (or image_size) to match the '
            'training, unless this is what you mean to measure.')


@HOOKS.register_module()
class FrameSizeCheckHook(Hook):
    """Before testing, compare the loaded checkpoint's training frame size
    with the test set's: a warning for other sizes, an error for layer-norm
    models (module docstring). Checkpoints without the size are not
    checked."""

    priority = 'VERY_HIGH'

    def __init__(self) -> None:
        self.trained: Optional[Size] = None

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        self.trained = checkpoint_frame_size(checkpoint)
        check_layer_norm_size(self._model(runner), self.trained)

    def before_test(self, runner) -> None:
        dataset = runner.test_dataloader.dataset
        size = dataset_frame_size(getattr(dataset, 'metainfo', None))
        message = size_mismatch(self.trained, size, 'the test set')
        if message is None:
            return
        if has_layer_norm(self._model(runner)):
            raise ValueError(message.replace(
                'the model runs, but on a size it never saw',
                'a layer_norm model cannot run on other frame sizes'))
        print_log(message, logger='current', level=logging.WARNING)

    @staticmethod
    def _model(runner) -> torch.nn.Module:
        model = runner.model
        return model.module if is_model_wrapper(model) else model
