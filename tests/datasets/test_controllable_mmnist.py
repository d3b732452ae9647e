"""Controllable Moving MNIST: the commands decide the motion (checked against
positions computed here from the documented dynamics), clips are pure
functions of (seed, epoch, index), and the future is not in the past."""
import numpy as np
import pytest
import torch

from predrnn.datasets import ControllableMovingMNIST
from predrnn.registry import DATASETS


def make(tmp_path, **kw):
    cfg = dict(data_root=str(tmp_path), image_size=20, digit_size=8,
               in_frames=3, out_frames=4, num_clips=8, num_stand_in_digits=10)
    cfg.update(kw)
    return ControllableMovingMNIST(**cfg)


def expected_offsets(start, moves, step, free):
    """The documented dynamics, written out: clip after every move, then
    truncate to pixels."""
    y, x = start
    out = [(int(y * free), int(x * free))]
    for uy, ux in moves[:-1]:
        y = min(1.0, max(0.0, y + step * uy))
        x = min(1.0, max(0.0, x + step * ux))
        out.append((int(y * free), int(x * free)))
    return out


def test_item_layout_and_registry(tmp_path):
    ds = DATASETS.build(dict(type='ControllableMovingMNIST',
                             data_root=str(tmp_path), image_size=20,
                             digit_size=8, in_frames=3, out_frames=4,
                             num_clips=5, num_stand_in_digits=10))
    item = ds[(0, 1)]
    assert item['inputs'].shape == (7, 1, 20, 20)
    assert item['inputs'].dtype == torch.uint8
    assert item['conditions'].shape == (7, 4) and ds.condition_channels == 4
    assert item['conditions'].dtype == torch.float32
    assert set(item['conditions'].unique().tolist()) <= {-1.0, 0.0, 1.0}
    assert len(ds) == 5 and ds.metainfo['condition_channels'] == 4


def test_commands_decide_the_motion(tmp_path):
    ds = make(tmp_path, num_digits=1, change_prob=0.5, step_length=0.25)
    free = ds.image_size - ds.digit_size
    for index in range(4):
        rng = np.random.default_rng([2, 1, index, ds.seed])
        start = rng.random((1, 2))[0]
        digit_id = int(rng.integers(0, len(ds.digits), 1)[0])
        clip, cond = ds.get_clip(1, index)
        offsets = expected_offsets(start, cond, ds.step_length, free)
        digit = ds.digits[digit_id]
        for t, (r, c) in enumerate(offsets):
            window = clip[t, r:r + ds.digit_size, c:c + ds.digit_size]
            np.testing.assert_array_equal(window, digit)
            assert clip[t].sum() == digit.sum()  # nothing else drawn


def test_future_commands_change_only_the_future(tmp_path):
    ds = make(tmp_path, num_digits=2)
    starts = np.array([[0.5, 0.5], [0.2, 0.8]])
    moves = np.zeros((7, 2, 2), np.int64)
    moves[:, 0] = (0, 1)
    base = ds.render([0, 1], starts, moves)
    what_if = moves.copy()
    what_if[3:, 0] = (1, -1)  # digit 0 turns at the first future step
    other = ds.render([0, 1], starts, what_if)
    np.testing.assert_array_equal(other[:4], base[:4])
    assert not np.array_equal(other[4:], base[4:])


def test_deterministic_per_seed_epoch_index(tmp_path):
    a, b = make(tmp_path), make(tmp_path)
    for key in [(0, 0), (3, 5)]:
        for x, y in zip(a.get_clip(*key), b.get_clip(*key)):
            np.testing.assert_array_equal(x, y)
    assert not np.array_equal(a.get_clip(0, 0)[0], a.get_clip(1, 0)[0])
    other_seed = make(tmp_path, seed=1)
    assert not np.array_equal(a.get_clip(0, 0)[0],
                              other_seed.get_clip(0, 0)[0])
    val = make(tmp_path, split='val')
    np.testing.assert_array_equal(val[(0, 2)]['inputs'],
                                  val[(7, 2)]['inputs'])  # fixed set


def test_commands_switch_at_the_requested_rate(tmp_path):
    ds = make(tmp_path, num_digits=1, in_frames=10, out_frames=10,
              change_prob=0.4, num_clips=300)
    changes = fresh = 0
    for i in range(300):
        cond = ds.get_clip(0, i)[1]
        changes += int((np.abs(np.diff(cond, axis=0)).sum(1) > 0).sum())
        fresh += 19
    # a fresh draw repeats the command with probability 1/9
    assert changes / fresh == pytest.approx(0.4 * 8 / 9, abs=0.03)
    never = make(tmp_path, change_prob=0.0)
    cond = never.get_clip(0, 0)[1]
    assert (cond == cond[0]).all()


@pytest.mark.parametrize('kw,match', [
    (dict(split='dev'), 'split'),
    (dict(change_prob=1.5), 'change_prob'),
    (dict(digit_size=30), 'digit_size'),
    (dict(digit_size=6), 'at least 8'),
    (dict(num_digits=0), 'num_digits'),
    (dict(in_frames=0), 'in_frames'),
])
def test_bad_arguments_are_named(tmp_path, kw, match):
    with pytest.raises(ValueError, match=match):
        make(tmp_path, **kw)


def test_bad_paths_are_named_not_replaced_by_stand_ins(tmp_path):
    """The checks shared with MovingMNIST: a data_root that is a file, and
    an explicit digit_file that does not exist (no silent stand-in)."""
    a_file = tmp_path / 'data'
    a_file.write_text('')
    with pytest.raises(NotADirectoryError, match='is a file, not a folder'):
        make(tmp_path, data_root=str(a_file))
    with pytest.raises(FileNotFoundError, match='digit_file .*missing.idx'):
        make(tmp_path, digit_file='missing.idx')


def test_plain_index_is_epoch_zero(tmp_path):
    ds = make(tmp_path)
    plain, keyed = ds[1], ds[(0, 1)]
    assert torch.equal(plain['inputs'], keyed['inputs'])
    assert torch.equal(plain['conditions'], keyed['conditions'])
    assert not torch.equal(plain['conditions'], ds[(1, 1)]['conditions'])


def test_batches_feed_a_conditioned_model(tmp_path):
    from torch.utils.data import DataLoader

    from predrnn.registry import MODELS
    ds = make(tmp_path, num_digits=1)
    batch = next(iter(DataLoader(ds, batch_size=2)))
    model = MODELS.build(dict(
        type='ActionCondPredRNNv2', condition_channels=ds.condition_channels,
        in_frames=3, out_frames=4, num_layers=1, num_hidden=4, kernel_size=3,
        data_preprocessor=dict(type='ConditionedVideoDataPreprocessor',
                               patch_size=4)))
    data = model.data_preprocessor(batch, True)
    assert data['conditions'].shape == (2, 7, 2)
    losses = model(**data, mode='loss')
    assert torch.isfinite(losses['loss_recon'])
