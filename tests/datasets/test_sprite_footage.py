"""sprites_on_photo: deterministic, sprites move and enter/leave, the
photograph stays still apart from noise and lighting."""
import numpy as np
import pytest

from predrnn.datasets.sprite_footage import photo_background, sprites_on_photo

T, H, W = 60, 24, 32


def test_same_seed_same_bytes_other_seed_other_frames():
    a = sprites_on_photo(T, H, W, seed=3)
    assert a.shape == (T, H, W, 3) and a.dtype == np.uint8
    assert a.tobytes() == sprites_on_photo(T, H, W, seed=3).tobytes()
    assert a.tobytes() != sprites_on_photo(T, H, W, seed=4).tobytes()


def test_without_noise_and_lighting_frames_differ_only_at_sprites():
    frames, layers = sprites_on_photo(T, H, W, num_sprites=4, noise_std=0,
                                      lighting=0, max_size=6,
                                      return_layers=True)
    masks, bg = layers['masks'], np.rint(layers['background'])
    # the background is the photograph wherever no sprite is
    assert (frames[~masks] == bg[None].repeat(T, 0)[~masks]).all()
    changed = (frames[1:] != frames[:-1]).any(axis=3)
    assert changed.any(axis=(1, 2)).mean() > 0.9  # sprites move
    assert not (changed & ~(masks[1:] | masks[:-1])).any()
    # small objects: a few per cent of the frame, not most of it
    assert 0 < masks.mean() < 0.25
    # sprites keep moving: the covered pixels of frames 0 and 30 differ
    assert (masks[0] != masks[30]).sum() > 10


def test_sprites_enter_and_leave():
    _, layers = sprites_on_photo(300, H, W, num_sprites=3, noise_std=0,
                                 lighting=0, return_layers=True)
    border = layers['masks'][:, [0, -1]].any(axis=(1, 2)) | \
        layers['masks'][:, :, [0, -1]].any(axis=(1, 2))
    assert border.mean() > 0.2  # sprites cross the borders often
    # new sprites come in: coverage is never stuck at zero for long
    assert layers['masks'].any(axis=(1, 2)).mean() > 0.9


def test_background_static_apart_from_noise_and_lighting():
    frames, layers = sprites_on_photo(T, H, W, noise_std=2.0, lighting=0.1,
                                      return_layers=True)
    still = ~layers['masks']
    lit = layers['background'][None] * layers['gain'][:, None, None, None]
    residual = (frames.astype(np.float32) - lit)[still]
    inner = (lit[still] > 10) & (lit[still] < 245)  # clipping aside
    assert residual[inner].std() == pytest.approx(2.0, rel=0.15)
    assert abs(residual[inner].mean()) < 0.2
    gain = layers['gain']
    assert 0.9 - 1e-6 <= gain.min() and gain.max() <= 1.1 + 1e-6
    assert np.abs(np.diff(gain)).max() < 0.1 * 2 * np.pi / 200 + 1e-6


def test_photo_is_textured_and_bad_arguments_are_named():
    bg = photo_background('camera', H, W, np.random.default_rng(0))
    assert bg.shape == (H, W, 3) and bg.std() > 10
    with pytest.raises(ValueError, match="photo must be one of"):
        photo_background('lena', H, W, np.random.default_rng(0))
    with pytest.raises(ValueError, match='lighting'):
        sprites_on_photo(4, H, W, lighting=1.5)
