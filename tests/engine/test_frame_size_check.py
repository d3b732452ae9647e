"""The training frame size travels in the checkpoint (mmengine's
meta['dataset_meta']) and is compared with the frames a checkpoint is
tested or used on: a warning for other sizes, an error for layer-norm
models, whose LayerNorm shape is the frame size."""
import logging
import os.path as osp
import warnings
from types import SimpleNamespace

import pytest
import torch
from mmengine.config import Config

from predrnn.apis import forecast, load_forecaster
from predrnn.engine import (FrameSizeCheckHook, checkpoint_frame_size,
                            frame_size_check)
from predrnn.registry import MODELS

ROOT = osp.join(osp.dirname(__file__), '..', '..')


def _model_cfg(**kwargs):
    return dict(type='PredRNNv2', in_frames=2, out_frames=1, num_layers=1,
                num_hidden=4, kernel_size=3,
                data_preprocessor=dict(type='VideoDataPreprocessor',
                                       patch_size=2), **kwargs)


def _save(tmp_path, model_cfg, trained_size, name='m'):
    """Config and checkpoint (as mmengine saves it, with the training
    dataset's metainfo) of a tiny model."""
    config = tmp_path / f'{name}.py'
    config.write_text(f"default_scope = 'predrnn'\n"
                      f"custom_imports = dict(imports=['predrnn'])\n"
                      f"model = {model_cfg!r}\n")
    built = dict(model_cfg)
    if built.get('layer_norm'):
        built['frame_size'] = trained_size
    model = MODELS.build(built)
    ckpt = tmp_path / f'{name}.pth'
    torch.save(dict(meta=dict(dataset_meta=dict(
        dataset_name='SequenceDataset', frame_size=list(trained_size))),
        state_dict=model.state_dict()), ckpt)
    return str(config), str(ckpt)


def test_sizes_from_both_kinds_of_dataset_meta():
    assert checkpoint_frame_size(dict(meta=dict(dataset_meta=dict(
        frame_size=[16, 24])))) == (16, 24)
    assert checkpoint_frame_size(dict(meta=dict(dataset_meta=dict(
        dataset_name='MovingMNIST', image_size=32)))) == (32, 32)
    assert checkpoint_frame_size(dict(meta={})) is None


def test_forecast_on_another_size_warns_with_both_sizes(tmp_path):
    config, ckpt = _save(tmp_path, _model_cfg(), (16, 16))
    model, _ = load_forecaster(config, ckpt)
    assert model.trained_frame_size == (16, 16)
    frames = torch.zeros(1, 2, 1, 16, 16, dtype=torch.uint8)
    with warnings.catch_warnings():
        warnings.simplefilter('error')  # the trained size: no warning
        forecast(model, frames, 1)
    with pytest.warns(UserWarning, match=r'trained on 16x16 frames but the '
                      r'input has 24x32'):
        forecast(model, torch.zeros(1, 2, 1, 24, 32, dtype=torch.uint8), 1)


def test_layer_norm_checkpoint_of_another_size_is_refused(tmp_path):
    config, ckpt = _save(tmp_path, _model_cfg(layer_norm=True,
                                              frame_size=(24, 32)), (16, 16))
    with pytest.raises(ValueError, match=r'trained on 16x16 frames but the '
                       r'config builds a layer_norm model for 24x32.*'
                       r'model.frame_size=\(16, 16\)'):
        load_forecaster(config, ckpt)


def _runner(model, test_meta):
    dataset = SimpleNamespace(metainfo=test_meta)
    return SimpleNamespace(model=model, test_dataloader=SimpleNamespace(
        dataset=dataset))


def test_hook_warns_before_testing_on_another_size(monkeypatch):
    logged = []
    monkeypatch.setattr(frame_size_check, 'print_log',
                        lambda msg, logger=None, level=None:
                        logged.append((msg, level)))
    model = MODELS.build(_model_cfg())
    checkpoint = dict(meta=dict(dataset_meta=dict(frame_size=[16, 16])))
    hook = FrameSizeCheckHook()
    hook.after_load_checkpoint(_runner(model, None), checkpoint)
    hook.before_test(_runner(model, dict(frame_size=[16, 16])))
    assert logged == []
    hook.before_test(_runner(model, dict(image_size=24)))
    assert len(logged) == 1 and logged[0][1] == logging.WARNING
    assert 'trained on 16x16 frames but the test set has 24x24' in \
        logged[0][0]


def test_hook_refuses_a_layer_norm_model_of_another_size():
    model = MODELS.build(_model_cfg(layer_norm=True, frame_size=(24, 32)))
    checkpoint = dict(meta=dict(dataset_meta=dict(frame_size=[16, 16])))
    with pytest.raises(ValueError, match='layer_norm model for 24x32'):
        FrameSizeCheckHook().after_load_checkpoint(_runner(model, None),
                                                   checkpoint)
    hook = FrameSizeCheckHook()
    hook.trained = (16, 16)
    with pytest.raises(ValueError, match='cannot run on other frame sizes'):
        hook.before_test(_runner(model, dict(frame_size=[24, 32])))


def test_every_config_runs_the_hook():
    cfg = Config.fromfile(osp.join(ROOT, 'configs/_base_/default_runtime.py'))
    assert cfg.default_hooks.frame_size_check.type == \
        'predrnn.FrameSizeCheckHook'


def test_forecast_refuses_inputs_of_another_size_for_layer_norm():
    """A layer-norm model is built for one frame size: other input sizes
    are one clear error, not a shape error from inside LayerNorm."""
    model = MODELS.build(_model_cfg(layer_norm=True, frame_size=(16, 16)))
    model.eval()
    forecast(model, torch.zeros(1, 2, 1, 16, 16, dtype=torch.uint8), 1)
    with pytest.raises(ValueError, match=r'24x32 but the model \(layer_norm\)'
                       r' was built for 16x16'):
        forecast(model, torch.zeros(1, 2, 1, 24, 32, dtype=torch.uint8), 1)
