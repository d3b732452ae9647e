"""WeatherBench fields as distributed: one folder per variable of yearly
NetCDF files, ``<data_root>/2m_temperature/2m_temperature_2010_5.625deg.nc``.

The protocol is OpenSTL's (``weather_t2m_5_625``): one hourly series per
split cut by years (train 2010-2015, val 2016, test 2017-2018), 12 -> 12
frames, every window start, z-scored with the mean and standard deviation
of the training years (pooled over time, latitude and longitude). As in
OpenSTL the last hour of each split's range is dropped. At 5.625 degrees a
frame is 32 x 64 (latitude x longitude). The ``metainfo`` also gives the
latitudes and the training years' per-pixel mean (climatology) to
:class:`~predrnn.evaluation.LatWeightedMetric`.
"""
import glob
import os
from typing import Dict, List, Optional, Sequence

import numpy as np
from mmengine.logging import print_log

from predrnn.registry import DATASETS
from . import normalization as norm
from .gridded_file import ChainedSequence, FieldSequence, XarrayField
from .sequence_dataset import _STATS_CACHE, SequenceDataset

#: short name (the NetCDF variable) -> WeatherBench folder
VARIABLES = {
    't2m': '2m_temperature',
    'z': 'geopotential_500',
    't': 'temperature_850',
    'tp': 'total_precipitation',
    'u10': '10m_u_component_of_wind',
    'v10': '10m_v_component_of_wind',
    'tcc': 'total_cloud_cover',
}
YEARS = dict(train=(2010, 2015), val=(2016, 2016), test=(2017, 2018))
_CLIMATOLOGY: Dict[str, np.ndarray] = {}


class StridedSequence:
    """Every ``stride``-th frame of a sequence."""

    def __init__(self, sequence, stride: int) -> None:
        self.sequence, self.stride = sequence, stride
        self.length = (len(sequence) + stride - 1) // stride
        self.dtype = sequence.dtype
        self.raw_channels = sequence.raw_channels
        self.name = sequence.name

    def __len__(self) -> int:
        return self.length

    def read(self, start: int, stop: int) -> np.ndarray:
        s = self.stride
        return self.sequence.read(start * s, (stop - 1) * s + 1)[::s]


def year_series(files: Sequence[str], variable: str, years: Sequence[int],
                frame_stride: int, transform, name: str):
    """The hours of ``years`` (first, last) from yearly files, joined."""
    spans = []  # (field, first, end) in each file's hours
    for path in files:
        field = XarrayField(path, variable)
        year = field.times().astype('datetime64[Y]').astype(int) + 1970
        inside = np.flatnonzero((year >= years[0]) & (year <= years[1]))
        if len(inside):
            spans.append((field, int(inside[0]), int(inside[-1]) + 1))
    if not spans:
        raise ValueError(f'{name}: no hour of the years {years[0]}-'
                         f'{years[1]} in {len(files)} file(s); download '
                         'those years or set years=.')
    field, first, end = spans[-1]
    spans[-1] = (field, first, end - 1)  # OpenSTL drops the range's last hour
    chain = ChainedSequence([FieldSequence(f, 0, 1, transform, a, b)
                             for f, a, b in spans], name)
    field = spans[0][0]
    chain.latitudes = field.array[field.array.dims[-2]].values
    return StridedSequence(chain, frame_stride) if frame_stride > 1 else chain


def check_weatherbench_folder(root: str) -> List[str]:
    """What is missing in a WeatherBench folder (empty when nothing): each
    variable folder present must cover the years of ``YEARS``."""
    present = [v for v, folder in VARIABLES.items()
               if os.path.isdir(os.path.join(root, folder))]
    if not present:
        return [f'{root} holds none of the WeatherBench folders '
                f'{sorted(VARIABLES.values())}; download a variable (e.g. '
                '2m_temperature at 5.625 degrees, see docs/en/datasets.md) '
                f'and unzip it into {root}.']
    problems = []
    wanted = set(range(YEARS['train'][0], YEARS['test'][1] + 1))
    for variable in present:
        folder = os.path.join(root, VARIABLES[variable])
        years = set()
        for path in sorted(glob.glob(os.path.join(folder, '*.nc'))):
            try:
                times = XarrayField(path, variable).times()
            except (OSError, ValueError, ImportError) as err:
                problems.append(f'{path} cannot be read: {err}')
                continue
            years |= set((times.astype('datetime64[Y]').astype(int)
                          + 1970).tolist())
        missing = sorted(wanted - years)
        if missing:
            problems.append(f'{folder} lacks the years {missing} of the '
                            'standard split.')
    return problems


@DATASETS.register_module()
class WeatherBench(SequenceDataset):
    """One WeatherBench variable (module docstring).

    Args:
        data_root (str): Folder holding the variables' folders.
            Defaults to ``'data/weather_5.625deg'``.
        variable (str): Short name, one of ``VARIABLES``. Defaults to
            ``'t2m'``.
        split (str): ``'train'``, ``'val'`` or ``'test'``.
        years (dict, optional): ``split -> (first, last)`` year; defaults
            to ``YEARS``.
        in_frames (int): Observed hours. Defaults to 12.
        out_frames (int): Forecast hours. Defaults to 12.
        normalization (dict, optional): Defaults to ``meanstd`` on the
            training years, pooled over channels as OpenSTL does.
        **kwargs: Other :class:`SequenceDataset` arguments
            (``frame_stride`` for e.g. 6-hourly frames, ``window_stride``,
            ``patch_size``).
    """

    def __init__(self, data_root: str = 'data/weather_5.625deg',
                 variable: str = 't2m', split: str = 'train',
                 years: Optional[Dict[str, Sequence[int]]] = None,
                 in_frames: int = 12, out_frames: int = 12,
                 normalization: Optional[dict] = None, **kwargs) -> None:
        if variable not in VARIABLES:
            raise ValueError(f'WeatherBench variable {variable!r} is not one '
                             f'of {sorted(VARIABLES)}.')
        if split not in YEARS:
            raise ValueError(f"WeatherBench split must be one of "
                             f"{tuple(YEARS)}, got {split!r}")
        fixed = sorted({'source', 'layout', 'split_by', 'time_dim'}
                       & set(kwargs))
        if fixed:
            raise ValueError(f'WeatherBench fixes {fixed} (its files and '
                             'years define the split); remove them.')
        self.years = dict(YEARS, **(years or {}))
        folder = os.path.join(data_root, VARIABLES[variable])
        self.files = sorted(glob.glob(os.path.join(folder, '*.nc')))
        if not self.files:
            raise FileNotFoundError(
                f'No WeatherBench files in {folder}: download '
                f'{VARIABLES[variable]} at the wanted resolution from '
                'WeatherBench (see docs/en/datasets.md) and unzip it there; '
                '`python tools/prepare_data.py weatherbench` checks it.')
        if normalization is None:
            normalization = dict(kind='meanstd', per_channel=False)
        super().__init__(source=folder, data_root='', split=split,
                         split_by=None, in_frames=in_frames,
                         out_frames=out_frames, normalization=normalization,
                         variable=variable, **kwargs)

    def _series(self, split: str):
        first, last = self.years[split]
        return year_series(self.files, self.variable, (first, last),
                           self.frame_stride, self.transform,
                           f'{self.source[0]} {split} {first}-{last}')

    def open_sources(self) -> list:
        return [self._series(self.split)]

    def _stats_key(self) -> str:
        return super()._stats_key() + repr(self.years['train'])

    def training_chunks(self):
        series = (self.sequences[0] if self.split == 'train' else
                  self._series('train'))
        yield from self.chunks_of(series, 0, len(series))

    def _training_pass(self) -> None:
        """One streaming pass over the training years: the normalisation
        statistics (the base class's cache) and the per-pixel climatology
        together, each otherwise a full read of the years."""
        key = self._stats_key()
        stats, total, count = norm.RunningStats(), 0.0, 0
        for chunk in self.training_chunks():
            stats.update(chunk)
            total = total + chunk.astype(np.float64).sum(0)
            count += len(chunk)
        _STATS_CACHE[key] = stats.result(
            self._declared.get('per_channel', True))
        _CLIMATOLOGY[key] = total / count
        print_log(f'WeatherBench: training statistics {_STATS_CACHE[key]}',
                  logger='current')

    def training_statistics(self) -> dict:
        if self._stats_key() not in _STATS_CACHE:
            self._training_pass()
        return _STATS_CACHE[self._stats_key()]

    def climatology(self) -> np.ndarray:
        """Per-pixel mean of the training years, ``(C, H, W)`` float64 in
        data units (the reference of the anomaly correlation), once per
        process."""
        if self._stats_key() not in _CLIMATOLOGY:
            self._training_pass()
        return _CLIMATOLOGY[self._stats_key()]

    @property
    def metainfo(self) -> dict:
        series = self.sequences[0]
        chain = getattr(series, 'sequence', series)
        return dict(super().metainfo, dataset_name='WeatherBench',
                    variable=self.variable, years=list(self.years[self.split]),
                    latitudes=[float(v) for v in chain.latitudes],
                    climatology=self.climatology().tolist(),
                    comparable=True)
