"""Plot per-timestep metric curves of a model and the copy-last baseline."""
import os
import os.path as osp
from typing import Any, Mapping, Optional, Sequence

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

#: Axis labels of the measures :func:`plot_per_step_curves` knows.
_LABELS = {
    'mse': 'MSE per frame',
    'mae': 'MAE per frame',
    'psnr': 'PSNR (dB)',
    'ssim': 'SSIM',
}


def plot_per_step_curves(metrics: Mapping[str, Any],
                         out_file: str,
                         names: Sequence[str] = ('mse', 'ssim', 'psnr'),
                         prefix: str = '',
                         baseline_prefix: str = 'copy_last/',
                         model_label: str = 'model',
                         baseline_label: str = 'copy last frame',
                         title: Optional[str] = None) -> str:
    """Plot per-timestep curves, one panel per measure, model and baseline.

    Reads ``metrics[prefix + name + '_per_step']`` (the model) and
    ``metrics[prefix + baseline_prefix + name + '_per_step']`` (the baseline,
    drawn dashed when present), as returned by
    :class:`~predrnn.evaluation.VideoPredictionMetric` with
    ``return_per_step=True``. Uses matplotlib's Agg canvas directly, so it
    never touches pyplot's global backend.

    Args:
        metrics (Mapping[str, Any]): Metrics with per-step lists or arrays.
        out_file (str): Image path (format from the extension, e.g. ``.png``);
            parent folders are created.
        names (Sequence[str]): Measures to plot. Defaults to
            ``('mse', 'ssim', 'psnr')``.
        prefix (str): Prefix of the keys, e.g. the evaluator's
            ``'<prefix>/'``. Defaults to ``''``.
        baseline_prefix (str): Key prefix of the baseline. Defaults to
            ``'copy_last/'``.
        model_label (str): Legend of the model's curves. Defaults to
            ``'model'``.
        baseline_label (str): Legend of the baseline's curves. Defaults to
            ``'copy last frame'``.
        title (str, optional): Figure title. Defaults to None.

    Returns:
        str: ``out_file``.
    """
    fig = Figure(figsize=(4.0 * len(names), 3.4), dpi=100)
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, len(names), squeeze=False)[0]
    for ax, name in zip(axes, names):
        key = f'{prefix}{name}_per_step'
        if key not in metrics:
            raise KeyError(f'{key!r} not in metrics; evaluate with '
                           'VideoPredictionMetric(return_per_step=True)')
        curve = np.asarray(metrics[key], dtype=np.float64)
        steps = np.arange(1, curve.size + 1)
        ax.plot(steps, curve, marker='o', label=model_label)
        baseline_key = f'{prefix}{baseline_prefix}{name}_per_step'
        if baseline_key in metrics:
            ax.plot(
                steps,
                np.asarray(metrics[baseline_key], dtype=np.float64),
                marker='s',
                linestyle='--',
                label=baseline_label)
        ax.set_xlabel('future time step')
        ax.set_ylabel(_LABELS.get(name, name))
        ax.set_xticks(steps)
        ax.grid(True, alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    os.makedirs(osp.dirname(osp.abspath(out_file)), exist_ok=True)
    fig.savefig(out_file)
    return out_file
