"""Decode videos or frame folders once into one memory-mapped ``.npy`` and a
JSON sidecar, for data whose decoding is too slow to repeat every epoch.

    python tools/dataset_converters/videos_to_array.py \
        'data/own/videos/*.mp4' data/own/videos.npy --resize 48 64

Every input (video file, frame folder, or a folder / glob of them) is one
clip of the output: layout ``NTCHW`` (default) or ``NTHWC``, so
:class:`~predrnn.datasets.SequenceDataset` never cuts a window across two
videos. Clips of different lengths need ``--truncate`` (all cut to the
shortest). The sidecar ``<out>.json`` records the layout, shape, dtype,
fps, observed value range, source files and the conversion options;
``SequenceDataset`` reads the layout from it. The array is written to a
temporary file and renamed when complete (never a partial ``.npy``); an
existing output is kept unless ``--force``. A run killed while writing
(SIGKILL, a power cut) leaves its hidden temporary ``.<out>.<pid>-<hex>.tmp``
beside the output; the next run removes it (its process no longer runs) and
says so, and reports temporaries it cannot attribute.

Decision: the decoded (resized) videos are held in memory until the array
is written, because a video's frame count is only known once decoded (the
container's count is unreliable) and the ``.npy`` shape must be known up
front; frame folders are read while writing. Convert a collection larger
than memory in parts (the dataset takes a glob of ``.npy`` files).
"""
import argparse
import json
import os
import sys

import numpy as np
from mmengine.utils import ProgressBar

from predrnn.datasets.array_file import sidecar_path
from predrnn.datasets.frame_transform import FrameTransform
from predrnn.datasets.sequence_sources import expand_source, open_sequences
from predrnn.datasets.video_file import is_video, video_fps
from predrnn.utils import atomic_write, stale_temporaries


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Convert videos or frame folders into one .npy with a '
        'JSON sidecar')
    parser.add_argument('inputs', nargs='+',
                        help='video files, frame folders, folders or globs')
    parser.add_argument('out', help='output .npy')
    parser.add_argument('--layout', default='NTCHW',
                        choices=['NTCHW', 'NTHWC'])
    parser.add_argument('--resize', type=int, nargs=2, metavar=('H', 'W'))
    parser.add_argument('--crop', type=int, nargs=2, metavar=('H', 'W'))
    parser.add_argument('--color', choices=['rgb', 'gray'])
    parser.add_argument('--frame-stride', type=int, default=1)
    parser.add_argument('--truncate', action='store_true',
                        help='cut every clip to the shortest one')
    parser.add_argument('--force', action='store_true',
                        help='replace an existing output')
    return parser.parse_args(argv)


def _clean_stale_temporaries(out: str) -> None:
    """Remove what an interrupted conversion to ``out`` left; report
    temporaries of a process that still runs (never removed)."""
    for path in (out, sidecar_path(out)):
        stale, unsure = stale_temporaries(path)
        for tmp in stale:
            size = os.path.getsize(tmp) / 2**20
            os.remove(tmp)
            print(f'removed {tmp} ({size:.1f} MiB), the temporary file of an '
                  'interrupted conversion')
        for tmp in unsure:
            print(f'warning: {tmp} is a temporary file of another conversion '
                  'to the same output that may still be running; remove it '
                  'if none is.')


def convert(inputs, out: str, layout: str = 'NTCHW', resize=None, crop=None,
            color=None, frame_stride: int = 1, truncate: bool = False,
            force: bool = False) -> dict:
    """Convert and return the sidecar's content (see module docstring)."""
    if not out.endswith('.npy'):
        raise ValueError(f'The output must be a .npy file, got {out}')
    for path in (out, sidecar_path(out)):
        if os.path.exists(path) and not force:
            raise FileExistsError(f'{path} exists; kept. Use --force to '
                                  'replace it.')
    _clean_stale_temporaries(out)
    transform = FrameTransform(resize, crop, color)
    paths = [p for source in inputs for p in expand_source(source)]
    # Two bars: videos are decoded (the slow part) when opened; frame
    # folders are read while the array is written.
    print(f'Opening {len(paths)} source(s)')
    progress = ProgressBar(len(paths))
    sequences = []
    for path in paths:
        sequences += open_sequences(path, None, frame_stride, transform)
        progress.update()
    lengths = [len(s) for s in sequences]
    if len(set(lengths)) > 1 and not truncate:
        raise ValueError(
            f'The clips have different lengths ({min(lengths)} to '
            f'{max(lengths)} frames); pass --truncate to cut all to '
            f'{min(lengths)} frames, or convert them separately.')
    first = sequences[0].read(0, 1)
    for seq in sequences[1:]:
        frame = seq.read(0, 1)
        if frame.shape[1:] != first.shape[1:] or frame.dtype != first.dtype:
            raise ValueError(
                f'{seq.name} gives frames {frame.shape[1:]} {frame.dtype} '
                f'but {sequences[0].name} {first.shape[1:]} {first.dtype}; '
                'set --resize H W (and --color) to make them alike.')
    length = min(lengths)
    c, h, w = first.shape[1:]
    shape = ((len(sequences), length, c, h, w) if layout == 'NTCHW' else
             (len(sequences), length, h, w, c))
    lo, hi = np.inf, -np.inf
    print(f'\nWriting {len(sequences)} clip(s) to {out}')
    progress = ProgressBar(len(sequences))
    with atomic_write(out, overwrite=force) as tmp:
        array = np.lib.format.open_memmap(tmp, 'w+', first.dtype, shape)
        for i, seq in enumerate(sequences):
            for start in range(0, length, 256):
                chunk = seq.read(start, min(start + 256, length))
                lo, hi = min(lo, chunk.min()), max(hi, chunk.max())
                if layout == 'NTHWC':
                    chunk = chunk.transpose(0, 2, 3, 1)
                array[i, start:start + len(chunk)] = chunk
            progress.update()
        array.flush()
        del array
    fps = [video_fps(s.name) if is_video(s.name) else None
           for s in sequences]
    meta = dict(
        layout=layout, shape=list(shape), dtype=str(first.dtype),
        fps=fps[0] if len(set(fps)) == 1 else fps,
        value_range=[float(lo), float(hi)],
        sources=[s.name for s in sequences], frame_stride=frame_stride,
        resize=resize, crop=crop, color=color,
        created_by='tools/dataset_converters/videos_to_array.py')
    with atomic_write(sidecar_path(out), overwrite=force) as tmp:
        with open(tmp, 'w') as f:
            json.dump(meta, f, indent=2)
    return meta


def main(argv=None) -> int:
    args = parse_args(argv)
    meta = convert(args.inputs, args.out, args.layout, args.resize,
                   args.crop, args.color, args.frame_stride, args.truncate,
                   args.force)
    print(f'\nwrote {args.out} {tuple(meta["shape"])} {meta["dtype"]} '
          f'({meta["layout"]}, values {meta["value_range"]}) and '
          f'{sidecar_path(args.out)}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
