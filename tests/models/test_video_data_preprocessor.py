"""VideoDataPreprocessor: uint8 -> [0, 1] float32, patched in docs/en/model.md
order."""
import logging

import pytest
import torch

from _spec_reference import ref_patch
from predrnn.models import VideoDataPreprocessor
from predrnn.registry import MODELS

B, T, C, H, W, P = 2, 5, 3, 8, 12, 2


def _uint8(seed=0, shape=(B, T, C, H, W)):
    gen = torch.Generator().manual_seed(seed)
    return torch.randint(0, 256, shape, generator=gen, dtype=torch.uint8)


def test_uint8_scaled_by_1_over_255_and_patched():
    pre = VideoDataPreprocessor(patch_size=P)
    raw = _uint8()
    raw[0, 0, 0, 0, 0] = 255
    raw[0, 0, 0, 0, 1] = 0
    out = pre(dict(inputs=raw))
    x = out['inputs']
    assert x.dtype == torch.float32
    assert x.shape == (B, T, P * P * C, H // P, W // P)
    expected = ref_patch(raw.double() / 255.0, P).float()
    torch.testing.assert_close(x, expected, rtol=0, atol=1e-7)
    assert x.min() >= 0 and x.max() <= 1
    assert x.max() == 1.0  # 255 -> exactly 1
    assert out.get('data_samples') is None


def test_float_passthrough():
    pre = VideoDataPreprocessor(patch_size=P)
    gen = torch.Generator().manual_seed(1)
    x = torch.rand(B, T, C, H, W, generator=gen)
    out = pre(dict(inputs=x))['inputs']
    assert out.dtype == torch.float32
    assert torch.equal(out, ref_patch(x, P))  # not divided by 255 again
    x64 = x.double()
    out64 = pre(dict(inputs=x64))['inputs']
    assert out64.dtype == torch.float32
    torch.testing.assert_close(out64, ref_patch(x, P))


def test_list_of_clips_is_stacked():
    pre = VideoDataPreprocessor(patch_size=P)
    clips = [_uint8(seed=s, shape=(T, C, H, W)) for s in range(3)]
    out = pre(dict(inputs=clips))['inputs']
    assert out.shape == (3, T, P * P * C, H // P, W // P)
    expected = ref_patch(torch.stack(clips).double() / 255.0, P).float()
    torch.testing.assert_close(out, expected, rtol=0, atol=1e-7)
    out_t = pre(dict(inputs=tuple(clips)))['inputs']
    assert torch.equal(out, out_t)


def test_data_samples_passed_through():
    pre = VideoDataPreprocessor(patch_size=P)
    samples = [dict(idx=0), dict(idx=1)]
    out = pre(dict(inputs=_uint8(), data_samples=samples))
    assert out['data_samples'] is samples


@pytest.mark.parametrize('shape', [(T, C, H, W), (B, T, C, H, W, 1),
                                   (H, W)])
def test_wrong_ndim_raises(shape):
    pre = VideoDataPreprocessor(patch_size=P)
    with pytest.raises(ValueError, match=r'\(B, T, C, H, W\)'):
        pre(dict(inputs=torch.zeros(shape, dtype=torch.uint8)))


def test_non_divisible_raises():
    pre = VideoDataPreprocessor(patch_size=4)
    with pytest.raises(ValueError, match='8x10'):
        pre(dict(inputs=torch.zeros(1, 2, 1, 8, 10, dtype=torch.uint8)))


def test_not_a_batch_dict_raises():
    pre = VideoDataPreprocessor(patch_size=P)
    with pytest.raises(TypeError, match='inputs'):
        pre([torch.zeros(B, T, C, H, W)])
    with pytest.raises(TypeError):
        pre(dict(frames=torch.zeros(B, T, C, H, W)))


def test_patch_size_validation_and_registry():
    with pytest.raises(ValueError):
        VideoDataPreprocessor(patch_size=0)
    pre = MODELS.build(dict(type='VideoDataPreprocessor', patch_size=4))
    assert isinstance(pre, VideoDataPreprocessor) and pre.patch_size == 4
    # training flag does not change the result
    raw = _uint8(seed=4, shape=(1, 2, 1, 8, 8))
    assert torch.equal(pre(dict(inputs=raw), True)['inputs'],
                       pre(dict(inputs=raw), False)['inputs'])
    # patch size 1: only scaling
    one = VideoDataPreprocessor(patch_size=1)
    torch.testing.assert_close(one(dict(inputs=raw))['inputs'],
                               raw.float() / 255.0)


# --------------------------------------------------------------------- #
# a wrong scale never trains in silence
# --------------------------------------------------------------------- #
def test_float_frames_in_0_255_are_refused_with_range_and_fix():
    pre = VideoDataPreprocessor(patch_size=P)
    x = torch.rand(B, T, C, H, W) * 255.0  # a dataset returning 0-255 floats
    with pytest.raises(ValueError) as err:
        pre(dict(inputs=x))
    message = str(err.value)
    assert '[0, 1]' in message
    assert f'{x.min().item():.4g}' in message and f'{x.max().item():.4g}' \
        in message  # observed range
    assert 'normalization' in message  # the fix


def test_other_integer_dtypes_without_normalization_are_refused():
    pre = VideoDataPreprocessor(patch_size=P)
    with pytest.raises(ValueError, match='int16.*normalization'):
        pre(dict(inputs=torch.zeros(B, T, C, H, W, dtype=torch.int16)))


def test_range_check_can_be_disabled():
    pre = VideoDataPreprocessor(patch_size=1, check_range=False)
    x = torch.full((1, 2, 1, 2, 2), 3.0)
    torch.testing.assert_close(pre(dict(inputs=x))['inputs'], x)


@pytest.mark.parametrize('dtype', [torch.uint8, torch.int16, torch.float32])
def test_declared_normalization_maps_data_units_per_channel(dtype):
    # data_units = normalised * scale + offset per channel (the contract of
    # the dataset's metainfo['normalization'])
    scale, offset = [2.0, 4.0, 10.0], [1.0, -2.0, 0.0]
    pre = VideoDataPreprocessor(patch_size=1)
    pre.set_normalization(dict(kind='meanstd', scale=scale, offset=offset,
                               units=None, data_range=None))
    raw = _uint8(seed=3).to(dtype)
    out = pre(dict(inputs=raw))['inputs']
    expected = (raw.double() - torch.tensor(offset).view(1, 1, 3, 1, 1)) / \
        torch.tensor(scale).view(1, 1, 3, 1, 1)
    torch.testing.assert_close(out, expected.float())
    back = pre.denormalize(out)  # (B, T, C, H, W) in data units
    torch.testing.assert_close(back, raw.float(), atol=1e-4, rtol=0)


def test_declared_range_refuses_data_outside_it_with_observed_range():
    pre = VideoDataPreprocessor(patch_size=1)
    pre.set_normalization(dict(kind='range', scale=[70.0], offset=[0.0],
                               units='dBZ', data_range=[0.0, 70.0]))
    ok = torch.rand(1, 2, 1, 4, 4) * 70
    torch.testing.assert_close(pre(dict(inputs=ok))['inputs'], ok / 70)
    bad = ok.clone()
    bad[0, 1, 0, 0, 0] = 95.0
    with pytest.raises(ValueError, match=r'95.*\[0, 70\] dBZ'):
        pre(dict(inputs=bad))


def test_normalization_channels_must_match():
    pre = VideoDataPreprocessor(patch_size=P)
    pre.set_normalization(dict(kind='minmax', scale=[255.0, 1.0],
                               offset=[0.0, 0.0], units=None,
                               data_range=None))
    with pytest.raises(ValueError, match='2 channels.*3'):
        pre(dict(inputs=_uint8()))


def test_range_declared_in_config_broadcasts_over_channels():
    # uint8 RGB with data_range [0, 255]: identical to the default path
    pre = VideoDataPreprocessor(patch_size=P,
                                normalization=dict(kind='range',
                                                   data_range=[0, 255]))
    raw = _uint8(seed=5)
    expected = VideoDataPreprocessor(patch_size=P)(dict(inputs=raw))
    torch.testing.assert_close(pre(dict(inputs=raw))['inputs'],
                               expected['inputs'])
    assert pre.normalization['scale'] == [255.0]
    with pytest.raises(ValueError, match='data_range'):
        VideoDataPreprocessor(normalization=dict(kind='range'))


def test_minmax_warns_once_when_data_leaves_the_training_range(
        monkeypatch):
    """kind='minmax' accepts later data outside the training split's
    range (the model extrapolates) but says so once, with the range."""
    from predrnn.models.data_preprocessors import video_data_preprocessor
    logged = []
    monkeypatch.setattr(video_data_preprocessor, 'print_log',
                        lambda msg, **kw: logged.append((msg, kw)))
    pre = VideoDataPreprocessor(patch_size=1, normalization=dict(
        kind='minmax', scale=[10.0, 2.0], offset=[0.0, 5.0],
        data_range=[0.0, 10.0]))
    inside = torch.zeros(1, 2, 2, 4, 4)
    inside[:, :, 0] = 10.0  # channel 0 at its training max
    inside[:, :, 1] = 5.0  # channel 1 at its training min
    pre(dict(inputs=inside))
    assert logged == []
    outside = inside.clone()
    outside[0, 0, 1, 0, 0] = 8.0  # channel 1's training range is [5, 7]
    out = pre(dict(inputs=outside))['inputs']
    assert out.max().item() == pytest.approx(1.5)  # still normalised
    assert len(logged) == 1
    msg, kwargs = logged[0]
    assert "kind='minmax'" in msg and '1.5' in msg and 'range' in msg
    assert kwargs.get('level') == logging.WARNING
    pre(dict(inputs=outside))
    assert len(logged) == 1  # once


RESOLVED = dict(kind='meanstd', scale=[20.0, 30.0, 40.0],
                offset=[1.0, 2.0, 3.0], units='K', data_range=[-5.0, 90.0])


def _model(**pre):
    return MODELS.build(dict(
        type='PredRNNv2', in_frames=2, out_frames=2, frame_channels=C,
        backbone=dict(num_layers=1, num_hidden=4, kernel_size=3),
        data_preprocessor=dict(type='VideoDataPreprocessor', patch_size=P,
                               **pre)))


def test_normalization_is_saved_and_loaded_with_the_weights(tmp_path):
    """A model that trained with a normalisation carries it in its
    state_dict (weights_only-loadable); a fresh model takes it on load and
    normalises as the trained one."""
    trained = _model()
    trained.data_preprocessor.set_normalization(RESOLVED)
    path = tmp_path / 'w.pth'
    torch.save(trained.state_dict(), path)
    fresh = _model()
    assert fresh.data_preprocessor.normalization is None
    fresh.load_state_dict(torch.load(path, weights_only=True), strict=True)
    got = fresh.data_preprocessor.normalization
    assert {k: got[k] for k in ('kind', 'scale', 'offset', 'data_range')} == {
        k: RESOLVED[k] for k in ('kind', 'scale', 'offset', 'data_range')}
    clips = torch.rand(B, T, C, H, W) * 80
    assert torch.equal(fresh.data_preprocessor(dict(inputs=clips))['inputs'],
                       trained.data_preprocessor(dict(inputs=clips))['inputs'])
    # and back to none
    fresh.load_state_dict(_model().state_dict())
    assert fresh.data_preprocessor.normalization is None


def test_an_unknown_normalization_kind_is_refused_on_load():
    state = _model().state_dict()
    state['data_preprocessor.kind'] = torch.tensor(7.)
    with pytest.raises(RuntimeError, match='kind: 7.0 is no normalisation'):
        _model().load_state_dict(state)


def test_older_checkpoints_keep_the_configured_normalization():
    """Weights without the normalisation (older checkpoints, converted
    reference checkpoints) load, strictly too, and leave the config's."""
    declared = dict(kind='range', data_range=[0, 4095])
    model = _model(normalization=declared)
    old = {k: v for k, v in _model().state_dict().items()
           if not k.startswith('data_preprocessor.')}
    model.load_state_dict(old, strict=True)
    assert model.data_preprocessor.normalization['data_range'] == [0, 4095]


def test_buffer_shapes_do_not_change_under_the_model():
    """The model reserves its frame channels: setting a normalisation later
    keeps every buffer's shape (an EMA copy syncs buffers in place), and
    one of other channels is refused when it is set."""
    from mmengine.model import ExponentialMovingAverage
    model = _model()
    ema = ExponentialMovingAverage(model)
    shapes = {k: v.shape for k, v in model.data_preprocessor.state_dict()
              .items()}
    model.data_preprocessor.set_normalization(
        dict(kind='range', data_range=[0, 70]))  # one value, all channels
    assert {k: v.shape for k, v in model.data_preprocessor.state_dict()
            .items()} == shapes
    model.data_preprocessor.set_normalization(RESOLVED)
    assert {k: v.shape for k, v in model.data_preprocessor.state_dict()
            .items()} == shapes
    ema.update_parameters(model)  # syncs the buffers in place
    assert torch.equal(ema.module.data_preprocessor.scale,
                       model.data_preprocessor.scale)
    with pytest.raises(ValueError, match='2 channels but the data has 3'):
        model.data_preprocessor.set_normalization(dict(
            RESOLVED, scale=[1.0, 2.0], offset=[0.0, 0.0]))


def test_data_of_other_channels_than_the_buffers_is_refused():
    """One-channel data must not broadcast against three-channel buffers."""
    model = _model()
    model.data_preprocessor.set_normalization(RESOLVED)
    with pytest.raises(ValueError, match='3 channels but the data has 1'):
        model.data_preprocessor(dict(inputs=torch.rand(B, T, 1, H, W)))


def test_forecaster_takes_the_normalization_from_the_weights(tmp_path):
    """load_forecaster: a checkpoint whose weights carry the normalisation
    needs no meta and no normalization.json; the unit's name (a label)
    comes from the config."""
    from predrnn.apis import load_forecaster
    trained = _model()
    trained.data_preprocessor.set_normalization(RESOLVED)
    ckpt = tmp_path / 'w.pth'
    torch.save(dict(meta=dict(), state_dict=trained.state_dict()), ckpt)
    config = tmp_path / 'cfg.py'
    config.write_text(
        "default_scope = 'predrnn'\n"
        f"model = dict(type='PredRNNv2', in_frames=2, out_frames=2, "
        f"frame_channels={C}, backbone=dict(num_layers=1, num_hidden=4, "
        f"kernel_size=3), data_preprocessor=dict("
        f"type='VideoDataPreprocessor', patch_size={P}))\n"
        "test_dataloader = dict(dataset=dict(normalization=dict("
        "kind='meanstd', units='K')))\n")
    model, _ = load_forecaster(str(config), str(ckpt))
    norm = model.data_preprocessor.normalization
    assert norm['scale'] == RESOLVED['scale'] and norm['units'] == 'K'
    clips = torch.rand(1, 2, C, H, W) * 80
    torch.testing.assert_close(model.forecast(clips, 2),
                               trained.eval().forecast(clips, 2))
