"""KTH human actions as frame folders, the authors' ``kth_action`` protocol
(also OpenSTL's ``kth20`` / ``kth40``).

Layout (OpenSTL's ``kth_action.zip``, or the KTH videos cut into frames)::

    <data_root>/<action>/person01_boxing_d1_uncomp/image_0001.png (or .jpg)

Persons 01-16 train, 17-25 test (validation uses the test persons, as
the authors and OpenSTL do). A frame is the first (red) channel of the
image resized to ``image_size`` x ``image_size`` (bilinear on float32)
and divided by 255, served as float32 in [0, 1].

Windows of ``in_frames + out_frames`` frames are found as the authors'
handler does: in each folder from its last frame backwards, a window of
consecutive frame numbers ends at every ``T``-th frame for the slow
actions (boxing, hand clapping, hand waving, walking: no overlap) and at
every 3rd frame for the fast ones (jogging, running); where frame numbers
jump, the scan moves back one frame.
"""
import os
import re
from typing import List, Tuple

import cv2
import numpy as np

from predrnn.registry import DATASETS
from .sequence_dataset import SequenceDataset

SLOW_ACTIONS = ('boxing', 'handclapping', 'handwaving', 'walking')
FAST_ACTIONS = ('jogging', 'running')
TRAIN_PERSONS = tuple(range(1, 17))
TEST_PERSONS = tuple(range(17, 26))
FAST_STRIDE = 3
_PERSON = re.compile(r'person(\d+)_')
_FRAME = re.compile(r'^image_(\d+)\.(png|jpe?g)$', re.IGNORECASE)


def kth_windows(numbers: List[int], length: int, fast: bool) -> List[int]:
    """Start positions of the authors' windows in one folder whose sorted
    frames carry the file numbers ``numbers`` (module docstring)."""
    starts = []
    index = len(numbers) - 1
    while index >= length - 1:
        if numbers[index] - numbers[index - length + 1] == length - 1:
            starts.append(index - length + 1)
            index -= FAST_STRIDE - 1 if fast else length - 1
        index -= 1
    return starts[::-1]


class KTHFolder:
    """The frames of one person / action / scenario folder."""

    def __init__(self, path: str, image_size: int, fast: bool) -> None:
        frames = sorted(n for n in os.listdir(path) if _FRAME.match(n))
        self.path, self.name, self.fast = path, path, fast
        self.files = [os.path.join(path, n) for n in frames]
        self.numbers = [int(_FRAME.match(n).group(1)) for n in frames]
        self.image_size = image_size
        self.dtype, self.raw_channels = np.dtype(np.float32), 1

    def __len__(self) -> int:
        return len(self.files)

    def _frame(self, path: str) -> np.ndarray:
        image = cv2.imread(path, cv2.IMREAD_UNCHANGED)
        if image is None:
            raise ValueError(f'{path} is not a readable image; replace or '
                             'delete it.')
        red = image if image.ndim == 2 else image[:, :, 2]  # BGR(A) -> R
        size = (self.image_size, self.image_size)
        return cv2.resize(red.astype(np.float32), size) / 255.0

    def read(self, start: int, stop: int) -> np.ndarray:
        return np.stack([self._frame(p) for p in self.files[start:stop]]
                        )[:, None]


def kth_folders(root: str, persons) -> List[Tuple[str, bool]]:
    """``(folder, fast)`` of the given persons, action by action."""
    found = []
    for action in SLOW_ACTIONS + FAST_ACTIONS:
        action_dir = os.path.join(root, action)
        if not os.path.isdir(action_dir):
            continue
        for name in sorted(os.listdir(action_dir)):
            match = _PERSON.match(name)
            if match and int(match.group(1)) in persons:
                found.append((os.path.join(action_dir, name),
                              action in FAST_ACTIONS))
    return found


def check_kth_folder(root: str) -> List[str]:
    """What is missing in a KTH folder (empty when nothing)."""
    if not os.path.isdir(root):
        return [f'{root} does not exist: unzip OpenSTL\'s kth_action.zip '
                'there (see docs/en/datasets.md).']
    problems = [f'{os.path.join(root, a)} is missing'
                for a in SLOW_ACTIONS + FAST_ACTIONS
                if not os.path.isdir(os.path.join(root, a))]
    seen = {int(_PERSON.match(os.path.basename(f)).group(1))
            for f, _ in kth_folders(root, range(1, 26))}
    missing = sorted(set(range(1, 26)) - seen)
    if missing:
        problems.append(f'{root} has no folders of the persons {missing}.')
    empty = [f for f, _ in kth_folders(root, range(1, 26))
             if not any(_FRAME.match(n) for n in os.listdir(f))]
    if empty:
        problems.append(f'{len(empty)} folder(s) hold no image_NNNN frames, '
                        f'e.g. {empty[0]}.')
    return problems


@DATASETS.register_module()
class KTHAction(SequenceDataset):
    """KTH actions (module docstring).

    Args:
        data_root (str): The folder of the six action folders. Defaults to
            ``'data/kth'``.
        split (str): ``'train'`` (persons 1-16), ``'val'`` or ``'test'``
            (persons 17-25).
        in_frames (int): Observed frames. Defaults to 10.
        out_frames (int): Forecast frames. Defaults to 20 (10 -> 20 as the
            paper reports; 40 for OpenSTL's ``kth40``).
        image_size (int): Frame side after the resize. Defaults to 128.
        **kwargs: Other :class:`SequenceDataset` arguments (``patch_size``).
    """

    def __init__(self, data_root: str = 'data/kth', split: str = 'train',
                 in_frames: int = 10, out_frames: int = 20,
                 image_size: int = 128, **kwargs) -> None:
        if split not in ('train', 'val', 'test'):
            raise ValueError("KTHAction split must be 'train', 'val' or "
                             f"'test', got {split!r}")
        fixed = sorted({'source', 'layout', 'split_by', 'window_stride',
                        'frame_stride'} & set(kwargs))
        if fixed:
            raise ValueError(f'KTHAction fixes {fixed} (the authors\' '
                             'persons and window rule); remove them.')
        self.image_size = image_size
        super().__init__(source=data_root, data_root='', split=split,
                         split_by=None, in_frames=in_frames,
                         out_frames=out_frames, **kwargs)

    def open_sources(self) -> list:
        root = self.source[0]
        persons = TRAIN_PERSONS if self.split == 'train' else TEST_PERSONS
        folders = kth_folders(root, persons) if os.path.isdir(root) else []
        if not folders:
            problems = check_kth_folder(root) or [f'{root}: no frames.']
            raise FileNotFoundError(
                f'No KTH frames of the {self.split} persons: '
                + ' '.join(problems) + ' Check the folder with `python '
                'tools/prepare_data.py kth`.')
        return [KTHFolder(f, self.image_size, fast) for f, fast in folders]

    def find_windows(self) -> np.ndarray:
        rows = [(q, s) for q, seq in enumerate(self.sequences)
                for s in kth_windows(seq.numbers, self.num_frames, seq.fast)]
        return np.array(rows, np.int64).reshape(-1, 2)

    @property
    def metainfo(self) -> dict:
        return dict(super().metainfo, dataset_name='KTHAction',
                    comparable=True)
