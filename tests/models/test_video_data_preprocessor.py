"""VideoDataPreprocessor: uint8 -> [0, 1] float32, patched in SPEC 1 order."""
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
