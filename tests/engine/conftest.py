"""Tiny models, data and Runners for the engine tests (CPU, seconds)."""
import uuid
from typing import Any, Callable, Dict, List, Optional

import pytest
import torch
import torch.nn as nn
from mmengine.model import BaseModel
from mmengine.runner import Runner
from torch.utils.data import Dataset

import predrnn.engine  # noqa: F401  (registers and installs everything)
from predrnn.engine import check_finite_losses, get_current_iter


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
    """A conv whose two losses turn NaN at one (0-based) iteration.

    Args:
        nan_at (int, optional): 0-based iteration at which ``loss_b`` is NaN.
        check_in_train_step (bool): Call ``check_finite_losses`` on the
            ``log_vars`` before ``update_params``, as the project's models do.
    """

    def __init__(self,
                 nan_at: Optional[int] = None,
                 check_in_train_step: bool = False) -> None:
        super().__init__()
        self.conv = nn.Conv2d(1, 2, 3, padding=1)
        self.nan_at = nan_at
        self.check_in_train_step = check_in_train_step
        self.seen_iters: List[Optional[int]] = []

    def forward(self,
                inputs: torch.Tensor,
                target: torch.Tensor = None,
                mode: str = 'tensor') -> Any:
        out = self.conv(inputs)
        if mode == 'loss':
            it = get_current_iter(default=None)
            self.seen_iters.append(it)
            loss_a = ((out.float() - target)**2).mean()
            loss_b = 0.1 * out.float().abs().mean()
            if self.nan_at is not None and it == self.nan_at:
                loss_b = loss_b * float('nan')
            return dict(loss_a=loss_a, loss_b=loss_b)
        if mode == 'predict':
            return [dict(out=o) for o in out]
        return out

    def train_step(self, data: Any, optim_wrapper: Any) -> Dict[str, Any]:
        if not self.check_in_train_step:
            return super().train_step(data, optim_wrapper)
        with optim_wrapper.optim_context(self):
            data = self.data_preprocessor(data, True)
            losses = self._run_forward(data, mode='loss')
        parsed, log_vars = self.parse_losses(losses)
        check_finite_losses(log_vars)
        optim_wrapper.update_params(parsed)
        return log_vars


def build_runner(work_dir: str,
                 model: Optional[nn.Module] = None,
                 max_iters: int = 2,
                 optim_wrapper: Optional[dict] = None,
                 custom_hooks: Optional[list] = None,
                 checkpoint_interval: int = 1,
                 **kwargs: Any) -> Runner:
    """A Runner over :class:`ToyDataset`, default scope ``predrnn``."""
    return Runner(
        model=model if model is not None else ToyModel(),
        work_dir=work_dir,
        experiment_name=f'test_{uuid.uuid4().hex}',
        train_dataloader=dict(
            dataset=ToyDataset(),
            batch_size=2,
            sampler=dict(type='DefaultSampler', shuffle=True),
            collate_fn=dict(type='default_collate')),
        optim_wrapper=optim_wrapper
        or dict(optimizer=dict(type='SGD', lr=0.05, momentum=0.9)),
        train_cfg=dict(by_epoch=False, max_iters=max_iters),
        param_scheduler=dict(
            type='MultiStepLR', milestones=[1], by_epoch=False),
        default_hooks=dict(
            checkpoint=dict(
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
