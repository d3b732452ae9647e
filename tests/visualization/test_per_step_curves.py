"""plot_per_step_curves writes a readable image."""
import cv2
import pytest

from predrnn.visualization import plot_per_step_curves


def test_plot_per_step_curves(tmp_path):
    curve = [1.0, 2.0, 3.0]
    metrics = {}
    for name in ('mse', 'ssim', 'psnr'):
        metrics[f'{name}_per_step'] = curve
        metrics[f'copy_last/{name}_per_step'] = curve[::-1]
    out = plot_per_step_curves(metrics, str(tmp_path / 'plots' / 'c.png'),
                               title='test')
    image = cv2.imread(out)
    assert image is not None and image.ndim == 3
    assert image.shape[0] > 100 and image.shape[1] > 300


def test_plot_needs_per_step_keys(tmp_path):
    with pytest.raises(KeyError):
        plot_per_step_curves({'mse': 1.0}, str(tmp_path / 'c.png'))
