"""SequenceDataset inside real mmengine Runners: the training split's
normalisation reaches the model, the metrics, normalization.json and the
checkpoint, and a later test run uses the checkpoint's statistics."""
import json
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from predrnn.engine import load_checkpoint_safely

CONFIG = osp.join(osp.dirname(__file__), '..', '..', 'configs', 'own_data',
                  'predrnnv2_video.py')


@pytest.fixture(autouse=True)
def fast_config_dump(monkeypatch):
    """Skip yapf's formatting of the config text (most of a tiny run's
    time on a loaded CPU); the content is the same."""
    monkeypatch.setattr(Config, 'pretty_text', property(lambda c: c.text))


def _tiny_cfg(tmp_path, source, split_by='time', max_iters=2):
    cfg = Config.fromfile(CONFIG)
    dataset = dict(source=source, data_root='', in_frames=2, out_frames=2,
                   resize=None, color=None, split_by=split_by,
                   normalization=dict(kind='meanstd', units='K'),
                   layout='TCHW', window_stride=3)
    cfg.merge_from_dict(dict(
        work_dir=str(tmp_path / 'work'),
        model=dict(in_frames=2, out_frames=2, frame_channels=2,
                   num_layers=1, num_hidden=4, kernel_size=3,
                   sampling=dict(s1=1, s2=2, alpha=1.0)),
        **{f'{split}_dataloader': dict(
            batch_size=2, num_workers=0, persistent_workers=False,
            dataset=dict(dataset, split=split))
           for split in ('train', 'val', 'test')},
        train_cfg=dict(max_iters=max_iters, val_interval=max_iters),
        default_hooks=dict(checkpoint=dict(interval=max_iters),
                           logger=dict(interval=1)),
        log_level='WARNING'))
    return cfg


def _field(path, offset, seed=0):
    """A 2-channel float field in physical units, (T, C, H, W)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(0, 1, (100, 2, 8, 12)).astype(np.float32)
    x[:, 0] = x[:, 0] * 4 + offset  # kelvin-like
    x[:, 1] = x[:, 1] * 0.5 - 3
    np.save(path, x)
    return x


def test_training_statistics_travel_to_model_metric_json_checkpoint(
        tmp_path):
    data = _field(tmp_path / 'field.npy', 280)
    runner = Runner.from_cfg(_tiny_cfg(tmp_path, str(tmp_path / 'field.npy')))
    runner.train()
    train = data[:80].astype(np.float64)
    mean, std = train.mean(axis=(0, 2, 3)), train.std(axis=(0, 2, 3))
    with open(tmp_path / 'work' / 'normalization.json') as f:
        saved = json.load(f)
    np.testing.assert_allclose(saved['offset'], mean, rtol=1e-9)
    np.testing.assert_allclose(saved['scale'], std, rtol=1e-9)
    assert saved['kind'] == 'meanstd' and saved['units'] == 'K'
    pre = runner.model.data_preprocessor
    assert pre.normalization == saved
    assert runner.val_loop.evaluator.dataset_meta['normalization'] == saved
    ckpt = load_checkpoint_safely(str(tmp_path / 'work' / 'iter_2.pth'))
    assert ckpt['meta']['dataset_meta']['normalization'] == saved
    # the model trained on normalised values: mean 0 / std 1 per channel
    batch = pre(dict(inputs=torch.from_numpy(data[None, :80])))['inputs']
    assert abs(batch.mean().item()) < 1e-4


def test_test_run_uses_the_checkpoint_statistics(tmp_path):
    _field(tmp_path / 'field.npy', 280)
    runner = Runner.from_cfg(_tiny_cfg(tmp_path, str(tmp_path / 'field.npy')))
    runner.train()
    trained = runner.model.data_preprocessor.normalization
    # a separate test file whose own statistics differ a lot
    _field(tmp_path / 'other.npy', 300, seed=1)
    cfg = _tiny_cfg(tmp_path, str(tmp_path / 'other.npy'), split_by=None)
    cfg.work_dir = str(tmp_path / 'test_work')
    cfg.load_from = str(tmp_path / 'work' / 'iter_2.pth')
    tester = Runner.from_cfg(cfg)
    tester.test()
    assert tester.model.data_preprocessor.normalization == trained
    meta = tester.test_loop.evaluator.dataset_meta['normalization']
    assert meta == trained
