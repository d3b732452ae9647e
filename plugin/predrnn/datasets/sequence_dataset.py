"""Users' own sequences: arrays, videos and frame folders, cut into windows
of ``in_frames + out_frames`` frames (docs/en/your_own_data.md)."""
import logging
import os
from typing import Dict, List, Optional, Sequence, Union

import numpy as np
import torch
from mmengine.logging import print_log
from torch.utils.data import Dataset

from predrnn.registry import DATASETS
from . import normalization as norm
from .frame_transform import FrameTransform
from .sequence_sources import open_sequences
from .sequence_splits import split_ranges, window_starts

# Training statistics per process, keyed by everything they depend on, so
# the train and val datasets of one run compute them once.
_STATS_CACHE: Dict[str, dict] = {}
_STATS_CHUNK = 64
# Frame ranges listed in the log and metainfo (the counts tell the rest),
# and the fewest windows a split may hold without a warning.
MAX_LISTED_RANGES = 10
MAX_LOGGED_RANGES = 3
FEW_WINDOWS = 8


@DATASETS.register_module()
class SequenceDataset(Dataset):
    """Windows of users' sequences, in the source's compact dtype.

    Each item is ``dict(inputs=clip)``, ``clip`` a tensor ``(T, C, H, W)``
    with ``T = in_frames + out_frames`` in the dtype of the source (uint8
    stays uint8; the data preprocessor normalises on the device), exactly
    what :class:`~predrnn.datasets.MovingMNIST` serves. Window ``i`` is
    frames ``s, s+1, ..., s+T-1`` (after the frame stride) of sequence
    ``q``, with ``(q, s) = self.windows[i]``.

    Args:
        source (str | list[str]): A ``.npy``/``.npz`` array, a video file,
            a folder of frames (one sequence), a folder of videos, arrays
            or frame folders, a glob, or a list of these. Relative to
            ``data_root``.
        layout (str, optional): Layout of array files: ``NTCHW``,
            ``NTHWC``, ``TNHW``, ``TCHW``, ``THWC`` or ``THW``; read from
            the array's JSON sidecar when None. Defaults to None.
        split (str): ``'train'``, ``'val'``, ``'test'`` or ``'all'``.
            Defaults to ``'train'``.
        split_by (str, optional): ``'sequence'``, ``'time'`` or None
            (every split sees the whole source); see
            :mod:`predrnn.datasets.sequence_splits`.
            Defaults to ``'sequence'``.
        split_ratios (tuple): Train, val and test shares.
            Defaults to ``(0.8, 0.1, 0.1)``.
        split_gap (int, optional): Frames dropped at each time boundary.
            Defaults to None (one window).
        in_frames (int): Observed frames. Defaults to 10.
        out_frames (int): Frames to predict. Defaults to 10.
        window_stride (int): Frames between window starts. Defaults to 1.
        frame_stride (int): Keep every n-th frame (temporal subsampling).
            Defaults to 1.
        resize (tuple, optional): ``(H, W)`` to resize to. Defaults to None.
        resize_interpolation (str, optional): ``'area'``, ``'linear'``,
            ``'nearest'`` or ``'cubic'``; None: area when shrinking, linear
            when enlarging. ``'nearest'`` keeps objects of a pixel or two
            from being averaged away. Defaults to None.
        crop (tuple, optional): Centre crop ``(H, W)`` after the resize.
            Defaults to None.
        color (str, optional): ``'gray'``, ``'rgb'`` or None (keep the
            source's channels). Defaults to None.
        normalization (dict, optional): See
            :mod:`predrnn.datasets.normalization`; None keeps today's
            convention (uint8 / 255, floats already in [0, 1]).
            Defaults to None.
        patch_size (int, optional): The model's patch size, to refuse frame
            sizes it cannot patch when the dataset is built.
            Defaults to None.
        npz_key (str, optional): Array name inside a ``.npz``.
            Defaults to None (its only array).
        variable (str, optional): Variable of NetCDF / Zarr files or
            dataset of HDF5 files (see
            :mod:`predrnn.datasets.gridded_file`). Defaults to None (the
            file's only one).
        time_dim (str): Time dimension of NetCDF / Zarr variables.
            Defaults to ``'time'``.
        data_root (str): Folder that relative sources are taken from.
            Defaults to ``''``.
    """

    def __init__(self,
                 source: Union[str, List[str]],
                 layout: Optional[str] = None,
                 split: str = 'train',
                 split_by: Optional[str] = 'sequence',
                 split_ratios: Sequence[float] = (0.8, 0.1, 0.1),
                 split_gap: Optional[int] = None,
                 in_frames: int = 10,
                 out_frames: int = 10,
                 window_stride: int = 1,
                 frame_stride: int = 1,
                 resize: Optional[Sequence[int]] = None,
                 crop: Optional[Sequence[int]] = None,
                 color: Optional[str] = None,
                 resize_interpolation: Optional[str] = None,
                 normalization: Optional[dict] = None,
                 patch_size: Optional[int] = None,
                 npz_key: Optional[str] = None,
                 variable: Optional[str] = None,
                 time_dim: str = 'time',
                 data_root: str = '') -> None:
        if in_frames < 1 or out_frames < 0:
            raise ValueError('in_frames must be >= 1 and out_frames >= 0, '
                             f'got {in_frames} and {out_frames}')
        if window_stride < 1 or frame_stride < 1:
            raise ValueError('window_stride and frame_stride must be >= 1, '
                             f'got {window_stride} and {frame_stride}')
        self.in_frames, self.out_frames = in_frames, out_frames
        self.num_frames = in_frames + out_frames
        self.split, self.split_by = split, split_by
        self.split_ratios = tuple(split_ratios)
        self.split_gap = self.num_frames if split_gap is None else split_gap
        self.window_stride, self.frame_stride = window_stride, frame_stride
        self.transform = FrameTransform(resize, crop, color,
                                        resize_interpolation)
        sources = [source] if isinstance(source, str) else list(source)
        self.source = [os.path.join(data_root, s) for s in sources]
        self.layout, self.npz_key = layout, npz_key
        self.variable, self.time_dim = variable, time_dim
        self._declared = (None if normalization is None else
                          norm.check_declaration(normalization))
        self._normalization: Optional[dict] = None

        self.sequences = self.open_sources()
        self._check_frames(patch_size)
        self.ranges = split_ranges([len(s) for s in self.sequences], split,
                                   split_by, self.split_ratios,
                                   self.split_gap)
        self.windows = self.find_windows()
        self._check_windows()
        print_log(
            f'SequenceDataset[{split}]: {len(self.windows)} windows of '
            f'{self.num_frames} frames ({self.channels}x{self.frame_size[0]}'
            f'x{self.frame_size[1]}, {self.dtype}) from '
            f'{len(self.ranges)} of {len(self.sequences)} sequences',
            logger='current')
        self._log_frame_ranges()

    def open_sources(self) -> list:
        """The sequences of ``self.source`` (see
        :mod:`predrnn.datasets.sequence_sources`); readers of published
        data sets override this."""
        return open_sequences(self.source, self.layout, self.frame_stride,
                              self.transform, self.npz_key,
                              num_frames=self.num_frames,
                              variable=self.variable, time_dim=self.time_dim)

    def find_windows(self) -> np.ndarray:
        """``(num_windows, 2)`` rows ``(sequence, first frame)``: every
        ``window_stride`` frames inside the split's ranges; readers of
        published sets with their own rule override this."""
        return window_starts(self.ranges, self.num_frames, self.window_stride)

    # ------------------------------------------------------------------
    # Checks
    # ------------------------------------------------------------------

    def _check_frames(self, patch_size: Optional[int]) -> None:
        first = self.sequences[0].read(0, 1)
        self.channels = first.shape[1]
        self.frame_size = tuple(first.shape[2:])
        self.dtype = first.dtype
        for seq in self.sequences[1:]:
            if seq.dtype != self.dtype:
                raise ValueError(
                    f'{seq.name} holds {seq.dtype} values but '
                    f'{self.sequences[0].name} {self.dtype}; one dataset '
                    'needs one dtype: convert one kind once (e.g. '
                    'np.save(path, array.astype(...))) or give them as '
                    'separate datasets.')
            if self.transform.channels(seq.raw_channels) != self.channels:
                raise ValueError(
                    f'{seq.name} has {seq.raw_channels} channels but '
                    f'{self.sequences[0].name} '
                    f"{self.sequences[0].raw_channels}; set color='rgb' or "
                    "'gray' or give sources of one kind.")
        if not self.transform.resize:
            # one frame per file: the clips of one array share its size
            files = {id(getattr(q, 'file', q)): q for q in self.sequences}
            for seq in files.values():
                size = tuple(seq.read(0, 1).shape[2:])
                if size != self.frame_size:
                    raise ValueError(
                        f'{seq.name} has frames of {size[0]}x{size[1]} but '
                        f'{self.sequences[0].name} of {self.frame_size[0]}x'
                        f'{self.frame_size[1]}; set resize=(H, W).')
        if patch_size and (self.frame_size[0] % patch_size
                           or self.frame_size[1] % patch_size):
            h, w = self.frame_size
            p = patch_size
            fit = tuple(max(p, round(s / p) * p) for s in (h, w))
            crop = (h // p * p, w // p * p)
            fix = f'resize={fit}' + (f' or crop={crop}' if min(crop) else '')
            raise ValueError(
                f'Frames of {h}x{w} (from {self.sequences[0].name}) are not '
                f'divisible by the patch size {patch_size}; set {fix} on the '
                'dataset.')

    def _check_windows(self) -> None:
        short = [(self.sequences[q].name, b - a) for q, a, b in self.ranges
                 if b - a < self.num_frames]
        if len(self.windows) == 0:
            lengths = ', '.join(f'{n}: {t} frames' for n, t in short[:3])
            if not self.ranges:
                lengths = (f'its share {self.split_ratios} of '
                           f'{[len(q) for q in self.sequences][:3]} frames, '
                           f'less a split_gap of {self.split_gap}, is empty')
            raise ValueError(
                f'No window of {self.num_frames} frames (in_frames + '
                f'out_frames, after frame_stride={self.frame_stride}) fits '
                f'in split {self.split!r} ({lengths or "no sequence"}). Use '
                'longer sequences, fewer frames, a smaller frame_stride'
                + (', or other split_ratios.' if self.split_by == 'time' else
                   ", other split_ratios or split_by='time'."))
        if short:
            print_log(
                f'SequenceDataset[{self.split}]: {len(short)} sequence(s) '
                f'shorter than one window of {self.num_frames} frames are '
                f'skipped, e.g. {short[0][0]} ({short[0][1]} frames)',
                logger='current', level=logging.WARNING)

    def frame_ranges(self) -> List[list]:
        """``[name, first, end]`` per sequence the split's windows come
        from: source frames ``first`` to ``end - 1`` (before the frame
        stride), the split's part of that sequence."""
        used = set(self.windows[:, 0].tolist())
        s = self.frame_stride
        return [[self.sequences[q].name, a * s, (b - 1) * s + 1]
                for q, a, b in self.ranges if q in used]

    def _log_frame_ranges(self) -> None:
        ranges = self.frame_ranges()
        counts = np.bincount(self.windows[:, 0],
                             minlength=len(self.sequences))
        used = [q for q, _, _ in self.ranges if counts[q]]
        lines = [f'{self.split}: frames {a}-{b - 1} of {name} '
                 f'({counts[q]} windows)'
                 for (name, a, b), q in zip(ranges, used)]
        more = len(lines) - MAX_LOGGED_RANGES
        print_log('SequenceDataset: ' + '; '.join(lines[:MAX_LOGGED_RANGES])
                  + (f'; and {more} more sequences' if more > 0 else ''),
                  logger='current')
        if len(self.windows) < FEW_WINDOWS:
            print_log(
                f'SequenceDataset[{self.split}]: only {len(self.windows)} '
                f'windows of {self.num_frames} frames; metrics on so few '
                'clips are noisy. Use longer or more sequences, a larger '
                'share in split_ratios, a smaller split_gap or '
                'window_stride, or fewer frames per window.',
                logger='current', level=logging.WARNING)

    # ------------------------------------------------------------------
    # Normalisation
    # ------------------------------------------------------------------

    def _stats_key(self) -> str:
        return repr((self.source, self.layout, self.npz_key, self.variable,
                     self.time_dim, self.split_by,
                     self.split_ratios, self.split_gap, self.frame_stride,
                     self.transform.__dict__,
                     self._declared.get('per_channel', True)))

    def training_statistics(self) -> dict:
        """Per-channel ``min``, ``max``, ``mean``, ``std`` of the frames of
        the training split (whole source when ``split_by`` is None),
        computed once per process in float64, streaming chunks of frames."""
        key = self._stats_key()
        if key not in _STATS_CACHE:
            stats = norm.RunningStats()
            for chunk in self.training_chunks():
                stats.update(chunk)
            _STATS_CACHE[key] = stats.result(
                self._declared.get('per_channel', True))
            print_log('SequenceDataset: training statistics '
                      f'{_STATS_CACHE[key]}', logger='current')
        return _STATS_CACHE[key]

    def training_chunks(self):
        """The frames of the training split, a chunk at a time."""
        ranges = split_ranges([len(s) for s in self.sequences], 'train',
                              self.split_by, self.split_ratios,
                              self.split_gap)
        for q, a, b in ranges:
            yield from self.chunks_of(self.sequences[q], a, b)

    @staticmethod
    def chunks_of(sequence, first: int, end: int):
        """Frames ``first:end`` of ``sequence`` in chunks ``(t, C, H, W)``."""
        for start in range(first, end, _STATS_CHUNK):
            yield sequence.read(start, min(start + _STATS_CHUNK, end))

    @property
    def normalization(self) -> Optional[dict]:
        """The resolved normalisation (contract of
        :mod:`predrnn.datasets.normalization`) or None."""
        if self._normalization is None and self._declared is not None:
            needs_stats = (self._declared['kind'] != 'range'
                           and self._declared.get('scale') is None)
            stats = self.training_statistics() if needs_stats else None
            resolved = norm.resolve(self._declared, stats)
            norm.expand(resolved['scale'], self.channels, 'scale')
            self._normalization = resolved
        return self._normalization

    def set_normalization(self, normalization: Optional[dict]) -> None:
        """Use given (e.g. the checkpoint's training) statistics."""
        self._normalization = (None if normalization is None else
                               norm.resolve(normalization))

    # ------------------------------------------------------------------
    # Dataset protocol
    # ------------------------------------------------------------------

    def get_window(self, index: int) -> np.ndarray:
        """Window ``index`` as an array ``(T, C, H, W)``, source dtype."""
        q, start = self.windows[index]
        return self.sequences[q].read(int(start), int(start) + self.num_frames)

    def __getitem__(self, index: int) -> dict:
        """``dict(inputs=tensor (T, C, H, W))`` in the source's dtype."""
        if isinstance(index, (tuple, list)):  # (epoch, index) samplers
            index = index[1]
        window = self.get_window(int(index))
        # A copy: the window may be a read-only view of a memory map.
        return dict(inputs=torch.from_numpy(np.array(window)))

    def __len__(self) -> int:
        return len(self.windows)

    @property
    def metainfo(self) -> dict:
        """Given to metrics as ``dataset_meta`` (and saved by mmengine in
        every checkpoint's ``meta.dataset_meta``).

        ``frame_ranges`` lists the first ``MAX_LISTED_RANGES`` of
        :meth:`frame_ranges`, ``num_frame_ranges`` counts them all; the
        val and test splits repeat them in ``test_set``, which
        ``tools/test.py`` writes into ``metrics.json``.
        """
        ranges = self.frame_ranges()
        meta = dict(
            dataset_name='SequenceDataset',
            split=self.split,
            in_frames=self.in_frames,
            out_frames=self.out_frames,
            channels=self.channels,
            frame_size=list(self.frame_size),
            dtype=str(self.dtype),
            sources=self.source,
            num_windows=len(self.windows),
            frame_ranges=ranges[:MAX_LISTED_RANGES],
            num_frame_ranges=len(ranges),
            comparable=False)
        if self.split != 'train':
            meta['test_set'] = dict(
                name='frame_ranges', split=self.split,
                frame_ranges=meta['frame_ranges'],
                num_frame_ranges=len(ranges), num_windows=len(self.windows))
        if self._declared is not None:
            meta['normalization'] = self.normalization
        return meta
