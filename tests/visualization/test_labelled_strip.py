"""The labelled strip: its layout (label column, enlarged frames, rows),
frames drawn unchanged outside their step number, and the error row."""
import numpy as np

from predrnn.visualization.labelled_strip import (LABEL_WIDTH,
                                                  draw_labelled_strip,
                                                  error_images)

T_IN, T_OUT, H, W = 3, 4, 8, 12


def _clips(seed=0):
    rng = np.random.default_rng(seed)
    return (rng.random((T_IN, 1, H, W)), rng.random((T_OUT, 1, H, W)),
            rng.random((T_OUT, 1, H, W)))


def test_layout_and_enlargement():
    inputs, gt, pred = _clips()
    strip = draw_labelled_strip(inputs, gt, pred, min_frame_size=32)
    scale = 4  # ceil(32 / 8)
    rows, cols = 4, T_OUT  # observed, truth, forecast, error; widest row
    assert strip.shape == (rows * H * scale + (rows - 1) * 2,
                           LABEL_WIDTH + cols * (W * scale + 2) - 2, 3)
    # no truth: two rows, no error row
    strip = draw_labelled_strip(inputs, None, pred, min_frame_size=32)
    assert strip.shape[0] == 2 * H * scale + 2


def test_frames_are_nearest_neighbour_copies_below_their_number():
    inputs, gt, pred = _clips(1)
    scale = 4
    strip = draw_labelled_strip(inputs, gt, pred, min_frame_size=32)
    # truth row, frame 2: rows below the number's band (16 px) are exact
    top = H * scale + 2
    left = LABEL_WIDTH + 2 * (W * scale + 2)
    block = strip[top + 16:top + H * scale, left:left + W * scale, 0]
    want = np.rint(gt[2, 0] * 255).astype(np.uint8).repeat(
        scale, 0).repeat(scale, 1)[16:]
    np.testing.assert_array_equal(block, want)
    # the label column is drawn (not blank) for each row
    for r in range(4):
        band = strip[r * (H * scale + 2):r * (H * scale + 2) + 20,
                     :LABEL_WIDTH]
        assert (band < 128).any()


def test_error_row_scales_to_the_largest_error():
    gt = np.zeros((2, 1, H, W))
    pred = np.zeros((2, 1, H, W))
    pred[1, 0, 3, 5] = 0.5  # the only error
    images, peak = error_images(gt, pred, scale=1)
    assert peak == 0.5
    assert images.shape == (2, H, W, 3)
    # the error pixel has the colour map's top colour, all else its bottom
    assert (images[1, 3, 5] != images[0, 0, 0]).any()
    others = np.ones((2, H, W), bool)
    others[1, 3, 5] = False
    assert (images[others] == images[0, 0, 0]).all()
