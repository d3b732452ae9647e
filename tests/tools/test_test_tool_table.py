"""tools/test.py's printed table: every scalar metric, its own baseline."""
import importlib.util
import math
import os.path as osp

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
_spec = importlib.util.spec_from_file_location(
    'predrnn_test_tool_table', osp.join(ROOT, 'tools', 'test.py'))
test_tool = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(test_tool)


def _rows(capsys, metrics):
    test_tool.print_table(metrics)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:2] == ['metric', 'model']
    return [line.split() for line in lines[2:]]


def test_new_keys_and_prefixed_baselines_are_shown(capsys):
    metrics = {
        'mse': 24.0, 'mse_units': 1536.0, 'lpips': 0.07,
        'csi_20': 0.5, 'pod_20': math.nan,
        'copy_last/mse': 40.0, 'copy_last/mse_units': 2560.0,
        'copy_last/csi_20': 0.25, 'copy_last/pod_20': math.nan,
        'mse_per_step': [20.0, 28.0],  # curves are not rows
        'authors/mse': 23.0, 'authors/copy_last/mse': 39.0,
        'authors/ssim': 0.9,  # no baseline: '-'
    }
    rows = _rows(capsys, metrics)
    assert rows == [
        ['mse', '24.0000', '40.0000'],
        ['mse_units', '1536.0000', '2560.0000'],
        ['lpips', '0.0700', '-'],
        ['csi_20', '0.5000', '0.2500'],
        ['pod_20', 'nan', 'nan'],
        ['authors/mse', '23.0000', '39.0000'],
        ['authors/ssim', '0.9000', '-'],
    ]
