"""Users' own data that is subtly wrong: short videos, ambiguous or wrong
array layouts, NaN / Inf values, non-image frame files. Each case is
reported (warning or error naming the file and what to do), never used in
silence."""
import struct

import cv2
import numpy as np
import pytest
import torch

from predrnn.datasets import ConditionedSequenceDataset, SequenceDataset
from predrnn.datasets import sequence_sources, video_file


@pytest.fixture
def logs(monkeypatch):
    """Messages of print_log in the video and array readers."""
    messages = []

    def fake(msg, logger=None, level=None):
        messages.append(msg)

    monkeypatch.setattr(video_file, 'print_log', fake)
    monkeypatch.setattr(sequence_sources, 'print_log', fake)
    return messages


def _write_avi(path, frames, declared=None):
    """An MJPG AVI of ``frames`` (T, H, W, 3); with ``declared``, its
    stream header announces that many frames (as a cut or damaged file's
    container does)."""
    t, h, w = frames.shape[:3]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*'MJPG'), 10,
                             (w, h))
    for f in frames:
        writer.write(f)
    writer.release()
    if declared is not None:
        data = bytearray(path.read_bytes())
        strh = data.find(b'strh')
        assert data[strh + 8:strh + 12] == b'vids'
        # AVISTREAMHEADER.dwLength: 32 bytes into the header's data
        data[strh + 40:strh + 44] = struct.pack('<I', declared)
        path.write_bytes(bytes(data))


def test_video_decoding_fewer_frames_than_declared_warns(tmp_path, logs):
    frames = np.random.default_rng(0).integers(0, 255, (12, 16, 16, 3),
                                                np.uint8)
    _write_avi(tmp_path / 'ok.avi', frames)
    _write_avi(tmp_path / 'cut.avi', frames, declared=40)
    assert cv2.VideoCapture(str(tmp_path / 'cut.avi')).get(
        cv2.CAP_PROP_FRAME_COUNT) == 40
    ds = SequenceDataset(str(tmp_path / 'ok.avi'), split_by=None,
                         in_frames=2, out_frames=2)
    assert len(ds.sequences[0]) == 12
    assert not [m for m in logs if 'declares' in m]
    ds = SequenceDataset(str(tmp_path / 'cut.avi'), split_by=None,
                         in_frames=2, out_frames=2)
    assert len(ds.sequences[0]) == 12
    warned = [m for m in logs if 'declares' in m]
    assert len(warned) == 1
    assert 'cut.avi' in warned[0] and '40 frames' in warned[0]
    assert 'only 12 decode' in warned[0]


def test_clips_first_array_declared_time_first_is_refused(tmp_path, logs):
    clips = np.zeros((30, 4, 8, 8), np.uint8)  # 30 clips of one window
    np.save(tmp_path / 'clips.npy', clips)
    with pytest.raises(ValueError, match=r"looks clips-first.*NTCHW") as err:
        SequenceDataset(str(tmp_path / 'clips.npy'), layout='TNHW',
                        split_by=None, in_frames=2, out_frames=2)
    assert '4 sequence(s) of 30 frames' in str(err.value)
    # saved as the message says, it reads as 30 clips of 4 frames
    np.save(tmp_path / 'fixed.npy', clips[:, :, None])
    ds = SequenceDataset(str(tmp_path / 'fixed.npy'), layout='NTCHW',
                         split_by=None, in_frames=2, out_frames=2)
    assert len(ds) == 30
    assert any('30 sequence(s) of 4 frames' in m for m in logs)


def test_the_reading_of_an_array_is_logged(tmp_path, logs):
    np.save(tmp_path / 'a.npy', np.zeros((9, 3, 8, 8), np.uint8))
    SequenceDataset(str(tmp_path / 'a.npy'), layout='TNHW', split_by=None,
                    in_frames=2, out_frames=2)
    assert any('layout TNHW' in m and '3 sequence(s) of 9 frames' in m
               for m in logs)


def test_channels_last_declared_channels_first_names_the_layouts(tmp_path):
    np.save(tmp_path / 'a.npy', np.zeros((12, 16, 16, 3), np.uint8))
    with pytest.raises(ValueError) as err:
        SequenceDataset(str(tmp_path / 'a.npy'), layout='TCHW',
                        split_by=None, in_frames=2, out_frames=2,
                        color='rgb', patch_size=4)
    msg = str(err.value)
    assert "layout 'TCHW'" in msg and '16 channel(s) of 16x3' in msg
    assert "THWC: 1 sequence(s) of 12 frames, 3 channel(s) of 16x16" in msg
    assert "layout='THWC'" in msg
    assert '(16, 0)' not in msg


def test_patch_size_suggestion_is_never_empty(tmp_path):
    np.save(tmp_path / 'a.npy', np.zeros((12, 1, 18, 3), np.uint8))
    with pytest.raises(ValueError, match='patch size 4') as err:
        SequenceDataset(str(tmp_path / 'a.npy'), layout='TCHW',
                        split_by=None, in_frames=2, out_frames=2,
                        patch_size=4)
    assert 'resize=(16, 4)' in str(err.value)
    assert 'crop' not in str(err.value)  # a crop of width 0 is no fix


@pytest.mark.parametrize('normalization', [None, dict(kind='minmax')])
def test_nan_in_a_training_array_names_file_and_position(tmp_path,
                                                         normalization):
    array = np.random.default_rng(0).random((3, 10, 1, 4, 4)).astype(
        np.float32)
    array[2, 7, 0, 1, 3] = np.nan
    np.save(tmp_path / 'a.npy', array)
    ds = SequenceDataset(str(tmp_path / 'a.npy'), layout='NTCHW',
                         split='all', split_by=None, in_frames=2,
                         out_frames=2, normalization=normalization)
    with pytest.raises(ValueError, match=r'a\.npy\[2\] holds nan at frame 7,'
                       r' channel 0, row 1, column 3'):
        if normalization is None:  # item loading
            for i in range(len(ds)):
                ds[i]
        else:  # the statistics pass
            ds.normalization
    # windows before the bad frame are served
    assert ds[0]['inputs'].shape == (4, 1, 4, 4)


def test_inf_frame_with_a_frame_stride_names_the_file_frame(tmp_path):
    array = np.zeros((20, 1, 4, 4), np.float32)
    array[9] = np.inf
    np.save(tmp_path / 'a.npy', array)
    ds = SequenceDataset(str(tmp_path / 'a.npy'), layout='TCHW',
                         split_by=None, frame_stride=3, in_frames=2,
                         out_frames=2)
    with pytest.raises(ValueError, match='holds inf at frame 9,'):
        ds.get_window(1)  # frames 3, 6, 9, 12


def test_nan_condition_is_refused_with_its_position(tmp_path):
    rng = np.random.default_rng(0)
    frames = rng.integers(0, 255, (2, 6, 1, 4, 4), np.uint8)
    actions = rng.random((2, 6, 3)).astype(np.float32)
    actions[1, 4, 2] = np.nan
    np.savez(tmp_path / 'c.npz', frames=frames, actions=actions)
    with pytest.raises(ValueError, match=r'c\.npz:actions holds nan at clip '
                       r'1, frame 4, condition 2'):
        ConditionedSequenceDataset(source=str(tmp_path / 'c.npz'),
                                   npz_key='frames', layout='NTCHW',
                                   split_by=None, in_frames=2, out_frames=2)


def test_a_non_image_named_png_is_refused_by_name(tmp_path):
    folder = tmp_path / 'frames'
    folder.mkdir()
    for i in range(5):
        cv2.imwrite(str(folder / f'{i}.png'), np.zeros((8, 8), np.uint8))
    (folder / '3.png').write_text('not an image')
    with pytest.raises(ValueError, match=r'3\.png is not a readable image'):
        SequenceDataset(str(folder), split_by=None, in_frames=2,
                        out_frames=2)


def test_nan_in_a_float_tiff_frame_names_the_file(tmp_path):
    folder = tmp_path / 'frames'
    folder.mkdir()
    for i in range(4):
        frame = np.full((6, 6), 0.5, np.float32)
        if i == 2:
            frame[3, 4] = np.nan
        assert cv2.imwrite(str(folder / f'{i}.tif'), frame)
    ds = SequenceDataset(str(folder), split_by=None, in_frames=1,
                         out_frames=1)
    assert ds[0]['inputs'].dtype == torch.float32
    with pytest.raises(ValueError, match=r'2\.tif holds nan at channel 0, '
                       r'row 3, column 4'):
        ds[1]
