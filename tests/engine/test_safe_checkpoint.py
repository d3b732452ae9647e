"""Safe loading of mmengine checkpoints with ``weights_only=True``."""
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer
from mmengine.runner import CheckpointLoader
from mmengine.runner import checkpoint as mmengine_checkpoint

from predrnn.engine import (CorruptCheckpointError, UnsafeCheckpointError,
                            load_checkpoint_safely)


def write_marker(path: str) -> int:
    """The 'payload': harmless, but proves code ran if the file exists."""
    with open(path, 'w') as f:
        f.write('code ran')
    return 0


class RunsCodeWhenUnpickled:
    """Unpickles as ``write_marker(path)``, like ``(os.system, cmd)``."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (write_marker, (self.marker, ))


class ReachesGlobals:
    """Unpickles as ``getattr(HistoryBuffer, '__init__')``: the first step
    of the ``getattr`` chain towards ``__globals__`` and ``os``."""

    def __reduce__(self):
        return (getattr, (HistoryBuffer, '__init__'))


class PoisonsHistoryBuffer:
    """Unpickles as a ``HistoryBuffer`` whose state replaces the class-wide
    ``mean`` statistic by another allow-listed callable."""

    def __reduce__(self):
        state = dict(
            max_length=10,
            _log_history=np.zeros(1),
            _count_history=np.ones(1),
            statistics_methods={'mean': np.ndarray})
        return (HistoryBuffer, (), state)


@pytest.fixture(scope='module')
def trained(tmp_path_factory, make_runner):
    """A real Runner checkpoint directory (2 iterations, one per iter)."""
    work_dir = str(tmp_path_factory.mktemp('trained'))
    runner = make_runner(work_dir, max_iters=2)
    runner.train()
    state = {
        k: v.detach().clone()
        for k, v in runner.model.state_dict().items()
    }
    return work_dir, state


def craft(path: str, payload: object) -> str:
    """Save a checkpoint-looking dict that carries ``payload``."""
    torch.save(
        dict(
            meta=dict(iter=1),
            state_dict={'conv.weight': torch.zeros(2, 1, 3, 3)},
            message_hub=payload), path)
    return path


def test_runner_checkpoint_loads_with_weights_only(trained):
    work_dir, state = trained
    path = osp.join(work_dir, 'iter_2.pth')
    ckpt = load_checkpoint_safely(path)
    assert set(ckpt) >= {
        'meta', 'state_dict', 'message_hub', 'optimizer', 'param_schedulers'
    }
    assert ckpt['meta']['iter'] == 2
    for key, value in state.items():
        torch.testing.assert_close(ckpt['state_dict'][key], value)
    buffers = ckpt['message_hub']['log_scalars']
    assert isinstance(buffers['train/loss'], HistoryBuffer)
    assert len(buffers['train/loss'].data[0]) == 2
    # A plain weights-only torch.load works too once predrnn is imported.
    again = torch.load(path, weights_only=True)
    assert again['meta']['iter'] == 2


def test_mmengine_local_loader_is_replaced():
    loader = CheckpointLoader._get_checkpoint_loader('/some/file.pth')
    assert loader.__name__ == 'load_from_local'
    assert getattr(loader, '_predrnn_safe', False)
    for prefix, loader in CheckpointLoader._schemes.items():
        assert getattr(loader, '_predrnn_safe', False), prefix
    assert mmengine_checkpoint.load_url.__name__ == '_load_url_weights_only'


def test_runner_path_is_explicitly_weights_only(trained, tmp_path,
                                                monkeypatch):
    work_dir, _ = trained
    calls = []
    real_load = torch.load

    def spy(*args, **kwargs):
        calls.append(kwargs.get('weights_only'))
        return real_load(*args, **kwargs)

    monkeypatch.setattr(torch, 'load', spy)
    mmengine_checkpoint._load_checkpoint(osp.join(work_dir, 'iter_2.pth'))
    assert calls == [True]
    # The environment cannot turn it off, since it is passed explicitly.
    monkeypatch.setenv('TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD', '1')
    marker = str(tmp_path / 'marker.txt')
    path = craft(str(tmp_path / 'evil.pth'), RunsCodeWhenUnpickled(marker))
    with pytest.raises(UnsafeCheckpointError):
        mmengine_checkpoint._load_checkpoint(path)
    assert not osp.exists(marker)


def test_load_from(trained, tmp_path, make_runner, toy_model_cls):
    work_dir, state = trained
    model = toy_model_cls()
    runner = make_runner(
        str(tmp_path), model=model, load_from=osp.join(work_dir, 'iter_2.pth'))
    runner.load_or_resume()
    for key, value in state.items():
        torch.testing.assert_close(model.state_dict()[key], value)


def test_resume(trained, tmp_path, make_runner, toy_model_cls):
    work_dir, _ = trained
    model = toy_model_cls()
    runner = make_runner(
        str(tmp_path),
        model=model,
        max_iters=3,
        load_from=osp.join(work_dir, 'iter_2.pth'),
        resume=True)
    runner.train()
    assert model.seen_iters == [2]
    assert runner.iter == 3
    # The message hub came back from the checkpoint: 2 old losses + 1 new.
    history = runner.message_hub.get_scalar('train/loss').data[0]
    assert len(history) == 3
    assert osp.isfile(osp.join(str(tmp_path), 'iter_3.pth'))


def test_code_in_checkpoint_is_refused(tmp_path, make_runner):
    marker = str(tmp_path / 'marker.txt')
    path = craft(str(tmp_path / 'evil.pth'), RunsCodeWhenUnpickled(marker))

    with pytest.raises(UnsafeCheckpointError) as info:
        load_checkpoint_safely(path)
    message = str(info.value)
    assert path in message
    assert 'allow-list' in message and 'refused' in message.lower()
    assert 'possibly code' in message
    assert 'write_marker' in message  # the offending global is named
    assert not osp.exists(marker)

    # Same through the Runner: load_from and resume.
    runner = make_runner(str(tmp_path / 'load'), load_from=path)
    with pytest.raises(UnsafeCheckpointError, match='evil.pth'):
        runner.load_or_resume()
    runner = make_runner(str(tmp_path / 'resume'), load_from=path, resume=True)
    with pytest.raises(UnsafeCheckpointError, match='evil.pth'):
        runner.train()
    # And through mmengine's public function (init_cfg 'Pretrained').
    with pytest.raises(UnsafeCheckpointError):
        mmengine_checkpoint.load_checkpoint(torch.nn.Conv2d(1, 2, 3), path)
    assert not osp.exists(marker)

    # The payload is real: an unsafe load does run it.
    torch.load(path, weights_only=False)
    assert osp.exists(marker)


def test_getattr_is_restricted(tmp_path):
    path = craft(str(tmp_path / 'getattr.pth'), ReachesGlobals())
    with pytest.raises(UnsafeCheckpointError, match='__init__'):
        load_checkpoint_safely(path)


def test_history_buffer_methods_cannot_be_replaced(tmp_path):
    path = craft(str(tmp_path / 'poison.pth'), PoisonsHistoryBuffer())
    ckpt = load_checkpoint_safely(path)
    assert isinstance(ckpt['message_hub'], HistoryBuffer)
    assert HistoryBuffer._statistics_methods['mean'] is HistoryBuffer.mean
    assert ckpt['message_hub'].statistics('mean') == 0.0


def test_remote_scheme_is_weights_only(tmp_path, monkeypatch):
    monkeypatch.setenv('TORCH_HOME', str(tmp_path / 'torch_home'))
    marker = str(tmp_path / 'marker.txt')
    path = craft(
        str(tmp_path / 'evil_remote.pth'), RunsCodeWhenUnpickled(marker))
    url = 'file://' + path  # served by urllib like an http(s) URL
    loader = CheckpointLoader._schemes['https://']
    with pytest.raises(UnsafeCheckpointError, match='Refused'):
        loader(url, 'cpu')
    assert not osp.exists(marker)


@pytest.mark.parametrize('kind', ['truncated', 'garbage', 'empty'])
def test_corrupt_file(trained, tmp_path, kind, make_runner):
    work_dir, _ = trained
    path = str(tmp_path / f'{kind}.pth')
    data = open(osp.join(work_dir, 'iter_2.pth'), 'rb').read()
    content = dict(
        truncated=data[:len(data) // 2],
        garbage=np.random.default_rng(0).bytes(4096),
        empty=b'')[kind]
    with open(path, 'wb') as f:
        f.write(content)
    with pytest.raises(CorruptCheckpointError) as info:
        load_checkpoint_safely(path)
    assert path in str(info.value)
    assert 'truncated, corrupt' in str(info.value)
    runner = make_runner(str(tmp_path / 'run'), load_from=path)
    with pytest.raises(CorruptCheckpointError):
        runner.load_or_resume()


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_checkpoint_safely(str(tmp_path / 'nope.pth'))
