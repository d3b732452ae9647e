"""tools/predict.py --conditions: "what if" forecasts of a conditioned model,
aligned with the model's own rollout, and clear errors."""
import os.path as osp
import sys

import numpy as np
import pytest
import torch

from predrnn.apis import forecast, load_forecaster
from predrnn.registry import MODELS

ROOT = osp.join(osp.dirname(__file__), '..', '..')
sys.path.insert(0, osp.join(ROOT, 'tools'))
import predict  # noqa: E402

IN, OUT, A, H, W = 3, 2, 2, 8, 12

CONFIG = f"""
default_scope = 'predrnn'
custom_imports = dict(imports=['predrnn'], allow_failed_imports=False)
model = dict(type='ActionCondPredRNNv2', condition_channels={A},
             in_frames={IN}, out_frames={OUT}, num_layers=1, num_hidden=4,
             kernel_size=3, data_preprocessor=dict(
                 type='ConditionedVideoDataPreprocessor', patch_size=2))
test_dataloader = dict(dataset=dict(type='ControllableMovingMNIST',
                                    layout='NTCHW'))
"""


@pytest.fixture(scope='module')
def setup(tmp_path_factory):
    """(config, checkpoint, clips (N, T, 1, H, W) uint8) of a conditioned
    model with random (but fixed) weights."""
    tmp = tmp_path_factory.mktemp('predict_cond')
    config = tmp / 'config.py'
    config.write_text(CONFIG)
    torch.manual_seed(0)
    model = MODELS.build(dict(
        type='ActionCondPredRNNv2', condition_channels=A, in_frames=IN,
        out_frames=OUT, num_layers=1, num_hidden=4, kernel_size=3,
        data_preprocessor=dict(type='ConditionedVideoDataPreprocessor',
                               patch_size=2)))
    with torch.no_grad():
        for p in model.parameters():
            p.normal_(0, 0.3)
    ckpt = tmp / 'model.pth'
    torch.save(dict(meta=dict(), state_dict=model.state_dict()), ckpt)
    rng = np.random.default_rng(0)
    clips = rng.integers(0, 255, (2, IN, 1, H, W), dtype=np.uint8)
    np.save(tmp / 'clips.npy', clips)
    return str(config), str(ckpt), clips, tmp


def run(setup, out, *extra):
    config, ckpt, _, tmp = setup
    return predict.main([config, ckpt, str(tmp / 'clips.npy'), '--layout',
                         'NTCHW', '--out-dir', str(out), '--device', 'cpu',
                         '--format', 'npy', *extra])


def test_forecast_follows_the_models_rollout(setup):
    """Row t of the conditions is the model's condition of window frame t:
    the forecast equals the model's own conditioned rollout."""
    model, _ = load_forecaster(*setup[:2])
    clips = torch.from_numpy(setup[2])
    cond = torch.randn(2, IN + OUT, A, generator=torch.Generator()
                       .manual_seed(1))
    data = model.data_preprocessor(dict(inputs=clips, conditions=cond))
    expected = model(data['inputs'], conditions=cond,
                     mode='tensor')[:, IN - 1:] * 255.
    got = forecast(model, clips, OUT, cond)
    torch.testing.assert_close(got, expected, atol=1e-3, rtol=1e-5)


def test_what_if_futures(setup, tmp_path):
    cond = np.zeros((IN + OUT + 2, A), np.float32)  # 4 future frames
    np.save(tmp_path / 'a.npy', cond)
    other = cond.copy()
    other[IN:] = [1.0, -1.0]  # only the future differs
    np.save(tmp_path / 'b.npy', other)
    for name in ('a', 'b', 'a2'):
        run(setup, tmp_path / name, '--future', '4', '--conditions',
            str(tmp_path / f'{name[0]}.npy'))
    a, b, a2 = (np.load(tmp_path / n / 'clips_npy_0_' / 'forecast.npy')
                for n in ('a', 'b', 'a2'))
    assert a.shape == (4, 1, H, W)
    np.testing.assert_array_equal(a, a2)
    # step IN-1 reads row IN-1 (same in both): the first forecast frame
    # agrees, the later ones follow the other future
    np.testing.assert_allclose(a[0], b[0], atol=1e-4)
    assert np.abs(a[1:] - b[1:]).max() > 1e-2


def test_per_clip_conditions(setup, tmp_path):
    cond = np.zeros((2, IN + OUT, A), np.float32)
    cond[1, IN:] = 3.0
    np.save(tmp_path / 'c.npy', cond)
    run(setup, tmp_path / 'out', '--conditions', str(tmp_path / 'c.npy'))
    model, _ = load_forecaster(*setup[:2])
    # each clip follows its own row (clip 1's future differs from clip 0's)
    for i in (0, 1):
        got = np.load(tmp_path / 'out' / f'clips_npy_{i}_' / 'forecast.npy')
        want = forecast(model, torch.from_numpy(setup[2][i:i + 1]), OUT,
                        torch.from_numpy(cond[i:i + 1]))[0].numpy()
        np.testing.assert_allclose(got, want, atol=1e-4)
    other = forecast(model, torch.from_numpy(setup[2][1:2]), OUT,
                     torch.from_numpy(cond[:1]))[0].numpy()
    assert np.abs(other - want).max() > 1e-2


@pytest.mark.parametrize('shape,match', [
    (None, 'is conditioned on 2 numbers per frame'),
    ((IN + OUT - 3, A), r'needs \(5, 2\)'),
    ((IN + OUT, A + 1), 'condition_channels=2'),
    ((3, IN + OUT, A), 'conditions for 3 clips but the input has 2'),
])
def test_errors_are_named(setup, tmp_path, shape, match):
    extra = []
    if shape is not None:
        np.save(tmp_path / 'c.npy', np.zeros(shape, np.float32))
        extra = ['--conditions', str(tmp_path / 'c.npy')]
    with pytest.raises(ValueError, match=match):
        run(setup, tmp_path / 'out', *extra)


def test_unconditioned_model_refuses_conditions(setup):
    model = MODELS.build(dict(
        type='PredRNNv2', in_frames=IN, out_frames=OUT, num_layers=1,
        num_hidden=4, kernel_size=3,
        data_preprocessor=dict(type='VideoDataPreprocessor', patch_size=2)))
    with pytest.raises(ValueError, match='not conditioned'):
        forecast(model.eval(), torch.zeros(1, IN, 1, H, W), OUT,
                 torch.zeros(IN + OUT, A))


@pytest.mark.parametrize('bad', [np.nan, np.inf])
def test_non_finite_conditions_are_refused_with_their_position(setup,
                                                               tmp_path,
                                                               bad):
    cond = np.zeros((2, IN + OUT, A), np.float32)
    cond[1, 3, 1] = bad
    np.save(tmp_path / 'c.npy', cond)
    with pytest.raises(ValueError, match=r'c\.npy holds (nan|inf) at clip 1, '
                       r'frame 3, condition 1'):
        run(setup, tmp_path / 'out', '--conditions', str(tmp_path / 'c.npy'))
    assert not (tmp_path / 'out').exists()  # no all-NaN forecast written
    np.save(tmp_path / 'c.npy', cond[1])
    with pytest.raises(ValueError, match=r'at frame 3, condition 1'):
        run(setup, tmp_path / 'out', '--conditions', str(tmp_path / 'c.npy'))


def test_non_finite_input_frames_are_refused_with_their_position(setup,
                                                                 tmp_path):
    config, ckpt, clips, _ = setup
    frames = clips.astype(np.float32) / 255
    frames[1, 2, 0, 4, 5] = np.nan
    np.save(tmp_path / 'float.npy', frames)
    np.save(tmp_path / 'c.npy', np.zeros((IN + OUT, A), np.float32))
    with pytest.raises(ValueError, match=r'float\.npy\[1\] holds nan at frame'
                       r' 2, channel 0, row 4, column 5'):
        predict.main([config, ckpt, str(tmp_path / 'float.npy'), '--layout',
                      'NTCHW', '--out-dir', str(tmp_path / 'out'),
                      '--device', 'cpu', '--format', 'npy', '--conditions',
                      str(tmp_path / 'c.npy')])
    assert not (tmp_path / 'out').exists()
