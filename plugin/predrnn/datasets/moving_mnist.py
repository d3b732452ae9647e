"""Moving MNIST (Srivastava et al., "Unsupervised Learning of Video
Representations using LSTMs", ICML 2015), as used by PredRNN-V2.

* ``split='train'``: clips generated on the fly from the MNIST training
  digits; ``num_clips`` is a virtual epoch length. Clip ``i`` of epoch ``e``
  is a pure function of ``(seed, e, i)``; the epoch arrives with the index
  from :class:`~predrnn.datasets.EpochIndexSampler` (or
  :class:`~predrnn.datasets.InfiniteEpochIndexSampler`), see
  :mod:`predrnn.datasets.samplers`.
* ``split='val'`` or ``'test'``: the fixed ``mnist_test_seq.npy`` when
  present (an error when it does not fit the configuration: it is never
  replaced in silence), otherwise a deterministic generated set cached under
  ``data_root``, its digits taken from the MNIST test images (t10k) when
  available. Metrics are comparable with published numbers only on the
  published file itself (recognised by shape and MD5, see
  :mod:`.standard_test_set`), all its clips, 10 -> 10 frames; the log and
  ``metainfo['test_set']`` (written into ``metrics.json`` by
  ``tools/test.py``) say exactly which set was used.
* Without any digit file the dataset runs out of the box on procedural
  stand-in digits, with one warning saying so. Paths the user gave that are
  not what they should be are errors, never a fallback: ``data_root`` that
  is a file, or missing and not the shipped default, an explicit
  ``digit_file`` or non-default ``test_file`` that does not exist, a
  folder where a file is expected.
"""
import hashlib
import json
import logging
import os
import time
from typing import Optional, Tuple

import numpy as np
import torch
from mmengine.logging import print_log

from predrnn.registry import DATASETS
from .clip_file import load_clip_file, read_clip_header, write_clip_file_atomic
from .clip_generator import ClipGenerator
from .digit_clip_dataset import (DEFAULT_DIGITS, TEST_DIGITS, TRAIN_DIGITS,
                                 DigitClipDataset, Index)
from .digit_source import DigitBank, resolve_path, warn_once
from .file_digest import cached_file_digest, npy_digest
from .standard_test_set import (STANDARD_NAME, check_time_first,
                                describe_test_file)

# Independent random streams; keys are always 4 words long because numpy's
# SeedSequence treats [a, b, c] and [a, b, c, 0] as the same entropy.
_TRAIN_CLIPS, _TEST_CLIPS = 0, 1
_STANDARD = dict(image_size=64, num_digits=2, digit_size=28, step_length=0.1)
_CACHE_CHUNK = 250


def _megabytes(nbytes: int) -> str:
    """``'819.2 MB'``; small sizes keep two significant digits."""
    return f'{nbytes / 1e6:.{1 if nbytes >= 1e5 else 3}f} MB'


@DATASETS.register_module()
class MovingMNIST(DigitClipDataset):
    """Moving MNIST clips of bouncing digits.

    Each item is ``dict(inputs=clip)`` where ``clip`` is a ``torch.uint8``
    tensor of shape ``(T, C, H, W) = (in_frames + out_frames, 1, image_size,
    image_size)`` with values 0..255. uint8 is the transport format chosen by
    the project (4x less memory through workers and collation); the data
    preprocessor scales to [0, 1] on the device.

    Args:
        data_root (str): Folder holding ``train-images-idx3-ubyte.gz``,
            ``t10k-images-idx3-ubyte.gz`` and ``mnist_test_seq.npy`` (made by
            ``python tools/prepare_data.py mmnist --data-root data``), and
            where generated test sets are cached.
            Defaults to ``'data/moving_mnist'``.
        split (str): ``'train'``, ``'val'`` or ``'test'`` (``'val'`` is the
            test set, as in the published protocol). Defaults to ``'train'``.
        in_frames (int): Observed frames T_in. Defaults to 10.
        out_frames (int): Predicted frames T_out. Defaults to 10.
        image_size (int): Frame height and width. Defaults to 64.
        num_digits (int): Digits per clip (any number >= 1).
            Defaults to 2.
        digit_size (int): Digit height and width; the images of the digit
            file are resized to it. At least 8 and less than ``image_size``
            (see :func:`~.clip_generator.check_digit_size`). Defaults to 28.
        step_length (float): Motion per frame as a fraction of the free
            width ``image_size - digit_size``. Defaults to 0.1.
        num_clips (int, optional): Clips per epoch (train) or in the test
            set. None: 10000 for train and generated test sets, the whole
            file for the standard one. Defaults to None.
        digit_file (str, optional): MNIST-format IDX image file (relative to
            ``data_root`` unless absolute; ``.gz`` optional); given
            explicitly, it must exist (no stand-in). None: MNIST's
            ``train-images-idx3-ubyte.gz`` for train and
            ``t10k-images-idx3-ubyte.gz`` for val/test, the stand-in when
            missing. Fashion-MNIST's files give Moving Fashion-MNIST.
            Defaults to None.
        test_file (str, optional): Fixed test set (time-first ``uint8``
            ``[T, N, H, W]``) for val/test. The default name is used when
            present; it must then fit the configuration (64 x 64, 2 digits
            of 28, step 0.1, at most 20 frames, MNIST digits), else an
            error says so. Any other name must exist and fit the frames.
            None never uses a file (a generated set).
            Defaults to ``'mnist_test_seq.npy'``.
        seed (int): Seed of generated clips and stand-in digits.
            Defaults to 0.
        num_stand_in_digits (int): Size of the stand-in digit bank used when
            the digit file is missing. Defaults to 5000.
        allow_stand_in (bool): Use the stand-in when the digit file is
            missing; if False, raise instead. Defaults to True.
    """

    def __init__(self,
                 data_root: str = 'data/moving_mnist',
                 split: str = 'train',
                 in_frames: int = 10,
                 out_frames: int = 10,
                 image_size: int = 64,
                 num_digits: int = 2,
                 digit_size: int = 28,
                 step_length: float = 0.1,
                 num_clips: Optional[int] = None,
                 digit_file: Optional[str] = None,
                 test_file: Optional[str] = 'mnist_test_seq.npy',
                 seed: int = 0,
                 num_stand_in_digits: int = 5000,
                 allow_stand_in: bool = True) -> None:
        super().__init__(data_root, split, in_frames, out_frames, image_size,
                         num_digits, digit_size, step_length, digit_file,
                         seed, num_stand_in_digits, allow_stand_in)
        # Description of the fixed test set (val/test), see metainfo.
        self.test_set: Optional[dict] = None

        if self.is_train:
            bank = self._load_digits(TRAIN_DIGITS)
            self.num_clips = 10000 if num_clips is None else num_clips
            self._fixed = None
            print_log(
                f'MovingMNIST[train]: {self.num_clips} clips per epoch '
                f'generated on the fly ({num_digits} digits from '
                f'{bank.source}, seed {seed})',
                logger='current')
        else:
            self._fixed = self._load_test_set(test_file, num_clips)
            self.num_clips = self._fixed.shape[1]
            # Workers started by 'spawn' or 'forkserver' re-open the file
            # instead of receiving a pickled copy of the whole set.
            self._fixed_path = getattr(self._fixed, 'filename', None)
        if self.num_clips < 1:
            raise ValueError(f'num_clips must be >= 1, got {self.num_clips}')

    # ------------------------------------------------------------------
    # Digits and the fixed test set
    # ------------------------------------------------------------------

    def _load_digits(self, stream: int) -> DigitBank:
        bank = super()._load_digits(stream)
        self._generator = ClipGenerator(bank.images, self.image_size,
                                        self.num_digits, self.num_frames,
                                        self.step_length)
        return bank

    def _test_file(self, test_file: Optional[str]) -> Optional[str]:
        """The fixed test file if present and usable with this config.

        A present but malformed, clips-first or mismatching file raises: a
        user who has it expects it. So does a missing file of a non-default
        name.
        """
        if test_file is None:
            return None
        path = resolve_path(self.data_root, test_file)
        if path is None:
            if test_file != STANDARD_NAME:
                raise FileNotFoundError(
                    f'test_file {self._wanted(test_file)} does not exist. '
                    'Fix the path, or set test_file=None to use a generated '
                    'test set.')
            return None
        shape, _ = read_clip_header(path)
        check_time_first(shape, path, self.num_frames)
        if test_file != STANDARD_NAME:
            if shape[2:] != (self.image_size, self.image_size) or \
                    self.num_frames > shape[0]:
                raise ValueError(
                    f'test_file {path} holds {shape[0]} frames of '
                    f'{shape[2]} x {shape[3]}, the dataset needs '
                    f'{self.num_frames} frames of {self.image_size} x '
                    f'{self.image_size}')
            return path
        config = dict(
            image_size=self.image_size,
            num_digits=self.num_digits,
            digit_size=self.digit_size,
            step_length=self.step_length)
        mismatch = [f'{k}={config[k]} (standard {v})'
                    for k, v in _STANDARD.items() if config[k] != v]
        if self.digit_file != DEFAULT_DIGITS['test']:
            mismatch.append('digit_file')
        if shape[2:] != (self.image_size, self.image_size):
            mismatch.append(f'frames of {shape[2]} x {shape[3]}')
        if self.num_frames > shape[0]:
            mismatch.append(f'{self.num_frames} > {shape[0]} frames')
        if mismatch:
            standard = ', '.join(f'{k}={v}' for k, v in _STANDARD.items())
            raise ValueError(
                f'MovingMNIST[{self.split}]: the test file {path} does not '
                f'match this configuration ({", ".join(mismatch)}; it holds '
                f'{shape[0]} frames of {shape[2]} x {shape[3]}, the dataset '
                f'needs {self.num_frames} of {self.image_size} x '
                f'{self.image_size}). It is never replaced in silence: set '
                'test_file=None for a test set generated for this '
                'configuration, or configure the dataset as the file was '
                f'made (standard: {standard}, MNIST digits, at most '
                f'{shape[0]} frames), or use another data_root.')
        return path

    def _load_test_set(self, test_file: Optional[str],
                       num_clips: Optional[int]) -> np.ndarray:
        path = self._test_file(test_file)
        if path is not None:
            clips = load_clip_file(path, self.image_size)
            shape = clips.shape
            if num_clips is not None:
                if num_clips > clips.shape[1]:
                    raise ValueError(f'num_clips={num_clips} but {path} '
                                     f'holds {clips.shape[1]} clips')
                clips = clips[:, :num_clips]
            self.test_set = describe_test_file(path, shape, clips.shape[1],
                                               self.in_frames,
                                               self.out_frames)
            self._log_test_set(clips.shape)
            return clips
        bank = self._load_digits(TEST_DIGITS)
        num_clips = 10000 if num_clips is None else num_clips
        clips = self._generated_test_set(bank, num_clips)
        # The same configuration gives the same bytes on every machine:
        # the SHA-256 (of the .npy file, `sha256sum` checks it) proves it.
        sha256 = (cached_file_digest(self._generated_path, 'sha256')
                  if self._generated_path else npy_digest(clips))
        self.test_set = dict(
            name='generated', path=self._generated_path, md5=None,
            sha256=sha256, num_clips=num_clips, comparable=False,
            reason=f'generated with seed {self.seed} from the digits of '
            f'{bank.source}; published numbers use {STANDARD_NAME}')
        warn_once(
            f'MovingMNIST[{self.split}]: no standard mnist_test_seq.npy '
            f'usable, using a GENERATED fixed test set ({clips.shape[1]} '
            f'clips, seed {self.seed}, digits from {bank.source}, sha256 '
            f'{sha256}). Metrics on it are NOT comparable with published '
            'Moving MNIST numbers, which use the standard file.')
        return clips

    def _log_test_set(self, shape: Tuple[int, ...]) -> None:
        info = self.test_set
        what = (f'the standard {STANDARD_NAME}' if info['name'] == 'standard'
                else 'a CUSTOM fixed test set')
        verdict = ('metrics are comparable with published Moving MNIST '
                   'numbers' if info['comparable'] else
                   'metrics are NOT comparable with published Moving MNIST '
                   'numbers')
        print_log(
            f'MovingMNIST[{self.split}]: test set: {what}, {info["path"]} '
            f'({shape[1]} clips, first {self.num_frames} of {shape[0]} '
            f'frames; {info["reason"]}); {verdict}',
            logger='current',
            level=logging.INFO if info['comparable'] else logging.WARNING)

    def _generated_test_set(self, bank: DigitBank,
                            num_clips: int) -> np.ndarray:
        """Load the cached generated test set, generating it first if
        needed; the name hashes every parameter and the digits."""
        key = dict(
            version=1,
            seed=self.seed,
            num_clips=num_clips,
            num_frames=self.num_frames,
            image_size=self.image_size,
            num_digits=self.num_digits,
            step_length=self.step_length,
            digits=hashlib.md5(bank.images.tobytes()).hexdigest())
        digest = hashlib.md5(json.dumps(key, sort_keys=True).encode())
        name = (f'generated_test_seq_{num_clips}x{self.num_frames}_'
                f'{self.image_size}px_{self.num_digits}d_'
                f'{digest.hexdigest()[:10]}.npy')
        path = os.path.join(self.data_root, name)
        self._generated_path: Optional[str] = os.path.abspath(path)
        shape = (self.num_frames, num_clips, self.image_size, self.image_size)
        if os.path.isfile(path):
            try:
                clips = load_clip_file(path, self.image_size)
                if clips.shape == shape:
                    return clips
            except ValueError:
                pass  # A damaged cache is regenerated below.
        print_log(
            f'MovingMNIST[{self.split}]: generating the fixed test set once '
            f'({num_clips} clips of {self.num_frames} frames of '
            f'{self.image_size} x {self.image_size}, '
            f'{_megabytes(int(np.prod(shape)))}) into {path}; later runs '
            'reuse it',
            logger='current')
        start = time.perf_counter()
        try:
            os.makedirs(self.data_root, exist_ok=True)
            write_clip_file_atomic(path, shape, self._fill_test_set)
            clips = load_clip_file(path, self.image_size)
        except OSError as err:
            print_log(
                f'MovingMNIST[{self.split}]: cannot cache the test set in '
                f'{self.data_root} ({err}); keeping it in memory',
                logger='current',
                level=logging.WARNING)
            clips = np.empty(shape, np.uint8)
            self._fill_test_set(clips)
            self._generated_path = None
        print_log(
            f'MovingMNIST[{self.split}]: generated in '
            f'{time.perf_counter() - start:.1f} s',
            logger='current')
        return clips

    def _fill_test_set(self, out: np.ndarray) -> None:
        """Fill ``out`` (T, N, H, W): clip i drawn from key
        ``(test stream, 0, i, seed)``."""
        for start in range(0, out.shape[1], _CACHE_CHUNK):
            stop = min(start + _CACHE_CHUNK, out.shape[1])
            block = np.stack([
                self._generator.generate(self._rng(_TEST_CLIPS, 0, i))
                for i in range(start, stop)
            ])
            out[:, start:stop] = block.transpose(1, 0, 2, 3)

    # ------------------------------------------------------------------
    # Dataset protocol
    # ------------------------------------------------------------------

    def _rng(self, stream: int, epoch: int,
             index: int) -> np.random.Generator:
        return np.random.default_rng([stream, epoch, index, self.seed])

    def get_clip(self, epoch: int, index: int) -> np.ndarray:
        """Return clip ``index`` of ``epoch`` as a ``uint8 (T, H, W)`` array.

        Training clips are generated from the key ``(train stream, epoch,
        index, seed)``; val/test clips ignore the epoch.

        Args:
            epoch (int): Epoch (or pass) number, >= 0.
            index (int): Clip index in ``[0, len(self))``.

        Returns:
            np.ndarray: ``uint8`` clip of shape ``(T, H, W)``.
        """
        if not -self.num_clips <= index < self.num_clips:
            raise IndexError(f'clip index {index} out of range for '
                             f'{self.num_clips} clips')
        index %= self.num_clips
        if self._fixed is not None:
            return np.array(self._fixed[:self.num_frames, index])
        if epoch < 0:
            raise ValueError(f'epoch must be >= 0, got {epoch}')
        return self._generator.generate(self._rng(_TRAIN_CLIPS, epoch, index))

    def __getitem__(self, index: Index) -> dict:
        """Return ``dict(inputs=uint8 tensor (T, 1, H, W))``.

        Args:
            index (int | tuple[int, int]): ``(epoch, index)`` as yielded by
                :class:`~predrnn.datasets.EpochIndexSampler`, or a plain
                index (epoch 0; for the train split this means the same
                clips every epoch, hence a one-time warning).
        """
        epoch, index = self.epoch_and_index(index)
        clip = torch.from_numpy(self.get_clip(epoch, index))
        return dict(inputs=clip.unsqueeze(1))

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        if state.get('_fixed_path'):
            state['_fixed'] = None
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        if self._fixed is None and not self.is_train:
            self._fixed = load_clip_file(self._fixed_path)[:, :self.num_clips]

    @property
    def metainfo(self) -> dict:
        """Description of the data, given to metrics as ``dataset_meta``.

        ``test_set`` (val/test; None for train) says which fixed set is
        used: ``dict(name='standard' | 'custom' | 'generated', path, md5,
        num_clips, comparable, reason)``, plus ``sha256`` (of its ``.npy``
        file) for a generated set. ``comparable`` tells whether
        metrics can be compared with published Moving MNIST numbers: only on
        the published ``mnist_test_seq.npy``, all its clips, 10 -> 10
        frames.
        """
        return dict(
            dataset_name='MovingMNIST',
            split=self.split,
            in_frames=self.in_frames,
            out_frames=self.out_frames,
            image_size=self.image_size,
            num_digits=self.num_digits,
            digit_source=self.digit_source,
            test_set=self.test_set,
            comparable=bool(self.test_set and self.test_set['comparable']))
