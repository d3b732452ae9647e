"""tools/dataset_converters/make_synthetic_video.py: the example config's
data on a machine without any."""
import os.path as osp
import sys

import numpy as np

from predrnn.datasets.video_file import read_video, video_fps

sys.path.insert(0, osp.join(osp.dirname(__file__), '..', '..', 'tools',
                            'dataset_converters'))
import make_synthetic_video  # noqa: E402


def test_writes_a_colour_non_square_video_and_keeps_existing(tmp_path):
    out = str(tmp_path / 'videos' / 'shapes.mp4')
    make_synthetic_video.main([out, '--frames', '12', '--height', '24',
                               '--width', '40', '--fps', '5'])
    frames = read_video(out)
    assert frames.shape == (12, 3, 24, 40)
    assert video_fps(out) == 5
    # colour: the channels differ somewhere
    assert np.abs(frames[:, 0].astype(int) - frames[:, 2]).max() > 50
    before = open(out, 'rb').read()
    make_synthetic_video.main([out, '--frames', '3'])  # kept: no --force
    assert open(out, 'rb').read() == before
    make_synthetic_video.main([out, '--frames', '3', '--force'])
    assert read_video(out).shape[0] == 3


def test_sprites_on_photo_npy_is_deterministic_and_readable(tmp_path):
    from predrnn.datasets import SequenceDataset
    from predrnn.datasets.sprite_footage import sprites_on_photo
    args = ['--kind', 'sprites_on_photo', '--frames', '30', '--height',
            '16', '--width', '24', '--seed', '5', '--photo', 'coffee']
    a, b = str(tmp_path / 'a.npy'), str(tmp_path / 'b.npy')
    make_synthetic_video.main([a] + args)
    make_synthetic_video.main([b] + args)
    assert open(a, 'rb').read() == open(b, 'rb').read()
    want = sprites_on_photo(30, 16, 24, photo='coffee', seed=5)
    np.testing.assert_array_equal(np.load(a), want)
    # the sidecar tells SequenceDataset the layout
    ds = SequenceDataset(a, split='all', in_frames=2, out_frames=2)
    np.testing.assert_array_equal(ds[0]['inputs'].numpy(),
                                  want[:4].transpose(0, 3, 1, 2))
    video = str(tmp_path / 'v.avi')
    make_synthetic_video.main([video] + args)
    assert read_video(video).shape == (30, 3, 16, 24)
