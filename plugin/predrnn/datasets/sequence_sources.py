"""Users' sequences from config: array files, videos, frame folders and
gridded NetCDF / Zarr / HDF5 fields.

Every source becomes a list of *sequences*, each with ``len()`` (frames
after the frame stride), ``read(start, stop) -> (T, C, H, W)`` in the
source's dtype and a ``name`` for messages.
"""
import glob
import os
from typing import List, Optional, Union

import numpy as np
from mmengine.logging import print_log

from .array_file import open_array, read_sidecar
from .array_layouts import as_ntchw, check_layout, check_plausible, describe
from .finite_check import check_finite
from .frame_folder import IMAGE_EXTENSIONS, FrameFolder
from .frame_transform import FrameTransform
from .gridded_file import GRID_EXTENSIONS, FieldSequence, is_gridded, open_field
from .video_file import VIDEO_EXTENSIONS, is_video, read_video

ARRAY_EXTENSIONS = ('.npy', '.npz')


class ArrayFile:
    """A memory-mapped array file seen as ``(N, T, C, H, W)``; pickles as
    its path (workers re-open the map instead of copying the data).

    The reading is logged (sequences, frames per sequence) and an
    implausible one refused (:func:`~.array_layouts.check_plausible`,
    against ``num_frames``, the window length, when given).
    """

    def __init__(self, path: str, layout: Optional[str],
                 npz_key: Optional[str] = None,
                 fallback_layout: Optional[str] = None,
                 num_frames: Optional[int] = None) -> None:
        self.path, self.npz_key = path, npz_key
        array = open_array(path, npz_key)
        sidecar = read_sidecar(path) or {}
        # explicit layout, else the sidecar's, else the fallback
        layout = layout or sidecar.get('layout') or fallback_layout
        if layout is None:
            raise ValueError(
                f'The layout of {path} (shape {tuple(array.shape)}) is '
                'unknown: set layout= one of NTCHW, NTHWC, TNHW, TCHW, THWC, '
                'THW (or write a JSON sidecar with "layout").')
        self.layout = check_layout(layout, array.shape, path)
        check_plausible(self.layout, array.shape, path, num_frames)
        print_log(f'{path}: shape {tuple(array.shape)} read as layout '
                  f'{self.layout}: {describe(self.layout, array.shape)}',
                  logger='current')
        self.sidecar = sidecar
        self._view = as_ntchw(array, self.layout)

    @property
    def view(self) -> np.ndarray:
        if self._view is None:
            self._view = as_ntchw(open_array(self.path, self.npz_key),
                                  self.layout)
        return self._view

    def __getstate__(self) -> dict:
        return dict(self.__dict__, _view=None)


class ArraySequence:
    """Clip ``index`` of an :class:`ArrayFile`."""

    def __init__(self, file: ArrayFile, index: int, frame_stride: int,
                 transform: FrameTransform) -> None:
        self.file, self.index = file, index
        self.stride, self.transform = frame_stride, transform
        n_raw = file.view.shape[1]
        self.length = (n_raw + frame_stride - 1) // frame_stride
        self.dtype = file.view.dtype
        self.raw_channels = file.view.shape[2]
        self.name = (file.path if file.view.shape[0] == 1 else
                     f'{file.path}[{index}]')

    def __len__(self) -> int:
        return self.length

    def read(self, start: int, stop: int) -> np.ndarray:
        s = self.stride
        frames = self.file.view[self.index, start * s:stop * s:s]
        check_finite(frames, self.name, offset=start * s, step=s)
        return self.transform(frames)


class MemorySequence:
    """A decoded video held in memory, ``(T, C, H, W)``."""

    def __init__(self, frames: np.ndarray, name: str) -> None:
        self.frames, self.name = frames, name
        self.dtype, self.raw_channels = frames.dtype, frames.shape[1]

    def __len__(self) -> int:
        return len(self.frames)

    def read(self, start: int, stop: int) -> np.ndarray:
        return self.frames[start:stop]


def _has_images(folder: str) -> bool:
    return any(n.lower().endswith(IMAGE_EXTENSIONS)
               for n in os.listdir(folder))


def expand_source(source: str) -> List[str]:
    """A file, a folder or a glob -> files and frame folders, sorted.

    A folder of videos or arrays gives each file; a folder of images is one
    frame folder; a folder of folders of images gives each sub-folder.
    """
    if any(c in source for c in '*?['):
        paths = sorted(glob.glob(source))
        if not paths:
            raise FileNotFoundError(f'No file matches {source!r}.')
        return [p for path in paths for p in expand_source(path)]
    if os.path.isfile(source) or (is_gridded(source)
                                  and os.path.isdir(source)):  # a Zarr store
        return [source]
    if not os.path.isdir(source):
        raise FileNotFoundError(f'{source} does not exist (expected a video, '
                                'a .npy/.npz array, a frame folder or a '
                                'glob).')
    if _has_images(source):
        return [source]
    entries = sorted(os.path.join(source, n) for n in os.listdir(source))
    found = [e for e in entries
             if (os.path.isfile(e) and (is_video(e) or e.lower().endswith(
                 ARRAY_EXTENSIONS))) or is_gridded(e)
             or (os.path.isdir(e) and _has_images(e))]
    if not found:
        raise ValueError(
            f'{source} holds no videos ({", ".join(VIDEO_EXTENSIONS)}), '
            f'arrays (.npy, .npz), gridded files '
            f'({", ".join(GRID_EXTENSIONS)}), images or folders of images; '
            'point source= to one of these (or a glob of them).')
    return found


def open_sequences(source: Union[str, List[str]], layout: Optional[str],
                   frame_stride: int, transform: FrameTransform,
                   npz_key: Optional[str] = None,
                   fallback_layout: Optional[str] = None,
                   num_frames: Optional[int] = None,
                   variable: Optional[str] = None,
                   time_dim: str = 'time') -> list:
    """All sequences of ``source`` (one path / glob or a list of them).
    Arrays take ``layout``, else their sidecar's, else
    ``fallback_layout``; ``num_frames`` (the window length) lets
    implausible array layouts be refused; gridded files take ``variable``
    (and ``time_dim`` or, for HDF5, ``layout``)."""
    sources = [source] if isinstance(source, str) else list(source)
    sequences = []
    for path in (p for s in sources for p in expand_source(s)):
        if is_gridded(path):
            field = open_field(path, variable, layout, time_dim)
            sequences += [FieldSequence(field, i, frame_stride, transform)
                          for i in range(field.num_clips)]
        elif os.path.isdir(path):
            sequences.append(FrameFolder(path, frame_stride, transform))
        elif path.lower().endswith(ARRAY_EXTENSIONS):
            file = ArrayFile(path, layout, npz_key, fallback_layout,
                             num_frames)
            sequences += [ArraySequence(file, i, frame_stride, transform)
                          for i in range(file.view.shape[0])]
        else:
            sequences.append(MemorySequence(
                read_video(path, frame_stride, transform), path))
    return sequences
