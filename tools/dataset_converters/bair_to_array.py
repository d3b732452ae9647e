"""Convert BAIR robot pushing (``softmotion30_44k``, TFRecords) once into
memory-mapped arrays for the action-conditioned configs.

    python tools/dataset_converters/bair_to_array.py \
        data/bair/softmotion30_44k data/bair

reads ``<src>/train/*.tfrecords`` and ``<src>/test/*.tfrecords`` as the
authors' BAIR handler does (files sorted by name, records in order; frame
``j`` of a record is ``j/image_aux1/encoded``, raw 64 x 64 RGB bytes, with
its action ``j/action``, 4 floats; a record ends at the first frame without
an action) and writes, per split, ``<out>/<split>.npy`` (uint8, ``(N, T, 64,
64, 3)``, layout ``NTHWC``) and ``<out>/<split>.actions.npy`` (float32,
``(N, T, 4)``), which ``configs/action/predrnnv2_bair.py`` reads. Each file
is written under a temporary name and renamed when complete; existing
outputs are kept unless ``--force``. Reading TFRecords needs the ``tfrecord``
package (``pip install -e ".[bair]"``), not TensorFlow.
"""
import argparse
import glob
import os
import sys
from typing import Iterator, List, Tuple

import numpy as np

from predrnn.utils import atomic_write

SIZE = 64


def _records(path: str) -> Iterator[dict]:
    try:
        from tfrecord.reader import tfrecord_loader
    except ImportError as err:
        raise ImportError('Reading TFRecords needs the tfrecord package: '
                          'pip install -e ".[bair]"') from err
    yield from tfrecord_loader(path, None)


def _frames_in(record: dict) -> int:
    t = 0
    while f'{t}/action' in record and len(record[f'{t}/action']):
        t += 1
    return t


def _clip(record: dict, length: int) -> Tuple[np.ndarray, np.ndarray]:
    frames = np.stack([
        np.frombuffer(bytes(record[f'{j}/image_aux1/encoded']),
                      np.uint8).reshape(SIZE, SIZE, 3)
        for j in range(length)])
    actions = np.stack([np.asarray(record[f'{j}/action'], np.float32)
                        for j in range(length)])
    return frames, actions


def split_files(src: str, split: str) -> List[str]:
    files = sorted(glob.glob(os.path.join(src, split, '*.tfrecord*')))
    if not files:
        raise FileNotFoundError(
            f'No TFRecords in {os.path.join(src, split)}: download BAIR '
            '(softmotion30_44k, see docs/en/datasets.md) and give its '
            'folder.')
    return files


def convert_split(src: str, out: str, split: str, force: bool = False
                  ) -> Tuple[int, int]:
    """Write ``<out>/<split>.npy`` and ``.actions.npy``; ``(clips,
    frames per clip)``."""
    targets = [os.path.join(out, f'{split}.npy'),
               os.path.join(out, f'{split}.actions.npy')]
    existing = [t for t in targets if os.path.exists(t)]
    if existing and not force:
        raise FileExistsError(f'{existing[0]} exists; give --force to '
                              'replace it.')
    files = split_files(src, split)
    lengths = [_frames_in(r) for f in files for r in _records(f)]
    if not lengths or min(lengths) == 0:
        raise ValueError(f'{src}/{split}: a record without frames.')
    if len(set(lengths)) > 1:
        raise ValueError(f'{src}/{split}: records of {sorted(set(lengths))} '
                         'frames; the arrays need one length.')
    n, t = len(lengths), lengths[0]
    os.makedirs(out, exist_ok=True)
    with atomic_write(targets[0]) as frames_tmp, \
            atomic_write(targets[1]) as actions_tmp:
        frames = np.lib.format.open_memmap(frames_tmp, 'w+', np.uint8,
                                           (n, t, SIZE, SIZE, 3))
        actions = np.lib.format.open_memmap(actions_tmp, 'w+', np.float32,
                                            (n, t, 4))
        i = 0
        for path in files:
            for record in _records(path):
                frames[i], actions[i] = _clip(record, t)
                i += 1
        frames.flush()
        actions.flush()
        del frames, actions
    return n, t


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Convert BAIR robot pushing TFRecords into .npy arrays '
        'of frames and actions.')
    parser.add_argument('src', help='the softmotion30_44k folder (with '
                        'train/ and test/)')
    parser.add_argument('out', help='output folder, e.g. data/bair')
    parser.add_argument('--splits', nargs='+', default=['train', 'test'])
    parser.add_argument('--force', action='store_true',
                        help='replace existing outputs')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        for split in args.splits:
            n, t = convert_split(args.src, args.out, split, args.force)
            print(f'{split}: {n} clips of {t} frames -> '
                  f'{os.path.join(args.out, split)}.npy')
    except (OSError, ValueError, ImportError) as err:
        print(f'error: {err}', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
