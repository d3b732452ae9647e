"""tools/analysis_tools/benchmark.py on a tiny model: it runs end to end,
both implementations agree on the same weights, and the bf16 accuracy check
reads a checkpoint."""
import importlib.util
import os.path as osp

import pytest
import torch

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(ROOT, 'configs', 'mmnist', 'predrnnv2.py')
TINY = ['model.num_hidden=4', 'model.num_layers=2', 'model.kernel_size=3',
        'model.in_frames=3', 'model.out_frames=2',
        'model.data_preprocessor.patch_size=4']


@pytest.fixture(scope='module')
def benchmark():
    spec = importlib.util.spec_from_file_location(
        'benchmark_tool',
        osp.join(ROOT, 'tools', 'analysis_tools', 'benchmark.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _options(tmp_path):
    data = dict(data_root=str(tmp_path), image_size=16, digit_size=8,
                in_frames=3, out_frames=2, num_clips=4,
                num_stand_in_digits=10)
    return TINY + [f'test_dataloader.dataset.{k}={v}'
                   for k, v in data.items()]


def test_runs_and_implementations_agree(benchmark, tmp_path, capsys):
    results = benchmark.main([CONFIG, '--batch', '2', '--iters', '1',
                              '--skip-memory', '--cfg-options',
                              *_options(tmp_path)])
    for mode in ('train', 'infer'):
        for impl in ('baseline', 'ours'):
            assert results[f'fp32/{mode}/{impl}'] > 0
    assert results['fp32/train/ours_ckpt'] > 0
    # same weights, same clips: float32 round-off only
    assert results['identical/max_abs_diff'] < 1e-5
    out = capsys.readouterr().out
    assert 'fp32/train clips/s' in out and 'max |ours - baseline|' in out


def test_identical_detects_different_weights(benchmark, tmp_path,
                                             monkeypatch):
    """The agreement check can fail: perturb the baseline's weights."""
    cfg = benchmark.load_config(benchmark.parse_args(
        [CONFIG, '--cfg-options', *_options(tmp_path)]))
    build = benchmark.build_pair

    def perturbed(*args, **kwargs):
        ours, ref = build(*args, **kwargs)
        with torch.no_grad():
            ref.conv_last.weight.add_(0.1)
        return ours, ref

    monkeypatch.setattr(benchmark, 'build_pair', perturbed)
    assert benchmark.identical_predictions(cfg, 'cpu') > 1e-3


def test_bf16_accuracy_of_a_checkpoint(benchmark, tmp_path):
    cfg = benchmark.load_config(benchmark.parse_args(
        [CONFIG, '--cfg-options', *_options(tmp_path)]))
    ours, _ = benchmark.build_pair(cfg, 'cpu')
    ckpt = tmp_path / 'tiny.pth'
    torch.save(dict(meta={}, state_dict=ours.state_dict()), ckpt)
    results = benchmark.main([CONFIG, '--batch', '2', '--skip-speed',
                              '--checkpoint', str(ckpt),
                              '--num-test-clips', '4', '--cfg-options',
                              *_options(tmp_path)])
    assert results['accuracy/fp32_mse'] > 0
    assert 0 <= results['accuracy/bf16_rel_diff'] < 0.05
