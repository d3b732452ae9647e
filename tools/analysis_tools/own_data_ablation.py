"""Short training runs of config variants on one video or array, each scored
on its test split against copy-last-frame and the mean of the observed
frames, per forecast step.

    python tools/analysis_tools/own_data_ablation.py \\
        configs/own_data/predrnnv2_video.py data/own/footage.npy \\
        --iters 300 \\
        --variant paper \\
        --variant wide model.num_hidden=64 \\
        --variant l1 model.l1_weight=1.0

Each ``--variant NAME [KEY=VALUE ...]`` is the config with those
``--cfg-options`` (mmengine's syntax); ``--cfg-options`` apply to all.
Every variant trains ``--iters`` iterations with mmengine's Runner (no
validation; the last checkpoint is kept in ``<work-dir>/<name>``), then
forecasts every window of the test split. Written to ``<work-dir>``:
``ablation.md`` (one table per measure: rows model variants and
baselines, columns forecast steps and their mean) and ``ablation.json``.

Measures, in data units (the source's values): ``mse`` and ``mae`` per
value (mean over channels and pixels), ``ssim`` per frame, and
``changing_mse`` / ``changing_mae``: the errors over the values where the
truth differs from the last observed frame by more than ``--threshold``
(see :mod:`predrnn.evaluation.changing_pixels`), pooled over windows.
Baselines are scored on each variant's test split; variants that change
the test data (e.g. ``resize``) get their own baseline rows.
"""
import argparse
import os
import os.path as osp
import platform
import sys
import time
from typing import Dict, List, Optional, Tuple

import numpy as np
import torch
from mmengine.config import Config, DictAction

from predrnn.evaluation import DataUnits, dump_metrics_json, frame_ssim
from predrnn.evaluation.changing_pixels import (changing_pixel_errors,
                                                changing_pixel_means)
from predrnn.utils import atomic_write

MEASURES = ('mse', 'mae', 'ssim', 'changing_mse', 'changing_mae')
BASELINES = ('copy-last', 'mean-of-observed')


def parse_options(pairs: List[str], where: str) -> dict:
    """``['a.b=1', ...]`` -> ``{'a.b': 1}`` with mmengine's DictAction."""
    bad = [p for p in pairs if '=' not in p]
    if bad:
        raise SystemExit(f'{where}: {bad[0]!r} is not KEY=VALUE; write '
                         'options as --cfg-options does, e.g. '
                         'model.num_hidden=64')
    parser = argparse.ArgumentParser(prog=where)
    parser.add_argument('--o', nargs='*', action=DictAction, default={})
    return parser.parse_args(['--o'] + pairs).o if pairs else {}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n\n')[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument('config', help='training config')
    parser.add_argument('source', help='video, array or folder to train '
                        "and test on (sets every split's source)")
    parser.add_argument('--iters', type=int, default=300,
                        help='training iterations per variant')
    parser.add_argument('--variant', nargs='+', action='append',
                        metavar=('NAME', 'KEY=VALUE'), default=None,
                        help='a named variant and its config options; '
                        'repeat for more (default: the config as it is)')
    parser.add_argument('--cfg-options', nargs='+', default=[],
                        metavar='KEY=VALUE', help='options of all variants')
    parser.add_argument('--threshold', type=float, default=10.0,
                        help='change threshold of the changing-pixel '
                        'errors, data units')
    parser.add_argument('--max-windows', type=int, default=None,
                        help='score at most this many test windows '
                        '(default: all)')
    parser.add_argument('--batch-size', type=int, default=8)
    parser.add_argument('--work-dir', default=None,
                        help='default: work_dirs/own_data_ablation/'
                        '<config name>')
    args = parser.parse_args(argv)
    if args.iters < 1:
        parser.error(f'--iters must be >= 1, got {args.iters}')
    if not osp.exists(args.source):
        parser.error(f'{args.source} does not exist: give a video, array '
                     'or folder of your footage (e.g. one written by '
                     'tools/dataset_converters/make_synthetic_video.py)')
    variants = args.variant or [['config']]
    names = [v[0] for v in variants]
    if len(set(names)) != len(names) or any(
            not n.replace('_', '').replace('-', '').isalnum() for n in names):
        parser.error(f'variant names must be distinct words (letters, '
                     f'digits, - and _), got {names}')
    args.variants = [(v[0], parse_options(v[1:], f'--variant {v[0]}'))
                     for v in variants]
    args.common = parse_options(args.cfg_options, '--cfg-options')
    if args.work_dir is None:
        name = osp.splitext(osp.basename(args.config))[0]
        args.work_dir = osp.join('work_dirs', 'own_data_ablation', name)
    return args


def variant_config(args, name: str, options: dict) -> Config:
    """The config of one variant: source, short schedule, no validation."""
    cfg = Config.fromfile(args.config)
    cfg.merge_from_dict(args.common)
    cfg.merge_from_dict(options)
    source = osp.abspath(args.source)
    for split in ('train', 'test'):
        cfg[f'{split}_dataloader'].dataset.update(source=source,
                                                  data_root='')
    cfg.train_cfg.max_iters = args.iters
    cfg.val_dataloader = cfg.val_cfg = cfg.val_evaluator = None
    cfg.work_dir = osp.join(args.work_dir, name)
    cfg.experiment_name = f'{name}_{time.strftime("%Y%m%d_%H%M%S")}'
    cfg.launcher = 'none'
    return cfg


def train(cfg: Config) -> Tuple[torch.nn.Module, float]:
    """Train with mmengine's Runner; the model and the seconds it took."""
    from mmengine.runner import Runner
    runner = Runner.from_cfg(cfg)
    start = time.perf_counter()
    model = runner.train()
    return model.eval(), time.perf_counter() - start


def test_windows(cfg: Config, max_windows: Optional[int]):
    """The test split's dataset and its windows ``(N, T, C, H, W)``."""
    from mmengine.registry import init_default_scope
    from predrnn.registry import DATASETS
    init_default_scope(cfg.get('default_scope', 'predrnn'))
    dataset = DATASETS.build(cfg.test_dataloader.dataset)
    count = len(dataset) if max_windows is None else min(max_windows,
                                                         len(dataset))
    return dataset, torch.stack([dataset[i]['inputs']
                                 for i in range(count)])


def score(forecasts: Dict[str, torch.Tensor], truth: torch.Tensor,
          last: torch.Tensor, units: Optional[DataUnits],
          threshold: float) -> Dict[str, dict]:
    """Per-step measures of each forecast ``(N, T, C, H, W)``, data units.

    Predictions are clipped to the data range when the data declares one
    (as :class:`VideoPredictionMetric` does)."""
    if units is not None:
        lo, hi, clip = units.reference_range(truth[0].numpy())
    else:  # no normalisation declared: uint8 0..255 or floats in [0, 1]
        lo, hi, clip = (0.0, 255.0, True) if truth.max() > 1 else (0., 1.,
                                                                   True)
    out = {}
    for name, pred in forecasts.items():
        pred = pred.double()
        if clip:
            pred = pred.clamp(lo, hi)
        err = pred - truth
        ssim = np.mean([frame_ssim(p.numpy(), g.numpy(), hi - lo)
                        for p, g in zip(pred, truth)], axis=0)
        sums = changing_pixel_errors(pred, truth, last, threshold)
        means = changing_pixel_means(sums)
        out[name] = dict(
            mse=err.square().mean((0, 2, 3, 4)).tolist(),
            mae=err.abs().mean((0, 2, 3, 4)).tolist(),
            ssim=ssim.tolist(),
            changing_mse=means['mse'].tolist(),
            changing_mae=means['mae'].tolist(),
            changing_mse_mean=float(sums['sse'].sum() / sums['count'].sum()
                                    if sums['count'].sum() else 'nan'),
            changing_mae_mean=float(sums['sae'].sum() / sums['count'].sum()
                                    if sums['count'].sum() else 'nan'),
            changing_values=sums['count'].tolist())
    return out


def evaluate(model, cfg: Config, args) -> Tuple[Dict[str, dict], dict,
                                                int]:
    """Scores of the model and the baselines on the test split, the test
    dataset's metainfo and the number of windows scored."""
    from predrnn.apis import forecast
    dataset, clips = test_windows(cfg, args.max_windows)
    n_in = dataset.in_frames
    observed, truth = clips[:, :n_in], clips[:, n_in:].double()
    preds = torch.cat([
        forecast(model, observed[i:i + args.batch_size],
                 truth.shape[1]).cpu()
        for i in range(0, len(clips), args.batch_size)])
    last = observed[:, -1].double()
    forecasts = {
        'model': preds,
        'copy-last': last[:, None].expand_as(truth),
        'mean-of-observed': observed.double().mean(1, keepdim=True)
        .expand_as(truth)}
    meta = dataset.metainfo
    return score(forecasts, truth, last, DataUnits.from_meta(meta),
                 args.threshold), meta, len(clips)


def cpu_name() -> str:
    """The CPU's model name (Linux), else what platform knows."""
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    return f'{line.split(":", 1)[1].strip()} x ' \
                           f'{os.cpu_count()}'
    except OSError:
        pass
    return f'{platform.processor() or platform.machine()} x {os.cpu_count()}'


def markdown(rows: Dict[str, dict], steps: int, header: str) -> str:
    """One table per measure: methods by forecast steps and their mean."""
    lines = [header, '']
    for measure in MEASURES:
        lines += [f'**{measure}**', '',
                  '| method | ' + ' | '.join(f'step {t + 1}'
                                             for t in range(steps))
                  + ' | mean |',
                  '|---' * (steps + 2) + '|']
        for name, scores in rows.items():
            values = scores[measure]
            mean = scores.get(f'{measure}_mean', float(np.nanmean(values)))
            cells = [f'{v:.4g}' for v in values] + [f'{mean:.4g}']
            lines.append(f'| {name} | ' + ' | '.join(cells) + ' |')
        lines.append('')
    return '\n'.join(lines)


def main(argv=None) -> int:
    args = parse_args(argv)
    rows, report, baselines_of = {}, {}, {}
    for name, options in args.variants:
        cfg = variant_config(args, name, options)
        model, seconds = train(cfg)
        scores, meta, windows = evaluate(model, cfg, args)
        rows[name] = scores['model']
        key = repr(cfg.test_dataloader.dataset)
        if key not in baselines_of:
            baselines_of[key] = name
            for base in BASELINES:
                label = base if not rows.get(base) else f'{base} ({name})'
                rows[label] = scores[base]
        report[name] = dict(options=options, train_seconds=seconds,
                            work_dir=cfg.work_dir,
                            test_frame_ranges=meta.get('frame_ranges'),
                            test_windows=windows)
    steps = len(next(iter(rows.values()))['mse'])
    cpu = cpu_name()
    first = report[args.variants[0][0]]
    ranges = ', '.join(f'{a}-{b - 1} of {osp.basename(n)}'
                       for n, a, b in first['test_frame_ranges'] or [])
    header = (f'{args.iters} iterations of `{args.config}` on '
              f'`{args.source}` ({cpu}); test frames {ranges} '
              f'({first["test_windows"]} windows); data units; changing '
              f'values: |truth - last observed| > {args.threshold:g}.')
    os.makedirs(args.work_dir, exist_ok=True)
    md_file = osp.join(args.work_dir, 'ablation.md')
    with atomic_write(md_file) as tmp:
        with open(tmp, 'w') as f:
            f.write(markdown(rows, steps, header) + '\n')
    json_file = dump_metrics_json(
        dict(config=args.config, source=args.source, iters=args.iters,
             threshold=args.threshold, cpu=cpu, variants=report,
             scores=rows), osp.join(args.work_dir, 'ablation.json'))
    print(open(md_file).read())
    print(f'Tables: {md_file}\nJSON: {json_file}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
