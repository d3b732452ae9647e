"""Write observed and forecast frames in the data's units: arrays (``.npy``)
and pictures (PNG frames and strip, GIF, MP4).

Each clip's folder lists what was written in :data:`MANIFEST`; a rerun
replaces or removes only those files and refuses to overwrite any other.

Arrays hold the data units unchanged (float32, predictions not clipped).
Pictures map the display range (:func:`display_range`) to black..white,
clipping what lies outside; frames of 1 channel are grey, 3 channels RGB,
any other number shows channel 0 in grey.
"""
import io
import json
import os
import os.path as osp
import re
from typing import List, Optional, Sequence, Set, Tuple

import numpy as np

from predrnn.datasets.synthetic_video import write_video
from predrnn.utils import atomic_write
from predrnn.visualization.clip_rendering import frames_to_rgb_uint8
from predrnn.visualization.image_io import write_gif, write_png
from predrnn.visualization.labelled_strip import draw_labelled_strip

FORMATS = ('png', 'gif', 'mp4', 'npy')
#: In each clip's folder: the files this writer wrote there, the only ones
#: a later run may replace or remove.
MANIFEST = '.predict_outputs.json'
_OWN_NAME = re.compile(r'(observed|forecast)/\d{4}\.png|'
                       r'(observed|forecast|truth)\.npy|strip\.png|'
                       r'forecast\.(gif|mp4)')
_SEP = 2  # white separator between frames, pixels


def display_range(normalization: Optional[dict],
                  observed: np.ndarray) -> Tuple[float, float]:
    """Data values shown as black and white: the declared or training
    ``data_range``; without a normalisation 0..255 for integer frames
    (uint8 images) and 0..1 for floats (taken as they are); else the
    observed frames' range."""
    if normalization is None:
        return (0.0, 1.0) if np.issubdtype(np.asarray(observed).dtype,
                                          np.floating) else (0.0, 255.0)
    if normalization.get('data_range'):
        lo, hi = normalization['data_range']
        return float(lo), float(hi)
    lo, hi = float(np.min(observed)), float(np.max(observed))
    return lo, hi if hi > lo else lo + 1.0


def to_rgb(frames: np.ndarray, value_range: Tuple[float, float]
           ) -> np.ndarray:
    """``(T, C, H, W)`` data units -> uint8 ``(T, H, W, 3)``."""
    lo, hi = value_range
    frames = (np.asarray(frames, np.float32) - lo) / (hi - lo)
    if frames.shape[1] not in (1, 3):
        frames = frames[:, :1]
    return frames_to_rgb_uint8(frames)


def _animation(observed: np.ndarray, pred: np.ndarray,
               truth: Optional[np.ndarray]) -> np.ndarray:
    """Observed frames then the forecast; the truth beside it if known."""
    frames = np.concatenate([observed, pred])
    if truth is None:
        return frames
    n = min(len(truth), len(pred))
    right = np.concatenate([observed, truth[:n], pred[n:] * 0])
    sep = np.full(frames.shape[:2] + (_SEP, 3), 255, np.uint8)
    return np.concatenate([right, sep, frames], axis=2)


def planned_outputs(formats: Sequence[str], observed: int, forecast: int,
                    truth_known: bool) -> List[str]:
    """The files (relative to a clip's folder) :func:`write_forecast`
    writes for these formats and frame counts."""
    files = []
    if 'npy' in formats:
        files += ['observed.npy', 'forecast.npy'] + (
            ['truth.npy'] if truth_known else [])
    if 'png' in formats:
        for name, count in (('observed', observed), ('forecast', forecast)):
            files += [f'{name}/{t:04d}.png' for t in range(count)]
        files.append('strip.png')
    files += [f'forecast.{ext}' for ext in ('gif', 'mp4') if ext in formats]
    return files


def _read_manifest(out_dir: str) -> List[str]:
    path = osp.join(out_dir, MANIFEST)
    if not osp.isfile(path):
        return []
    try:
        with open(path) as f:
            files = json.load(f)['files']
    except (ValueError, KeyError, TypeError):
        raise ValueError(
            f'{path} is not the list of outputs this tool writes (damaged '
            'or edited); remove it, or write to another --out-dir.') from None
    return [f for f in files if isinstance(f, str)]


def _write_manifest(out_dir: str, files: Sequence[str]) -> None:
    with atomic_write(osp.join(out_dir, MANIFEST)) as tmp:
        with open(tmp, 'w') as f:
            json.dump(dict(files=sorted(set(files))), f, indent=1)


def _check_no_clash(out_dir: str, planned: Sequence[str],
                    ours: Sequence[str]) -> None:
    """Refuse to overwrite files in ``out_dir`` that this writer did not
    write (they are not in its manifest)."""
    ours = set(ours)
    clash = [f for f in planned
             if f not in ours and osp.lexists(osp.join(out_dir, f))]
    if clash:
        more = f' and {len(clash) - 3} more' if len(clash) > 3 else ''
        raise FileExistsError(
            f'{out_dir} holds {", ".join(clash[:3])}{more}, which this tool '
            f'did not write (they are not in its {MANIFEST}); nothing was '
            'changed. Write to another --out-dir, or move them away.')


def _save_npy(path: str, array: np.ndarray) -> None:
    """``np.save`` through memory: a failed ``write`` then reports its
    cause (numpy's own file writes only say how much was written)."""
    buffer = io.BytesIO()
    np.save(buffer, array)
    with atomic_write(path) as tmp:
        with open(tmp, 'wb') as f:
            f.write(buffer.getbuffer())


def write_forecast(out_dir: str, observed: np.ndarray, pred: np.ndarray,
                   formats: Sequence[str] = ('png', ),
                   normalization: Optional[dict] = None,
                   truth: Optional[np.ndarray] = None,
                   fps: float = 4.0) -> list:
    """Write one clip's frames into ``out_dir``.

    Args:
        observed (np.ndarray): ``(T_in, C, H, W)`` data units.
        pred (np.ndarray): ``(N, C, H, W)`` data units.
        formats: Any of ``png`` (``observed/``, ``forecast/`` frames and
            ``strip.png``), ``gif`` and ``mp4`` (``forecast.*``: observed
            then forecast, the truth on the left when known), ``npy``
            (``observed.npy``, ``forecast.npy``, ``truth.npy``).
        truth (np.ndarray, optional): True future frames, if known.

    Returns:
        list[str]: The files written.
    """
    unknown = sorted(set(formats) - set(FORMATS))
    if unknown:
        raise ValueError(f'Unknown formats {unknown}; use {FORMATS}.')
    planned = planned_outputs(formats, len(observed), len(pred),
                              truth is not None)
    previous = _read_manifest(out_dir)
    _check_no_clash(out_dir, planned, previous)
    os.makedirs(out_dir, exist_ok=True)
    # recorded before writing: a run killed half-way leaves only files
    # the next run knows as its own
    _write_manifest(out_dir, list(previous) + planned)
    written = []
    if 'npy' in formats:
        arrays = dict(observed=observed, forecast=pred, truth=truth)
        for name, array in arrays.items():
            if array is not None:
                path = osp.join(out_dir, f'{name}.npy')
                _save_npy(path, np.asarray(array, np.float32))
                written.append(path)
    if not set(formats) & {'png', 'gif', 'mp4'}:
        _remove_stale(out_dir, set(previous) - set(planned))
        _write_manifest(out_dir, planned)
        return written
    value_range = display_range(normalization, observed)
    obs_rgb, pred_rgb = to_rgb(observed, value_range), to_rgb(pred,
                                                              value_range)
    true_rgb = None if truth is None else to_rgb(truth, value_range)
    if 'png' in formats:
        for name, images in (('observed', obs_rgb), ('forecast', pred_rgb)):
            for t, image in enumerate(images):
                written.append(write_png(
                    image, osp.join(out_dir, name, f'{t:04d}.png')))
        # the labelled strip of tools/test.py --show-dir, on the shown values
        def shown(images):
            return None if images is None else (
                images.transpose(0, 3, 1, 2).astype(np.float32) / 255.0)

        written.append(write_png(
            draw_labelled_strip(shown(obs_rgb), shown(true_rgb),
                                shown(pred_rgb)),
            osp.join(out_dir, 'strip.png')))
    animation = _animation(obs_rgb, pred_rgb, true_rgb)
    if 'gif' in formats:
        written.append(write_gif(list(animation),
                                 osp.join(out_dir, 'forecast.gif'), fps))
    if 'mp4' in formats:
        written.append(write_video(osp.join(out_dir, 'forecast.mp4'),
                                   animation, fps))
    _remove_stale(out_dir, set(previous) - set(planned))
    _write_manifest(out_dir, planned)
    return written


def _remove_stale(out_dir: str, stale: Set[str]) -> None:
    """Remove outputs of an earlier run that this one did not write again
    (frames past this ``--future``, a ``truth.npy`` of a run with
    ``--start``): they would sit beside the new forecast without matching
    it. Only files listed in the manifest, i.e. written by this writer."""
    for name in sorted(stale):
        if not _OWN_NAME.fullmatch(name):  # an edited manifest
            continue
        path = osp.join(out_dir, name)
        if osp.isfile(path) and not osp.islink(path):
            os.remove(path)
