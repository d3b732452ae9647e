"""Users' sequences with one condition vector per frame (BAIR-style).

The frames come from :class:`SequenceDataset`; the conditions from an array
next to them: in the same ``.npz`` (``np.savez('clips.npz', frames=...,
actions=...)``, the layout of the authors' BAIR data) or, for a ``.npy``
source ``clips.npy``, in ``clips.<key>.npy``. The condition array follows
the frames' layout: ``(N, T, A)`` when the frames have a clip axis first
(``NTCHW``, ``NTHWC``), ``(T, N, A)`` for ``TNHW``, ``(T, A)`` for one
series (``TCHW``, ``THWC``, ``THW``). ``conditions[t]`` is what acts between
frames ``t`` and ``t + 1`` (e.g. the action taken at frame ``t``).
"""
import os

import numpy as np
import torch

from predrnn.registry import DATASETS
from .array_file import open_array
from .finite_check import check_finite
from .sequence_dataset import SequenceDataset


def condition_array_for(path: str, layout: str, key: str) -> np.ndarray:
    """The conditions stored next to the frames of array file ``path``, as
    ``(N, T, A)`` (NaN / Inf refused with their position)."""
    if path.lower().endswith('.npz'):
        array = open_array(path, key)
        where = f'{path}:{key}'
    else:
        where = os.path.splitext(path)[0] + f'.{key}.npy'
        if not os.path.isfile(where):
            raise FileNotFoundError(
                f'No conditions for {path}: expected {where} (or put frames '
                f'and {key!r} in one .npz).')
        array = open_array(where)
    if layout.startswith('N'):
        want, array3 = 'N, T, A', array
    elif layout.startswith('TN'):
        want, array3 = 'T, N, A', (np.swapaxes(array, 0, 1)
                                   if array.ndim == 3 else array)
    else:
        want, array3 = 'T, A', array[None] if array.ndim == 2 else array
    if array.ndim != len(want.split(', ')):
        raise ValueError(
            f'{where} has shape {tuple(array.shape)}; with frames in layout '
            f'{layout} the conditions must be ({want}).')
    if not np.issubdtype(array3.dtype, np.number):
        raise ValueError(f'{where} holds {array3.dtype}, not numbers.')
    # conditions are small (A numbers per frame): checked whole, once
    check_finite(array3, where, ('clip', 'frame', 'condition'),
                 fix='give finite conditions')
    return array3


@DATASETS.register_module()
class ConditionedSequenceDataset(SequenceDataset):
    """:class:`SequenceDataset` whose items also carry ``conditions``,
    float32 ``(T, A)``, the window's rows of a per-frame condition array.

    Args:
        conditions (str): Name of the condition array: the ``.npz`` member
            (e.g. ``'actions'``) or the ``<key>`` of ``clips.<key>.npy``
            next to a ``.npy`` source. Defaults to ``'actions'``.
        **kwargs: Arguments of :class:`SequenceDataset`; array sources only
            (``.npy``/``.npz``), ``frame_stride=1`` (subsampling would have
            to say how to combine the conditions of skipped frames). For an
            ``.npz`` with several arrays give ``npz_key`` for the frames
            (e.g. ``'frames'``).
    """

    def __init__(self, conditions: str = 'actions', **kwargs) -> None:
        if kwargs.get('frame_stride', 1) != 1:
            raise ValueError(
                'ConditionedSequenceDataset supports frame_stride=1 only: '
                'with subsampled frames it is not defined how the conditions '
                'of the skipped frames combine. Subsample frames and '
                'conditions beforehand.')
        super().__init__(**kwargs)
        self.conditions_key = conditions
        self._condition_arrays = {}
        widths = set()
        for seq in self.sequences:
            rows = self._rows(seq)
            if len(rows) != len(seq):
                raise ValueError(
                    f'{seq.name}: {len(seq)} frames but {len(rows)} '
                    f'conditions ({conditions!r}); give one condition per '
                    f'frame.')
            widths.add(rows.shape[1])
        if len(widths) != 1:
            raise ValueError(f'Condition arrays differ in width: '
                             f'{sorted(widths)} numbers per frame.')
        self.condition_channels = widths.pop()

    def _rows(self, seq) -> np.ndarray:
        """``(T, A)`` conditions of one sequence."""
        file = getattr(seq, 'file', None)
        if file is None:
            raise ValueError(
                f'{seq.name}: conditions need array sources (.npz with the '
                f'frames and {self.conditions_key!r}, or .npy with a '
                f'.{self.conditions_key}.npy beside it), not videos or '
                f'frame folders.')
        if file.path not in self._condition_arrays:
            array = condition_array_for(file.path, file.layout,
                                        self.conditions_key)
            if array.shape[0] != file.view.shape[0]:
                raise ValueError(
                    f'{file.path}: {file.view.shape[0]} clips of frames but '
                    f'{array.shape[0]} of conditions.')
            self._condition_arrays[file.path] = array
        return self._condition_arrays[file.path][seq.index]

    def __getitem__(self, index) -> dict:
        """``dict(inputs=(T, C, H, W), conditions=float32 (T, A))``."""
        item = super().__getitem__(index)
        if isinstance(index, (tuple, list)):
            index = index[1]
        q, start = self.windows[int(index)]
        rows = self._rows(self.sequences[q])
        window = np.array(rows[int(start):int(start) + self.num_frames],
                            dtype=np.float32)
        item['conditions'] = torch.from_numpy(window)
        return item

    def __getstate__(self) -> dict:
        # memory maps are re-opened in workers, not pickled
        return dict(self.__dict__, _condition_arrays={})

    @property
    def metainfo(self) -> dict:
        meta = dict(super().metainfo)
        meta.update(conditions=self.conditions_key,
                    condition_channels=self.condition_channels)
        return meta
