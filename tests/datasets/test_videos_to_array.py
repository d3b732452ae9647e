"""tools/dataset_converters/videos_to_array.py: the array and its sidecar
give the dataset exactly the windows of the sources."""
import json
import os
import os.path as osp
import sys

import cv2
import numpy as np
import pytest

from predrnn.datasets import SequenceDataset
from predrnn.datasets.synthetic_video import moving_shapes, write_video
from predrnn.datasets.video_file import read_video

sys.path.insert(0, osp.join(osp.dirname(__file__), '..', '..', 'tools',
                            'dataset_converters'))
import videos_to_array  # noqa: E402


def _folders(root, clips):
    for s, clip in enumerate(clips):
        os.makedirs(root / f'seq{s}')
        for t, frame in enumerate(clip):
            cv2.imwrite(str(root / f'seq{s}' / f'{t}.png'),
                        cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))


@pytest.mark.parametrize('layout', ['NTCHW', 'NTHWC'])
def test_frame_folders_round_trip_through_the_dataset(tmp_path, layout):
    clips = [moving_shapes(9, 12, 20, seed=s) for s in range(3)]
    _folders(tmp_path / 'src', clips)
    out = str(tmp_path / 'out.npy')
    videos_to_array.main([str(tmp_path / 'src'), out, '--layout', layout])
    with open(tmp_path / 'out.json') as f:
        meta = json.load(f)
    assert meta['layout'] == layout and meta['dtype'] == 'uint8'
    assert meta['shape'][:2] == [3, 9] and len(meta['sources']) == 3
    data = np.stack(clips)
    assert meta['value_range'] == [float(data.min()), float(data.max())]
    from_array = SequenceDataset(out, split='all', in_frames=2, out_frames=2)
    from_folders = SequenceDataset(str(tmp_path / 'src'), split='all',
                                   in_frames=2, out_frames=2)
    assert len(from_array) == len(from_folders) == 3 * 6
    for i in range(len(from_array)):
        np.testing.assert_array_equal(from_array[i]['inputs'].numpy(),
                                      from_folders[i]['inputs'].numpy())


def test_videos_resized_truncated_with_fps(tmp_path):
    write_video(str(tmp_path / 'a.avi'), moving_shapes(12, 24, 32), fps=7)
    write_video(str(tmp_path / 'b.avi'), moving_shapes(10, 24, 32, seed=1),
                fps=7)
    out = str(tmp_path / 'v.npy')
    with pytest.raises(ValueError, match='different lengths.*--truncate'):
        videos_to_array.main([str(tmp_path / '*.avi'), out])
    assert not osp.exists(out)  # nothing half-written
    videos_to_array.main([str(tmp_path / '*.avi'), out, '--truncate',
                          '--resize', '12', '16', '--color', 'gray'])
    array = np.load(out)
    assert array.shape == (2, 10, 1, 12, 16)
    with open(tmp_path / 'v.json') as f:
        meta = json.load(f)
    assert meta['fps'] == pytest.approx(7)
    from predrnn.datasets.frame_transform import FrameTransform
    want = read_video(str(tmp_path / 'a.avi'),
                      transform=FrameTransform((12, 16), None, 'gray'))[:10]
    np.testing.assert_array_equal(array[0], want)


def test_existing_output_is_kept(tmp_path):
    _folders(tmp_path / 'src', [moving_shapes(4, 8, 8)])
    out = tmp_path / 'out.npy'
    out.write_bytes(b'precious')
    with pytest.raises(FileExistsError, match='--force'):
        videos_to_array.main([str(tmp_path / 'src'), str(out)])
    assert out.read_bytes() == b'precious'
    videos_to_array.main([str(tmp_path / 'src'), str(out), '--force'])
    assert np.load(out).shape == (1, 4, 3, 8, 8)


def test_progress_bar_follows_the_decoding(tmp_path, monkeypatch):
    """Videos are decoded when opened: the bar must move while that
    happens (it only counted the copy into the array, after all decoding)."""
    from predrnn.datasets import sequence_sources
    for s in range(3):
        write_video(str(tmp_path / f'{s}.avi'), moving_shapes(4, 8, 8,
                                                              seed=s))
    events = []

    class Bar:

        def __init__(self, total):
            events.append(('bar', total))

        def update(self):
            events.append('update')

    def decode(*args, **kwargs):
        events.append('decode')
        return read_video(*args, **kwargs)

    monkeypatch.setattr(videos_to_array, 'ProgressBar', Bar)
    monkeypatch.setattr(sequence_sources, 'read_video', decode)
    videos_to_array.main([str(tmp_path / '*.avi'), str(tmp_path / 'o.npy')])
    assert events[:7] == [('bar', 3)] + ['decode', 'update'] * 3
    assert np.load(tmp_path / 'o.npy').shape == (3, 4, 3, 8, 8)


def test_rerun_removes_the_temporary_of_a_killed_run(tmp_path, capsys):
    """A conversion killed while writing leaves its hidden temporary file;
    the next run removes it (its writer no longer runs) and says so, and
    keeps one whose writer still runs."""
    import subprocess
    _folders(tmp_path / 'src', [moving_shapes(4, 8, 8, seed=0)])
    out = tmp_path / 'out.npy'
    killed = subprocess.run([sys.executable, '-c', (
        'import os, signal\n'
        'from predrnn.utils import atomic_write\n'
        f'with atomic_write({str(out)!r}) as tmp:\n'
        '    open(tmp, "wb").write(bytes(4096))\n'
        '    os.kill(os.getpid(), signal.SIGKILL)\n')])
    assert killed.returncode == -9
    (left, ) = [tmp_path / n for n in os.listdir(tmp_path)
                if n.endswith('.tmp')]
    alive = tmp_path / f'.out.npy.{os.getpid()}-89abcdef.tmp'
    alive.write_bytes(b'')
    videos_to_array.main([str(tmp_path / 'src'), str(out)])
    printed = capsys.readouterr().out
    assert not left.exists()
    assert f'removed {left}' in printed
    assert alive.exists() and f'{alive} is a temporary' in printed
    assert np.load(out).shape == (1, 4, 3, 8, 8)
