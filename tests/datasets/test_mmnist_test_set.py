"""Which fixed test set MovingMNIST uses, and saying so;
paths that are not what they should be (item 8); digit size against the
canvas (item 10); the generated test set's cache written atomically
(item 6).

The published file is 820 MB; here a tiny file plays it by patching the
known shape and MD5 of :mod:`predrnn.datasets.standard_test_set`.
"""
import hashlib
import os

import numpy as np
import pytest
from mmnist_helpers import random_digits, write_idx

from predrnn.datasets import MovingMNIST, standard_test_set
from predrnn.datasets.clip_file import write_clip_file_atomic
from predrnn.datasets.file_digest import sidecar_path

NPY = 'mnist_test_seq.npy'
SMALL = dict(num_stand_in_digits=10)


def md5_of(path):
    return hashlib.md5(path.read_bytes()).hexdigest()


@pytest.fixture
def published(tmp_path, monkeypatch):
    """A tiny time-first file that is 'the published one' by shape and
    MD5; returns its array."""
    arr = np.random.default_rng(1).integers(0, 256, (20, 4, 64, 64),
                                            np.uint8)
    np.save(tmp_path / NPY, arr)
    monkeypatch.setattr(standard_test_set, 'STANDARD_SHAPE', arr.shape)
    monkeypatch.setattr(standard_test_set, 'STANDARD_MD5',
                        md5_of(tmp_path / NPY))
    return arr


def test_clips_first_file_is_refused(tmp_path):
    # [N, 20, 64, 64] would otherwise be read as N frames of 20 clips.
    np.save(tmp_path / NPY, np.zeros((30, 20, 64, 64), np.uint8))
    with pytest.raises(ValueError, match='clips-first') as err:
        MovingMNIST(data_root=str(tmp_path), split='test')
    assert 'transpose(1, 0, 2, 3)' in str(err.value)


def test_published_file_is_standard_and_comparable(tmp_path, published,
                                                   captured_logs):
    ds = MovingMNIST(data_root=str(tmp_path), split='test')
    info = ds.metainfo['test_set']
    assert info == dict(name='standard', path=str(tmp_path / NPY),
                        md5=md5_of(tmp_path / NPY), num_clips=4,
                        comparable=True,
                        reason='MD5 matches the published file')
    assert ds.metainfo['comparable'] is True
    [log] = [m for m in captured_logs if 'test set:' in m]
    assert 'the standard mnist_test_seq.npy' in log and str(
        tmp_path / NPY) in log and 'metrics are comparable' in log


def test_other_file_is_custom_never_comparable(tmp_path, published,
                                               captured_logs):
    # Same shape as the published file, other content.
    np.save(tmp_path / NPY, published[:, ::-1])
    ds = MovingMNIST(data_root=str(tmp_path), split='test')
    info = ds.metainfo['test_set']
    assert info['name'] == 'custom' and not info['comparable']
    assert info['md5'] == md5_of(tmp_path / NPY)
    assert 'is not the published' in info['reason']
    assert not ds.metainfo['comparable']
    [log] = [m for m in captured_logs if 'test set:' in m]
    assert 'CUSTOM' in log and 'NOT comparable' in log
    # Another shape: custom without even hashing the file.
    np.save(tmp_path / NPY, published[:, :3])
    info = MovingMNIST(data_root=str(tmp_path), split='test').test_set
    assert info['name'] == 'custom' and info['md5'] is None
    assert not info['comparable']


def test_md5_is_cached_by_size_and_mtime(tmp_path, published, monkeypatch):
    from predrnn.datasets import file_digest
    MovingMNIST(data_root=str(tmp_path), split='test')
    assert os.path.isfile(sidecar_path(str(tmp_path / NPY), 'md5'))
    calls = []
    real = file_digest.file_digest
    monkeypatch.setattr(file_digest, 'file_digest',
                        lambda *a: calls.append(a) or real(*a))
    ds = MovingMNIST(data_root=str(tmp_path), split='test')
    assert calls == [] and ds.test_set['name'] == 'standard'
    # Rewritten with other content of the same size: hashed again, and no
    # longer the standard file.
    np.save(tmp_path / NPY, published[:, ::-1])
    stat = os.stat(tmp_path / NPY)
    os.utime(tmp_path / NPY, ns=(stat.st_atime_ns,
                                 stat.st_mtime_ns + 10**9))
    ds = MovingMNIST(data_root=str(tmp_path), split='test')
    assert len(calls) == 1 and ds.test_set['name'] == 'custom'


def test_generated_set_is_described(tmp_path):
    ds = MovingMNIST(data_root=str(tmp_path), split='test', image_size=32,
                     digit_size=12, in_frames=2, out_frames=1, num_clips=3,
                     **SMALL)
    info = ds.metainfo['test_set']
    assert info['name'] == 'generated' and not info['comparable']
    assert os.path.isfile(info['path']) and info['num_clips'] == 3
    assert MovingMNIST(data_root=str(tmp_path), num_clips=2,
                       **SMALL).metainfo['test_set'] is None  # train


# sha256 of the generated set of GENERATED (stand-in digits, seed 0): the
# same file on every machine.
GENERATED = dict(split='test', image_size=32, digit_size=12, in_frames=2,
                 out_frames=1, num_clips=3, **SMALL)
GENERATED_SHA256 = ('2bdd67fb1fceb7f3756a5b303af09b7e'
                    '42589d4fb9b1c363090f9ca840392676')


def test_generated_set_checksum_is_pinned_and_logged(tmp_path,
                                                     captured_logs):
    ds = MovingMNIST(data_root=str(tmp_path), **GENERATED)
    info = ds.metainfo['test_set']
    with open(info['path'], 'rb') as f:
        assert info['sha256'] == hashlib.sha256(f.read()).hexdigest()
    assert info['sha256'] == GENERATED_SHA256
    [announced] = [m for m in captured_logs if 'generating' in m]
    assert '(3 clips of 3 frames of 32 x 32, 0.009 MB)' in announced
    assert captured_logs.index(announced) < [
        i for i, m in enumerate(captured_logs) if 'generated in' in m][0]
    [described] = [m for m in captured_logs if 'GENERATED' in m]
    assert f'sha256 {GENERATED_SHA256}' in described


def test_uncached_generated_set_has_the_file_checksum(tmp_path,
                                                      monkeypatch):
    from predrnn.datasets import moving_mnist

    def no_space(path, shape, fill):
        raise OSError('No space left on device')

    monkeypatch.setattr(moving_mnist, 'write_clip_file_atomic', no_space)
    info = MovingMNIST(data_root=str(tmp_path), **GENERATED).test_set
    assert info['path'] is None and info['sha256'] == GENERATED_SHA256


def test_metrics_json_names_the_test_set(tmp_path, published):
    """tools/test.py writes metainfo['test_set'] into metrics.json."""
    import importlib.util
    import json

    import torch
    from mmengine.config import Config
    from mmengine.registry import DefaultScope

    from predrnn.registry import MODELS
    root = os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))))
    config = tmp_path / 'tiny.py'
    config.write_text(f'''\
_base_ = [{os.path.join(root, 'configs/_base_/default_runtime.py')!r},
          {os.path.join(root, 'configs/_base_/models/predrnnv2.py')!r}]
model = dict(in_frames=2, out_frames=1, num_layers=1, num_hidden=4,
             kernel_size=3,
             data_preprocessor=dict(type='VideoDataPreprocessor',
                                    patch_size=4))
test_dataloader = dict(
    batch_size=2, num_workers=0, persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='default_collate'),
    dataset=dict(type='MovingMNIST', data_root={str(tmp_path)!r},
                 split='test', in_frames=2, out_frames=1))
test_evaluator = dict(type='VideoPredictionMetric')
test_cfg = dict(type='TestLoop')
''')
    cfg = Config.fromfile(str(config))
    ckpt = tmp_path / 'tiny.pth'
    torch.save({'meta': {}, 'state_dict': MODELS.build(
        cfg.model).state_dict()}, str(ckpt))
    spec = importlib.util.spec_from_file_location(
        'predrnn_test_tool', os.path.join(root, 'tools', 'test.py'))
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    saved = DefaultScope._instance_dict.copy()
    try:
        tool.main([str(config), str(ckpt), '--work-dir',
                   str(tmp_path / 'work')])
    finally:
        DefaultScope._instance_dict = saved
    [found] = list((tmp_path / 'work').glob('*/metrics.json'))
    test_set = json.loads(found.read_text())['test_set']
    # The standard file, but 2 -> 1 frames: named, and not comparable.
    assert test_set['name'] == 'standard' and test_set['path'] == str(
        tmp_path / NPY)
    assert test_set['md5'] == md5_of(tmp_path / NPY)
    assert test_set['comparable'] is False


# ----------------------------------------------------------------------
# Item 8: explicit paths that are not what they should be.
# ----------------------------------------------------------------------


def test_data_root_that_is_a_file(tmp_path):
    (tmp_path / 'data').write_text('not a folder')
    with pytest.raises(NotADirectoryError, match='is a file'):
        MovingMNIST(data_root=str(tmp_path / 'data'), **SMALL)


def test_explicit_digit_file_must_exist(tmp_path):
    with pytest.raises(FileNotFoundError, match='digit_file'):
        MovingMNIST(data_root=str(tmp_path), digit_file='fashion.gz',
                    **SMALL)


def test_folder_where_a_data_file_should_be(tmp_path):
    (tmp_path / 'train-images-idx3-ubyte.gz').mkdir()
    with pytest.raises(IsADirectoryError, match='not a file'):
        MovingMNIST(data_root=str(tmp_path), **SMALL)
    (tmp_path / NPY).mkdir()
    with pytest.raises(IsADirectoryError, match='not a file'):
        MovingMNIST(data_root=str(tmp_path), split='test', **SMALL)


def test_explicit_test_file_must_exist_and_fit(tmp_path):
    with pytest.raises(FileNotFoundError, match='my_set.npy'):
        MovingMNIST(data_root=str(tmp_path), split='test',
                    test_file='my_set.npy', **SMALL)
    np.save(tmp_path / 'my_set.npy', np.zeros((5, 3, 64, 64), np.uint8))
    with pytest.raises(ValueError, match='needs 20 frames'):
        MovingMNIST(data_root=str(tmp_path), split='test',
                    test_file='my_set.npy', **SMALL)
    ds = MovingMNIST(data_root=str(tmp_path), split='test',
                     test_file='my_set.npy', in_frames=3, out_frames=2)
    assert ds.test_set['name'] == 'custom' and len(ds) == 3


# ----------------------------------------------------------------------
# Item 10: digit size against the canvas.
# ----------------------------------------------------------------------


@pytest.mark.parametrize('digit_size,image_size,match', [
    (3, 64, 'at least 8'),
    (7, 16, 'at least 8'),
    (64, 64, 'smaller than image_size'),
    (70, 64, 'smaller than image_size'),
])
def test_digit_size_validated_against_canvas(tmp_path, digit_size,
                                            image_size, match):
    with pytest.raises(ValueError, match=match):
        MovingMNIST(data_root=str(tmp_path), digit_size=digit_size,
                    image_size=image_size, **SMALL)


def test_smallest_allowed_digits(tmp_path):
    write_idx(tmp_path / 'train-images-idx3-ubyte.gz', random_digits(3),
              compress=True)
    ds = MovingMNIST(data_root=str(tmp_path), digit_size=8, image_size=9,
                     num_clips=2, in_frames=2, out_frames=1)
    assert ds[(0, 0)]['inputs'].shape == (3, 1, 9, 9)


# ----------------------------------------------------------------------
# Item 6: the generated test set's cache is written atomically.
# ----------------------------------------------------------------------


def test_failed_fill_leaves_no_partial_cache(tmp_path):
    target = tmp_path / 'cache.npy'

    def fill(out):
        out[:, 0] = 1
        raise RuntimeError('disk full')

    with pytest.raises(RuntimeError, match='disk full'):
        write_clip_file_atomic(target, (2, 3, 8, 8), fill)
    assert os.listdir(tmp_path) == []
    # An existing cache stays as it was.
    write_clip_file_atomic(target, (2, 3, 8, 8), lambda out: out.fill(5))
    before = target.read_bytes()
    with pytest.raises(RuntimeError):
        write_clip_file_atomic(target, (2, 3, 8, 8), fill)
    assert target.read_bytes() == before and os.listdir(tmp_path) == [
        'cache.npy']


def test_interrupted_generation_leaves_no_cache(tmp_path, monkeypatch):
    def broken(self, out):
        out[:] = 1
        raise KeyboardInterrupt

    monkeypatch.setattr(MovingMNIST, '_fill_test_set', broken)
    with pytest.raises(KeyboardInterrupt):
        MovingMNIST(data_root=str(tmp_path), split='test', image_size=32,
                    digit_size=12, in_frames=2, out_frames=1, num_clips=3,
                    **SMALL)
    assert not [f for f in os.listdir(tmp_path) if f.endswith('.npy')
                or f.endswith('.tmp')]
