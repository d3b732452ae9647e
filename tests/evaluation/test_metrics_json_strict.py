"""metrics.json is strict JSON: non-finite numbers are null, never NaN."""
import json

import numpy as np
import pytest
import torch

from predrnn.evaluation import dump_metrics_json


def strict_load(path):
    """``json.load`` that refuses the non-JSON tokens NaN and Infinity."""
    def refuse(token):
        raise ValueError(f'not JSON: {token}')

    with open(path, encoding='utf-8') as f:
        return json.load(f, parse_constant=refuse)


def test_non_finite_values_are_null(tmp_path):
    metrics = {
        'mse': float('nan'),
        'psnr': np.float64('inf'),
        'ssim': np.float32(0.5),
        'mse_per_step': np.array([1.0, np.nan, -np.inf]),
        'mae_per_step': torch.tensor([2.0, float('inf')]),
        'psnr_per_step': np.array([1.5, 2.5], dtype=np.float32),
        'counts': np.arange(2),
    }
    out = dump_metrics_json(metrics, str(tmp_path / 'metrics.json'))
    assert strict_load(out) == {
        'mse': None,
        'psnr': None,
        'ssim': 0.5,
        'mse_per_step': [1.0, None, None],
        'mae_per_step': [2.0, None],
        'psnr_per_step': [1.5, 2.5],
        'counts': [0, 1],
    }


def test_failed_write_keeps_the_old_file(tmp_path):
    out = tmp_path / 'metrics.json'
    dump_metrics_json({'mse': 1.0}, str(out))
    with pytest.raises(TypeError):
        dump_metrics_json({'mse': object()}, str(out))
    assert strict_load(str(out)) == {'mse': 1.0}
    assert sorted(p.name for p in tmp_path.iterdir()) == ['metrics.json']
