"""Tiny models, data and Runners for the engine tests (CPU, seconds)."""
import uuid
from typing import Any, Callable, Dict, List, Optional

import pytest
import torch
import torch.nn as nn
from mmengine.logging import MessageHub
from mmengine.model import BaseModel
from mmengine.runner import Runner
from torch.utils.data import Dataset

import predrnn  # noqa: F401  (registers and installs everything)
from predrnn.models import PredRNNv2


class ToyDataset(Dataset):
    """Eight fixed (input, target) pairs."""

    def __len__(self) -> int:
        return 8

    def __getitem__(self, index: int) -> Dict[str, torch.Tensor]:
        gen = torch.Generator().manual_seed(index)
        return dict(
            inputs=torch.randn(1, 6, 6, generator=gen),
            target=torch.randn(2, 6, 6, generator=gen))


class ToyModel(BaseModel):
    """A conv with two losses, optionally scaled at some (0-based)
    iterations (``float('nan')``, ``1e20``...).

    Args:
        factors (dict, optional): 0-based iteration to the factor both
            losses are multiplied by in that iteration.
    """

    def __init__(self, factors: Optional[Dict[int, float]] = None) -> None:
        super().__init__()
        self.conv = nn.Conv2d(1, 2, 3, padding=1)
        self.factors = factors or {}
        self.seen_iters: List[Optional[int]] = []

    def forward(self,
                inputs: torch.Tensor,
                target: torch.Tensor = None,
                mode: str = 'tensor') -> Any:
        out = self.conv(inputs)
        if mode == 'loss':
            it = MessageHub.get_current_instance().get_info('iter')
            self.seen_iters.append(it)
            factor = self.factors.get(it, 1.0)
            loss_a = ((out.float() - target)**2).mean() * factor
            loss_b = 0.1 * out.float().abs().mean() * factor
            return dict(loss_a=loss_a, loss_b=loss_b)
        if mode == 'predict':
            return [dict(out=o) for o in out]
        return out


class TinyPredRNNv2(PredRNNv2):
    """A tiny PredRNN-V2 that records the iteration it reads and multiplies
    ``loss_recon`` by ``factors[iteration]`` (e.g. NaN)."""

    def __init__(self, factors: Optional[Dict[int, float]] = None) -> None:
        super().__init__(
            in_frames=2, out_frames=2, num_layers=1, num_hidden=4,
            kernel_size=3, sampling=dict(type='TeacherForcing'),
            data_preprocessor=dict(type='VideoDataPreprocessor',
                                   patch_size=2))
        self.factors = factors or {}
        self.seen_iters: List[int] = []

    def loss(self, inputs: torch.Tensor, *args: Any,
             **kwargs: Any) -> Dict[str, torch.Tensor]:
        it = self.current_iteration()
        self.seen_iters.append(it)
        losses = super().loss(inputs, *args, **kwargs)
        losses['loss_recon'] = losses['loss_recon'] * self.factors.get(it, 1.)
        return losses


def clips_dataset(num: int = 8) -> List[Dict[str, torch.Tensor]]:
    """uint8 clips ``(T=4, C=1, 8, 8)`` for :class:`TinyPredRNNv2`."""
    gen = torch.Generator().manual_seed(0)
    return [dict(inputs=torch.randint(0, 256, (4, 1, 8, 8), generator=gen,
                                      dtype=torch.uint8)) for _ in range(num)]


def build_runner(work_dir: str,
                 model: Optional[nn.Module] = None,
                 max_iters: int = 2,
                 optim_wrapper: Optional[dict] = None,
                 custom_hooks: Optional[list] = None,
                 checkpoint_interval: int = 1,
                 dataset: Optional[Any] = None,
                 checkpoint: Optional[dict] = None,
                 val_interval: int = 1000,
                 **kwargs: Any) -> Runner:
    """A Runner over :class:`ToyDataset` (or ``dataset``), default scope
    ``predrnn``; ``checkpoint`` replaces the checkpoint hook's config."""
    return Runner(
        model=model if model is not None else ToyModel(),
        work_dir=work_dir,
        experiment_name=f'test_{uuid.uuid4().hex}',
        train_dataloader=dict(
            dataset=ToyDataset() if dataset is None else dataset,
            batch_size=2,
            sampler=dict(type='DefaultSampler', shuffle=True),
            collate_fn=dict(type='default_collate')),
        optim_wrapper=optim_wrapper
        or dict(optimizer=dict(type='SGD', lr=0.05, momentum=0.9)),
        train_cfg=dict(by_epoch=False, max_iters=max_iters,
                       val_interval=val_interval),
        param_scheduler=dict(
            type='MultiStepLR', milestones=[1], by_epoch=False),
        default_hooks=dict(
            checkpoint=checkpoint or dict(
                type='CheckpointHook',
                by_epoch=False,
                interval=checkpoint_interval),
            logger=dict(type='LoggerHook', interval=1)),
        custom_hooks=custom_hooks,
        default_scope='predrnn',
        randomness=dict(seed=0),
        log_level='WARNING',
        **kwargs)


@pytest.fixture(scope='session')
def make_runner() -> Callable[..., Runner]:
    """The :func:`build_runner` factory."""
    return build_runner


@pytest.fixture(scope='session')
def toy_model_cls() -> type:
    """The :class:`ToyModel` class."""
    return ToyModel


@pytest.fixture(scope='session')
def tiny_predrnn_cls() -> type:
    """The :class:`TinyPredRNNv2` class."""
    return TinyPredRNNv2


@pytest.fixture(scope='session')
def clips() -> List[Dict[str, torch.Tensor]]:
    """The :func:`clips_dataset` samples."""
    return clips_dataset()
