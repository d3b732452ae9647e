"""SequenceDataset(resize_interpolation=...): each method is OpenCV's."""
import cv2
import numpy as np
import pytest

from predrnn.datasets import SequenceDataset
from predrnn.datasets.frame_transform import FrameTransform

FLAGS = dict(area=cv2.INTER_AREA, linear=cv2.INTER_LINEAR,
             nearest=cv2.INTER_NEAREST, cubic=cv2.INTER_CUBIC)


def _series(tmp_path, frames=4, size=(12, 20)):
    rng = np.random.default_rng(0)
    array = rng.integers(0, 256, (frames, *size, 3), dtype=np.uint8)
    path = tmp_path / 'series.npy'
    np.save(path, array)
    return str(path), array


def _want(array, size, flag):
    return np.stack([cv2.resize(f, size[::-1], interpolation=flag)
                     .transpose(2, 0, 1) for f in array])


@pytest.mark.parametrize('size', [(6, 8), (18, 30)])  # shrink, enlarge
@pytest.mark.parametrize('name', list(FLAGS) + [None])
def test_each_interpolation_is_cv2_resize(tmp_path, name, size):
    path, array = _series(tmp_path)
    ds = SequenceDataset(path, layout='THWC', split_by=None, in_frames=2,
                         out_frames=2, resize=size,
                         resize_interpolation=name)
    default = cv2.INTER_AREA if size[0] < 12 else cv2.INTER_LINEAR
    want = _want(array, size, FLAGS[name] if name else default)
    np.testing.assert_array_equal(ds[0]['inputs'].numpy(), want)


def test_methods_differ_so_the_choice_reaches_the_frames(tmp_path):
    path, array = _series(tmp_path)
    got = {name: SequenceDataset(path, layout='THWC', split_by=None,
                                 in_frames=2, out_frames=2, resize=(6, 8),
                                 resize_interpolation=name)[0]['inputs']
           for name in FLAGS}
    assert len({g.numpy().tobytes() for g in got.values()}) == len(FLAGS)
    # nearest keeps source values exactly
    assert set(np.unique(got['nearest'].numpy())) <= set(np.unique(array))


def test_unknown_interpolation_is_named():
    with pytest.raises(ValueError, match="resize_interpolation.*'area'"):
        FrameTransform((4, 4), resize_interpolation='bilinear')
