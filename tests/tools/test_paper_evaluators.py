"""The paper-recipe configs evaluate with two metrics, ours and the
authors' convention under 'authors/': a shrunken
configs/mmnist/predrnnv2.py (its evaluators, checkpoint hook and two-step
recipe kept) trains, validates and keeps the best checkpoint by our 'mse',
and tools/test.py reports, plots and saves both."""
import glob
import importlib.util
import json
import os.path as osp
import re

import pytest
from mmengine.registry import DefaultScope

from test_train import ROOT, train_tool

PAPER = osp.join(ROOT, 'configs', 'mmnist', 'predrnnv2.py')
TEST_TOOL = osp.join(ROOT, 'tools', 'test.py')

CONFIG = """\
_base_ = [{paper!r}]
model = dict(in_frames=3, out_frames=2, num_layers=1, num_hidden=4,
             kernel_size=3,
             sampling=dict(type='ReverseScheduledSampling', s1=0, s2=4,
                           alpha=1.0),
             data_preprocessor=dict(type='VideoDataPreprocessor',
                                    patch_size=2))
data = dict(data_root={data_root!r}, in_frames=3, out_frames=2, image_size=16,
            digit_size=8, num_stand_in_digits=10)
train_dataloader = dict(batch_size=2, num_workers=0, persistent_workers=False,
                        dataset=dict(num_clips=4, **data))
val_dataloader = dict(batch_size=2, num_workers=0, persistent_workers=False,
                      dataset=dict(num_clips=4, **data))
test_dataloader = val_dataloader
train_cfg = dict(max_iters=2, val_interval=1)
default_hooks = dict(logger=dict(interval=1),
                     checkpoint=dict(interval=1, max_keep_ckpts=1))
optim_wrapper = dict(optimizer=dict(lr=1e-3))
log_level = 'WARNING'
"""


@pytest.fixture(autouse=True)
def _restore_default_scope():
    saved = DefaultScope._instance_dict.copy()
    yield
    DefaultScope._instance_dict = saved


def test_paper_config_trains_and_tests_with_both_conventions(tmp_path,
                                                            capsys):
    config = tmp_path / 'paper_tiny.py'
    (tmp_path / 'data').mkdir()  # empty: stand-in digits
    config.write_text(CONFIG.format(paper=PAPER,
                                    data_root=str(tmp_path / 'data')))
    work_dir = tmp_path / 'work'
    train_tool.main([str(config), '--work-dir', str(work_dir)])

    # the best checkpoint is chosen by our 'mse' (not 'authors/mse')
    best = glob.glob(str(work_dir / 'best_mse_iter_*.pth'))
    assert len(best) == 1, sorted(p.name for p in work_dir.iterdir())
    scalars = glob.glob(str(work_dir / '*' / 'vis_data' / 'scalars.json'))
    with open(scalars[0]) as f:
        logged = [json.loads(line) for line in f]
    val = [r for r in logged if 'authors/mse' in r]
    assert len(val) == 2 and all('mse' in r for r in val)

    spec = importlib.util.spec_from_file_location('predrnn_test_tool_eval',
                                                  TEST_TOOL)
    test_tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(test_tool)
    metrics = test_tool.main([str(config), best[0], '--work-dir',
                              str(tmp_path / 'test')])
    for name in ('mse', 'mae', 'psnr', 'ssim'):
        assert name in metrics and 'authors/' + name in metrics
        assert 'copy_last/' + name in metrics
        assert 'authors/copy_last/' + name not in metrics
        assert len(metrics['authors/' + name + '_per_step']) == 2
    table = capsys.readouterr().out
    assert re.search(rf"authors/mse +{metrics['authors/mse']:.4f}", table)
    # clipping the prediction to [0, 1] can only lower the squared error
    assert metrics['authors/mse'] <= metrics['mse'] + 1e-9
    saved = glob.glob(str(tmp_path / 'test' / '*' / 'metrics.json'))
    with open(saved[0]) as f:
        assert 'authors/mse' in json.load(f)
    assert glob.glob(str(tmp_path / 'test' / '*' / 'per_step_curves.png'))
