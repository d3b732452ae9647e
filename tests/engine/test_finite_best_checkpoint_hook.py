"""A non-finite validation result never becomes the best checkpoint."""
import glob
import os.path as osp

import pytest
from mmengine.config import Config
from mmengine.evaluator import BaseMetric

from predrnn.registry import METRICS

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


@METRICS.register_module(force=True)
class ScriptedScore(BaseMetric):
    """Returns ``score`` = the next value of ``values`` at each validation."""

    def __init__(self, values, **kwargs):
        super().__init__(**kwargs)
        self.values = list(values)

    def process(self, data_batch, data_samples):
        self.results.append(0)

    def compute_metrics(self, results):
        return dict(score=self.values.pop(0))


def best_checkpoints(tmp_path, make_runner, hook, values, rule):
    dataset = [dict(inputs=i) for i in range(2)]
    runner = make_runner(
        str(tmp_path), max_iters=len(values), val_interval=1,
        checkpoint=dict(type=hook, by_epoch=False, interval=100,
                        save_best='score', rule=rule),
        val_dataloader=dict(dataset=dataset, batch_size=1,
                            sampler=dict(type='DefaultSampler',
                                         shuffle=False),
                            collate_fn=dict(type='default_collate')),
        val_cfg=dict(),
        val_evaluator=dict(type='ScriptedScore', values=values))
    runner.model.val_step = lambda data: [None] * len(data['inputs'])
    runner.train()
    return sorted(osp.basename(p) for p in glob.glob(
        osp.join(str(tmp_path), 'best_*.pth')))


@pytest.mark.parametrize('values,rule,best', [
    ([float('inf'), 1.0, 2.0], 'greater', 'best_score_iter_3.pth'),
    ([float('-inf'), 2.0, 1.0], 'less', 'best_score_iter_3.pth'),
    ([float('nan'), 2.0, float('nan')], 'less', 'best_score_iter_2.pth'),
])
def test_non_finite_scores_are_skipped(tmp_path, make_runner, values, rule,
                                       best):
    found = best_checkpoints(tmp_path, make_runner,
                             'FiniteBestCheckpointHook', values, rule)
    assert found == [best]


def test_mmengine_hook_would_keep_an_infinite_best(tmp_path, make_runner):
    """The defect the hook fixes: mmengine's CheckpointHook keeps +inf."""
    found = best_checkpoints(tmp_path, make_runner, 'CheckpointHook',
                             [float('inf'), 1.0, 2.0], 'greater')
    assert found == ['best_score_iter_1.pth']


def test_default_runtime_uses_it():
    cfg = Config.fromfile(osp.join(ROOT, 'configs/_base_/default_runtime.py'))
    assert cfg.default_hooks.checkpoint.type == 'FiniteBestCheckpointHook'
    assert cfg.default_hooks.loss_divergence.type == 'LossDivergenceHook'
