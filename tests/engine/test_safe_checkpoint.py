"""The plugin's checkpoint loading: ``weights_only=True``, allow-listed
mmengine types, refusals decided before anything is unpickled, clear errors
for files that are not checkpoints, and no NaN/Inf weights."""
import os
import os.path as osp
import pickle

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer
from mmengine.runner import checkpoint as mmengine_checkpoint

from predrnn.engine import (CorruptCheckpointError, NonFiniteCheckpointError,
                            NotACheckpointError, UnsafeCheckpointError,
                            load_checkpoint_safely)

CHECK_HOOK = [dict(type='CheckpointCheckHook')]


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
    ``mean`` statistic by ``max`` (both allow-listed)."""

    def __reduce__(self):
        state = dict(
            max_length=10,
            _log_history=np.zeros(1),
            _count_history=np.ones(1),
            statistics_methods={'mean': HistoryBuffer.max})
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
    # mmengine's own loader (torch's default weights_only=True) reads it
    # too, thanks to the allow-list alone.
    again = mmengine_checkpoint._load_checkpoint(path)
    assert again['meta']['iter'] == 2


def test_load_from(trained, tmp_path, make_runner, toy_model_cls):
    work_dir, state = trained
    model = toy_model_cls()
    runner = make_runner(
        str(tmp_path), model=model, load_from=osp.join(work_dir, 'iter_2.pth'),
        custom_hooks=CHECK_HOOK)
    runner.call_hook('before_run')
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
        resume=True,
        custom_hooks=CHECK_HOOK)
    runner.train()
    assert model.seen_iters == [2]
    assert runner.iter == 3
    # The message hub came back from the checkpoint: 2 old losses + 1 new.
    history = runner.message_hub.get_scalar('train/loss').data[0]
    assert len(history) == 3
    assert osp.isfile(osp.join(str(tmp_path), 'iter_3.pth'))


def test_code_in_checkpoint_is_refused(tmp_path, make_runner, monkeypatch):
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

    # Same through the Runner (the hook reads the file before mmengine),
    # even where the environment would make mmengine's torch.load unpickle
    # anything.
    monkeypatch.setenv('TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD', '1')
    runner = make_runner(str(tmp_path / 'load'), load_from=path,
                         custom_hooks=CHECK_HOOK)
    with pytest.raises(UnsafeCheckpointError, match='evil.pth'):
        runner.train()
    runner = make_runner(str(tmp_path / 'resume'), load_from=path,
                         resume=True, custom_hooks=CHECK_HOOK)
    with pytest.raises(UnsafeCheckpointError, match='evil.pth'):
        runner.train()
    assert not osp.exists(marker)
    monkeypatch.delenv('TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD')

    # mmengine's public loader is left as it is: torch refuses by default.
    with pytest.raises(pickle.UnpicklingError):
        mmengine_checkpoint.load_checkpoint(torch.nn.Conv2d(1, 2, 3), path)
    assert not osp.exists(marker)

    # The payload is real: an unsafe load does run it.
    torch.load(path, weights_only=False)
    assert osp.exists(marker)


def test_getattr_is_restricted(tmp_path):
    path = craft(str(tmp_path / 'getattr.pth'), ReachesGlobals())
    with pytest.raises(UnsafeCheckpointError, match='__init__'):
        load_checkpoint_safely(path)


def test_history_buffer_statistics_cannot_be_replaced(tmp_path):
    HistoryBuffer()  # the class-wide registry holds the defaults
    before = dict(HistoryBuffer._statistics_methods)
    path = craft(str(tmp_path / 'poison.pth'), PoisonsHistoryBuffer())
    with pytest.raises(UnsafeCheckpointError, match="statistic 'mean'"):
        load_checkpoint_safely(path)
    # refused before unpickling: nothing of mmengine was touched
    assert HistoryBuffer._statistics_methods == before
    assert HistoryBuffer._statistics_methods['mean'] is HistoryBuffer.mean


def test_url_is_checked(tmp_path, monkeypatch):
    monkeypatch.setenv('TORCH_HOME', str(tmp_path / 'torch_home'))
    marker = str(tmp_path / 'marker.txt')
    path = craft(
        str(tmp_path / 'evil_remote.pth'), RunsCodeWhenUnpickled(marker))
    with pytest.raises(UnsafeCheckpointError, match='Refused'):
        load_checkpoint_safely('file://' + path)  # fetched like http(s)
    assert not osp.exists(marker)


@pytest.mark.parametrize('kind', ['truncated', 'damaged'])
def test_corrupt_file(trained, tmp_path, kind, make_runner):
    work_dir, _ = trained
    path = str(tmp_path / f'{kind}.pth')
    data = open(osp.join(work_dir, 'iter_2.pth'), 'rb').read()
    if kind == 'truncated':
        data = data[:len(data) // 2]
    else:  # bit rot in the pickle; the zip directory is still intact
        offset = data.index(b'data.pkl') + len(b'data.pkl')
        data = data[:offset] + b'\x00' * 64 + data[offset + 64:]
    with open(path, 'wb') as f:
        f.write(data)
    with pytest.raises(CorruptCheckpointError) as info:
        load_checkpoint_safely(path)
    assert path in str(info.value)
    assert 'truncated or corrupt' in str(info.value)
    runner = make_runner(str(tmp_path / 'run'), load_from=path,
                         custom_hooks=CHECK_HOOK)
    with pytest.raises(CorruptCheckpointError):
        runner.train()


@pytest.mark.parametrize('content', [b'', b'not a checkpoint\n',
                                     np.random.default_rng(0).bytes(4096)])
def test_not_a_checkpoint(tmp_path, content):
    # a text file once ended in "IndexError: pop from empty list"
    path = str(tmp_path / 'notes.pth')
    with open(path, 'wb') as f:
        f.write(content)
    with pytest.raises(NotACheckpointError) as info:
        load_checkpoint_safely(path)
    message = str(info.value)
    assert path in message
    assert 'not a PyTorch checkpoint' in message
    assert 'Expected a checkpoint written by torch.save' in message


def test_last_checkpoint_pointer_is_explained(trained, tmp_path):
    work_dir, _ = trained
    # mmengine's last_checkpoint is a text file holding a path
    pointer = osp.join(work_dir, 'last_checkpoint')
    with pytest.raises(NotACheckpointError) as info:
        load_checkpoint_safely(pointer)
    assert 'text file' in str(info.value)
    assert f"did you mean {osp.join(work_dir, 'iter_2.pth')!r}" in str(
        info.value)


def test_directory(trained, tmp_path, make_runner):
    work_dir, _ = trained
    with pytest.raises(NotACheckpointError) as info:
        load_checkpoint_safely(work_dir)
    message = str(info.value)
    assert 'is a directory' in message
    assert 'iter_1.pth, iter_2.pth' in message
    assert osp.join(work_dir, 'iter_2.pth') in message
    with pytest.raises(NotACheckpointError, match='no .pth file'):
        load_checkpoint_safely(str(tmp_path))
    runner = make_runner(str(tmp_path / 'run'), load_from=work_dir,
                         custom_hooks=CHECK_HOOK)
    with pytest.raises(NotACheckpointError, match='is a directory'):
        runner.train()


def test_auto_resume_pointer_to_no_file(trained, tmp_path, make_runner):
    work_dir, _ = trained
    run_dir = tmp_path / 'run'
    run_dir.mkdir()
    for name in ('iter_1.pth', 'iter_2.pth'):
        with open(osp.join(work_dir, name), 'rb') as src:
            (run_dir / name).write_bytes(src.read())
    (run_dir / 'last_checkpoint').write_text(str(run_dir / 'iter_'))
    runner = make_runner(str(run_dir), resume=True, max_iters=3,
                         custom_hooks=CHECK_HOOK)
    with pytest.raises(FileNotFoundError) as info:
        runner.train()
    message = str(info.value)
    assert 'last_checkpoint names' in message
    assert str(run_dir / 'iter_2.pth') in message


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match='does not exist'):
        load_checkpoint_safely(str(tmp_path / 'nope.pth'))


def test_non_finite_weights_are_refused(trained, tmp_path, make_runner):
    """Bit rot inside a valid archive: the tensors are named, and resuming
    is refused too, pointing at the other checkpoints."""
    work_dir, _ = trained
    ckpt = load_checkpoint_safely(osp.join(work_dir, 'iter_2.pth'))
    ckpt['state_dict']['conv.weight'][0, 0, 0, :2] = float('nan')
    ckpt['state_dict']['conv.bias'][1] = float('inf')
    path = osp.join(work_dir, 'iter_3.pth')
    torch.save(ckpt, path)
    try:
        with pytest.raises(NonFiniteCheckpointError) as info:
            load_checkpoint_safely(path)
        message = str(info.value)
        assert 'state_dict.conv.weight (2 NaN, 0 Inf)' in message
        assert 'state_dict.conv.bias (0 NaN, 1 Inf)' in message
        assert 'iter_1.pth, iter_2.pth' in message
        # the same file loads when the caller opts out of the check
        assert load_checkpoint_safely(path, check_finite=False)
        for resume in (False, True):
            runner = make_runner(
                str(tmp_path / f'run{resume}'), load_from=path,
                resume=resume, max_iters=4, custom_hooks=CHECK_HOOK)
            with pytest.raises(NonFiniteCheckpointError,
                               match='state_dict.conv.weight'):
                runner.train()
    finally:
        os.remove(path)


def test_only_real_checkpoints_are_suggested_beside_a_nan_one(tmp_path):
    """A folder, an empty file and an unsafe file named .pth are not
    checkpoints to resume from: not listed beside the refused one."""
    torch.save(dict(state_dict=dict(w=torch.zeros(2))), tmp_path / 'good.pth')
    torch.save(dict(state_dict=dict(w=torch.full((2, ), float('nan')))),
               tmp_path / 'nan.pth')
    (tmp_path / 'dir.pth').mkdir()
    (tmp_path / 'empty.pth').write_bytes(b'')
    with open(tmp_path / 'evil.pth', 'wb') as f:
        pickle.dump(dict(x=os.system), f)
    with pytest.raises(NonFiniteCheckpointError) as info:
        load_checkpoint_safely(str(tmp_path / 'nan.pth'))
    assert 'Checkpoints beside it: good.pth.' in str(info.value)


def test_optimizer_state_is_checked(trained, tmp_path):
    work_dir, _ = trained
    ckpt = load_checkpoint_safely(osp.join(work_dir, 'iter_2.pth'))
    buf = ckpt['optimizer']['state'][0]['momentum_buffer']
    buf.view(-1)[0] = float('nan')
    path = str(tmp_path / 'bad_optimizer.pth')
    torch.save(ckpt, path)
    with pytest.raises(NonFiniteCheckpointError,
                       match=r'optimizer\.state\.0\.momentum_buffer'):
        load_checkpoint_safely(path)


def test_legacy_format_loads(tmp_path):
    path = str(tmp_path / 'legacy.pth')
    state = {'conv.weight': torch.arange(6.).view(2, 3)}
    torch.save(state, path, _use_new_zipfile_serialization=False)
    torch.testing.assert_close(load_checkpoint_safely(path)['conv.weight'],
                               state['conv.weight'])
    evil = str(tmp_path / 'legacy_evil.pth')
    marker = str(tmp_path / 'marker.txt')
    torch.save(dict(x=RunsCodeWhenUnpickled(marker)), evil,
               _use_new_zipfile_serialization=False)
    with pytest.raises(UnsafeCheckpointError, match='write_marker'):
        load_checkpoint_safely(evil)
    assert not osp.exists(marker)
