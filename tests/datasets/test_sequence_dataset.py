"""SequenceDataset: every layout, videos, frame folders, windows, splits,
transforms and their errors; expected windows are indexed
in the tests from the arrays they wrote."""
import os
import zipfile

import cv2
import numpy as np
import pytest
import torch

from predrnn.datasets import SequenceDataset
from predrnn.datasets.synthetic_video import moving_shapes, write_video
from predrnn.registry import DATASETS

N, T, C, H, W = 3, 9, 3, 6, 10  # non-square, colour
L = 4  # window: in_frames=2 + out_frames=2


def _series(shape, seed=0, dtype=np.uint8):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, shape).astype(dtype)


def _ntchw_from(array, layout):
    """Independent conversion to (N, T, C, H, W) by explicit loops."""
    if layout == 'NTCHW':
        return array
    if layout == 'NTHWC':
        return np.stack([[f.transpose(2, 0, 1) for f in clip]
                         for clip in array])
    if layout == 'TNHW':
        return np.stack([array[:, n, None] for n in range(array.shape[1])])
    if layout == 'TCHW':
        return array[None]
    if layout == 'THWC':
        return np.stack([f.transpose(2, 0, 1) for f in array])[None]
    return array[None, :, None]


SHAPES = dict(NTCHW=(N, T, C, H, W), NTHWC=(N, T, H, W, C),
              TNHW=(T, N, H, W), TCHW=(T, C, H, W), THWC=(T, H, W, C),
              THW=(T, H, W))


@pytest.mark.parametrize('layout', list(SHAPES))
def test_every_layout_serves_the_windows_computed_here(tmp_path, layout):
    array = _series(SHAPES[layout], seed=len(layout))
    path = tmp_path / 'data.npy'
    np.save(path, array)
    ds = SequenceDataset(str(path), layout=layout, split='all', in_frames=2,
                         out_frames=2, window_stride=2)
    ref = _ntchw_from(array, layout)
    starts = list(range(0, T - L + 1, 2))  # 0, 2, 4
    expected = [ref[n, s:s + L] for n in range(ref.shape[0]) for s in starts]
    assert len(ds) == len(expected) == ref.shape[0] * 3
    for i, want in enumerate(expected):
        item = ds[i]
        assert set(item) == {'inputs'}
        assert item['inputs'].dtype == torch.uint8  # compact dtype kept
        np.testing.assert_array_equal(item['inputs'].numpy(), want)
    meta = ds.metainfo
    assert meta['in_frames'] == 2 and meta['out_frames'] == 2
    assert 'normalization' not in meta  # nothing declared: today's path


def test_npz_uncompressed_is_memory_mapped_compressed_refused(tmp_path):
    array = _series((N, T, C, H, W), dtype=np.uint16)
    np.savez(tmp_path / 'a.npz', clips=array)
    ds = SequenceDataset(str(tmp_path / 'a.npz'), layout='NTCHW',
                         split='all', in_frames=2, out_frames=2)
    assert isinstance(ds.sequences[0].file.view, np.memmap)
    np.testing.assert_array_equal(ds[0]['inputs'].numpy(), array[0, :L])
    assert ds[0]['inputs'].dtype == torch.uint16
    np.savez_compressed(tmp_path / 'b.npz', clips=array)
    with pytest.raises(ValueError, match='compressed.*\\.npy'):
        SequenceDataset(str(tmp_path / 'b.npz'), layout='NTCHW')


def test_large_sparse_npy_opens_without_reading_it(tmp_path):
    path = str(tmp_path / 'big.npy')
    # 2 GiB on disk, sparse: nothing is read unless a window is taken
    big = np.lib.format.open_memmap(path, 'w+', np.uint8,
                                    (2048, 1024, 1, 32, 32))
    big[0, :L] = 7
    del big

    def rss():
        with open('/proc/self/statm') as f:
            return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE')

    before = rss()
    ds = SequenceDataset(path, layout='NTCHW',
                         split='all', in_frames=2, out_frames=2,
                         window_stride=256)
    assert len(ds) == 2048 * 4
    assert (ds[0]['inputs'] == 7).all()
    ds[len(ds) - 1]
    assert rss() - before < 200 * 2**20  # far below the 2 GiB


def _write_frames(folder, frames, names):
    os.makedirs(folder, exist_ok=True)
    for frame, name in zip(frames, names):
        cv2.imwrite(os.path.join(folder, name),
                    cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))


def test_frame_folders_natural_order_and_per_sequence(tmp_path):
    clips = [moving_shapes(12, H * 2, W * 2, seed=s) for s in range(2)]
    names = [f'frame{i}.png' for i in range(12)]  # frame2 < frame10
    for s, clip in enumerate(clips):
        _write_frames(tmp_path / f"seq{s}", clip[::-1], names[::-1])
    ds = SequenceDataset(str(tmp_path), split='all', in_frames=3,
                         out_frames=2, window_stride=3)
    assert len(ds) == 2 * 3  # starts 0, 3, 6 in 12 frames
    for i, (s, start) in enumerate([(s, t) for s in range(2)
                                    for t in (0, 3, 6)]):
        want = clips[s][start:start + 5].transpose(0, 3, 1, 2)
        np.testing.assert_array_equal(ds[i]['inputs'].numpy(), want)


def test_single_frame_folder_with_stride_resize_gray(tmp_path):
    clip = moving_shapes(10, 24, 40, seed=3)
    _write_frames(tmp_path / 'f', clip, [f'{i}.png' for i in range(10)])
    ds = SequenceDataset(str(tmp_path / 'f'), split='all', in_frames=2,
                         out_frames=1, frame_stride=2, resize=(12, 20),
                         color='gray')
    assert len(ds) == 5 - 3 + 1
    expected = [cv2.resize(cv2.cvtColor(clip[t], cv2.COLOR_RGB2GRAY),
                           (20, 12), interpolation=cv2.INTER_AREA)
                for t in (2, 4, 6)]
    np.testing.assert_array_equal(ds[1]['inputs'].numpy()[:, 0],
                                  np.stack(expected))


def test_crop_is_centred(tmp_path):
    array = _series((1, 5, 1, 8, 12))
    np.save(tmp_path / 'a.npy', array)
    ds = SequenceDataset(str(tmp_path / 'a.npy'), layout='NTCHW',
                         split='all', in_frames=2, out_frames=3,
                         crop=(4, 8))
    np.testing.assert_array_equal(ds[0]['inputs'].numpy(),
                                  array[0, :, :, 2:6, 2:10])


def test_video_file_folder_and_glob(tmp_path):
    frames = moving_shapes(16, 24, 32, seed=1)
    write_video(str(tmp_path / 'v' / 'a.avi'), frames)
    write_video(str(tmp_path / 'v' / 'b.mp4'), frames[:10])
    one = SequenceDataset(str(tmp_path / 'v' / 'a.avi'), split='all',
                          in_frames=2, out_frames=2)
    assert len(one) == 16 - L + 1
    item = one[3]['inputs']
    assert item.shape == (L, 3, 24, 32) and item.dtype == torch.uint8
    # lossy codec: close to the frames written, channels in RGB order
    err = np.abs(item.numpy().astype(int) -
                 frames[3:3 + L].transpose(0, 3, 1, 2)).mean()
    assert err < 12
    folder = SequenceDataset(str(tmp_path / 'v'), split='all', in_frames=2,
                             out_frames=2)
    assert len(folder) == (16 - L + 1) + (10 - L + 1)
    glob = SequenceDataset(str(tmp_path / 'v' / '*.mp4'), split='all',
                           in_frames=2, out_frames=2)
    assert len(glob) == 10 - L + 1


@pytest.mark.parametrize('split_by', ['sequence', 'time'])
def test_splits_never_share_a_frame(tmp_path, split_by):
    n = 10 if split_by == 'sequence' else 1
    array = np.arange(n * 100, dtype=np.float32).reshape(n, 100, 1, 1, 1)
    array = np.broadcast_to(array, (n, 100, 1, 4, 4)).copy() / 1000.
    np.save(tmp_path / 'a.npy', array)
    seen = {}
    for split in ('train', 'val', 'test'):
        ds = SequenceDataset(str(tmp_path / 'a.npy'), layout='NTCHW',
                             split=split, split_by=split_by, in_frames=3,
                             out_frames=2, split_ratios=(0.6, 0.2, 0.2))
        frames = {round(float(v) * 1000) for i in range(len(ds))
                  for v in ds[i]['inputs'][:, 0, 0, 0]}
        seen[split] = frames
    assert not seen['train'] & seen['val']
    assert not seen['train'] & seen['test']
    assert not seen['val'] & seen['test']
    if split_by == 'time':
        # gap of one window (5 frames) between ranges [0,60) [65,80) [85,100)
        assert max(seen['train']) == 59 and min(seen['val']) == 65
        assert max(seen['val']) == 79 and min(seen['test']) == 85
    else:
        assert seen['train'] == set(range(600))


def test_registry_and_sampler_index(tmp_path):
    np.save(tmp_path / 'a.npy', _series((T, C, H, W)))
    ds = DATASETS.build(dict(type='SequenceDataset',
                             source='a.npy', data_root=str(tmp_path),
                             layout='TCHW', split='all', in_frames=2,
                             out_frames=2))
    assert torch.equal(ds[(3, 1)]['inputs'], ds[1]['inputs'])


# --------------------------------------------------------------------- #
# Normalisation statistics of the training split
# --------------------------------------------------------------------- #
@pytest.mark.parametrize('kind', ['minmax', 'meanstd'])
def test_statistics_from_the_training_split_only(tmp_path, kind):
    rng = np.random.default_rng(0)
    array = rng.normal(5, 3, (100, 2, 4, 6)).astype(np.float32)
    array[90:] += 1000  # test range: must not enter the statistics
    np.save(tmp_path / 'a.npy', array)
    cfg = dict(source=str(tmp_path / 'a.npy'), layout='TCHW',
               split_by='time', in_frames=2, out_frames=2,
               split_ratios=(0.8, 0.1, 0.1), normalization=dict(kind=kind))
    train = SequenceDataset(split='train', **cfg)
    test = SequenceDataset(split='test', **cfg)
    meta = train.metainfo['normalization']
    assert test.metainfo['normalization'] == meta
    ref = array[:80].astype(np.float64)
    if kind == 'minmax':
        lo, hi = ref.min(axis=(0, 2, 3)), ref.max(axis=(0, 2, 3))
        np.testing.assert_allclose(meta['offset'], lo, rtol=1e-12)
        np.testing.assert_allclose(meta['scale'], hi - lo, rtol=1e-12)
    else:
        np.testing.assert_allclose(meta['offset'], ref.mean(axis=(0, 2, 3)),
                                   rtol=1e-9)
        np.testing.assert_allclose(meta['scale'], ref.std(axis=(0, 2, 3)),
                                   rtol=1e-9)
    assert meta['kind'] == kind


def test_range_normalisation_in_metainfo(tmp_path):
    np.save(tmp_path / 'a.npy', _series((T, H, W)))
    ds = SequenceDataset(str(tmp_path / 'a.npy'), layout='THW', split='all',
                         in_frames=2, out_frames=2,
                         normalization=dict(kind='range', data_range=[0, 70],
                                            units='dBZ'))
    assert ds.metainfo['normalization'] == dict(
        kind='range', scale=[70.0], offset=[0.0], units='dBZ',
        data_range=[0.0, 70.0])


# --------------------------------------------------------------------- #
# Clear errors naming the file and the fix
# --------------------------------------------------------------------- #
def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match='nope.npy'):
        SequenceDataset(str(tmp_path / 'nope.npy'), layout='THW')


def test_unreadable_array(tmp_path):
    (tmp_path / 'a.npy').write_text('not an array')
    with pytest.raises(ValueError, match='a.npy.*np.save'):
        SequenceDataset(str(tmp_path / 'a.npy'), layout='THW')


def test_video_opencv_cannot_decode(tmp_path):
    (tmp_path / 'broken.mp4').write_bytes(b'\x00' * 1000)
    with pytest.raises(ValueError, match='broken.mp4.*ffmpeg'):
        SequenceDataset(str(tmp_path / 'broken.mp4'))


def test_layout_rank_mismatch(tmp_path):
    np.save(tmp_path / 'a.npy', _series((T, H, W)))
    with pytest.raises(ValueError, match=r"'NTCHW'.*5-D.*a.npy.*\(9, 6, 10\)"
                       r'.*THW'):
        SequenceDataset(str(tmp_path / 'a.npy'), layout='NTCHW')
    with pytest.raises(ValueError, match='layout='):
        SequenceDataset(str(tmp_path / 'a.npy'))


def test_frames_of_different_sizes(tmp_path):
    frames = moving_shapes(6, 16, 16)
    _write_frames(tmp_path, frames[:5], [f'{i}.png' for i in range(5)])
    cv2.imwrite(str(tmp_path / '5.png'), np.zeros((8, 16, 3), np.uint8))
    with pytest.raises(ValueError, match='different sizes.*resize'):
        SequenceDataset(str(tmp_path), split='all', in_frames=1, out_frames=1)
    ds = SequenceDataset(str(tmp_path), split='all', in_frames=1,
                         out_frames=1, resize=(8, 8))
    assert ds[4]['inputs'].shape == (2, 3, 8, 8)


def test_sequence_shorter_than_a_window(tmp_path):
    np.save(tmp_path / 'a.npy', _series((5, H, W)))
    with pytest.raises(ValueError, match='No window of 6 frames.*5 frames'):
        SequenceDataset(str(tmp_path / 'a.npy'), layout='THW', split='all',
                        in_frames=3, out_frames=3)


def test_frame_size_not_divisible_by_patch_size(tmp_path):
    np.save(tmp_path / 'a.npy', _series((T, H, W)))
    with pytest.raises(ValueError,
                       match=r'6x10.*patch size 4.*crop=\(4, 8\)'):
        SequenceDataset(str(tmp_path / 'a.npy'), layout='THW', split='all',
                        in_frames=2, out_frames=2, patch_size=4)


def test_empty_split(tmp_path):
    np.save(tmp_path / 'a.npy', _series((1, T, C, H, W)))
    with pytest.raises(ValueError, match="split 'val'.*split_by='time'"):
        SequenceDataset(str(tmp_path / 'a.npy'), layout='NTCHW', split='val',
                        in_frames=2, out_frames=2)


def test_not_an_npz_zip(tmp_path):
    with zipfile.ZipFile(tmp_path / 'a.npz', 'w') as z:
        z.writestr('x.txt', 'hi')
    with pytest.raises(ValueError, match='npz'):
        SequenceDataset(str(tmp_path / 'a.npz'), layout='THW')


def test_pickles_as_paths_for_spawned_workers(tmp_path):
    import pickle
    array = _series((N, 50, C, 16, 16))
    np.save(tmp_path / 'a.npy', array)
    ds = SequenceDataset(str(tmp_path / 'a.npy'), layout='NTCHW',
                         split='all', in_frames=2, out_frames=2)
    blob = pickle.dumps(ds)
    assert len(blob) < array.nbytes // 10  # the map is not copied
    clone = pickle.loads(blob)
    assert torch.equal(clone[7]['inputs'], ds[7]['inputs'])


@pytest.mark.parametrize('channels', [3, 6])
def test_resize_of_any_channel_count_matches_per_channel_resize(tmp_path,
                                                                channels):
    array = _series((1, 4, channels, 12, 20)).astype(np.float32)
    np.save(tmp_path / 'a.npy', array)
    ds = SequenceDataset(str(tmp_path / 'a.npy'), layout='NTCHW',
                         split='all', in_frames=2, out_frames=2,
                         resize=(6, 8))
    got = ds[0]['inputs'].numpy()
    assert got.dtype == np.float32 and got.shape == (4, channels, 6, 8)
    want = np.stack([[cv2.resize(c, (8, 6), interpolation=cv2.INTER_AREA)
                      for c in frame] for frame in array[0]])
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-4)


# --------------------------------------------------------------------- #
# Defects found in review, reproduced before their fix
# --------------------------------------------------------------------- #
def test_crop_larger_than_the_frames_is_refused(tmp_path):
    """A crop of (10, 8) on 8x12 frames sliced a 1x8 strip silently."""
    np.save(tmp_path / 'a.npy', _series((1, 5, 1, 8, 12)))
    with pytest.raises(ValueError, match=r'crop \(10, 8\).*8x12.*resize'):
        SequenceDataset(str(tmp_path / 'a.npy'), layout='NTCHW',
                        split='all', in_frames=2, out_frames=2, crop=(10, 8))


def test_negative_split_gap_is_refused(tmp_path):
    """A negative gap would start val inside the training range (leak)."""
    np.save(tmp_path / 'a.npy', _series((100, H, W)))
    with pytest.raises(ValueError, match='split_gap.*>= 0'):
        SequenceDataset(str(tmp_path / 'a.npy'), layout='THW', split='val',
                        split_by='time', in_frames=2, out_frames=2,
                        split_gap=-5)


def test_statistics_of_two_npz_members_are_not_mixed_up(tmp_path):
    """The per-process statistics cache is keyed by the npz member too."""
    a = np.full((20, 1, 4, 4), 1.0, np.float32)
    b = np.full((20, 1, 4, 4), 9.0, np.float32)
    b[::2] = 5.0
    np.savez(tmp_path / 'ab.npz', a=a, b=b)
    cfg = dict(source=str(tmp_path / 'ab.npz'), layout='TCHW', split='all',
               split_by=None, in_frames=2, out_frames=2,
               normalization=dict(kind='minmax'))
    first = SequenceDataset(npz_key='a', **cfg).metainfo['normalization']
    second = SequenceDataset(npz_key='b', **cfg).metainfo['normalization']
    assert first['offset'] == [1.0]
    assert second['offset'] == [5.0] and second['scale'] == [4.0]


def test_windows_of_a_long_series_with_strides_and_time_split(tmp_path):
    """window_starts against starts enumerated here, ranges included."""
    from predrnn.datasets.sequence_splits import split_ranges, window_starts
    ranges = split_ranges([103, 7, 50], 'val', 'time', (0.6, 0.2, 0.2), 4)
    # val: [round(.6n) + 4, round(.8n)) per sequence, empty ones dropped
    assert ranges == [(0, 66, 82), (2, 34, 40)]
    got = window_starts(ranges, 5, 3)
    want = [(q, s) for q, a, b in ranges for s in range(a, b - 4, 3)]
    assert got.dtype == np.int64 and got.tolist() == [list(w) for w in want]
    assert window_starts([], 5, 3).shape == (0, 2)


def test_16_bit_png_frames_keep_their_dtype(tmp_path):
    """README: 8- and 16-bit PNGs keep their dtype (radar counts)."""
    frames = [(np.arange(48, dtype=np.uint16).reshape(6, 8) * 1000 + t)
              for t in range(5)]
    for t, frame in enumerate(frames):
        cv2.imwrite(str(tmp_path / f'{t}.png'), frame)
    ds = SequenceDataset(str(tmp_path), split='all', in_frames=2,
                         out_frames=2)
    item = ds[1]['inputs']
    assert item.dtype == torch.uint16 and item.shape == (4, 1, 6, 8)
    np.testing.assert_array_equal(item.numpy()[:, 0].astype(np.int64),
                                  np.stack(frames[1:5]))


def test_short_sequences_are_skipped_with_a_warning(tmp_path, monkeypatch):
    from predrnn.datasets import sequence_dataset
    logged = []
    monkeypatch.setattr(sequence_dataset, 'print_log',
                        lambda msg, **kw: logged.append(msg))
    np.save(tmp_path / 'a.npy', _series((2, 9, 1, 4, 4)))
    np.save(tmp_path / 'b.npy', _series((1, 3, 1, 4, 4)))
    ds = SequenceDataset(str(tmp_path), layout='NTCHW', split='all',
                         in_frames=2, out_frames=2)
    assert len(ds) == 2 * (9 - L + 1)
    assert any('1 sequence(s) shorter than one window' in m and 'b.npy' in m
               for m in logged)


def test_sources_of_different_dtypes_or_channels(tmp_path):
    np.save(tmp_path / 'a.npy', _series((1, 5, 3, 4, 4)))
    np.save(tmp_path / 'b.npy', _series((1, 5, 3, 4, 4), dtype=np.uint16))
    np.save(tmp_path / 'c.npy', _series((1, 5, 2, 4, 4)))
    cfg = dict(layout='NTCHW', split='all', in_frames=2, out_frames=2)
    with pytest.raises(ValueError, match='b.npy holds uint16.*a.npy uint8'):
        SequenceDataset([str(tmp_path / 'a.npy'), str(tmp_path / 'b.npy')],
                        **cfg)
    with pytest.raises(ValueError, match='c.npy has 2 channels.*a.npy 3'):
        SequenceDataset([str(tmp_path / 'a.npy'), str(tmp_path / 'c.npy')],
                        **cfg)


def test_folder_without_any_source_names_what_it_looks_for(tmp_path):
    (tmp_path / 'notes.txt').write_text('hi')
    with pytest.raises(ValueError, match=r'holds no videos \(.mp4.*\.npy'):
        SequenceDataset(str(tmp_path))


def test_frame_sizes_checked_once_per_array_file(tmp_path, monkeypatch):
    """The clips of one array share its frame size: opening a file of many
    clips reads one frame, not one per clip."""
    from predrnn.datasets.sequence_sources import ArraySequence
    np.save(tmp_path / 'a.npy', _series((50, 4, 1, 4, 4)))
    np.save(tmp_path / 'b.npy', _series((1, 4, 1, 4, 8)))
    reads = []
    original = ArraySequence.read
    monkeypatch.setattr(ArraySequence, 'read', lambda self, a, b: (
        reads.append(self.name), original(self, a, b))[1])
    SequenceDataset(str(tmp_path / 'a.npy'), layout='NTCHW', split='all',
                    in_frames=2, out_frames=2)
    assert len(reads) <= 2
    with pytest.raises(ValueError, match='b.npy has frames of 4x8'):
        SequenceDataset([str(tmp_path / 'a.npy'), str(tmp_path / 'b.npy')],
                        layout='NTCHW', split='all', in_frames=2,
                        out_frames=2)
