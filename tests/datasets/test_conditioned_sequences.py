"""ConditionedSequenceDataset: users' frames with a per-frame condition
array beside them (BAIR-style .npz), windows aligned with the frames."""
import numpy as np
import pytest
import torch

from predrnn.datasets import ConditionedSequenceDataset


def bair_like(path, n=3, t=9, a=4, seed=0):
    """frames (N, T, H, W, C) uint8 and actions (N, T, A), values that name
    their clip and frame so alignment can be read back."""
    rng = np.random.default_rng(seed)
    frames = rng.integers(0, 255, (n, t, 8, 6, 3), dtype=np.uint8)
    actions = np.zeros((n, t, a), np.float32)
    actions[..., 0] = np.arange(n)[:, None]
    actions[..., 1] = np.arange(t)[None, :]
    actions[..., 2:] = rng.normal(size=(n, t, a - 2))
    np.savez(path, frames=frames, actions=actions)
    return frames, actions


def make(path, **kw):
    cfg = dict(source=str(path), layout='NTHWC', npz_key='frames',
               conditions='actions', split='all', split_by=None, in_frames=2,
               out_frames=3)
    cfg.update(kw)
    return ConditionedSequenceDataset(**cfg)


def test_windows_carry_their_own_conditions(tmp_path):
    frames, actions = bair_like(tmp_path / 'bair.npz')
    ds = make(tmp_path / 'bair.npz')
    assert ds.condition_channels == 4
    assert len(ds) == 3 * (9 - 5 + 1)
    for i in range(len(ds)):
        item = ds[i]
        q, start = ds.windows[i]
        cond = item['conditions']
        assert cond.shape == (5, 4) and cond.dtype == torch.float32
        np.testing.assert_array_equal(cond.numpy(),
                                      actions[q, start:start + 5])
        np.testing.assert_array_equal(
            item['inputs'].numpy(),
            frames[q, start:start + 5].transpose(0, 3, 1, 2))
    assert ds.metainfo['condition_channels'] == 4


def test_npy_source_with_sibling_conditions(tmp_path):
    frames = np.zeros((12, 4, 4), np.uint8)  # one series, THW
    np.save(tmp_path / 'series.npy', frames)
    np.save(tmp_path / 'series.stage.npy', np.eye(3, dtype=np.float32)[
        np.arange(12) % 3])  # one-hot stage per frame
    ds = make(tmp_path / 'series.npy', layout='THW', npz_key=None,
              conditions='stage')
    assert ds.condition_channels == 3
    np.testing.assert_array_equal(ds[1]['conditions'].argmax(1).numpy(),
                                  [1, 2, 0, 1, 2])


@pytest.mark.parametrize('bad,match', [
    (lambda f, a: (f, a[:, :-1]), '9 frames but 8 conditions'),
    (lambda f, a: (f, a[:2]), '3 clips of frames but 2 of conditions'),
    (lambda f, a: (f, a[..., 0]), r'must be \(N, T, A\)'),
])
def test_mismatched_conditions_are_named(tmp_path, bad, match):
    frames, actions = bair_like(tmp_path / 'ok.npz')
    frames, actions = bad(frames, actions)
    np.savez(tmp_path / 'bad.npz', frames=frames, actions=actions)
    with pytest.raises(ValueError, match=match):
        make(tmp_path / 'bad.npz')


def test_missing_conditions_and_strides_are_named(tmp_path):
    np.save(tmp_path / 'clips.npy', np.zeros((2, 6, 1, 4, 4), np.uint8))
    with pytest.raises(FileNotFoundError, match=r'clips\.actions\.npy'):
        make(tmp_path / 'clips.npy', layout='NTCHW', npz_key=None)
    bair_like(tmp_path / 'bair.npz')
    with pytest.raises(ValueError, match='frame_stride=1'):
        make(tmp_path / 'bair.npz', frame_stride=2)
