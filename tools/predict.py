"""Forecast new clips with a trained checkpoint; no ground truth needed.

    python tools/predict.py CONFIG CHECKPOINT INPUT [--future N] [--start S]
        [--out-dir DIR] [--format png gif mp4 npy] [--batch-size B]
        [--device cpu|cuda] [--conditions FILE.npy]

INPUT is a video file, a folder of frames, a folder of videos / frame
folders, a glob, or a ``.npy``/``.npz`` of one clip or many (layout from
--layout, the array's JSON sidecar or the config's dataset). Frames are
resized / converted as the config's test dataset declares. Each clip gives
its last ``in_frames`` frames (or ``in_frames`` from --start) to the model,
which forecasts N frames (N may exceed the trained ``out_frames``: the
recurrence feeds its own predictions; quality degrades past the trained
horizon). Outputs go to ``DIR/<clip name>/`` in the data's units. When the
clip continues after the observed frames (--start), the true continuation
is scored: MSE and MAE per pixel in data units, PSNR and SSIM over the
display range (the declared or training data_range), for the model and for
the copy-last-frame baseline. Conditioned models (configs/action) take
--conditions FILE.npy, ``(in_frames + N, A)`` for every clip or ``(clips,
in_frames + N, A)``: one condition vector per frame of the observed window
and the forecast, so other future rows roll out a "what if" future.
"""
import argparse
import os.path as osp
import re
import sys

import numpy as np
import torch
from mmengine.utils import ProgressBar

from predrnn.apis import (display_range, forecast, load_forecaster,
                          write_forecast)
from predrnn.apis.conditioned_forecast import load_condition_file
from predrnn.apis.forecast_writer import FORMATS
from predrnn.datasets.frame_transform import FrameTransform
from predrnn.datasets.sequence_sources import open_sequences
from predrnn.evaluation.frame_metrics import frame_psnr, frame_ssim
from predrnn.utils.cli import DEBUG_ARGUMENT, check_output_dir, run_tool


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Forecast future frames of videos, frame folders or '
        'arrays with a trained PredRNN checkpoint')
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('input', help='video, frame folder, .npy/.npz, '
                        'folder of them, or a glob')
    parser.add_argument('--future', type=int, default=None,
                        help="frames to forecast; default: the model's "
                        'out_frames')
    parser.add_argument('--start', type=int, default=None,
                        help='first observed frame (after frame_stride); '
                        'default: the last in_frames frames of each clip')
    parser.add_argument('--out-dir', default='predictions')
    parser.add_argument('--format', nargs='+', default=['png'],
                        choices=FORMATS)
    parser.add_argument('--batch-size', type=int, default=8)
    parser.add_argument('--device', default=None,
                        help='cpu or cuda[:i]; default: cuda if available')
    parser.add_argument('--layout', default=None,
                        help='layout of an array INPUT (NTCHW, NTHWC, TNHW, '
                        'TCHW, THWC, THW)')
    parser.add_argument('--conditions', default=None,
                        help='conditioned models: .npy of (in_frames + '
                        'future, A) or (clips, in_frames + future, A) '
                        'conditions, one row per frame of the window')
    parser.add_argument('--fps', type=float, default=4.0,
                        help='frames per second of GIF / MP4 outputs')
    parser.add_argument('--debug', **DEBUG_ARGUMENT)
    return parser.parse_args(argv)


def _dataset_cfg(cfg) -> dict:
    for key in ('test_dataloader', 'val_dataloader', 'train_dataloader'):
        dataset = (cfg.get(key) or {}).get('dataset') or {}
        if dataset:
            return dataset
    return {}


def _clip_name(name: str, used: set) -> str:
    base = re.sub(r'[^\w.-]+', '_', osp.basename(name.rstrip('/\\'))) or 'clip'
    base, n = base.replace('.', '_'), 1
    out = base
    while out in used:
        n += 1
        out = f'{base}_{n}'
    used.add(out)
    return out


def select(seq, in_frames: int, future: int, start):
    """Observed frames and, when the clip continues, the true future."""
    length = len(seq)
    if length < in_frames:
        raise ValueError(f'{seq.name} has {length} frames; the model needs '
                         f'at least in_frames = {in_frames}.')
    if start is None:
        return seq.read(length - in_frames, length), None
    if start < 0 or start + in_frames > length:
        raise ValueError(f'--start {start} leaves fewer than in_frames = '
                         f'{in_frames} frames in {seq.name} ({length} '
                         'frames).')
    stop = start + in_frames
    truth_stop = min(stop + future, length)
    truth = seq.read(stop, truth_stop) if truth_stop > stop else None
    return seq.read(start, stop), truth


def scores(pred: np.ndarray, truth: np.ndarray, last: np.ndarray,
           data_range: float) -> dict:
    """MSE / MAE per pixel in data units, PSNR and SSIM (all channels) with
    the display range as ``data_range``, over the known future frames, for
    the model and the copy-last-frame baseline. SSIM needs frames of at
    least 7x7 (NaN below)."""
    n = len(truth)
    truth = truth.astype(np.float64)
    out = dict(frames=n)
    for prefix, guess in (('', pred[:n]),
                          ('copy_last_', np.repeat(last[None], n, 0))):
        guess = guess.astype(np.float64)
        err = guess - truth
        out[prefix + 'mse'] = float((err**2).mean())
        out[prefix + 'mae'] = float(np.abs(err).mean())
        out[prefix + 'psnr'] = float(frame_psnr(guess, truth,
                                                data_range).mean())
        out[prefix + 'ssim'] = (float(frame_ssim(guess, truth,
                                                 data_range).mean())
                                if min(truth.shape[-2:]) >= 7 else np.nan)
    return out


def _describe(result: dict, prefix: str = '') -> str:
    return (f'MSE {result[prefix + "mse"]:.4g} / MAE '
            f'{result[prefix + "mae"]:.4g}, PSNR {result[prefix + "psnr"]:.2f}'
            f' dB, SSIM {result[prefix + "ssim"]:.3f}')


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.start is not None and args.start < 0:
        raise ValueError(f'--start {args.start}: the first observed frame '
                         'is counted from 0; give --start 0 or more, or '
                         'leave it out for the last in_frames frames.')
    if args.batch_size < 1:
        raise ValueError(f'--batch-size must be >= 1, got {args.batch_size}.')
    check_output_dir(args.out_dir)
    device = args.device or ('cuda' if torch.cuda.is_available() else 'cpu')
    model, cfg = load_forecaster(args.config, args.checkpoint, device)
    norm = model.data_preprocessor.normalization
    units = (norm or {}).get('units') or 'data units'
    future = model.out_frames if args.future is None else args.future
    if future < 1:
        raise ValueError(f'--future must be >= 1 frame, got {future}.')
    data_cfg = _dataset_cfg(cfg)
    transform = FrameTransform(data_cfg.get('resize'), data_cfg.get('crop'),
                               data_cfg.get('color'))
    # --layout, else an array's sidecar, else the config's layout
    sequences = open_sequences(args.input, args.layout,
                               data_cfg.get('frame_stride', 1), transform,
                               data_cfg.get('npz_key'),
                               data_cfg.get('layout'))
    conditions = (None if args.conditions is None else
                  load_condition_file(args.conditions, len(sequences)))
    used, totals = set(), []
    progress = ProgressBar(len(sequences)) if len(sequences) > 1 else None
    for first in range(0, len(sequences), args.batch_size):
        batch = sequences[first:first + args.batch_size]
        picked = [select(s, model.in_frames, future, args.start)
                  for s in batch]
        preds = [None] * len(batch)
        shapes = {}
        for i, (obs, _) in enumerate(picked):  # one forward per frame size
            shapes.setdefault(obs.shape, []).append(i)
        for group in shapes.values():
            observed = torch.from_numpy(np.stack([picked[i][0]
                                                  for i in group]))
            cond = (None if conditions is None else torch.from_numpy(
                conditions[[first + i for i in group]]))
            out = forecast(model, observed, future, cond).cpu().numpy()
            for i, p in zip(group, out):
                preds[i] = p
        for seq, (obs, truth), pred in zip(batch, picked, preds):
            name = _clip_name(seq.name, used)
            write_forecast(osp.join(args.out_dir, name), obs, pred,
                           args.format, norm, truth, args.fps)
            if truth is not None:
                lo, hi = display_range(norm, obs)
                result = scores(pred, truth, obs[-1], hi - lo)
                totals.append(result)
                print(f'\n{name}: {result["frames"]} true future frames; '
                      f'{_describe(result)}; copy-last-frame baseline '
                      f'{_describe(result, "copy_last_")} ({units})')
            if progress is not None:
                progress.update()
    if len(totals) > 1:
        weights = np.array([t['frames'] for t in totals], float)
        mean = {k: float(np.average([t[k] for t in totals], weights=weights))
                for k in totals[0] if k != 'frames'}
        print(f'\nall {len(totals)} clips: {_describe(mean)}; '
              f'copy-last-frame baseline {_describe(mean, "copy_last_")} '
              f'({units})')
    print(f'\n{len(sequences)} clip(s): {future} frames forecast each, '
          f'written to {osp.abspath(args.out_dir)} ({", ".join(args.format)})')
    return 0


if __name__ == '__main__':
    sys.exit(run_tool(main))
