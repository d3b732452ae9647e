"""SequenceDataset names each split's frame ranges (log and metainfo) and
warns when a split holds very few windows."""
import numpy as np
import pytest

from predrnn.datasets import SequenceDataset
from predrnn.datasets import sequence_dataset


@pytest.fixture
def logged(monkeypatch):
    messages = []
    monkeypatch.setattr(sequence_dataset, 'print_log',
                        lambda msg, **kw: messages.append(
                            (msg, kw.get('level'))))
    return messages


def _series(tmp_path, frames):
    path = str(tmp_path / 'video.npy')
    np.save(path, np.zeros((frames, 1, 4, 4), np.uint8))
    return path


@pytest.mark.parametrize('stride', [1, 2])
def test_time_split_ranges_in_source_frames(tmp_path, logged, stride):
    path = _series(tmp_path, 100 * stride)
    cfg = dict(layout='TCHW', split_by='time', in_frames=2, out_frames=2,
               frame_stride=stride)
    val = SequenceDataset(path, split='val', **cfg)
    # kept frames 0..99: val is 80..89 less a gap of one window (4)
    first, last = 84 * stride, 89 * stride
    assert val.metainfo['frame_ranges'] == [[path, first, last + 1]]
    assert val.metainfo['test_set']['frame_ranges'] == [[path, first,
                                                         last + 1]]
    assert any(f'val: frames {first}-{last} of {path} (3 windows)' in m
               for m, _ in logged)
    # every window's source frames lie in the range
    for q, s in val.windows:
        assert first <= s * stride and (s + 3) * stride <= last
    train = SequenceDataset(path, split='train', **cfg)
    assert train.metainfo['frame_ranges'] == [[path, 0, 79 * stride + 1]]
    assert 'test_set' not in train.metainfo


def test_few_windows_warn_and_enough_do_not(tmp_path, logged):
    path = _series(tmp_path, 100)
    cfg = dict(layout='TCHW', split_by='time', in_frames=2, out_frames=2)
    SequenceDataset(path, split='val', **cfg)  # 3 windows
    warnings = [m for m, level in logged if level is not None]
    assert len(warnings) == 1 and 'only 3 windows' in warnings[0]
    assert 'split_ratios' in warnings[0]
    logged.clear()
    SequenceDataset(path, split='train', **cfg)  # 77 windows
    assert not [m for m, level in logged if level is not None]


def test_many_sequences_are_capped_and_counted(tmp_path, logged):
    path = str(tmp_path / 'clips.npy')
    np.save(path, np.zeros((15, 4, 1, 4, 4), np.uint8))
    ds = SequenceDataset(path, layout='NTCHW', split='all', in_frames=2,
                         out_frames=2)
    meta = ds.metainfo
    assert len(meta['frame_ranges']) == sequence_dataset.MAX_LISTED_RANGES
    assert meta['num_frame_ranges'] == 15
    assert meta['test_set']['num_frame_ranges'] == 15
    assert meta['frame_ranges'][0] == [ds.sequences[0].name, 0, 4]
    line = [m for m, _ in logged if 'all: frames' in m][0]
    assert line.count('frames 0-3 of') == sequence_dataset.MAX_LOGGED_RANGES
    assert line.endswith('and 12 more sequences')
