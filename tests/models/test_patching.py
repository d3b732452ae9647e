"""Space-to-channel patching (docs/en/model.md): channel ``(i*p + j)*C + c``
holds pixel ``(row = hp*p + i, col = wp*p + j, channel c)``."""
import pytest
import torch
import torch.nn.functional as F

from _spec_reference import ref_patch, ref_unpatch
from predrnn.models.utils import (check_patchable, patch_frames,
                                  patched_shape, unpatch_frames)


def _coded_image(c, h, w):
    """Each pixel holds the unique code 10000*c + 100*row + col."""
    img = torch.empty(c, h, w, dtype=torch.float64)
    for ch in range(c):
        for r in range(h):
            for col in range(w):
                img[ch, r, col] = ch * 10000 + r * 100 + col
    return img


@pytest.mark.parametrize('c', [1, 2, 3])
@pytest.mark.parametrize('p', [2, 3])
def test_channel_order_by_hand(c, p):
    h, w = 2 * p, 3 * p  # non-square
    img = _coded_image(c, h, w)
    out = patch_frames(img, p)
    assert out.shape == (p * p * c, h // p, w // p)
    for hp in range(h // p):
        for wp in range(w // p):
            for i in range(p):
                for j in range(p):
                    for ch in range(c):
                        want = img[ch, hp * p + i, wp * p + j]
                        got = out[(i * p + j) * c + ch, hp, wp]
                        assert got == want, (hp, wp, i, j, ch)


def test_single_pixel_lands_where_spec_says():
    """C=3, p=2: pixel (row 3, col 4, channel 1) -> hp=1, i=1, wp=2, j=0
    -> channel (1*2 + 0)*3 + 1 = 7 at (1, 2); and nothing else is set."""
    img = torch.zeros(3, 4, 6)
    img[1, 3, 4] = 1.0
    out = patch_frames(img, 2)
    assert out.shape == (12, 2, 3)
    assert out[7, 1, 2] == 1.0
    assert out.sum() == 1.0
    # pixel_unshuffle would put it at channel c*p*p + i*p + j = 4 + 2 = 6
    assert F.pixel_unshuffle(img[None], 2)[0, 6, 1, 2] == 1.0


@pytest.mark.parametrize('c', [2, 3])
def test_differs_from_pixel_unshuffle_for_several_channels(c):
    img = torch.rand(c, 4, 6, generator=torch.Generator().manual_seed(0))
    ours = patch_frames(img, 2)
    theirs = F.pixel_unshuffle(img[None], 2)[0]
    assert ours.shape == theirs.shape
    assert not torch.equal(ours, theirs)
    # same values, permuted channels: ours[(i*p+j)*C + c] = theirs[c*p*p + i*p + j]
    for i in range(2):
        for j in range(2):
            for ch in range(c):
                assert torch.equal(ours[(i * 2 + j) * c + ch],
                                   theirs[ch * 4 + i * 2 + j])


def test_equals_pixel_unshuffle_for_one_channel():
    img = torch.rand(2, 5, 1, 8, 12, generator=torch.Generator().manual_seed(1))
    assert torch.equal(patch_frames(img, 4),
                       F.pixel_unshuffle(img.flatten(0, 1), 4).reshape(
                           2, 5, 16, 2, 3))


@pytest.mark.parametrize('shape', [(3, 8, 12), (2, 3, 8, 12),
                                   (2, 5, 2, 8, 12), (1, 1, 1, 4, 4)])
@pytest.mark.parametrize('p', [1, 2, 4])
def test_round_trip_and_reference(shape, p):
    x = torch.rand(*shape, generator=torch.Generator().manual_seed(2))
    y = patch_frames(x, p)
    *lead, c, h, w = shape
    assert y.shape == (*lead, p * p * c, h // p, w // p)
    assert torch.equal(y, ref_patch(x, p))
    assert torch.equal(unpatch_frames(y, p), x)
    z = torch.rand(*y.shape, generator=torch.Generator().manual_seed(3))
    assert torch.equal(unpatch_frames(z, p), ref_unpatch(z, p))
    assert torch.equal(patch_frames(unpatch_frames(z, p), p), z)


@pytest.mark.parametrize('h,w,p', [(9, 12, 2), (8, 10, 4), (7, 7, 3)])
def test_non_divisible_sizes_raise(h, w, p):
    with pytest.raises(ValueError) as err:
        patch_frames(torch.zeros(1, h, w), p)
    msg = str(err.value)
    assert f'{h}x{w}' in msg and str(p) in msg
    with pytest.raises(ValueError, match=f'{h}x{w}'):
        check_patchable(h, w, p)
    with pytest.raises(ValueError, match=f'{h}x{w}'):
        patched_shape(1, h, w, p)


def test_unpatch_rejects_bad_channel_count():
    with pytest.raises(ValueError, match='6 channels'):
        unpatch_frames(torch.zeros(6, 2, 2), 2)


def test_patched_shape_and_bad_patch_size():
    assert patched_shape(3, 8, 12, 2) == (12, 4, 6)
    assert patched_shape(1, 64, 64, 4) == (16, 16, 16)
    with pytest.raises(ValueError, match='patch_size'):
        check_patchable(8, 8, 0)
