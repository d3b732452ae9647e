"""Unknown arguments of config components are refused before the run."""
import glob
import os.path as osp

import pytest
from mmengine.config import Config
from mmengine.hooks import CheckpointHook, Hook

import predrnn  # noqa: F401  (registers the predrnn scope)
from predrnn.utils import check_component_arguments
from predrnn.utils.component_args import accepted_arguments

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = sorted(
    p for p in glob.glob(osp.join(ROOT, 'configs', '**', '*.py'),
                         recursive=True) if '_base_' not in p)


class Base:

    def __init__(self, a=1, b=2):
        pass


class PassesToBase(Base):

    def __init__(self, c=3, **kwargs):
        super().__init__(**kwargs)


class KeepsKwargs(Base):

    def __init__(self, c=3, **options):
        self.options = options


@pytest.mark.parametrize('config', CONFIGS,
                         ids=[osp.relpath(c, ROOT) for c in CONFIGS])
def test_shipped_configs_pass(config):
    """No false alarm on any config of the repository."""
    check_component_arguments(Config.fromfile(config))


def test_accepted_arguments_follow_kwargs():
    assert accepted_arguments(PassesToBase) == {'self', 'a', 'b', 'c'}
    assert accepted_arguments(KeepsKwargs) is None  # unknown use: unchecked
    assert accepted_arguments(Hook) == set()
    # CheckpointHook's **kwargs go to Runner.save_checkpoint, which takes
    # nothing the hook does not already pass
    names = accepted_arguments(CheckpointHook)
    assert 'interval' in names and 'intreval' not in names


def runtime_config(**options):
    cfg = Config.fromfile(osp.join(ROOT, 'configs', 'mmnist',
                                   'predrnnv2.py'))
    cfg.merge_from_dict(options)
    return cfg


def test_the_reported_example_is_named():
    cfg = runtime_config(**{'default_hooks.checkpoint.intreval': 1})
    with pytest.raises(TypeError) as info:
        check_component_arguments(cfg)
    assert ("default_hooks.checkpoint.intreval: FiniteBestCheckpointHook "
            "has no argument 'intreval' (did you mean 'interval'?)") in str(
                info.value)


@pytest.mark.parametrize('key,bad', [
    ('custom_hooks', [dict(type='EMAHook', momentumm=0.1)]),
    ('param_scheduler', [dict(type='MultiStepLR', milestones=[1],
                              gama=0.5)]),
    ('val_evaluator', dict(type='VideoPredictionMetric', prefx='x')),
    ('model_wrapper_cfg', dict(type='MMDistributedDataParallel',
                               find_unused_parameter=True)),
])
def test_other_sections(key, bad):
    cfg = runtime_config()
    cfg[key] = bad
    with pytest.raises(TypeError, match=key):
        check_component_arguments(cfg)


def test_valid_forwarded_arguments_pass():
    cfg = runtime_config()
    cfg.custom_hooks = [dict(type='EMAHook', momentum=0.01, priority=49)]
    cfg.param_scheduler = [dict(type='MultiStepLR', milestones=[1],
                                gamma=0.5, convert_to_iter_based=True)]
    check_component_arguments(cfg)


def test_unknown_types_are_left_to_mmengine():
    cfg = runtime_config(**{'model.init_cfg': dict(type='Kaiming', layr=1)})
    check_component_arguments(cfg)
