"""Per-frame measures on hand-made frames whose values are known."""
import numpy as np
import pytest

from predrnn.evaluation import (MSE_FLOOR, PSNR_CAP_DB, frame_mae, frame_mse,
                                frame_psnr, frame_ssim)


def test_known_values():
    gt = np.zeros((2, 1, 8, 8))
    pred = np.zeros((2, 1, 8, 8))
    pred[0] = 0.1  # every pixel off by 0.1
    pred[1, 0, 0, 0] = 1.0  # one pixel off by 1
    np.testing.assert_allclose(frame_mse(pred, gt), [64 * 0.01, 1.0])
    np.testing.assert_allclose(frame_mae(pred, gt), [64 * 0.1, 1.0])
    np.testing.assert_allclose(
        frame_psnr(pred, gt), [20.0, -10 * np.log10(1 / 64)])


def test_psnr_cap_is_continuous():
    gt = np.zeros((2, 1, 4, 4))
    pred = np.zeros((2, 1, 4, 4))
    pred[1] = np.sqrt(MSE_FLOOR)  # mean squared error exactly at the floor
    np.testing.assert_allclose(frame_psnr(pred, gt), [PSNR_CAP_DB] * 2)
    assert PSNR_CAP_DB == pytest.approx(-10 * np.log10(MSE_FLOOR))


def test_ssim_identical_and_shape_checks():
    frames = np.random.default_rng(0).random((3, 2, 9, 9))
    np.testing.assert_allclose(frame_ssim(frames, frames), np.ones(3))
    with pytest.raises(ValueError):
        frame_mse(frames, frames[:2])
    with pytest.raises(ValueError):
        frame_ssim(frames[0], frames[0])


def test_psnr_peak_is_the_data_range():
    gt = np.zeros((1, 1, 4, 4))
    pred = np.full((1, 1, 4, 4), 25.5)  # 10 % of a 255 peak everywhere
    np.testing.assert_allclose(frame_psnr(pred, gt, data_range=255.0), [20.0])
    # the cap applies to the relative error, whatever the peak
    np.testing.assert_allclose(
        frame_psnr(gt + 1e-4, gt, data_range=255.0), [PSNR_CAP_DB])
