"""Throughput, peak memory and achieved GMAC/s of a PredRNN model next to the
naive baseline (the authors' computation, ``baseline_predrnn.py``), measured
side by side in one run.

Usage::

    python tools/analysis_tools/benchmark.py configs/mmnist/predrnnv2.py
    python tools/analysis_tools/benchmark.py CONFIG --batch 8 --iters 3 --amp
    python tools/analysis_tools/benchmark.py CONFIG --cfg-options \\
        model.num_hidden=32            # a smaller model, same code paths

What is timed (median over ``--iters``, after one warm-up, the two
implementations interleaved so that drift on a shared machine hits both):

* ``train``: one optimisation step (Adam): ours through ``model.train_step``
  (data preprocessor, curriculum mask, losses, optim wrapper); the baseline
  as the authors' trainer does it (numpy patching, full-size numpy reverse
  scheduled sampling masks, forward returning the loss, backward, step).
* ``infer``: a deterministic rollout without gradients: ours through
  ``forward(mode='tensor')``; the baseline through its forward with the
  test-time masks (it also computes its loss, as the authors' test does).
* ``memory``: the peak resident memory one training step adds (CPU:
  ``ru_maxrss`` in a fresh subprocess per implementation; CUDA:
  ``max_memory_allocated``), also for ours with activation checkpointing.
* GMAC/s: fvcore's multiply-accumulates of one clip (inference: a forward;
  training: 3 x forward, the usual forward + backward convention) times
  clips/s.
* ``identical``: the largest absolute difference of fp32 predictions of both
  implementations on the same weights and clips (float32 round-off).
* ``--checkpoint``: the MSE per frame of fp32 and of bf16-autocast
  predictions of those weights on the first ``--num-test-clips`` test clips
  of the config, and their relative difference (target: under 1%).
* data and metric: clips/s of Moving MNIST generation and of the metric, as
  a share of the model's time per clip (they must stay far below 10%).

``--amp`` also times both implementations under the same bf16 autocast. On
a CPU without native bf16 (no AVX512-BF16 / AMX) bf16 convolutions are far
slower than fp32; the script says so, and BENCHMARKS.md records it.
"""
import argparse
import json
import os
import os.path as osp
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import nullcontext
from typing import Callable, Dict, List

import numpy as np
import torch
from mmengine.config import Config, DictAction

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
import baseline_predrnn as baseline  # noqa: E402  (the yardstick)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='model config file')
    parser.add_argument('--batch', type=int, default=8)
    parser.add_argument('--iters', type=int, default=3,
                        help='timed iterations per measurement')
    parser.add_argument('--amp', action='store_true',
                        help='also time bf16 autocast (both implementations)')
    parser.add_argument('--device', default=None,
                        help='cpu or cuda; default cuda when available')
    parser.add_argument('--skip-memory', action='store_true')
    parser.add_argument('--skip-train', action='store_true')
    parser.add_argument('--skip-speed', action='store_true',
                        help='no timing (e.g. only --checkpoint accuracy)')
    parser.add_argument('--checkpoint',
                        help='trained weights for the bf16 accuracy check')
    parser.add_argument('--num-test-clips', type=int, default=64)
    parser.add_argument('--json', help='also write the results here')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    # internal: one memory measurement in a fresh process
    parser.add_argument('--_memory-of', dest='memory_of',
                        help=argparse.SUPPRESS)
    return parser.parse_args(argv)


# --------------------------------------------------------------------------
# building both implementations on the same weights
# --------------------------------------------------------------------------
def load_config(args) -> Config:
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    return cfg


def frame_size(cfg: Config) -> tuple:
    dataset = (cfg.get('test_dataloader') or {}).get('dataset') or {}
    size = dataset.get('image_size', 64)
    return (size, size) if isinstance(size, int) else tuple(size)


def build_pair(cfg: Config, device: str, activation_checkpointing=False):
    """Our model and the baseline with the same weights."""
    import predrnn  # noqa: F401  (registers everything)
    from predrnn.registry import MODELS
    model_cfg = cfg.model.copy()
    model_cfg['activation_checkpointing'] = activation_checkpointing
    # equal work: the baseline step trains on the clips as given (the
    # authors take a second step on the reversed clips)
    model_cfg['reverse_input'] = False
    torch.manual_seed(0)
    ours = MODELS.build(model_cfg).to(device)
    h, w = frame_size(cfg)
    ref = baseline.build_baseline(
        num_layers=ours.net.cell_list.__len__(),
        num_hidden=ours.net.num_hidden[0],
        kernel_size=ours.net.cell_list[0].conv_x[0].kernel_size[0],
        patch_size=ours.patch_size, frame_channels=ours.frame_channels,
        height=h, width=w, in_frames=ours.in_frames,
        out_frames=ours.out_frames, v2=ours.decouple,
        beta=getattr(ours, 'beta', 0.0)).to(device)
    ref.load_state_dict(ours.net.state_dict())  # the authors' names
    return ours, ref


def make_clips(ours, batch: int, size: tuple, device: str) -> torch.Tensor:
    """uint8 clips (B, T, C, H, W) as the dataset ships them."""
    gen = torch.Generator().manual_seed(1)
    return torch.randint(0, 256, (batch, ours.total_frames,
                                  ours.frame_channels, *size),
                         generator=gen, dtype=torch.uint8).to(device)


# --------------------------------------------------------------------------
# one step of each implementation
# --------------------------------------------------------------------------
def ours_train_step(ours, optim_wrapper, clips):
    return lambda: ours.train_step(dict(inputs=clips), optim_wrapper)


def ours_infer(ours, clips):
    def run():
        with torch.no_grad():
            return ours(ours.data_preprocessor(dict(inputs=clips))['inputs'],
                        mode='tensor')
    return run


def baseline_batch(ref, clips, make_mask):
    """The authors' input pipeline: numpy patching (channels last) and a
    full-size numpy mask, ``make_mask(batch, T_in, T, H, W, C, p)``, both
    rebuilt every iteration and moved to the clips' device."""
    p = ref.patch_size
    frames = clips.float().div(255.).permute(0, 1, 3, 4, 2).cpu().numpy()
    patched = baseline.reshape_patch(frames, p)
    b, _, hp, wp, ch = patched.shape
    mask = make_mask(b, ref.input_length, ref.total_length, hp * p, wp * p,
                     ch // p**2, p)
    return (torch.from_numpy(patched).to(clips.device),
            torch.from_numpy(mask).to(clips.device))


def baseline_train_step(ref, optimizer, clips, cast):
    def rss_mask(*args):  # reverse scheduled sampling at iteration 0
        return baseline.reserve_schedule_sampling_exp(0, *args)

    def run():
        patched, mask = baseline_batch(ref, clips, rss_mask)
        optimizer.zero_grad()
        with cast():
            _, loss = ref(patched, mask)
        loss.backward()
        optimizer.step()
        return loss
    return run


def baseline_infer(ref, clips, cast):
    def run():
        patched, mask = baseline_batch(ref, clips, baseline.inference_mask)
        with torch.no_grad(), cast():
            return ref(patched, mask)[0]
    return run


def sync(device: str) -> None:
    if device.startswith('cuda'):
        torch.cuda.synchronize()


def time_interleaved(fns: Dict[str, Callable], iters: int,
                     device: str) -> Dict[str, float]:
    """Median seconds per call of each function, calls interleaved."""
    times: Dict[str, List[float]] = {name: [] for name in fns}
    for name, fn in fns.items():  # warm-up
        fn()
    for _ in range(iters):
        for name, fn in fns.items():
            sync(device)
            start = time.perf_counter()
            fn()
            sync(device)
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(t) for name, t in times.items()}


# --------------------------------------------------------------------------
# measurements
# --------------------------------------------------------------------------
def measure_speed(cfg, args, device: str, dtype: str) -> Dict[str, float]:
    """clips/s of train and infer for baseline, ours and ours + checkpointing."""
    from mmengine.optim import OptimWrapper

    from predrnn.engine import AutocastOptimWrapper
    ours, ref = build_pair(cfg, device)
    ours_ckpt, _ = build_pair(cfg, device, activation_checkpointing=True)
    clips = make_clips(ours, args.batch, frame_size(cfg), device)
    bf16 = dtype == 'bf16'

    def cast():
        return (torch.autocast(device.split(':')[0], dtype=torch.bfloat16)
                if bf16 else nullcontext())

    def wrapper(model):
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)
        if bf16:
            return AutocastOptimWrapper(optimizer, dtype='bfloat16')
        return OptimWrapper(optimizer)

    results = {}
    if not args.skip_train:
        fns = dict(
            baseline=baseline_train_step(
                ref, torch.optim.Adam(ref.parameters(), lr=1e-4), clips,
                cast),
            ours=ours_train_step(ours, wrapper(ours), clips),
            ours_ckpt=ours_train_step(ours_ckpt, wrapper(ours_ckpt), clips))
        for name, sec in time_interleaved(fns, args.iters, device).items():
            results[f'train/{name}'] = args.batch / sec
    ours.eval()
    ref.eval()
    with cast():
        fns = dict(baseline=baseline_infer(ref, clips, nullcontext),
                   ours=ours_infer(ours, clips))
        for name, sec in time_interleaved(fns, args.iters, device).items():
            results[f'infer/{name}'] = args.batch / sec
    return results


def identical_predictions(cfg, device: str) -> float:
    """Max |ours - baseline| of fp32 predictions on the same weights."""
    from predrnn.models.utils import unpatch_frames
    ours, ref = build_pair(cfg, device)
    ours.eval()
    ref.eval()
    clips = make_clips(ours, 2, frame_size(cfg), device)
    mine = ours_infer(ours, clips)()
    theirs = baseline_infer(ref, clips, nullcontext)()  # (B, T-1, h, w, C')
    theirs = unpatch_frames(theirs.permute(0, 1, 4, 2, 3), ours.patch_size)
    return float((mine - theirs).abs().max())


def bf16_accuracy(cfg, args, device: str) -> Dict[str, float]:
    """MSE per frame of fp32 and bf16 predictions of a trained checkpoint."""
    from predrnn.engine import load_checkpoint_safely
    from predrnn.registry import DATASETS
    ours, _ = build_pair(cfg, device)
    state = load_checkpoint_safely(args.checkpoint)
    ours.load_state_dict(state.get('state_dict', state))
    ours.eval()
    dataset = DATASETS.build(cfg.test_dataloader.dataset)
    count = min(args.num_test_clips, len(dataset))
    clips = torch.stack([dataset[i]['inputs'] for i in range(count)])
    results = {}
    for dtype in ('fp32', 'bf16'):
        cast = (torch.autocast(device.split(':')[0], dtype=torch.bfloat16)
                if dtype == 'bf16' else nullcontext())
        errors = []
        for batch in clips.split(args.batch):
            batch = batch.to(device)
            with cast:
                preds = ours_infer(ours, batch)()
            gt = batch[:, ours.in_frames:].float() / 255.
            future = preds[:, ours.in_frames - 1:].float()
            errors.append(((future - gt)**2).sum(dim=(2, 3, 4)).flatten())
        results[f'accuracy/{dtype}_mse'] = float(torch.cat(errors).mean())
    results['accuracy/bf16_rel_diff'] = abs(
        results['accuracy/bf16_mse'] / results['accuracy/fp32_mse'] - 1)
    return results


def memory_child(cfg, args, device: str) -> float:
    """MB that one training step adds to the peak (run in a fresh process)."""
    name = args.memory_of
    ours, ref = build_pair(cfg, device, name == 'ours_ckpt')
    clips = make_clips(ours, args.batch, frame_size(cfg), device)
    if name == 'baseline':
        step = baseline_train_step(
            ref, torch.optim.Adam(ref.parameters(), lr=1e-4), clips,
            nullcontext)
    else:
        from mmengine.optim import OptimWrapper
        step = ours_train_step(
            ours, OptimWrapper(torch.optim.Adam(ours.parameters(), lr=1e-4)),
            clips)
    if device.startswith('cuda'):
        torch.cuda.reset_peak_memory_stats()
        before = torch.cuda.memory_allocated()
        step()
        return (torch.cuda.max_memory_allocated() - before) / 2**20
    with open('/proc/self/statm') as f:
        before = int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE')
    step()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return (peak - before) / 2**20


def measure_memory(args) -> Dict[str, float]:
    results = {}
    for name in ('baseline', 'ours', 'ours_ckpt'):
        cmd = [sys.executable, osp.abspath(__file__), args.config,
               '--batch', str(args.batch), '--_memory-of', name]
        if args.device:
            cmd += ['--device', args.device]
        if args.cfg_options:
            cmd += ['--cfg-options'] + [
                f'{k}={v}' for k, v in args.cfg_options.items()]
        out = subprocess.run(cmd, capture_output=True, text=True, check=True)
        results[f'memory_mb/{name}'] = float(out.stdout.strip().split()[-1])
    return results


def data_and_metric_rates(cfg, ours, device: str) -> Dict[str, float]:
    """clips/s of Moving MNIST training-clip generation (the config's test
    dataset settings, stand-in digits unless the data root has MNIST) and
    of the metric on those clips."""
    from predrnn.registry import DATASETS
    from predrnn.evaluation import VideoPredictionMetric
    dataset_cfg = cfg.test_dataloader.dataset.copy()
    dataset_cfg.update(split='train', num_clips=400)
    with tempfile.TemporaryDirectory() as root:
        if not osp.isdir(dataset_cfg.get('data_root', '')):
            dataset_cfg['data_root'] = root
        data = DATASETS.build(dataset_cfg)
        data[(0, 0)]
        start = time.perf_counter()
        clips = [data[(0, i)]['inputs'] for i in range(400)]
        data_rate = 400 / (time.perf_counter() - start)
    batch = torch.stack(clips[:64]).float().div(255.)
    preds = [dict(pred=c[ours.in_frames:] * 0.9, gt=c[ours.in_frames:],
                  inputs=c[:ours.in_frames]) for c in batch]
    metric = VideoPredictionMetric()
    start = time.perf_counter()
    metric.process({}, preds)
    metric_rate = len(preds) / (time.perf_counter() - start)
    return {'data/clips_per_s': data_rate, 'metric/clips_per_s': metric_rate}


# --------------------------------------------------------------------------
def report(results: Dict[str, float], macs: float, device: str) -> None:
    print(f'\nDevice: {device}; fvcore MACs per clip (forward): '
          f'{macs / 1e9:.2f} G')
    rows = [('measure', 'baseline', 'ours', 'ratio', 'ours+ckpt', 'ratio')]
    for dtype in ('fp32', 'bf16'):
        for mode, factor in (('train', 3), ('infer', 1)):
            key = f'{dtype}/{mode}'
            if f'{key}/ours' not in results:
                continue
            base, ours = results[f'{key}/baseline'], results[f'{key}/ours']
            ckpt = results.get(f'{key}/ours_ckpt')
            rows.append((f'{key} clips/s', f'{base:.3f}', f'{ours:.3f}',
                         f'{ours / base:.2f}x',
                         '-' if ckpt is None else f'{ckpt:.3f}',
                         '-' if ckpt is None else f'{ckpt / base:.2f}x'))
            rows.append((f'{key} GMAC/s', f'{base * factor * macs / 1e9:.1f}',
                         f'{ours * factor * macs / 1e9:.1f}', '', '-' if ckpt
                         is None else f'{ckpt * factor * macs / 1e9:.1f}', ''))
    if 'memory_mb/ours' in results:
        base = results['memory_mb/baseline']
        rows.append(('train peak MB', f'{base:.0f}',
                     f'{results["memory_mb/ours"]:.0f}',
                     f'{results["memory_mb/ours"] / base:.2f}x',
                     f'{results["memory_mb/ours_ckpt"]:.0f}',
                     f'{results["memory_mb/ours_ckpt"] / base:.2f}x'))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for i, row in enumerate(rows):
        print('  '.join(c.ljust(w) for c, w in zip(row, widths)))
        if i == 0:
            print('  '.join('-' * w for w in widths))
    if 'bf16/infer/ours' in results and 'fp32/infer/baseline' in results:
        for mode in ('train', 'infer'):
            if f'bf16/{mode}/ours' in results:
                ratio = (results[f'bf16/{mode}/ours'] /
                         results[f'fp32/{mode}/baseline'])
                print(f'bf16 ours vs fp32 baseline, {mode}: {ratio:.2f}x')
    print(f'fp32 predictions, max |ours - baseline|: '
          f'{results["identical/max_abs_diff"]:.2e}')
    if 'accuracy/fp32_mse' in results:
        print(f'checkpoint MSE per frame: fp32 '
              f'{results["accuracy/fp32_mse"]:.4f}, bf16 '
              f'{results["accuracy/bf16_mse"]:.4f} (relative difference '
              f'{100 * results["accuracy/bf16_rel_diff"]:.3f}%)')
    for mode in ('train', 'infer'):
        key = f'fp32/{mode}/ours'
        if key in results:
            share = [results[key] / results[k]
                     for k in ('data/clips_per_s', 'metric/clips_per_s')]
            print(f'{mode}: data generation {100 * share[0]:.2f}% and metric '
                  f'{100 * share[1]:.2f}% of the model time per clip')


def main(argv=None) -> Dict[str, float]:
    args = parse_args(argv)
    cfg = load_config(args)
    device = args.device or ('cuda' if torch.cuda.is_available() else 'cpu')
    if args.memory_of:
        print(memory_child(cfg, args, device))
        return {}
    from predrnn.engine import cpu_has_native_bf16
    from predrnn.utils.complexity import count_complexity
    results: Dict[str, float] = {}
    # memory first, in fresh processes, while this one is still small
    if not (args.skip_memory or args.skip_train or args.skip_speed):
        results.update(measure_memory(args))
    dtypes = ['fp32']
    if args.amp:
        dtypes.append('bf16')
        if device == 'cpu' and not cpu_has_native_bf16():
            print('warning: this CPU has no native bf16 (AVX512-BF16/AMX): '
                  'bf16 convolutions are emulated and much slower than fp32.')
    for dtype in dtypes if not args.skip_speed else ():
        for key, value in measure_speed(cfg, args, device, dtype).items():
            results[f'{dtype}/{key}'] = value
    results['identical/max_abs_diff'] = identical_predictions(cfg, device)
    if args.checkpoint:
        results.update(bf16_accuracy(cfg, args, device))
    ours, _ = build_pair(cfg, 'cpu')
    results.update(data_and_metric_rates(cfg, ours, device))
    h, w = frame_size(cfg)
    macs = count_complexity(
        ours, (ours.total_frames, ours.frame_channels, h, w))['flops']
    report(results, macs, device)
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(dict(results, macs_per_clip=macs, device=device,
                           batch=args.batch, torch=torch.__version__), f,
                      indent=2)
    return results


if __name__ == '__main__':
    main()
