"""VideoPredictionMetric inside a tiny mmengine Runner.

Checks that the metrics dict, per-step lists included, survives mmengine
0.10.7's logging (LoggerHook, LogProcessor, scalars.json, TensorBoard),
CheckpointHook(save_best='mse') and the test JSON log.
"""
import glob
import importlib.util
import json
import os.path as osp

import pytest
import torch
from mmengine.model import BaseModel
from mmengine.runner import Runner
from torch import nn

import predrnn  # noqa: F401  (registers the predrnn scope)

T_IN, T_OUT = 3, 4


class CopyLastPlusOffset(BaseModel):
    """Predicts the last input frame plus a learnt offset."""

    def __init__(self) -> None:
        super().__init__()
        self.offset = nn.Parameter(torch.tensor(0.1))

    def forward(self, inputs, data_samples=None, mode='tensor'):
        clip = inputs.float() / 255.0
        x, y = clip[:, :T_IN], clip[:, T_IN:]
        pred = x[:, -1:].expand_as(y) + self.offset
        if mode == 'loss':
            return dict(loss=((pred - y)**2).mean())
        if mode == 'predict':
            return [
                dict(pred=p, gt=g, inputs=i) for p, g, i in zip(pred, y, x)
            ]
        return pred


def make_dataset(num: int = 5) -> list:
    gen = torch.Generator().manual_seed(0)
    return [
        dict(
            inputs=torch.randint(
                0, 256, (T_IN + T_OUT, 1, 16, 16), generator=gen,
                dtype=torch.uint8)) for _ in range(num)
    ]


def make_loader(dataset: list) -> dict:
    return dict(
        dataset=dataset,
        batch_size=2,
        num_workers=0,
        sampler=dict(type='DefaultSampler', shuffle=False),
        collate_fn=dict(type='default_collate'))


@pytest.fixture
def runner(tmp_path) -> Runner:
    backends = [dict(type='LocalVisBackend')]
    if importlib.util.find_spec('tensorboard') is not None:
        backends.append(dict(type='TensorboardVisBackend'))
    dataset = make_dataset()
    return Runner(
        model=CopyLastPlusOffset(),
        work_dir=str(tmp_path),
        experiment_name=f'metric_runner_{tmp_path.name}',
        default_scope='predrnn',
        train_dataloader=make_loader(dataset),
        val_dataloader=make_loader(dataset),
        test_dataloader=make_loader(dataset),
        train_cfg=dict(by_epoch=False, max_iters=4, val_interval=2),
        val_cfg=dict(),
        test_cfg=dict(),
        val_evaluator=dict(type='VideoPredictionMetric'),
        test_evaluator=dict(type='VideoPredictionMetric'),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1)),
        default_hooks=dict(
            logger=dict(type='LoggerHook', interval=1),
            checkpoint=dict(
                type='CheckpointHook',
                interval=2,
                by_epoch=False,
                save_best='mse',
                rule='less')),
        log_processor=dict(by_epoch=False),
        visualizer=dict(type='Visualizer', vis_backends=backends))


def test_train_val_test_with_per_step_lists(runner, tmp_path):
    runner.train()
    # best checkpoint chosen on the scalar 'mse'
    assert glob.glob(osp.join(str(tmp_path), 'best_mse_iter_*.pth'))
    # per-step curves are kept as runtime info, as lists of floats
    curve = runner.message_hub.get_info('val/mse_per_step')
    assert isinstance(curve, list) and len(curve) == T_OUT
    # scalars.json: one JSON object per line, val scalars only
    scalars = osp.join(runner.log_dir, 'vis_data', 'scalars.json')
    with open(scalars, encoding='utf-8') as f:
        records = [json.loads(line) for line in f]
    val_records = [r for r in records if 'mse' in r]
    assert len(val_records) == 2
    assert not any('mse_per_step' in r for r in records)
    assert 'copy_last/ssim' in val_records[0]

    metrics = runner.test()
    assert isinstance(metrics['mse'], float)
    assert len(metrics['ssim_per_step']) == T_OUT
    with open(osp.join(runner.log_dir, f'{runner.timestamp}.json'),
              encoding='utf-8') as f:
        test_log = json.load(f)
    assert test_log['mse'] == pytest.approx(metrics['mse'])
    assert test_log['copy_last/psnr_per_step'] == pytest.approx(
        metrics['copy_last/psnr_per_step'])
