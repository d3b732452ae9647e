"""Throughput, peak memory and compile time of each execution mode of a
PredRNN model next to the naive baseline (the authors' computation,
``baseline_predrnn.py``), measured side by side in one run.

Usage::

    python tools/analysis_tools/benchmark.py configs/mmnist/predrnnv2.py
    python tools/analysis_tools/benchmark.py CONFIG --train-batch 4 \\
        --infer-batch 8 --iters 3 --modes eager compiled   # a CPU
    python tools/analysis_tools/benchmark.py CONFIG --cfg-options \\
        model.num_hidden=32            # a smaller model, same code paths

Modes of our model (``--modes``; all that apply to the device by default):

* ``eager``: the reference execution (named ``ours`` in the results);
* ``ckpt``: eager with activation checkpointing (training only);
* ``compiled``: ``model.compile=True``, each time step compiled once with
  ``torch.compile`` (inductor);
* ``graphs``: ``model.compile=dict(mode='reduce-overhead')``, the compiled
  steps replayed as CUDA graphs (CUDA only);
* ``graphs_ckpt``: ``graphs`` with activation checkpointing (training only,
  CUDA only).

Each runs in float32 and, where the device has native bf16 (CUDA GPUs that
support it, CPUs with AVX512-BF16/AMX) or with ``--amp``, under the
autocast dtype that ``AutocastOptimWrapper`` picks for the device (bf16
without a loss scaler; fp16 with one on older GPUs); the baseline runs under
the same autocast.

What is timed (median over ``--iters`` after warm-up, all implementations
interleaved so that drift on a shared machine hits each alike):

* ``train``: one optimisation step (Adam) at ``--train-batch`` clips
  (default 16): ours through ``model.train_step`` (data preprocessor,
  curriculum mask, losses, optim wrapper); the baseline as the authors'
  trainer does it (numpy patching, full-size numpy reverse scheduled
  sampling masks, forward returning the loss, backward, step).
* ``infer``: a deterministic rollout without gradients at
  ``--infer-batch`` clips (default 100, OpenSTL's setting): ours through
  ``forward(mode='tensor')``; the baseline through its forward with the
  test-time masks (it also computes its loss, as the authors' test does).
* ``compile_s``: for the compiled modes, the first call minus a timed one:
  the time ``torch.compile`` takes, with an empty compile cache (a fresh
  ``TORCHINDUCTOR_CACHE_DIR``; ``--warm-compile-cache`` keeps the user's).
* ``memory``: the peak memory one training step adds after a warm-up step
  (so compilation is not counted), in a fresh subprocess per
  implementation (CPU: resident set, its high-water mark reset through
  ``/proc/self/clear_refs``; CUDA: ``max_memory_allocated``).
* GMAC/s: fvcore's multiply-accumulates of one clip (inference: a forward;
  training: 3 x forward, the usual forward + backward convention) times
  clips/s.
* ``identical``: the largest absolute difference of fp32 predictions of the
  baseline and ours on the same weights and clips, and of the compiled and
  eager modes (float32 round-off).
* ``--checkpoint``: the MSE per frame of fp32 and of bf16-autocast
  predictions of those weights on the first ``--num-test-clips`` test clips
  of the config, and their relative difference (target: under 1%).
* data and metric: clips/s of Moving MNIST generation and of the metric
  (on the device, median of 3 after a warm-up), as a share of the model's
  time per clip (they must stay far below 10%); and the metric's clips/s
  on the paper model's test batch (100 clips of 10 -> 10 frames, 64 x 64);
  with the ``compiled`` mode also the metric's ``compile=True``.
"""
import argparse
import ctypes
import json
import os
import os.path as osp
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import nullcontext
from typing import Callable, Dict, List

import torch
from mmengine.config import Config, DictAction

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
import baseline_predrnn as baseline  # noqa: E402  (the yardstick)

#: our execution modes: result name and model settings
MODES = {
    'eager': ('ours', dict()),
    'ckpt': ('ours_ckpt', dict(activation_checkpointing=True)),
    'compiled': ('ours_compiled', dict(compile=True)),
    'graphs': ('ours_graphs', dict(compile=dict(mode='reduce-overhead'))),
    'graphs_ckpt': ('ours_graphs_ckpt',
                    dict(compile=dict(mode='reduce-overhead'),
                         activation_checkpointing=True)),
}
COMPILED = ('ours_compiled', 'ours_graphs', 'ours_graphs_ckpt')
#: modes whose inference equals another's (checkpointing changes training)
TRAIN_ONLY = ('ours_ckpt', 'ours_graphs_ckpt')


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('config', help='model config file')
    parser.add_argument('--train-batch', type=int, default=16,
                        help='clips per training step (default 16)')
    parser.add_argument('--infer-batch', type=int, default=100,
                        help='clips per inference rollout (default 100, '
                        'OpenSTL\'s setting)')
    parser.add_argument('--batch', type=int,
                        help='shortcut: the same batch for both')
    parser.add_argument('--iters', type=int, default=3,
                        help='timed iterations per measurement')
    parser.add_argument('--modes', nargs='+', choices=list(MODES),
                        help='our execution modes (default: all that apply '
                        'to the device; graphs needs CUDA)')
    parser.add_argument('--amp', action='store_true',
                        help='also time autocast where the device has no '
                        'native bf16 (it is timed by default where it has)')
    parser.add_argument('--compile-backend', default='inductor',
                        help='torch.compile backend of the compiled modes '
                        '(e.g. "eager" to check the plumbing quickly)')
    parser.add_argument('--warm-compile-cache', action='store_true',
                        help='reuse the compile cache of earlier runs '
                        '(compile_s is then not a first compile)')
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
    args = parser.parse_args(argv)
    if args.batch:
        args.train_batch = args.infer_batch = args.batch
    return args


def select_modes(args, device: str) -> List[str]:
    """The requested modes, without those the device cannot run."""
    modes = args.modes or list(MODES)
    if not device.startswith('cuda'):
        if args.modes and any(m.startswith('graphs') for m in args.modes):
            print('note: CUDA graphs need a CUDA device; "graphs" skipped.')
        modes = [m for m in modes if not m.startswith('graphs')]
    return modes


def autocast_dtype(device: str) -> torch.dtype:
    """What :class:`AutocastOptimWrapper` picks for the device by default:
    bf16 (no loss scaler) on CPUs and bf16-capable GPUs, else fp16."""
    from predrnn.engine import AutocastOptimWrapper
    param = torch.zeros(1, device=device, requires_grad=True)
    return AutocastOptimWrapper(torch.optim.SGD([param], lr=0.)).cast_dtype


def amp_is_native(device: str) -> bool:
    """Whether mixed precision is worth timing by default here."""
    if device.startswith('cuda'):
        return True  # bf16 or fp16 tensor cores
    from predrnn.engine import cpu_has_native_bf16
    return cpu_has_native_bf16()


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


def build_ours(cfg: Config, device: str, backend: str = 'inductor',
               **settings):
    """Our model with seed-0 weights and the given settings of a mode
    (``activation_checkpointing``, ``compile``)."""
    import predrnn  # noqa: F401  (registers everything)
    from predrnn.registry import MODELS
    model_cfg = cfg.model.copy()
    model_cfg.update(activation_checkpointing=False, compile=False)
    model_cfg.update(settings)
    if model_cfg['compile'] is not False:
        options = (dict(model_cfg['compile']) if isinstance(
            model_cfg['compile'], dict) else {})
        if backend != 'inductor':  # mode= is an inductor setting
            options = dict(backend=backend)
        model_cfg['compile'] = options
    # equal work: the baseline step trains on the clips as given (the
    # authors take a second step on the reversed clips)
    model_cfg['reverse_input'] = False
    torch.manual_seed(0)
    return MODELS.build(model_cfg).to(device)


def build_pair(cfg: Config, device: str, activation_checkpointing=False):
    """Our model (eager) and the baseline with the same weights."""
    ours = build_ours(cfg, device,
                      activation_checkpointing=activation_checkpointing)
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


def baseline_train_step(ref, optimizer, clips, cast, scaler=None):
    """``scaler``: a ``GradScaler`` for fp16 (as AmpOptimWrapper uses)."""
    def rss_mask(*args):  # reverse scheduled sampling at iteration 0
        return baseline.reserve_schedule_sampling_exp(0, *args)

    def run():
        patched, mask = baseline_batch(ref, clips, rss_mask)
        optimizer.zero_grad()
        with cast():
            _, loss = ref(patched, mask)
        if scaler is None:
            loss.backward()
            optimizer.step()
        else:
            scaler.scale(loss).backward()
            scaler.step(optimizer)
            scaler.update()
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


def warmup_calls(name: str) -> int:
    """CUDA graph trees run a step eagerly, record it on the second call
    and replay it from the third."""
    return 2 if name.startswith('ours_graphs') else 1


def time_interleaved(fns: Dict[str, Callable], iters: int, device: str,
                     kind: str = '') -> Dict[str, Dict[str, float]]:
    """Per function: ``seconds`` (median per call, calls interleaved) and
    ``first_s`` (the first call: compilation included). Prints each call's
    time as it ends (a paper-size step takes minutes on a CPU)."""
    times: Dict[str, List[float]] = {name: [] for name in fns}
    first: Dict[str, float] = {}

    def timed(name: str, fn: Callable, call: str) -> float:
        sync(device)
        start = time.perf_counter()
        fn()
        sync(device)
        seconds = time.perf_counter() - start
        print(f'  {kind} {name}, {call}: {seconds:.2f} s', flush=True)
        return seconds

    for name, fn in fns.items():  # warm-up
        for call in range(warmup_calls(name)):
            seconds = timed(name, fn, 'warm-up')
            if call == 0:
                first[name] = seconds
    for i in range(iters):
        for name, fn in fns.items():
            times[name].append(timed(name, fn, f'call {i + 1}/{iters}'))
    return {name: dict(seconds=statistics.median(t), first_s=first[name])
            for name, t in times.items()}


# --------------------------------------------------------------------------
# measurements
# --------------------------------------------------------------------------
def measure_speed(cfg, args, device: str, modes: List[str],
                  amp: bool) -> Dict[str, float]:
    """clips/s of train and infer for the baseline and each mode; the
    compile time of the compiled modes; the largest difference of compiled
    and eager fp32 predictions."""
    from mmengine.optim import OptimWrapper

    from predrnn.engine import AutocastOptimWrapper
    h, w = frame_size(cfg)
    dtype = autocast_dtype(device) if amp else None
    device_type = device.split(':')[0]

    def cast():
        return (torch.autocast(device_type, dtype=dtype) if amp
                else nullcontext())

    def wrapper(model):
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)
        if amp:
            return AutocastOptimWrapper(optimizer)
        return OptimWrapper(optimizer)

    template, ref = build_pair(cfg, device)  # eager, and the same weights
    ours = {}
    for mode in modes:
        name, settings = MODES[mode]
        ours[name] = (template if mode == 'eager' else build_ours(
            cfg, device, args.compile_backend, **settings))
    results = {}

    def record(kind: str, timings: Dict[str, Dict[str, float]], batch: int):
        for name, t in timings.items():
            results[f'{kind}/{name}'] = batch / t['seconds']
            if name in COMPILED:
                results[f'compile_s/{kind}/{name}'] = max(
                    0., t['first_s'] - t['seconds'])

    if not args.skip_train:
        clips = make_clips(template, args.train_batch, (h, w), device)
        scaler = (torch.amp.GradScaler(device_type)
                  if dtype == torch.float16 else None)
        fns = dict(baseline=baseline_train_step(
            ref, torch.optim.Adam(ref.parameters(), lr=1e-4), clips, cast,
            scaler))
        for name, model in ours.items():
            fns[name] = ours_train_step(model, wrapper(model), clips)
        record('train', time_interleaved(fns, args.iters, device, 'train'),
               args.train_batch)
    ref.eval()
    for model in ours.values():
        # the training steps drew different curriculum masks: equal
        # weights again, so that the predictions can be compared
        model.load_state_dict(template.state_dict())
        model.eval()
    infer_names = [n for n in ours if n not in TRAIN_ONLY]
    clips = make_clips(template, args.infer_batch, (h, w), device)
    outputs = {}

    def keep(name, fn):
        def run():
            outputs[name] = fn()
        return run

    with cast():
        fns = dict(baseline=baseline_infer(ref, clips, nullcontext))
        for name in infer_names:
            fns[name] = keep(name, ours_infer(ours[name], clips))
        record('infer', time_interleaved(fns, args.iters, device, 'infer'),
               args.infer_batch)
    if 'ours' in outputs:
        for name in COMPILED:
            if name in outputs:
                results[f'identical/{name}_vs_eager'] = float(
                    (outputs[name].float() - outputs['ours'].float()
                     ).abs().max())
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
        for batch in clips.split(args.infer_batch):
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


def peak_rss_reset() -> bool:
    """Return freed heap to the system and restart the resident-set
    high-water mark (``VmHWM``) from the current size (Linux >= 4.0)."""
    try:
        ctypes.CDLL('libc.so.6').malloc_trim(0)
    except (OSError, AttributeError):
        pass
    try:
        with open('/proc/self/clear_refs', 'w') as f:
            f.write('5')
        return True
    except OSError:
        return False


def proc_status_bytes(field: str) -> int:
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith(field + ':'):
                return int(line.split()[1]) * 1024
    raise KeyError(field)


def memory_child(cfg, args, device: str) -> float:
    """MB that one training step adds to the peak, after warm-up (run in a
    fresh process; NaN where the peak cannot be reset)."""
    name = args.memory_of
    template, ref = build_pair(cfg, device)
    clips = make_clips(template, args.train_batch, frame_size(cfg), device)
    if name == 'baseline':
        step = baseline_train_step(
            ref, torch.optim.Adam(ref.parameters(), lr=1e-4), clips,
            nullcontext)
    else:
        from mmengine.optim import OptimWrapper
        mode = {result: mode for mode, (result, _) in MODES.items()}[name]
        model = build_ours(cfg, device, args.compile_backend,
                           **MODES[mode][1])
        step = ours_train_step(
            model, OptimWrapper(torch.optim.Adam(model.parameters(),
                                                 lr=1e-4)), clips)
    del template
    for _ in range(warmup_calls(name)):  # compiles, allocates Adam state
        step()
    if device.startswith('cuda'):
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        before = torch.cuda.memory_allocated()
        step()
        torch.cuda.synchronize()
        return (torch.cuda.max_memory_allocated() - before) / 2**20
    if not peak_rss_reset():
        return float('nan')
    before = proc_status_bytes('VmRSS')
    step()
    return (proc_status_bytes('VmHWM') - before) / 2**20


def measure_memory(args, names: List[str]) -> Dict[str, float]:
    results = {}
    for name in names:
        cmd = [sys.executable, osp.abspath(__file__), args.config,
               '--train-batch', str(args.train_batch),
               '--compile-backend', args.compile_backend,
               '--_memory-of', name]
        if args.device:
            cmd += ['--device', args.device]
        if args.cfg_options:
            cmd += ['--cfg-options'] + [
                f'{k}={v}' for k, v in args.cfg_options.items()]
        out = subprocess.run(cmd, capture_output=True, text=True, check=True)
        results[f'memory_mb/{name}'] = float(out.stdout.strip().split()[-1])
    return results


def metric_rate(clips: torch.Tensor, in_frames: int, device: str,
                iters: int = 3, compile: bool = False) -> float:
    """clips/s of ``VideoPredictionMetric.process`` (copy-last baseline
    included; ``compile`` as the metric's option) on float clips (N, T, C,
    H, W) in [0, 1] moved to ``device`` (where the metric computes), median
    of ``iters`` after a warm-up."""
    from predrnn.evaluation import VideoPredictionMetric
    clips = clips.to(device)
    preds = [dict(pred=c[in_frames:] * 0.9, gt=c[in_frames:],
                  inputs=c[:in_frames]) for c in clips]
    metric = VideoPredictionMetric(prefix='benchmark', compile=compile)
    metric.process({}, preds[:2])
    metric.process({}, preds)  # a compiled metric: the batch's shape too
    times = []
    for _ in range(iters):
        metric.results.clear()
        sync(device)
        start = time.perf_counter()
        metric.process({}, preds)  # ends by copying the values to the host
        times.append(time.perf_counter() - start)
    return len(preds) / statistics.median(times)


def data_and_metric_rates(cfg, ours, device: str,
                          compiled: bool = False) -> Dict[str, float]:
    """clips/s of Moving MNIST training-clip generation (the config's test
    dataset settings, stand-in digits unless the data root has MNIST), of
    the metric on 64 of those clips and of the metric on the paper model's
    test batch (100 clips of 10 -> 10 frames of 64 x 64), on ``device``."""
    from predrnn.registry import DATASETS
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
    paper = torch.rand(100, 20, 1, 64, 64,
                       generator=torch.Generator().manual_seed(0))
    rates = {'data/clips_per_s': data_rate}
    for kind in ('metric', 'metric_compiled')[:2 if compiled else 1]:
        rates[f'{kind}/clips_per_s'] = metric_rate(
            batch, ours.in_frames, device, compile=kind != 'metric')
        rates[f'{kind}/paper_test_batch_clips_per_s'] = metric_rate(
            paper, 10, device, compile=kind != 'metric')
    return rates


# --------------------------------------------------------------------------
def report(results: Dict[str, float], macs: float, device: str) -> None:
    """One table: a column per implementation, ``value (ratio to the
    baseline)`` per cell; then the checks."""
    print(f'\nDevice: {device}; fvcore MACs per clip (forward): '
          f'{macs / 1e9:.2f} G')
    names = ['baseline'] + [result for result, _ in MODES.values()
                            if any(k.endswith('/' + result) for k in results)]
    rows = [['measure'] + names]

    def row(label, values, fmt, ratios=True):
        base = values.get('baseline')
        cells = [label]
        for name in names:
            value = values.get(name)
            if value is None:
                cells.append('-')
            elif ratios and base and name != 'baseline':
                cells.append(f'{value:{fmt}} ({value / base:.2f}x)')
            else:
                cells.append(f'{value:{fmt}}')
        rows.append(cells)

    dtypes = sorted({k.split('/')[0] for k in results
                     if k.split('/')[0] in ('fp32', 'bf16', 'fp16')},
                    key=['fp32', 'bf16', 'fp16'].index)
    for dtype in dtypes:
        for mode, factor in (('train', 3), ('infer', 1)):
            key = f'{dtype}/{mode}'
            values = {n: results[f'{key}/{n}'] for n in names
                      if f'{key}/{n}' in results}
            if not values:
                continue
            row(f'{key} clips/s', values, '.3f')
            row(f'{key} GMAC/s',
                {n: v * factor * macs / 1e9 for n, v in values.items()},
                '.1f', ratios=False)
            compile_s = {n: results[f'{dtype}/compile_s/{mode}/{n}']
                         for n in names
                         if f'{dtype}/compile_s/{mode}/{n}' in results}
            if compile_s:
                row(f'{key} compile s', compile_s, '.1f', ratios=False)
    memory = {n: results[f'memory_mb/{n}'] for n in names
              if f'memory_mb/{n}' in results}
    if memory:
        row('fp32 train peak MB', memory, '.0f')
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for i, cells in enumerate(rows):
        print('  '.join(c.ljust(w) for c, w in zip(cells, widths)))
        if i == 0:
            print('  '.join('-' * w for w in widths))
    for dtype in dtypes[1:]:
        for mode in ('train', 'infer'):
            for name in names[1:]:
                if (f'{dtype}/{mode}/{name}' in results
                        and f'fp32/{mode}/baseline' in results):
                    ratio = (results[f'{dtype}/{mode}/{name}'] /
                             results[f'fp32/{mode}/baseline'])
                    print(f'{dtype} {name} vs fp32 baseline, {mode}: '
                          f'{ratio:.2f}x')
    print(f'fp32 predictions, max |ours - baseline|: '
          f'{results["identical/max_abs_diff"]:.2e}')
    for name in COMPILED:
        key = f'fp32/identical/{name}_vs_eager'
        if key in results:
            print(f'fp32 predictions, max |{name} - ours (eager)|: '
                  f'{results[key]:.2e}')
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
            compiled = ''
            if 'metric_compiled/clips_per_s' in results:
                compiled = (' (compile=True: ' + format(
                    100 * results[key] / results[
                        'metric_compiled/clips_per_s'], '.2f') + '%)')
            print(f'{mode}: data generation {100 * share[0]:.2f}% and metric '
                  f'{100 * share[1]:.2f}%{compiled} of the model time per '
                  'clip')
    for kind in ('metric', 'metric_compiled'):
        if f'{kind}/clips_per_s' in results:
            print(f'{kind} on {device}: '
                  f'{results[kind + "/clips_per_s"]:.0f} clips/s on the '
                  'config\'s clips, '
                  f'{results[kind + "/paper_test_batch_clips_per_s"]:.0f} '
                  'clips/s on the paper model\'s test batch (100 clips, '
                  '10 -> 10 frames of 64 x 64)')


def fresh_compile_cache() -> Callable[[], None]:
    """Point inductor and Triton at an empty cache folder (inherited by the
    memory subprocesses), so that compile_s is a first compile; returns the
    function that restores the environment and deletes the folder."""
    folder = tempfile.mkdtemp(prefix='predrnn_compile_cache_')
    names = ('TORCHINDUCTOR_CACHE_DIR', 'TRITON_CACHE_DIR')
    saved = {name: os.environ.get(name) for name in names}
    os.environ['TORCHINDUCTOR_CACHE_DIR'] = osp.join(folder, 'inductor')
    os.environ['TRITON_CACHE_DIR'] = osp.join(folder, 'triton')

    def restore():
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        shutil.rmtree(folder, ignore_errors=True)
    return restore


def main(argv=None) -> Dict[str, float]:
    args = parse_args(argv)
    cfg = load_config(args)
    device = args.device or ('cuda' if torch.cuda.is_available() else 'cpu')
    if args.memory_of:
        print(memory_child(cfg, args, device))
        return {}
    from predrnn.engine import cpu_has_native_bf16
    from predrnn.utils.complexity import count_complexity
    modes = select_modes(args, device)
    amp = amp_is_native(device) or args.amp
    if args.amp and device == 'cpu' and not cpu_has_native_bf16():
        print('warning: this CPU has no native bf16 (AVX512-BF16/AMX): '
              'bf16 convolutions are emulated and much slower than fp32.')
    restore = (fresh_compile_cache() if not args.warm_compile_cache
               else (lambda: None))
    results: Dict[str, float] = {}
    try:
        dtypes = [('fp32', False)]
        if amp:
            label = {torch.bfloat16: 'bf16', torch.float16: 'fp16'}
            dtypes.append((label[autocast_dtype(device)], True))
        for dtype, cast in dtypes if not args.skip_speed else ():
            print(f'timing {dtype} on {device}: baseline and '
                  f'{", ".join(modes)} ...', flush=True)
            for key, value in measure_speed(cfg, args, device, modes,
                                            cast).items():
                results[f'{dtype}/{key}'] = value
            write_json(args, results, device=device, modes=modes,
                       partial=True)
        # peak memory in fresh processes (after the timing, so that the
        # compile times above are first compiles)
        if not (args.skip_memory or args.skip_train or args.skip_speed):
            print('peak memory of a training step, a fresh process per '
                  'implementation ...', flush=True)
            results.update(measure_memory(
                args, ['baseline'] + [MODES[m][0] for m in modes]))
    finally:
        restore()
    print('fp32 predictions of ours and the baseline on the same weights '
          '...', flush=True)
    results['identical/max_abs_diff'] = identical_predictions(cfg, device)
    if args.checkpoint:
        results.update(bf16_accuracy(cfg, args, device))
    print('data generation and metric rates ...', flush=True)
    ours, _ = build_pair(cfg, 'cpu')
    results.update(data_and_metric_rates(cfg, ours, device,
                                         compiled='compiled' in modes))
    h, w = frame_size(cfg)
    macs = count_complexity(
        ours, (ours.total_frames, ours.frame_channels, h, w))['flops']
    report(results, macs, device)
    write_json(args, results, macs_per_clip=macs, device=device, modes=modes)
    return results


def write_json(args, results: Dict[str, float], **extra) -> None:
    """The results so far to ``--json`` (also after each measurement, so a
    run stopped by a time limit keeps what it measured)."""
    if not args.json:
        return
    from predrnn.utils import atomic_write

    # a failed write keeps the results of an earlier run
    with atomic_write(args.json) as tmp, open(tmp, 'w') as f:
        json.dump(dict(results, train_batch=args.train_batch,
                       infer_batch=args.infer_batch,
                       torch=torch.__version__, **extra), f, indent=2)


if __name__ == '__main__':
    main()
