"""MovingMNIST: item format, determinism, epochs, test sets, stand-in."""
import hashlib
import os

import cv2
import numpy as np
import pytest
import torch
from mmnist_helpers import spec_clip, spec_draws, write_idx
from torch.utils.data import DataLoader

from predrnn.datasets import (EpochIndexSampler, InfiniteEpochIndexSampler,
                              MovingMNIST, make_stand_in_digits,
                              read_idx_images)
from predrnn.registry import DATA_SAMPLERS, DATASETS

# Small but standard-shaped settings keep every test well under a second.
TINY = dict(image_size=32, digit_size=12, in_frames=3, out_frames=2,
            num_clips=8)


def clips(dataset, keys):
    return torch.stack([dataset[k]['inputs'] for k in keys])


def test_item_format(mnist_root):
    ds = MovingMNIST(data_root=str(mnist_root), **TINY)
    item = ds[(0, 3)]
    assert set(item) == {'inputs'}
    x = item['inputs']
    assert x.dtype == torch.uint8 and x.shape == (5, 1, 32, 32)
    assert len(ds) == 8 and ds.digit_source.endswith('.gz')
    with pytest.raises(IndexError):
        ds[(0, 8)]


def test_train_clip_is_documented_function_of_seed_epoch_index(mnist_root):
    ds = MovingMNIST(data_root=str(mnist_root), seed=7, num_digits=3,
                     image_size=64, in_frames=4, out_frames=3)
    digits = read_idx_images(mnist_root / 'train-images-idx3-ubyte.gz')
    # Key (train stream 0, epoch, index, seed), draw order documented in
    # predrnn.datasets.clip_generator.
    draws = spec_draws([0, 2, 5, 7], 3, len(digits))
    expected = spec_clip(digits, *draws, num_frames=7, image_size=64)
    np.testing.assert_array_equal(ds[(2, 5)]['inputs'][:, 0].numpy(),
                                  expected)


def test_reinstantiation_seeds_and_epochs(mnist_root):
    a = MovingMNIST(data_root=str(mnist_root), **TINY)
    b = MovingMNIST(data_root=str(mnist_root), **TINY)
    c = MovingMNIST(data_root=str(mnist_root), seed=1, **TINY)
    keys = [(0, i) for i in range(4)]
    assert torch.equal(clips(a, keys), clips(b, keys))
    assert not torch.equal(clips(a, keys), clips(c, keys))
    epoch1 = [(1, i) for i in range(4)]
    assert not torch.equal(clips(a, keys), clips(a, epoch1))
    # Plain indices mean epoch 0.
    assert torch.equal(a[2]['inputs'], a[(0, 2)]['inputs'])


def test_dataloader_workers_identical(mnist_root):
    ds = MovingMNIST(data_root=str(mnist_root), **TINY)

    def run(num_workers, epochs):
        sampler = EpochIndexSampler(ds, shuffle=True, seed=3)
        loader = DataLoader(ds, batch_size=3, sampler=sampler,
                            num_workers=num_workers,
                            persistent_workers=num_workers > 0)
        out = []
        for epoch in epochs:
            sampler.set_epoch(epoch)  # as mmengine's DistSamplerSeedHook
            out.append(torch.cat([b['inputs'] for b in loader]))
        return out

    serial = run(0, [0, 1])
    parallel = run(2, [0, 1])  # persistent workers across both epochs
    assert torch.equal(serial[0], parallel[0])
    assert torch.equal(serial[1], parallel[1])
    assert not torch.equal(serial[0], serial[1])
    # Epoch 1 of the sampler is exactly the clips (1, i).
    sampler = EpochIndexSampler(ds, shuffle=True, seed=3)
    sampler.set_epoch(1)
    pairs = list(sampler)
    assert all(e == 1 for e, _ in pairs)
    assert torch.equal(serial[1], clips(ds, pairs))


def test_infinite_sampler_counts_passes_and_resumes():
    dataset = list(range(4))
    sampler = InfiniteEpochIndexSampler(dataset, shuffle=True, seed=5)
    stream = [p for _, p in zip(range(12), sampler)]
    assert [e for e, _ in stream] == [0] * 4 + [1] * 4 + [2] * 4
    for k in range(3):
        assert sorted(i for _, i in stream[4 * k:4 * k + 4]) == dataset
    # A resumed run rebuilds the sampler and skips what was consumed.
    fresh = iter(InfiniteEpochIndexSampler(dataset, shuffle=True, seed=5))
    for _ in range(7):
        next(fresh)
    assert [next(fresh) for _ in range(5)] == stream[7:]


def test_built_from_registries(mnist_root):
    ds = DATASETS.build(
        dict(type='MovingMNIST', data_root=str(mnist_root), **TINY))
    sampler = DATA_SAMPLERS.build(
        dict(type='EpochIndexSampler', dataset=ds, seed=0))
    assert isinstance(ds, MovingMNIST)
    assert isinstance(sampler, EpochIndexSampler)
    assert isinstance(
        DATA_SAMPLERS.build(
            dict(type='InfiniteEpochIndexSampler', dataset=ds, seed=0)),
        InfiniteEpochIndexSampler)


def test_standard_test_file(tmp_path, captured_logs, monkeypatch):
    import hashlib

    from predrnn.datasets import standard_test_set
    arr = np.random.default_rng(0).integers(0, 256, (20, 3, 64, 64),
                                            np.uint8)
    np.save(tmp_path / 'mnist_test_seq.npy', arr)
    # This tiny file plays the published one: its shape and MD5.
    monkeypatch.setattr(standard_test_set, 'STANDARD_SHAPE', arr.shape)
    monkeypatch.setattr(
        standard_test_set, 'STANDARD_MD5',
        hashlib.md5((tmp_path / 'mnist_test_seq.npy').read_bytes()
                    ).hexdigest())
    ds = MovingMNIST(data_root=str(tmp_path), split='test')
    assert len(ds) == 3 and ds.metainfo['test_set']['name'] == 'standard'
    assert ds.metainfo['comparable']
    for i in range(3):
        np.testing.assert_array_equal(ds[i]['inputs'][:, 0].numpy(),
                                      arr[:, i])
    assert any('the standard mnist_test_seq.npy' in m and 'comparable' in m
               for m in captured_logs)
    # Fewer frames and clips: the first ones; the epoch is ignored.
    short = MovingMNIST(data_root=str(tmp_path), split='val', in_frames=5,
                        out_frames=5, num_clips=2)
    assert len(short) == 2
    # The standard file, but a subset and 5 -> 5 frames: not comparable.
    assert short.metainfo['test_set']['name'] == 'standard'
    assert not short.metainfo['comparable']
    assert '2 of its 3 clips' in short.test_set['reason']
    np.testing.assert_array_equal(short[(4, 1)]['inputs'][:, 0].numpy(),
                                  arr[:10, 1])
    with pytest.raises(ValueError, match='holds 3 clips'):
        MovingMNIST(data_root=str(tmp_path), split='test', num_clips=4)


@pytest.mark.parametrize('arr', [
    np.zeros((20, 3, 64), np.uint8),
    np.zeros((20, 3, 64, 64), np.int16),
], ids=['3d', 'int16'])
def test_malformed_standard_file_errors(tmp_path, arr):
    np.save(tmp_path / 'mnist_test_seq.npy', arr)
    with pytest.raises(ValueError, match='mnist_test_seq.npy'):
        MovingMNIST(data_root=str(tmp_path), split='test')


def test_generated_test_set_cached(mnist_root, captured_logs, monkeypatch):
    cfg = dict(data_root=str(mnist_root), split='test', **TINY)
    ds = MovingMNIST(**cfg)
    assert ds.metainfo['test_set']['name'] == 'generated'
    assert not ds.metainfo['comparable']
    assert ds.digit_source.endswith('t10k-images-idx3-ubyte.gz')
    assert any('NOT comparable' in m for m in captured_logs)
    cached = [f for f in os.listdir(mnist_root) if f.endswith('.npy')]
    assert len(cached) == 1 and cached[0].startswith('generated_test_seq')
    assert not [f for f in os.listdir(mnist_root) if f.endswith('.tmp')]
    # The stored layout is the standard one, time first.
    stored = np.load(mnist_root / cached[0])
    assert stored.shape == (5, 8, 32, 32)
    # Clip i comes from key (test stream 1, 0, i, seed).
    digits = read_idx_images(mnist_root / 't10k-images-idx3-ubyte.gz')
    digits = np.stack([
        cv2.resize(d, (12, 12), interpolation=cv2.INTER_AREA) for d in digits
    ])
    expected = spec_clip(digits, *spec_draws([1, 0, 6, 0], 2, len(digits)),
                         num_frames=5, image_size=32)
    np.testing.assert_array_equal(stored[:, 6], expected)
    # Reused, not regenerated; identical content.
    monkeypatch.setattr(MovingMNIST, '_fill_test_set',
                        lambda self, out: pytest.fail('regenerated'))
    again = MovingMNIST(**cfg)
    assert torch.equal(clips(ds, range(8)), clips(again, range(8)))
    # A different configuration gets its own file.
    monkeypatch.undo()
    MovingMNIST(**dict(cfg, seed=1))
    assert len([f for f in os.listdir(mnist_root)
                if f.endswith('.npy')]) == 2


def test_standard_file_never_replaced_for_other_configs(tmp_path):
    """A mnist_test_seq.npy that does not fit the configuration is an error
    naming the mismatch and the options, never silently replaced by a
    generated set."""
    np.save(tmp_path / 'mnist_test_seq.npy',
            np.zeros((20, 2, 64, 64), np.uint8))
    with pytest.raises(ValueError, match=r'does not match this '
                       r'configuration \(num_digits.*test_file=None') as err:
        MovingMNIST(data_root=str(tmp_path), split='test', num_digits=3,
                    num_clips=2, num_stand_in_digits=10)
    assert 'mnist_test_seq.npy' in str(err.value)
    with pytest.raises(ValueError, match=r'image_size=32 \(standard 64\).*'
                       r'needs 20 of 32 x 32'):
        MovingMNIST(data_root=str(tmp_path), split='test', image_size=32,
                    digit_size=12, num_clips=2, num_stand_in_digits=10)
    assert not [f for f in os.listdir(tmp_path) if f.startswith('generated')]
    ds = MovingMNIST(data_root=str(tmp_path), split='test', num_digits=3,
                     num_clips=2, num_stand_in_digits=10, test_file=None)
    assert ds.metainfo['test_set']['name'] == 'generated'


def test_misspelled_data_root_is_an_error(tmp_path, captured_logs):
    wrong = tmp_path / 'moving_mnsit'
    for split in ('train', 'test'):
        with pytest.raises(FileNotFoundError, match=r'data_root .*moving_mnsit'
                           r' does not exist.*data/moving_mnist.*stand-in'):
            MovingMNIST(data_root=str(wrong), split=split, **TINY)
    assert not wrong.exists()
    assert not [m for m in captured_logs if 'STAND-IN' in m]


def test_default_data_root_missing_uses_the_stand_in(tmp_path, monkeypatch,
                                                     captured_logs):
    monkeypatch.chdir(tmp_path)
    ds = MovingMNIST(num_stand_in_digits=10, **TINY)
    assert ds.digit_source == 'stand-in'
    assert [m for m in captured_logs if 'STAND-IN' in m]


def test_stand_in_path(tmp_path, captured_logs):
    ds = MovingMNIST(data_root=str(tmp_path), num_stand_in_digits=20, **TINY)
    assert ds.digit_source == 'stand-in'
    warnings = [m for m in captured_logs if 'STAND-IN' in m]
    assert len(warnings) == 1
    assert 'NOT comparable' in warnings[0]
    assert 'python tools/prepare_data.py mmnist --data-root data' in \
        warnings[0]
    assert ds[(0, 0)]['inputs'].max() > 0
    # One warning per process, whatever the number of datasets.
    MovingMNIST(data_root=str(tmp_path), split='test',
                num_stand_in_digits=20, **TINY)
    assert len([m for m in captured_logs if 'STAND-IN' in m]) == 1
    with pytest.raises(FileNotFoundError, match='prepare_data.py mmnist'):
        MovingMNIST(data_root=str(tmp_path), allow_stand_in=False, **TINY)


def test_stand_in_digits_deterministic():
    a = make_stand_in_digits(12, seed=3)
    assert a.shape == (12, 28, 28) and a.dtype == np.uint8
    np.testing.assert_array_equal(a, make_stand_in_digits(12, seed=3))
    assert not np.array_equal(a, make_stand_in_digits(12, seed=4))
    assert not np.array_equal(a, make_stand_in_digits(12, seed=3, stream=1))
    # MNIST-like: dark background, bright ink, centred mass.
    assert (a.reshape(12, -1).max(1) == 255).all()
    assert (a[:, 0, :] == 0).all() and (a[:, :, 0] == 0).all()
    rows = (a.sum(2) * np.arange(28)).sum(1) / a.sum((1, 2))
    assert np.allclose(rows, 14, atol=1.5)
    assert make_stand_in_digits(3, seed=0, size=16).shape == (3, 16, 16)


# sha256 of the stand-in digit bytes: the same on every machine and with
# every OpenCV or font, since a generated test set is made of them.
STAND_IN_SHA256 = {
    (30, 0, 28, 0):
    'ee72738a76412851ce1c3221ea7f01d74b3a0db5ba49fc919c93a354c5649268',
    (30, 5, 14, 1):
    'a358586b954f37acae1b280f30726d76f2066d3dac9860f8168833098b3bb346',
}


@pytest.mark.parametrize('key', sorted(STAND_IN_SHA256))
def test_stand_in_digits_are_pinned_bytes(key):
    num, seed, size, stream = key
    digits = make_stand_in_digits(num, seed=seed, size=size, stream=stream)
    assert hashlib.sha256(digits.tobytes()).hexdigest() == \
        STAND_IN_SHA256[key]


def test_stand_in_digits_need_no_opencv(monkeypatch):
    # The module runs with OpenCV unimportable and draws the same digits.
    import importlib.util
    import sys

    import predrnn.datasets.stand_in_digits as module
    monkeypatch.setitem(sys.modules, 'cv2', None)
    spec = importlib.util.spec_from_file_location('standalone_digits',
                                                  module.__file__)
    standalone = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(standalone)
    np.testing.assert_array_equal(
        standalone.make_stand_in_digits(10, seed=2, size=14),
        make_stand_in_digits(10, seed=2, size=14))


def test_fashion_mnist_style_source(tmp_path):
    # Any MNIST-format file works as the digit source.
    images = np.full((2, 28, 28), 9, np.uint8)
    write_idx(tmp_path / 'fashion.gz', images, compress=True)
    ds = MovingMNIST(data_root=str(tmp_path), digit_file='fashion.gz',
                     num_clips=2, in_frames=1, out_frames=0)
    frame = ds[(0, 0)]['inputs'][0, 0]
    assert set(frame.unique().tolist()) == {0, 9}


def test_pickle_reopens_the_fixed_set(tmp_path):
    # Workers started by 'spawn'/'forkserver' get the path, not the data.
    import pickle
    arr = np.random.default_rng(0).integers(0, 256, (20, 4, 64, 64),
                                            np.uint8)
    np.save(tmp_path / 'mnist_test_seq.npy', arr)
    ds = MovingMNIST(data_root=str(tmp_path), split='test', num_clips=3)
    blob = pickle.dumps(ds)
    assert len(blob) < arr.nbytes // 10
    copy = pickle.loads(blob)
    assert len(copy) == 3
    assert torch.equal(copy[2]['inputs'], ds[2]['inputs'])
