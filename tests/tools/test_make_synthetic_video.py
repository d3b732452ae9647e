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
