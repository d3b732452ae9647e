"""dump_metrics_json writes scalars and per-step arrays that read back."""
import json

import numpy as np
import torch

from predrnn.evaluation import dump_metrics_json


def test_dump_metrics_json_round_trip(tmp_path):
    metrics = {
        'mse': np.float64(24.5),
        'ssim': 0.9,
        'mse_per_step': np.arange(3, dtype=np.float32),
        'copy_last/psnr_per_step': torch.tensor([1.0, 2.0]),
        'nested': {'count': np.int64(3), 'values': (1, 2)},
    }
    out = dump_metrics_json(metrics, str(tmp_path / 'a' / 'metrics.json'))
    with open(out, encoding='utf-8') as f:
        loaded = json.load(f)
    assert loaded == {
        'mse': 24.5,
        'ssim': 0.9,
        'mse_per_step': [0.0, 1.0, 2.0],
        'copy_last/psnr_per_step': [1.0, 2.0],
        'nested': {'count': 3, 'values': [1, 2]},
    }
