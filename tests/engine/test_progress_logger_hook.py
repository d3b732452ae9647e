"""ProgressLoggerHook: the first iterations of a run are logged one by one
(time per iteration, ETA), then every ``interval`` as mmengine's
LoggerHook does."""
import glob
import os.path as osp
import re
import uuid

import pytest
from mmengine.runner import Runner

from predrnn.engine import ProgressLoggerHook


def _train(tmp_path, model, max_iters, resume=False,
           hook='ProgressLoggerHook', **logger):
    runner = Runner(
        model=model,
        work_dir=str(tmp_path),
        experiment_name=f'test_{uuid.uuid4().hex}',
        train_dataloader=dict(
            dataset=dict(type='predrnn_test_toy'),
            batch_size=2,
            sampler=dict(type='InfiniteSampler', shuffle=True),
            collate_fn=dict(type='default_collate')),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.01)),
        train_cfg=dict(by_epoch=False, max_iters=max_iters),
        default_hooks=dict(
            logger=dict(type=hook, **logger),
            checkpoint=dict(type='CheckpointHook', by_epoch=False,
                            interval=max_iters)),
        log_processor=dict(by_epoch=False),
        default_scope='predrnn',
        resume=resume,
        log_level='INFO')
    runner.train()
    log = sorted(glob.glob(osp.join(runner.log_dir, '*.log')))[-1]
    with open(log) as f:
        text = f.read()
    if resume:  # a run of the same second shares the log file
        text = text[text.rindex('resumed epoch'):]
    logged = [int(i) for i in re.findall(
        r'Iter\(train\) \[\s*(\d+)/\d+\].*eta: .*time: ', text)]
    return logged


@pytest.fixture
def toy(toy_model_cls):
    # the conftest beside this file (not whichever conftest was imported
    # first under that module name)
    import importlib.util
    import os.path as osp
    spec = importlib.util.spec_from_file_location(
        'engine_conftest', osp.join(osp.dirname(__file__), 'conftest.py'))
    engine_conftest = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(engine_conftest)
    ToyDataset = engine_conftest.ToyDataset

    from predrnn.registry import DATASETS
    if 'predrnn_test_toy' not in DATASETS:
        DATASETS.register_module('predrnn_test_toy', module=ToyDataset)
    return toy_model_cls


def test_first_iterations_then_every_interval(tmp_path, toy):
    plain = _train(tmp_path / 'plain', toy(), 12, hook='LoggerHook',
                   interval=5)
    assert 5 in plain and 10 in plain and 1 not in plain
    assert _train(tmp_path / 'progress', toy(), 12, interval=5,
                  first_iters=3) == sorted(set(plain) | {1, 2, 3})


def test_a_resumed_run_logs_its_own_first_iterations(tmp_path, toy):
    _train(tmp_path, toy(), 4, interval=100, first_iters=2)
    assert _train(tmp_path, toy(), 8, resume=True, interval=100,
                  first_iters=2) == [5, 6]


def test_zero_first_iters_is_the_plain_logger_hook(tmp_path, toy):
    assert _train(tmp_path / 'progress', toy(), 6, interval=3,
                  first_iters=0) == _train(tmp_path / 'plain', toy(), 6,
                                           hook='LoggerHook', interval=3)
    with pytest.raises(ValueError, match='first_iters'):
        ProgressLoggerHook(first_iters=-1)


def test_the_default_runtime_uses_it():
    from mmengine.config import Config
    root = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
    for name in ('_base_/default_runtime.py', 'mmnist/predrnnv2.py',
                 'mmnist/predrnnv2_cpu_quick.py',
                 'action/predrnnv2_action_mmnist.py',
                 'own_data/predrnnv2_video.py'):
        cfg = Config.fromfile(osp.join(root, 'configs', name))
        assert cfg.default_hooks.logger.type == 'ProgressLoggerHook', name
    # a config naming mmengine's hook gets it, with valid arguments only
    cfg = Config.fromfile(osp.join(root, 'configs/_base_/default_runtime.py'))
    cfg.merge_from_dict(
        dict(default_hooks=dict(logger=dict(type='LoggerHook', interval=5))))
    assert cfg.default_hooks.logger == dict(type='LoggerHook', interval=5)
