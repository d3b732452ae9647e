"""Non-finite weights are never saved, a non-finite validation result
never becomes the best checkpoint, and the best score survives a crash."""
import glob
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.evaluator import BaseMetric
from mmengine.hooks import Hook

from predrnn.engine import load_checkpoint_safely
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


# --------------------------------------------------------------------- #
# never save non-finite weights
# --------------------------------------------------------------------- #
class PoisonWeightsHook(Hook):
    """After iteration ``at`` (1-based), before the checkpoint hook, the
    model's conv weight is NaN: an update that diverged with a finite
    loss."""

    priority = 'NORMAL'

    def __init__(self, at):
        self.at = at

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        if runner.iter + 1 == self.at:
            with torch.no_grad():
                runner.model.conv.weight[0, 0, 0, 0] = float('nan')


def test_non_finite_weights_are_never_saved(tmp_path, make_runner):
    runner = make_runner(
        str(tmp_path), max_iters=3,
        checkpoint=dict(type='FiniteBestCheckpointHook', by_epoch=False,
                        interval=1))
    runner.register_hook(PoisonWeightsHook(at=2))
    with pytest.raises(FloatingPointError) as info:
        runner.train()
    message = str(info.value)
    assert 'iter_2.pth' in message and 'conv.weight (1 NaN, 0 Inf)' in message
    assert f'is {osp.join(str(tmp_path), "iter_1.pth")}' in message
    assert not osp.exists(tmp_path / 'iter_2.pth')
    assert osp.exists(tmp_path / 'iter_1.pth')
    with open(tmp_path / 'last_checkpoint') as f:
        assert f.read().endswith('iter_1.pth')


def test_nan_loss_stop_names_the_last_checked_checkpoint(
        tmp_path, make_runner, toy_model_cls):
    runner = make_runner(
        str(tmp_path), model=toy_model_cls({2: float('nan')}), max_iters=4,
        checkpoint=dict(type='FiniteBestCheckpointHook', by_epoch=False,
                        interval=1))
    with pytest.raises(FloatingPointError) as info:
        runner.train()
    assert ('The last checkpoint saved with finite weights is '
            f'{osp.join(str(tmp_path), "iter_2.pth")}') in str(info.value)


# --------------------------------------------------------------------- #
# the best score survives a crash after best_*.pth was written
# --------------------------------------------------------------------- #
def _forget_best(path):
    """The checkpoint as it was before mmengine re-saved it with the new
    best score (the re-save a full disk interrupted)."""
    checkpoint = load_checkpoint_safely(path)
    info = checkpoint['message_hub']['runtime_info']
    info['best_score'], info['best_ckpt'] = 5.0, 'best_score_iter_1.pth'
    torch.save(checkpoint, path)


def _scripted_runner(make_runner, work_dir, values, max_iters, **kwargs):
    dataset = [dict(inputs=i) for i in range(2)]
    runner = make_runner(
        work_dir, max_iters=max_iters, val_interval=1,
        checkpoint=dict(type='FiniteBestCheckpointHook', by_epoch=False,
                        interval=1, save_best='score', rule='less'),
        val_dataloader=dict(dataset=dataset, batch_size=1,
                            sampler=dict(type='DefaultSampler',
                                         shuffle=False),
                            collate_fn=dict(type='default_collate')),
        val_cfg=dict(),
        val_evaluator=dict(type='ScriptedScore', values=values), **kwargs)
    runner.model.val_step = lambda data: [None] * len(data['inputs'])
    return runner


def test_best_score_survives_a_crash_after_the_best_was_written(
        tmp_path, make_runner):
    work_dir = str(tmp_path)
    _scripted_runner(make_runner, work_dir, [5.0, 1.0], 2).train()
    _forget_best(osp.join(work_dir, 'iter_2.pth'))
    runner = _scripted_runner(make_runner, work_dir, [3.0, 2.0], 4,
                              resume=True)
    runner.train()
    best = sorted(osp.basename(p)
                  for p in glob.glob(osp.join(work_dir, 'best_*.pth')))
    assert best == ['best_score_iter_2.pth']
    assert runner.message_hub.get_info('best_score') == 1.0
    # a better result still replaces it
    runner = _scripted_runner(make_runner, work_dir, [0.5], 5, resume=True)
    runner.train()
    assert sorted(osp.basename(p) for p in glob.glob(
        osp.join(work_dir, 'best_*.pth'))) == ['best_score_iter_5.pth']
