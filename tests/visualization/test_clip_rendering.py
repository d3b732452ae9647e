"""Strip and GIF-frame layout, checked pixel region by pixel region."""
import numpy as np
import pytest
import torch

from predrnn.visualization import (draw_gif_frames, draw_video_strip,
                                   frames_to_rgb_uint8)

H, W, SEP = 6, 5, 2


def as_uint8(frame: np.ndarray) -> np.ndarray:
    """Expected 8-bit grey value of a (1, H, W) frame in [0, 1]."""
    return np.rint(np.clip(frame[0], 0, 1) * 255).astype(np.uint8)


def test_strip_layout_grey():
    rng = np.random.default_rng(0)
    inputs = rng.random((3, 1, H, W))
    gt = rng.random((2, 1, H, W))
    pred = torch.from_numpy(rng.random((2, 1, H, W)) * 1.4 - 0.2)
    strip = draw_video_strip(inputs, gt, pred, sep_width=SEP, sep_value=255)
    assert strip.dtype == np.uint8
    assert strip.shape == (3 * H + 2 * SEP, 3 * W + 2 * SEP, 3)
    # grey expanded to RGB
    assert (strip[..., 0] == strip[..., 1]).all()
    assert (strip[..., 0] == strip[..., 2]).all()
    rows = [inputs, gt, pred.numpy()]
    for r, frames in enumerate(rows):
        top = r * (H + SEP)
        for t, frame in enumerate(frames):
            left = t * (W + SEP)
            np.testing.assert_array_equal(
                strip[top:top + H, left:left + W, 0], as_uint8(frame))
        # shorter rows are padded with the separator colour
        end = len(frames) * (W + SEP) - SEP
        assert (strip[top:top + H, end:] == 255).all()
    # horizontal separators
    assert (strip[H:H + SEP] == 255).all()
    assert (strip[2 * H + SEP:2 * H + 2 * SEP] == 255).all()


def test_rgb_frames_and_scale():
    frames = np.random.default_rng(1).random((2, 3, H, W))
    images = frames_to_rgb_uint8(frames, scale=2)
    assert images.shape == (2, 2 * H, 2 * W, 3)
    np.testing.assert_array_equal(
        images[1, ::2, ::2], np.rint(frames[1].transpose(1, 2, 0) * 255))
    with pytest.raises(ValueError):
        frames_to_rgb_uint8(np.zeros((1, 2, H, W)))


def test_gif_frames_gt_left_pred_right():
    rng = np.random.default_rng(2)
    inputs, gt, pred = (rng.random((n, 1, H, W)) for n in (3, 2, 2))
    frames = draw_gif_frames(inputs, gt, pred, sep_width=SEP)
    assert len(frames) == 5
    for frame in frames:
        assert frame.shape == (H, 2 * W + SEP, 3)
    np.testing.assert_array_equal(frames[0][:, :W, 0], as_uint8(inputs[0]))
    np.testing.assert_array_equal(frames[0][:, W + SEP:, 0],
                                  as_uint8(inputs[0]))
    np.testing.assert_array_equal(frames[4][:, :W, 0], as_uint8(gt[1]))
    np.testing.assert_array_equal(frames[4][:, W + SEP:, 0],
                                  as_uint8(pred[1]))
    assert len(draw_gif_frames(inputs, gt, pred, with_inputs=False)) == 2
