"""TaxiBJ crowd flows, read from ``dataset.npz`` as OpenSTL distributes it.

The archive holds ``X_train``, ``Y_train``, ``X_test`` and ``Y_test``, each
``(N, 4, 2, 32, 32)``: inflow and outflow of a 32 x 32 grid over Beijing,
one frame per half hour, min-max scaled to [-1, 1] by the publisher. Sample
``i`` is the 8 frames ``X[i]`` then ``Y[i]`` (4 observed -> 4 forecast).
The split is OpenSTL's: ``train`` reads the ``*_train`` arrays, ``val`` and
``test`` the ``*_test`` arrays (OpenSTL validates on its test set).

Units: the frames are served as stored, in [-1, 1], with the declared
range [-1, 1], so the model sees ``(x + 1) / 2`` in [0, 1] as OpenSTL's
model does. The metric's ``mse`` / ``mae`` are computed on those normalised
frames, OpenSTL's scale, and compare directly with its tables;
``mse_units`` / ``mae_units`` are in the stored units (4 and 2 times).
"""
import logging
import os
import zipfile
from typing import List, Optional

import numpy as np
from mmengine.logging import print_log

from predrnn.registry import DATASETS
from .array_file import open_array
from .sequence_dataset import SequenceDataset

KEYS = ('X_train', 'Y_train', 'X_test', 'Y_test')
WHERE = ('TaxiBJ is distributed by OpenSTL as taxibj/dataset.npz (see '
         'docs/en/datasets.md); check a download with '
         '`python tools/prepare_data.py taxibj --data-root data`.')


def read_member(path: str, key: str) -> np.ndarray:
    """Array ``key`` of the archive: memory-mapped when stored without
    compression, else read into memory once (with a log line)."""
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(key + '.npy')
        compressed = info.compress_type != zipfile.ZIP_STORED
    if not compressed:
        return open_array(path, key)
    with np.load(path, allow_pickle=False) as archive:
        array = archive[key]
    print_log(f'TaxiBJ: {path}:{key} is compressed and was read into memory '
              f'({array.nbytes / 2**20:.0f} MB); np.savez it uncompressed to '
              'memory-map it instead', logger='current', level=logging.INFO)
    return array


def member_shape(archive: zipfile.ZipFile, key: str) -> tuple:
    """Shape of array ``key`` of an open ``.npz``, from its ``.npy`` header
    alone (a compressed member is not decompressed past it)."""
    with archive.open(key + '.npy') as member:
        version = np.lib.format.read_magic(member)
        read_header = (np.lib.format.read_array_header_1_0
                       if version == (1, 0) else
                       np.lib.format.read_array_header_2_0)
        return read_header(member)[0]


def check_taxibj_file(path: str) -> List[str]:
    """What is wrong with a TaxiBJ ``dataset.npz`` (empty when nothing)."""
    if not os.path.isfile(path):
        return [f'{path} is missing. {WHERE}']
    try:
        with zipfile.ZipFile(path) as archive:
            names = {n[:-4] for n in archive.namelist() if n.endswith('.npy')}
    except (OSError, zipfile.BadZipFile) as err:
        return [f'{path} is not a readable .npz archive ({err}); download it '
                'again.']
    missing = [k for k in KEYS if k not in names]
    if missing:
        return [f'{path} lacks the arrays {missing} (it holds '
                f'{sorted(names)}). {WHERE}']
    problems = []
    shapes = {}
    with zipfile.ZipFile(path) as archive:
        for key in KEYS:
            try:
                shapes[key] = member_shape(archive, key)
            except (ValueError, OSError, zipfile.BadZipFile) as err:
                problems.append(f'{path}:{key} is not a readable array '
                                f'({err}); download it again.')
    for split in ('train', 'test'):
        x, y = shapes.get(f'X_{split}'), shapes.get(f'Y_{split}')
        if x is None or y is None:
            continue
        if len(x) != 5 or len(y) != 5:
            problems.append(f'{path}: X_{split} {x} and Y_{split} {y} must '
                            'be (N, T, C, H, W).')
        elif x[0] != y[0] or x[2:] != y[2:]:
            problems.append(f'{path}: X_{split} {x} and Y_{split} {y} '
                            'differ in samples, channels or grid size.')
    return problems


class PairedSample:
    """Sample ``index`` of an ``(X, Y)`` pair of ``(N, T, C, H, W)`` arrays:
    the frames of ``X[index]`` then ``Y[index]``, float32."""

    def __init__(self, x: np.ndarray, y: np.ndarray, index: int,
                 transform, name: str) -> None:
        self.x, self.y, self.index = x, y, index
        self.transform = transform
        self.length = x.shape[1] + y.shape[1]
        self.dtype = np.dtype(np.float32)
        self.raw_channels = x.shape[2]
        self.name = f'{name}[{index}]'

    def __len__(self) -> int:
        return self.length

    def read(self, start: int, stop: int) -> np.ndarray:
        frames = np.concatenate((self.x[self.index], self.y[self.index]))
        return self.transform(frames[start:stop].astype(np.float32))


@DATASETS.register_module()
class TaxiBJ(SequenceDataset):
    """TaxiBJ from OpenSTL's ``dataset.npz`` (module docstring).

    Args:
        data_root (str): Folder holding ``file``. Defaults to
            ``'data/taxibj'``.
        file (str): The archive. Defaults to ``'dataset.npz'``.
        split (str): ``'train'``, ``'val'`` or ``'test'`` (val and test
            are the same arrays). Defaults to ``'train'``.
        in_frames (int): Observed frames. Defaults to 4.
        out_frames (int): Forecast frames. Defaults to 4.
        normalization (dict, optional): Defaults to the stored range
            ``[-1, 1]`` (module docstring).
        **kwargs: Other :class:`SequenceDataset` arguments (``patch_size``,
            ``window_stride``, ...); the source, layout and split are
            fixed by the archive.
    """

    def __init__(self, data_root: str = 'data/taxibj',
                 file: str = 'dataset.npz', split: str = 'train',
                 in_frames: int = 4, out_frames: int = 4,
                 normalization: Optional[dict] = None, **kwargs) -> None:
        fixed = sorted({'source', 'layout', 'split_by', 'npz_key'} & set(kwargs))
        if fixed:
            raise ValueError(f'TaxiBJ fixes {fixed} (the archive has its own '
                             'arrays and split); remove them.')
        if split not in ('train', 'val', 'test'):
            raise ValueError(f"TaxiBJ split must be 'train', 'val' or "
                             f"'test', got {split!r}")
        if normalization is None:
            normalization = dict(kind='range', data_range=[-1, 1])
        super().__init__(source=file, data_root=data_root, split=split,
                         split_by=None, in_frames=in_frames,
                         out_frames=out_frames, normalization=normalization,
                         **kwargs)

    def open_sources(self) -> list:
        path = self.source[0]
        problems = check_taxibj_file(path)
        if problems and not os.path.isfile(path):
            raise FileNotFoundError(problems[0])
        if problems:
            raise ValueError(' '.join(problems))
        part = 'train' if self.split == 'train' else 'test'
        x = read_member(path, f'X_{part}')
        y = read_member(path, f'Y_{part}')
        name = f'{path}:{part}'
        return [PairedSample(x, y, i, self.transform, name)
                for i in range(x.shape[0])]

    @property
    def metainfo(self) -> dict:
        # the publisher's archive and OpenSTL's split and protocol
        return dict(super().metainfo, dataset_name='TaxiBJ', comparable=True)
