"""The ``predrnn`` scope in mmengine's registry tree.

(a) every registry of :mod:`predrnn.registry` hangs under mmengine's root
registry of the same kind, with scope ``'predrnn'`` and import locations;
(b) the plugin's components are registered under their bare names and are
reachable from mmengine's roots as ``'predrnn.<Name>'``;
(c) a config that never sets ``default_scope='predrnn'`` trains, validates
and checkpoints through ``custom_imports`` and scope-prefixed type names, in
a fresh interpreter (so an ``import predrnn`` done by pytest cannot hide a
broken ``custom_imports``).
"""
import importlib.util
import json
import os
import subprocess
import sys

import mmengine.registry as mm_registry
import pytest
from mmengine.registry import DefaultScope, Registry

import predrnn
import predrnn.registry as plugin_registry

# the module also holds mmengine's roots, imported as MMENGINE_<KIND>
REGISTRIES = {
    name: value
    for name, value in vars(plugin_registry).items()
    if isinstance(value, Registry) and not name.startswith('MMENGINE_')
}


def test_every_kind_the_plugin_uses_has_a_registry():
    assert {
        'MODELS', 'MODEL_WRAPPERS', 'WEIGHT_INITIALIZERS', 'DATASETS',
        'TRANSFORMS', 'DATA_SAMPLERS', 'METRICS', 'EVALUATOR', 'HOOKS',
        'LOOPS', 'OPTIMIZERS', 'OPTIM_WRAPPERS', 'OPTIM_WRAPPER_CONSTRUCTORS',
        'PARAM_SCHEDULERS', 'LOG_PROCESSORS', 'VISUALIZERS', 'VISBACKENDS'
    } <= set(REGISTRIES)
    assert predrnn.SCOPE == 'predrnn'
    # the mmengine roots the module imports are exactly the parents
    for name, value in vars(plugin_registry).items():
        if name.startswith('MMENGINE_') and isinstance(value, Registry):
            assert value is getattr(mm_registry, name[len('MMENGINE_'):])
            assert REGISTRIES[name[len('MMENGINE_'):]].parent is value


@pytest.mark.parametrize('name', sorted(REGISTRIES))
def test_registry_is_a_child_of_mmengine_root(name):
    registry = REGISTRIES[name]
    root = getattr(mm_registry, name)
    assert root.parent is None and root.scope == 'mmengine'
    assert registry.parent is root
    assert registry.name == root.name
    assert registry.scope == 'predrnn'
    assert root.children['predrnn'] is registry
    # mmengine imports these on demand; each must be a real module
    assert registry._locations, f'{name} has no locations'
    for location in registry._locations:
        assert location.startswith('predrnn.')
        assert importlib.util.find_spec(location) is not None, location
    # every plugin class registered here is defined under a location, so
    # that on-demand import finds it
    for key, obj in registry.module_dict.items():
        module = getattr(obj, '__module__', '') or ''
        if module.startswith('predrnn.'):
            assert any(module == loc or module.startswith(loc + '.')
                       for loc in registry._locations), (name, key, module)


BARE_NAMES = [
    ('MODELS', 'PredRNN'),
    ('MODELS', 'PredRNNv2'),
    ('MODELS', 'SpatioTemporalLSTMCell'),
    ('MODELS', 'SpatioTemporalLSTMCellV2'),
    ('MODELS', 'VideoDataPreprocessor'),
    ('MODELS', 'ReverseScheduledSampling'),
    ('MODELS', 'ScheduledSampling'),
    ('DATASETS', 'MovingMNIST'),
    ('DATA_SAMPLERS', 'InfiniteEpochIndexSampler'),
    ('METRICS', 'VideoPredictionMetric'),
    ('OPTIM_WRAPPERS', 'AutocastOptimWrapper'),
    ('HOOKS', 'VideoVisualizationHook'),
    ('HOOKS', 'LossDivergenceHook'),
    ('HOOKS', 'FiniteBestCheckpointHook'),
    ('VISUALIZERS', 'VideoVisualizer'),
]


@pytest.mark.parametrize('kind,name', BARE_NAMES)
def test_component_registered_under_bare_name(kind, name):
    registry = REGISTRIES[kind]
    root = getattr(mm_registry, kind)
    # registered in the plugin's own registry, not inherited from mmengine
    assert name in registry.module_dict
    cls = registry.module_dict[name]
    assert cls.__name__ == name and cls.__module__.startswith('predrnn.')
    assert registry.get(name) is cls
    # mmengine's root finds it with the scope prefix, not without
    assert root.get(f'predrnn.{name}') is cls
    assert name not in root.module_dict


def test_default_scope_predrnn_builds_bare_names_from_mmengine_root():
    with DefaultScope.overwrite_default_scope('predrnn'):
        preprocessor = mm_registry.MODELS.build(
            dict(type='VideoDataPreprocessor', patch_size=2))
    assert type(preprocessor).__module__.startswith('predrnn.')


def test_prefixed_model_with_default_nested_types_outside_the_scope():
    """Nested components (data preprocessor, curriculum) and their defaults
    are bare names; the model builds them in its own scope."""
    with DefaultScope.overwrite_default_scope('mmengine'):
        model = mm_registry.MODELS.build(
            dict(type='predrnn.PredRNNv2', in_frames=2, out_frames=1,
                 num_layers=1, num_hidden=4, kernel_size=3))
    assert type(model).__name__ == 'PredRNNv2'


# --------------------------------------------------------------------------
# (c) A whole run outside the predrnn scope
# --------------------------------------------------------------------------

# No default_scope: the Runner uses 'mmengine'. Only custom_imports brings
# the plugin in, and every plugin type carries the 'predrnn.' prefix.
# In practice (mmengine 0.10.7):
#  * every type built by the Runner from mmengine's root registries needs it
#    (model, dataset, data sampler, metric, optim wrapper, hook,
#    visualizer), as it would for any downstream OpenMMLab package;
#  * the model's nested data_preprocessor and sampling do not: the model
#    builds them in the 'predrnn' scope (bare names, prefixed names and the
#    defaults all work; the test above);
#  * mmengine's own types stay bare (DefaultSampler, default_collate, Adam,
#    LoggerHook, CheckpointHook, LocalVisBackend).
CONFIG = """\
custom_imports = dict(imports=['predrnn'], allow_failed_imports=False)
work_dir = {work_dir!r}
model = dict(
    type='predrnn.PredRNNv2', in_frames=3, out_frames=2, num_layers=1,
    num_hidden=4, kernel_size=3,
    sampling=dict(type='predrnn.ReverseScheduledSampling', s1=1, s2=2,
                  alpha=1),
    data_preprocessor=dict(type='predrnn.VideoDataPreprocessor',
                           patch_size=2))
dataset = dict(
    type='predrnn.MovingMNIST', data_root={data_root!r}, in_frames=3,
    out_frames=2, image_size=16, digit_size=8, num_clips=4,
    num_stand_in_digits=10)
train_dataloader = dict(
    batch_size=2, num_workers=0,
    sampler=dict(type='predrnn.InfiniteEpochIndexSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(dataset, split='train'))
val_dataloader = dict(
    batch_size=2, num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='default_collate'),
    dataset=dict(dataset, split='test'))
val_evaluator = dict(type='predrnn.VideoPredictionMetric')
optim_wrapper = dict(
    type='predrnn.AutocastOptimWrapper', dtype='bfloat16',
    optimizer=dict(type='Adam', lr=1e-3))
train_cfg = dict(by_epoch=False, max_iters=2, val_interval=2)
val_cfg = dict()
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=1),
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=2,
                    save_best='mse', rule='less'))
custom_hooks = [dict(type='predrnn.VideoVisualizationHook', num_clips=1)]
visualizer = dict(type='predrnn.VideoVisualizer',
                  vis_backends=[dict(type='LocalVisBackend')])
log_processor = dict(by_epoch=False)
"""

SCRIPT = """\
import json
import sys

assert 'predrnn' not in sys.modules
from mmengine.config import Config
from mmengine.runner import Runner

cfg = Config.fromfile(sys.argv[1])
assert 'default_scope' not in cfg
runner = Runner.from_cfg(cfg)
assert 'predrnn' in sys.modules  # imported by custom_imports only
runner.train()
hooks = [type(h).__module__ + '.' + type(h).__name__ for h in runner.hooks]
print('RESULT ' + json.dumps(dict(
    scope=runner.default_scope.scope_name,
    model=type(runner.model).__module__,
    optim_wrapper=type(runner.optim_wrapper).__name__,
    visualizer=type(runner.visualizer).__name__,
    hooks=hooks,
    log_dir=runner.log_dir,
    mse=runner.message_hub.get_scalar('val/mse').current())))
"""


def test_runner_outside_the_scope_with_custom_imports(tmp_path):
    work_dir = tmp_path / 'work'
    config = tmp_path / 'prefixed_cfg.py'
    (tmp_path / 'data').mkdir()  # empty: stand-in digits
    config.write_text(CONFIG.format(
        work_dir=str(work_dir), data_root=str(tmp_path / 'data')))
    script = tmp_path / 'run.py'
    script.write_text(SCRIPT)
    env = dict(os.environ, OMP_NUM_THREADS='1', MKL_NUM_THREADS='1')
    env.pop('PYTHONPATH', None)
    proc = subprocess.run(
        [sys.executable, str(script), str(config)], cwd=str(tmp_path),
        env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-5000:]
    lines = [line for line in proc.stdout.splitlines()
             if line.startswith('RESULT ')]
    assert len(lines) == 1, proc.stdout[-3000:]
    result = json.loads(lines[0][len('RESULT '):])

    assert result['scope'] == 'mmengine'
    assert result['model'] == 'predrnn.models.predictors.predrnn_v2'
    assert result['optim_wrapper'] == 'AutocastOptimWrapper'
    assert result['visualizer'] == 'VideoVisualizer'
    assert any(h.endswith('VideoVisualizationHook') for h in result['hooks'])
    assert result['mse'] > 0

    # checkpoints of the 2 iterations, the best one by validation MSE
    for name in ('iter_2.pth', 'best_mse_iter_2.pth', 'last_checkpoint'):
        assert (work_dir / name).is_file(), sorted(os.listdir(work_dir))
    from mmengine.runner import CheckpointLoader
    ckpt = CheckpointLoader.load_checkpoint(
        str(work_dir / 'iter_2.pth'), map_location='cpu')
    assert ckpt['meta']['iter'] == 2
    assert any(k.startswith('net.cell_list.0.') for k in ckpt['state_dict'])
    # the prefixed hook ran during validation
    vis_image = os.path.join(result['log_dir'], 'vis_data', 'vis_image')
    assert os.listdir(vis_image) == ['val_clip_00000_2.png']
