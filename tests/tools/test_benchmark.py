"""tools/analysis_tools/benchmark.py on a tiny model: it runs end to end,
both implementations agree on the same weights, the compiled modes are
timed next to the others (with dynamo's ``eager`` backend: the plumbing,
not inductor, which tests/models/test_compiled_recurrence.py covers), the
memory probe sees an allocation, and the bf16 accuracy check reads a
checkpoint."""
import importlib.util
import json
import os
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
                              '--skip-memory', '--modes', 'eager', 'ckpt',
                              '--cfg-options', *_options(tmp_path)])
    for mode in ('train', 'infer'):
        for impl in ('baseline', 'ours'):
            assert results[f'fp32/{mode}/{impl}'] > 0
    assert results['fp32/train/ours_ckpt'] > 0
    # same weights, same clips: float32 round-off only
    assert results['identical/max_abs_diff'] < 1e-5
    out = capsys.readouterr().out
    assert 'fp32/train clips/s' in out and 'max |ours - baseline|' in out
    # progress: every timed call as it ends
    for line in ('train baseline, warm-up: ', 'train ours_ckpt, call 1/1: ',
                 'infer ours, call 1/1: ', 'data generation and metric'):
        assert line in out, line


@pytest.mark.parametrize('tool,last_words', [
    ('benchmark.py', "with the ``compiled`` mode also the metric's "
     '``compile=True``.'),
    ('benchmark_data.py', 'Target: >= 2000 clips/s per process.'),
])
def test_help_shows_the_whole_description(tool, last_words, capsys):
    spec = importlib.util.spec_from_file_location(
        tool[:-3], osp.join(ROOT, 'tools', 'analysis_tools', tool))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with pytest.raises(SystemExit):
        module.parse_args(['--help'])
    out = ' '.join(capsys.readouterr().out.split())
    assert last_words in out


def test_compiled_modes_next_to_eager(benchmark, tmp_path, capsys):
    """Compiled mode timed with its compile time, predictions compared with
    eager on equal weights; graphs skipped without CUDA; the batches of
    train and infer apart; the compile cache folder is temporary."""
    cache_before = os.environ.get('TORCHINDUCTOR_CACHE_DIR')
    out_json = tmp_path / 'bench.json'
    results = benchmark.main([
        CONFIG, '--train-batch', '2', '--infer-batch', '3', '--iters', '1',
        '--skip-memory', '--modes', 'eager', 'compiled', 'graphs',
        '--compile-backend', 'eager', '--json', str(out_json), '--device',
        'cpu', '--cfg-options', *_options(tmp_path)])
    for mode in ('train', 'infer'):
        assert results[f'fp32/{mode}/ours_compiled'] > 0
        assert results[f'fp32/compile_s/{mode}/ours_compiled'] >= 0
        assert f'fp32/{mode}/ours_graphs' not in results
    # the eager backend runs the same operations: the same predictions
    assert results['fp32/identical/ours_compiled_vs_eager'] < 1e-6
    assert os.environ.get('TORCHINDUCTOR_CACHE_DIR') == cache_before
    saved = json.loads(out_json.read_text())
    assert (saved['train_batch'], saved['infer_batch']) == (2, 3)
    assert saved['modes'] == ['eager', 'compiled']
    out = capsys.readouterr().out
    assert 'graphs" skipped' in out and 'fp32/train compile s' in out
    assert 'max |ours_compiled - ours (eager)|' in out


def test_peak_memory_probe_sees_an_allocation(benchmark):
    assert benchmark.peak_rss_reset()
    before = benchmark.proc_status_bytes('VmRSS')
    block = bytearray(64 * 2**20)  # zero-filled: resident
    peak = benchmark.proc_status_bytes('VmHWM')
    assert peak - before >= 60 * 2**20
    del block
    assert benchmark.peak_rss_reset()
    assert benchmark.proc_status_bytes('VmHWM') < peak


def test_memory_child_measures_a_training_step(benchmark, tmp_path):
    args = benchmark.parse_args([CONFIG, '--train-batch', '2',
                                 '--_memory-of', 'ours_ckpt', '--cfg-options',
                                 *_options(tmp_path)])
    cfg = benchmark.load_config(args)
    assert benchmark.memory_child(cfg, args, 'cpu') >= 0


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
