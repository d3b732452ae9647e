"""Gridded fields in NetCDF, Zarr and HDF5 files (radar, reanalysis), read
one time slice at a time, never whole.

* NetCDF (``.nc``, ``.nc4``) and Zarr stores (``.zarr``) open lazily
  through xarray: variable ``variable`` with the time dimension
  ``time_dim``, the two spatial dimensions last and at most one more
  dimension (levels, bands) that becomes the channels.
* HDF5 (``.h5``, ``.hdf5``) opens through h5py: dataset ``variable`` in a
  time-first layout (``TCHW``, ``THWC``, ``THW``: one sequence) or a
  clips-first one (``NTCHW``, ``NTHWC``, or ``NHWT`` as SEVIR stores its
  events: one sequence per clip).

The libraries are the optional extra ``pip install -e ".[weather]"``.
A field pickles as its path (each worker re-opens the file).
"""
import importlib
import os
from typing import Optional

import numpy as np

NETCDF_EXTENSIONS = ('.nc', '.nc4')
ZARR_EXTENSIONS = ('.zarr', )
HDF5_EXTENSIONS = ('.h5', '.hdf5')
GRID_EXTENSIONS = NETCDF_EXTENSIONS + ZARR_EXTENSIONS + HDF5_EXTENSIONS
HDF5_LAYOUTS = ('TCHW', 'THWC', 'THW', 'NTCHW', 'NTHWC', 'NHWT')


def is_gridded(path: str) -> bool:
    return path.lower().rstrip('/').endswith(GRID_EXTENSIONS)


def require(module: str, path: str):
    """Import ``module`` or say which extra provides it."""
    try:
        return importlib.import_module(module)
    except ImportError as err:
        raise ImportError(
            f'Reading {path} needs the Python package {module!r}: install '
            'the weather extra, pip install -e ".[weather]"') from err


class XarrayField:
    """``variable`` of a NetCDF file or Zarr store as one sequence."""

    num_clips = 1

    def __init__(self, path: str, variable: Optional[str],
                 time_dim: str = 'time') -> None:
        self.path, self.variable, self.time_dim = path, variable, time_dim
        self._array = None
        array = self.array
        dims = array.dims
        if time_dim not in dims:
            raise ValueError(f'{path}:{self.variable} has dimensions {dims}, '
                             f'no {time_dim!r}; set time_dim= to its time '
                             'dimension.')
        if len(dims) not in (3, 4):
            raise ValueError(
                f'{path}:{self.variable} has dimensions {dims}: expected '
                f'{time_dim}, at most one level / band dimension and two '
                'spatial dimensions; select a level first (e.g. with '
                'xarray, ds.sel(level=500).to_netcdf(...)).')
        self.length = array.sizes[time_dim]
        self.raw_channels = 1 if len(dims) == 3 else int(
            array.sizes[[d for d in dims[:-2] if d != time_dim][0]])
        self.dtype = np.dtype(array.dtype)

    @property
    def array(self):
        if self._array is None:
            xr = require('xarray', self.path)
            if self.path.lower().rstrip('/').endswith(ZARR_EXTENSIONS):
                require('zarr', self.path)
                ds = xr.open_dataset(self.path, engine='zarr', chunks=None)
            else:
                require('h5netcdf', self.path)
                ds = xr.open_dataset(self.path, engine='h5netcdf',
                                     chunks=None)
            names = list(ds.data_vars)
            if self.variable is None:
                if len(names) != 1:
                    raise ValueError(f'{self.path} holds variables {names}; '
                                     'name one with variable=...')
                self.variable = names[0]
            if self.variable not in names:
                raise ValueError(f'{self.path} has no variable '
                                 f'{self.variable!r}; it holds {names}.')
            self._array = ds[self.variable]
        return self._array

    def times(self) -> np.ndarray:
        """The time coordinate (e.g. ``datetime64``), one per frame."""
        return self.array[self.time_dim].values

    def read(self, clip: int, start: int, stop: int, step: int = 1
             ) -> np.ndarray:
        """Frames ``start:stop:step`` as ``(T, C, H, W)``."""
        array = self.array
        others = [d for d in array.dims[:-2] if d != self.time_dim]
        part = array.isel({self.time_dim: slice(start, stop, step)})
        values = part.transpose(self.time_dim, *others,
                                *array.dims[-2:]).values
        return values if others else values[:, None]

    def __getstate__(self) -> dict:
        return dict(self.__dict__, _array=None)


class HDF5Field:
    """Dataset ``variable`` of an HDF5 file in one of ``HDF5_LAYOUTS``."""

    def __init__(self, path: str, variable: Optional[str],
                 layout: Optional[str]) -> None:
        self.path, self.variable = path, variable
        if layout is None or layout.upper() not in HDF5_LAYOUTS:
            raise ValueError(f'Give layout= one of {HDF5_LAYOUTS} for the '
                             f'HDF5 file {path}, got {layout!r}.')
        self.layout = layout.upper()
        self._dataset = None
        shape = self.dataset.shape
        if len(shape) != len(self.layout):
            raise ValueError(
                f'{path}:{self.variable} has shape {shape} ({len(shape)}-D) '
                f'but layout {self.layout!r} is {len(self.layout)}-D.')
        sizes = dict(zip(self.layout, shape))
        self.num_clips = sizes.get('N', 1)
        self.length = sizes['T']
        self.raw_channels = sizes.get('C', 1)
        self.dtype = np.dtype(self.dataset.dtype)

    @property
    def dataset(self):
        if self._dataset is None:
            h5py = require('h5py', self.path)
            handle = h5py.File(self.path, 'r')
            names = [k for k in handle if isinstance(handle[k], h5py.Dataset)]
            if self.variable is None:
                if len(names) != 1:
                    raise ValueError(f'{self.path} holds datasets {names}; '
                                     'name one with variable=...')
                self.variable = names[0]
            if self.variable not in handle:
                raise ValueError(f'{self.path} has no dataset '
                                 f'{self.variable!r}; it holds {names}.')
            self._dataset = handle[self.variable]
        return self._dataset

    def read(self, clip: int, start: int, stop: int, step: int = 1
             ) -> np.ndarray:
        """Frames ``start:stop:step`` of clip ``clip`` as ``(T, C, H, W)``."""
        data, times = self.dataset, slice(start, stop, step)
        if self.layout == 'NHWT':
            return data[clip, :, :, times].transpose(2, 0, 1)[:, None]
        index = (clip, times) if self.layout.startswith('N') else (times, )
        frames = data[index]
        if self.layout.endswith('HWC'):
            return frames.transpose(0, 3, 1, 2)
        return frames if 'C' in self.layout else frames[:, None]

    def __getstate__(self) -> dict:
        return dict(self.__dict__, _dataset=None)


def open_field(path: str, variable: Optional[str], layout: Optional[str],
               time_dim: str = 'time'):
    """The field of a gridded file (see the module docstring)."""
    if not os.path.exists(path):
        raise FileNotFoundError(f'{path} does not exist.')
    if path.lower().rstrip('/').endswith(HDF5_EXTENSIONS):
        return HDF5Field(path, variable, layout)
    return XarrayField(path, variable, time_dim)


class FieldSequence:
    """Clip ``clip`` of a field, frames ``first:last`` (raw frames) with
    every ``frame_stride``-th kept; the interface of the other sequences
    (``len``, ``read(start, stop) -> (T, C, H, W)``, ``name``)."""

    def __init__(self, field, clip: int, frame_stride: int, transform,
                 first: int = 0, last: Optional[int] = None,
                 name: Optional[str] = None) -> None:
        self.field, self.clip = field, clip
        self.stride, self.transform = frame_stride, transform
        self.first = first
        last = field.length if last is None else last
        self.length = max(0, (last - first + frame_stride - 1) // frame_stride)
        self.dtype, self.raw_channels = field.dtype, field.raw_channels
        self.name = name or (field.path if field.num_clips == 1 else
                             f'{field.path}[{clip}]')

    def __len__(self) -> int:
        return self.length

    def read(self, start: int, stop: int) -> np.ndarray:
        s, a = self.stride, self.first
        return self.transform(self.field.read(self.clip, a + start * s,
                                              a + stop * s, s))


class ChainedSequence:
    """Sequences joined end to end (e.g. one file per year) as one."""

    def __init__(self, parts: list, name: str) -> None:
        self.parts, self.name = [p for p in parts if len(p)], name
        if not self.parts:
            raise ValueError(f'{name}: no frames.')
        self.offsets = np.cumsum([0] + [len(p) for p in self.parts])
        self.dtype = self.parts[0].dtype
        self.raw_channels = self.parts[0].raw_channels

    def __len__(self) -> int:
        return int(self.offsets[-1])

    def read(self, start: int, stop: int) -> np.ndarray:
        pieces = []
        for part, a in zip(self.parts, self.offsets[:-1]):
            lo, hi = max(start - a, 0), min(stop - a, len(part))
            if lo < hi:
                pieces.append(part.read(int(lo), int(hi)))
        return np.concatenate(pieces)
