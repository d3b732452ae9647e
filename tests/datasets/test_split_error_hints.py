"""The error of a split without any window suggests only what would
change something."""
import numpy as np
import pytest

from predrnn.datasets import SequenceDataset


@pytest.mark.parametrize('split_by', ['sequence', 'time'])
def test_empty_split_suggests_split_by_time_only_when_not_set(tmp_path,
                                                              split_by):
    np.save(tmp_path / 'a.npy', np.zeros((1, 6, 1, 4, 4), np.uint8))
    with pytest.raises(ValueError, match="split 'val'") as info:
        SequenceDataset(str(tmp_path / 'a.npy'), layout='NTCHW', split='val',
                        in_frames=2, out_frames=2, split_by=split_by)
    assert ("split_by='time'" in str(info.value)) == (split_by != 'time')
