"""tools/train.py end to end on tiny PredRNN-V2 runs (CPU, seconds).

Resuming after SIGKILL reproduces the uninterrupted run, two DDP processes
(gloo) take the same step as one process with the whole batch, bad configs
fail before training with a message naming the mistake, ``--amp`` trains on
the CPU and keeps float32 weights, and ``--resume`` refuses a checkpoint
that would run code.

Most runs call ``main(argv)`` of tools/train.py in this process (no second
import of torch and mmengine); the runs whose point is the process itself
(the one killed, the torchrun launch) are subprocesses.
"""
import glob
import importlib.util
import json
import os
import os.path as osp
import signal
import subprocess
import sys
import time
import uuid

import pytest
import torch

from predrnn.engine import UnsafeCheckpointError, load_checkpoint_safely

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TRAIN = osp.join(ROOT, 'tools', 'train.py')
RUNTIME = osp.join(ROOT, 'configs', '_base_', 'default_runtime.py')
HOOKS_MODULE = 'predrnn_train_test_hooks'


def _load_train_tool():
    spec = importlib.util.spec_from_file_location('predrnn_tools_train',
                                                  TRAIN)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


train_tool = _load_train_tool()

# Hooks used by the runs below, imported through the configs'
# custom_imports (by the subprocesses too, through PYTHONPATH).
HOOKS_SOURCE = '''
import json
import os
import time

from mmengine.dist import all_reduce, get_rank
from mmengine.hooks import Hook

from predrnn.registry import HOOKS


@HOOKS.register_module(force=True)
class BlockAfterIterHook(Hook):
    """Once iteration ``at`` is over (and its hooks ran), write the file named
    by $PREDRNN_TEST_BLOCK_FILE and sleep until killed. Without that
    variable it does nothing, so the same config also runs to the end."""

    priority = 'LOWEST'  # after CheckpointHook

    def __init__(self, at):
        self.at = at

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        path = os.environ.get('PREDRNN_TEST_BLOCK_FILE')
        if path and runner.iter + 1 == self.at:
            with open(path, 'w') as f:
                f.write(str(runner.iter + 1))
            time.sleep(300)  # the test kills us long before
            raise SystemExit('BlockAfterIterHook: was not killed')


@HOOKS.register_module(force=True)
class RecordLossHook(Hook):
    """Append the iteration and its loss, averaged over all ranks (each
    rank logs only its own), to ``losses.jsonl`` in the work dir (rank 0
    writes)."""

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        loss = outputs['loss'].detach().clone().double()
        all_reduce(loss, op='mean')
        if get_rank() == 0:
            path = os.path.join(runner.work_dir, 'losses.jsonl')
            with open(path, 'a') as f:
                f.write(json.dumps(dict(iter=runner.iter + 1,
                                        loss=loss.item())) + '\\n')
'''

# T_in = 3, T_out = 2 clips of 16 x 16 (patch 2: an 8 x 8 core), 2 digits of
# 8 x 8 from a bank of 10 stand-in digits.
IN_FRAMES, OUT_FRAMES = 3, 2


@pytest.fixture(scope='session')
def hooks_dir(tmp_path_factory):
    """A folder holding the hooks module, importable in this process."""
    folder = tmp_path_factory.mktemp('hooks')
    (folder / f'{HOOKS_MODULE}.py').write_text(HOOKS_SOURCE)
    sys.path.insert(0, str(folder))
    yield str(folder)
    sys.path.remove(str(folder))
    sys.modules.pop(HOOKS_MODULE, None)


def dataset_cfg(data_root, **kwargs):
    cfg = dict(type='MovingMNIST', data_root=str(data_root), split='train',
               in_frames=IN_FRAMES, out_frames=OUT_FRAMES, image_size=16,
               digit_size=8, num_clips=6, num_stand_in_digits=10)
    cfg.update(kwargs)
    return cfg


def write_config(folder, name='tiny', *, data_root, max_iters=2,
                 checkpoint_interval=1, sampling=None, optimizer=None,
                 batch_size=2, shuffle=True, custom_hooks=(), model=None,
                 dataset=None, extra=''):
    """Write a tiny training config that imports the repo's runtime; the
    data root is created (empty: stand-in digits)."""
    os.makedirs(data_root, exist_ok=True)
    model_cfg = dict(
        type='PredRNNv2', in_frames=IN_FRAMES, out_frames=OUT_FRAMES,
        num_layers=2, num_hidden=4, kernel_size=3, beta=0.1,
        sampling=sampling or dict(type='TeacherForcing'),
        data_preprocessor=dict(type='VideoDataPreprocessor', patch_size=2))
    model_cfg.update(model or {})
    entries = dict(
        experiment_name=f'{name}_{uuid.uuid4().hex[:8]}',
        custom_imports=dict(imports=['predrnn', HOOKS_MODULE],
                            allow_failed_imports=False),
        model=model_cfg,
        train_dataloader=dict(
            batch_size=batch_size, num_workers=0, persistent_workers=False,
            sampler=dict(type='InfiniteEpochIndexSampler', shuffle=shuffle),
            collate_fn=dict(type='default_collate'),
            dataset=dataset_cfg(data_root, **(dataset or {}))),
        optim_wrapper=dict(
            type='OptimWrapper',
            optimizer=optimizer or dict(type='Adam', lr=1e-2)),
        train_cfg=dict(type='IterBasedTrainLoop', max_iters=max_iters),
        default_hooks=dict(
            logger=dict(type='LoggerHook', interval=1),
            checkpoint=dict(_delete_=True, type='CheckpointHook',
                            by_epoch=False, interval=checkpoint_interval,
                            max_keep_ckpts=-1)),
        custom_hooks=list(custom_hooks),
        log_level='WARNING')
    text = f'_base_ = [{RUNTIME!r}]\n' + ''.join(
        f'{key} = {value!r}\n' for key, value in entries.items()) + extra
    path = osp.join(str(folder), f'{name}.py')
    with open(path, 'w') as f:
        f.write(text)
    return path


def subprocess_env(hooks_dir, **extra):
    env = dict(os.environ)
    env['PYTHONPATH'] = os.pathsep.join(
        [hooks_dir] + [p for p in [env.get('PYTHONPATH')] if p])
    env.update(extra)
    return env


def read_losses(work_dir):
    """``(iteration, loss)`` pairs written by ``RecordLossHook``."""
    with open(osp.join(work_dir, 'losses.jsonl')) as f:
        return [(r['iter'], r['loss']) for r in map(json.loads, f)]


def load(path):
    return load_checkpoint_safely(path)


def assert_same_tensors(a, b, atol):
    assert a.keys() == b.keys()
    for key in a:
        assert torch.allclose(a[key], b[key], rtol=0, atol=atol), key


def assert_same_optimizer(a, b):
    assert a['param_groups'] == b['param_groups']
    assert a['state'].keys() == b['state'].keys()
    for index, state in a['state'].items():
        other = b['state'][index]
        assert state.keys() == other.keys()
        for name, value in state.items():
            if torch.is_tensor(value):
                assert torch.allclose(value, other[name], rtol=0,
                                      atol=1e-7), (index, name)
            else:
                assert value == other[name], (index, name)


def work_dir_snapshot(folder):
    """Every path under ``folder`` with its size and mtime."""
    snapshot = {}
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            path = osp.join(root, name)
            stat = os.stat(path)
            snapshot[osp.relpath(path, folder)] = (stat.st_size,
                                                   stat.st_mtime_ns)
    return snapshot


# --------------------------------------------------------------------- #
# a. resume after SIGKILL
# --------------------------------------------------------------------- #
def test_resume_after_sigkill_matches_uninterrupted_run(tmp_path, hooks_dir):
    """Killed after iteration 3 (last checkpoint at 2) and resumed, the run
    repeats iterations 3..6 with the losses, and ends with the weights,
    optimizer state and iteration, of a run that was never interrupted.
    Reverse scheduled sampling is mid-transition at every iteration
    (random masks whose probabilities depend on the iteration), so a
    curriculum restarting at 0, different masks or a different data stream
    after resuming would all show."""
    max_iters = 6
    config = write_config(
        tmp_path, 'resume', data_root=tmp_path / 'data', max_iters=max_iters,
        checkpoint_interval=2,
        sampling=dict(type='ReverseScheduledSampling', s1=1, s2=7, alpha=2),
        custom_hooks=[
            dict(type='BlockAfterIterHook', at=3),
            dict(type='RecordLossHook')
        ])
    full_dir, killed_dir = str(tmp_path / 'full'), str(tmp_path / 'killed')

    # B: a separate process, SIGKILLed while it waits after iteration 3.
    ready = str(tmp_path / 'after_iter_3')
    with open(tmp_path / 'killed_run.log', 'w+') as log:
        proc = subprocess.Popen(
            [sys.executable, TRAIN, config, '--work-dir', killed_dir,
             '--seed', '7'],
            cwd=str(tmp_path), stdout=log, stderr=subprocess.STDOUT,
            env=subprocess_env(hooks_dir, PREDRNN_TEST_BLOCK_FILE=ready))
        try:
            deadline = time.monotonic() + 120
            while not osp.exists(ready) and proc.poll() is None:
                assert time.monotonic() < deadline, 'B never got to iter 3'
                time.sleep(0.1)
            if proc.poll() is not None:
                log.seek(0)
                pytest.fail('run B ended by itself:\n' + log.read()[-3000:])
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert osp.isfile(osp.join(killed_dir, 'iter_2.pth'))
    assert not osp.exists(osp.join(killed_dir, 'iter_4.pth'))

    # A: uninterrupted (the hook does nothing without the variable).
    train_tool.main([config, '--work-dir', full_dir, '--seed', '7'])
    # B resumed from its latest checkpoint (iteration 2).
    train_tool.main([config, '--work-dir', killed_dir, '--seed', '7',
                     '--resume'])

    # B ran 1..3, was killed, resumed from 2 and ran 3..6 again: the same
    # losses as A at every iteration
    full_losses = read_losses(full_dir)
    assert [it for it, _ in full_losses] == [1, 2, 3, 4, 5, 6]
    killed_losses = read_losses(killed_dir)
    assert [it for it, _ in killed_losses] == [1, 2, 3, 3, 4, 5, 6]
    for (it, loss), (it_b, loss_b) in zip(
            full_losses[:3] + full_losses[2:], killed_losses):
        assert it == it_b and abs(loss - loss_b) < 1e-6, (it, loss, loss_b)

    full = load(osp.join(full_dir, f'iter_{max_iters}.pth'))
    resumed = load(osp.join(killed_dir, f'iter_{max_iters}.pth'))
    assert full['meta']['iter'] == resumed['meta']['iter'] == max_iters
    assert_same_tensors(full['state_dict'], resumed['state_dict'], atol=1e-6)
    assert_same_optimizer(full['optimizer'], resumed['optimizer'])
    # the iterations after the checkpoint did change the weights
    early = load(osp.join(full_dir, 'iter_2.pth'))['state_dict']
    assert any(not torch.allclose(early[k], full['state_dict'][k])
               for k in early)


# --------------------------------------------------------------------- #
# b. two DDP processes == one process with the whole batch
# --------------------------------------------------------------------- #
def train_one_and_two_processes(tmp_path, hooks_dir, tag, timeout,
                                **config):
    """Train the tiny config twice: torchrun with 2 gloo processes of batch
    2, and one process of batch 4. Returns ``{world size: work dir}``."""
    work_dirs = {}
    for world, batch in ((2, 2), (1, 4)):
        path = write_config(tmp_path, f'{tag}{world}',
                            data_root=tmp_path / 'data', batch_size=batch,
                            custom_hooks=[dict(type='RecordLossHook')],
                            **config)
        work_dir = work_dirs[world] = str(tmp_path / f'work_{tag}_{world}')
        if world == 1:
            train_tool.main([path, '--work-dir', work_dir])
            continue
        out = subprocess.run(
            # --standalone: a free port, found by torchrun itself
            [sys.executable, '-m', 'torch.distributed.run', '--standalone',
             '--nproc_per_node', '2', TRAIN, path, '--launcher', 'pytorch',
             '--work-dir', work_dir],
            cwd=str(tmp_path), capture_output=True, text=True,
            timeout=timeout,
            env=subprocess_env(hooks_dir, OMP_NUM_THREADS='1'))
        assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-5000:]
    return work_dirs


def test_two_processes_equal_one_process_with_double_batch(tmp_path,
                                                           hooks_dir):
    """torchrun, 2 gloo processes with batch 2 each vs one process with
    batch 4 over the same 4 clips: same first loss, same weights after the
    step. Teacher forcing keeps the masks deterministic; plain SGD."""
    work_dirs = train_one_and_two_processes(
        tmp_path, hooks_dir, 'ddp', 180, max_iters=1, shuffle=False,
        dataset=dict(num_clips=4), optimizer=dict(type='SGD', lr=0.5))
    results = {}
    for world, work_dir in work_dirs.items():
        assert [it for it, _ in read_losses(work_dir)] == [1]
        ckpt = load(osp.join(work_dir, 'iter_1.pth'))
        results[world] = read_losses(work_dir)[0][1], ckpt
    (loss2, ckpt2), (loss1, ckpt1) = results[2], results[1]
    assert abs(loss2 - loss1) < 1e-6, (loss2, loss1)
    assert_same_tensors(ckpt2['state_dict'], ckpt1['state_dict'], atol=1e-6)
    # on a CPU-only machine the config's nccl became gloo
    if not torch.cuda.is_available():
        assert "backend='gloo'" in ckpt2['meta']['cfg']


# --------------------------------------------------------------------- #
# c. mistakes fail before training, naming the mistake
# --------------------------------------------------------------------- #
def test_unknown_model_type_is_named(tmp_path, hooks_dir):
    config = write_config(tmp_path, data_root=tmp_path / 'data',
                          model=dict(type='PredRNNv3'))
    with pytest.raises(KeyError, match='PredRNNv3'):
        train_tool.main([config, '--work-dir', str(tmp_path / 'w')])
    assert not [f for f in os.listdir(tmp_path / 'w') if f.endswith('.pth')]


def test_misspelled_top_level_key_is_named(tmp_path, hooks_dir):
    config = write_config(
        tmp_path, data_root=tmp_path / 'data',
        extra="train_cgf = dict(type='IterBasedTrainLoop', max_iters=1)\n")
    with pytest.raises(KeyError, match="'train_cgf'.*'train_cfg'"):
        train_tool.main([config, '--work-dir', str(tmp_path / 'w')])
    assert not osp.exists(tmp_path / 'w')


def test_frames_not_divisible_by_patch_size_are_named(tmp_path, hooks_dir):
    config = write_config(tmp_path, data_root=tmp_path / 'data',
                          dataset=dict(image_size=15))
    with pytest.raises(ValueError) as info:
        train_tool.main([config, '--work-dir', str(tmp_path / 'w')])
    message = str(info.value)
    assert 'train_dataloader.dataset' in message
    assert '15' in message and 'patch' in message
    assert not osp.exists(tmp_path / 'w')


def test_work_dir_of_earlier_run_is_left_alone(tmp_path, hooks_dir):
    config = write_config(tmp_path, data_root=tmp_path / 'data', max_iters=1)
    work_dir = str(tmp_path / 'w')
    train_tool.main([config, '--work-dir', work_dir])
    before = work_dir_snapshot(work_dir)
    assert 'iter_1.pth' in before
    time.sleep(0.01)  # an mtime written now would differ
    with pytest.raises(FileExistsError, match='--resume') as info:
        train_tool.main([config, '--work-dir', work_dir])
    assert 'iter_1.pth' in str(info.value)
    assert work_dir_snapshot(work_dir) == before


# --------------------------------------------------------------------- #
# d. --amp on the CPU
# --------------------------------------------------------------------- #
def test_amp_on_cpu_keeps_float32_weights(tmp_path, hooks_dir, monkeypatch):
    from predrnn.engine import AutocastOptimWrapper
    contexts = []
    original = AutocastOptimWrapper.optim_context

    def spy(self, model):
        contexts.append((self.device_type, self.cast_dtype))
        return original(self, model)

    monkeypatch.setattr(AutocastOptimWrapper, 'optim_context', spy)
    config = write_config(tmp_path, data_root=tmp_path / 'data',
                          max_iters=2, checkpoint_interval=2,
                          optimizer=dict(type='SGD', lr=0.1, momentum=0.9))
    work_dir = str(tmp_path / 'w')
    train_tool.main([config, '--work-dir', work_dir, '--amp'])
    assert contexts == [('cpu', torch.bfloat16)] * 2
    ckpt = load(osp.join(work_dir, 'iter_2.pth'))
    assert "type='AutocastOptimWrapper'" in ckpt['meta']['cfg']
    assert ckpt['state_dict']
    for key, value in ckpt['state_dict'].items():
        assert value.dtype == torch.float32, key
        assert torch.isfinite(value).all(), key
    momenta = [
        state['momentum_buffer']
        for state in ckpt['optimizer']['state'].values()
    ]
    assert momenta and all(m.dtype == torch.float32 for m in momenta)


# --------------------------------------------------------------------- #
# e. --resume PATH refuses a checkpoint that would run code
# --------------------------------------------------------------------- #
class RunsShellCommand:
    """Unpickles as ``os.system(command)``."""

    def __init__(self, command):
        self.command = command

    def __reduce__(self):
        return (os.system, (self.command, ))


def test_resume_refuses_checkpoint_that_runs_code(tmp_path, hooks_dir):
    marker = tmp_path / 'code_ran'
    evil = str(tmp_path / 'evil.pth')
    torch.save(
        dict(meta=dict(iter=1, epoch=0),
             state_dict=dict(weight=torch.zeros(1)),
             message_hub=RunsShellCommand(f'touch {marker}')), evil)
    config = write_config(tmp_path, data_root=tmp_path / 'data')
    work_dir = str(tmp_path / 'w')
    with pytest.raises(UnsafeCheckpointError) as info:
        train_tool.main([config, '--work-dir', work_dir, '--resume', evil])
    message = str(info.value)
    assert 'Refused to load checkpoint' in message and evil in message
    assert 'system' in message  # the offending call is named
    assert not marker.exists()
    assert not [f for f in os.listdir(work_dir) if f.endswith('.pth')]


# --------------------------------------------------------------------- #
# f. misspelled component arguments fail at start-up
# --------------------------------------------------------------------- #
def test_misspelled_hook_argument_fails_before_anything_is_built(
        tmp_path, hooks_dir):
    """CheckpointHook takes **kwargs: mmengine accepts the typo and fails
    only at the first save. It is refused here, named, before the Runner."""
    config = write_config(tmp_path, data_root=tmp_path / 'data')
    work_dir = tmp_path / 'w'
    with pytest.raises(TypeError) as info:
        train_tool.main([
            config, '--work-dir', str(work_dir), '--cfg-options',
            'default_hooks.checkpoint.intreval=1'
        ])
    message = str(info.value)
    assert 'default_hooks.checkpoint.intreval' in message
    assert "did you mean 'interval'" in message
    assert not work_dir.exists()


def test_misspelled_nested_arguments_are_all_named(tmp_path, hooks_dir):
    config = write_config(tmp_path, data_root=tmp_path / 'data')
    with pytest.raises(TypeError) as info:
        train_tool.main([
            config, '--work-dir', str(tmp_path / 'w'), '--cfg-options',
            'optim_wrapper.optimizer.lrr=0.1', 'model.sampling.s11=2',
            'train_dataloader.dataset.num_clip=3',
            'visualizer.vis_backends.0.save_dirr=x'
        ])
    message = str(info.value)
    for name in ('optim_wrapper.optimizer.lrr', 'model.sampling.s11',
                 'train_dataloader.dataset.num_clip',
                 'visualizer.vis_backends[0].save_dirr'):
        assert name in message, (name, message)


# --------------------------------------------------------------------- #
# g. --resume without a checkpoint, or past the end (items 8 and 10)
# --------------------------------------------------------------------- #
def read_log(work_dir):
    logs = sorted(glob.glob(osp.join(str(work_dir), '*', '*.log')))
    assert logs, os.listdir(work_dir)
    with open(logs[-1]) as f:
        return f.read()


def test_resume_without_checkpoint_says_a_fresh_run_starts(tmp_path,
                                                            hooks_dir):
    config = write_config(tmp_path, data_root=tmp_path / 'data', max_iters=1)
    work_dir = tmp_path / 'w'
    train_tool.main([config, '--work-dir', str(work_dir), '--resume'])
    log = read_log(work_dir)
    assert 'no checkpoint in' in log and 'starting a fresh run' in log
    assert 'Auto resumed from the latest checkpoint None' not in log
    assert (work_dir / 'iter_1.pth').is_file()  # it did train


def test_resume_with_checkpoints_but_no_pointer_names_them(tmp_path,
                                                           hooks_dir):
    """Checkpoints without mmengine's last_checkpoint file: mmengine would
    start a fresh run over them; refused, naming them."""
    config = write_config(tmp_path, data_root=tmp_path / 'data')
    work_dir = tmp_path / 'w'
    work_dir.mkdir()
    (work_dir / 'iter_4.pth').write_bytes(b'a checkpoint')
    with pytest.raises(SystemExit) as info:
        train_tool.main([config, '--work-dir', str(work_dir), '--resume'])
    message = str(info.value.code)
    assert 'last_checkpoint' in message and 'iter_4.pth' in message
    assert sorted(os.listdir(work_dir)) == ['iter_4.pth']


def test_resume_past_max_iters_is_an_error(tmp_path, hooks_dir):
    config = write_config(tmp_path, data_root=tmp_path / 'data', max_iters=2,
                          checkpoint_interval=2)
    work_dir = str(tmp_path / 'w')
    train_tool.main([config, '--work-dir', work_dir])
    with pytest.raises(SystemExit) as info:
        train_tool.main([config, '--work-dir', work_dir, '--resume',
                         '--cfg-options', 'train_cfg.max_iters=1'])
    message = str(info.value.code)
    assert 'iteration 2' in message and 'train_cfg.max_iters' in message
    # exactly at the end: complete, said in the log, exit status 0
    runner = train_tool.main([config, '--work-dir', work_dir, '--resume'])
    assert runner.iter == 2
    assert 'nothing left to train' in read_log(work_dir)


def test_resume_past_max_epochs_names_epochs():
    """An epoch-based run counts epochs: the message names the epoch and
    train_cfg.max_epochs in epochs, not iterations under the epochs' key."""
    from types import SimpleNamespace

    from mmengine.logging import MMLogger
    from mmengine.runner import EpochBasedTrainLoop
    loop = object.__new__(EpochBasedTrainLoop)  # only its type is read
    logger = MMLogger.get_instance('nothing_to_train_epochs')
    runner = SimpleNamespace(iter=50, max_iters=30, epoch=5, max_epochs=3,
                             cfg=dict(resume=True), train_loop=loop,
                             logger=logger)
    with pytest.raises(SystemExit) as info:
        train_tool.NothingToTrainCheck().before_train(runner)
    message = str(info.value.code)
    assert 'at epoch 5 (iteration 50)' in message
    assert 'train_cfg.max_epochs gives 3 epochs' in message
    runner.iter, runner.epoch = 30, 3
    train_tool.NothingToTrainCheck().before_train(runner)  # complete: ok


# --------------------------------------------------------------------- #
# h. --launcher without its launcher (item 9)
# --------------------------------------------------------------------- #
@pytest.mark.parametrize('launcher,how', [('pytorch', 'torchrun'),
                                          ('slurm', 'srun')])
def test_launcher_without_its_environment(tmp_path, hooks_dir, monkeypatch,
                                          launcher, how):
    for name in ('RANK', 'WORLD_SIZE', 'MASTER_ADDR', 'MASTER_PORT',
                 'SLURM_PROCID', 'SLURM_NTASKS', 'SLURM_NODELIST'):
        monkeypatch.delenv(name, raising=False)
    config = write_config(tmp_path, data_root=tmp_path / 'data')
    with pytest.raises(SystemExit) as info:
        train_tool.main([config, '--work-dir', str(tmp_path / 'w'),
                         '--launcher', launcher])
    message = str(info.value.code)
    assert f'--launcher {launcher}' in message and how in message
    assert 'RANK' in message or 'SLURM_PROCID' in message


# --------------------------------------------------------------------- #
# i. one run per work dir; option types; copied work dirs; one-line errors
# --------------------------------------------------------------------- #
LOCK_MODULE = osp.join(ROOT, 'plugin', 'predrnn', 'utils', 'work_dir_lock.py')
HOLD_LOCK = f'''
import importlib.util, sys, time
spec = importlib.util.spec_from_file_location('lock', {LOCK_MODULE!r})
lock = importlib.util.module_from_spec(spec)
spec.loader.exec_module(lock)
held = lock.lock_work_dir(sys.argv[1])
print('locked', flush=True)
time.sleep(120)
'''


def test_a_second_run_in_a_locked_work_dir_is_refused(tmp_path, hooks_dir):
    """A run holds the work dir (here a process that took the lock as
    tools/train.py does): a second run refuses, naming it, and changes
    nothing; once the holder is killed the lock is gone."""
    import socket

    from predrnn.utils import WorkDirLockedError
    config = write_config(tmp_path, data_root=tmp_path / 'data', max_iters=1)
    work_dir = str(tmp_path / 'w')
    holder = subprocess.Popen([sys.executable, '-c', HOLD_LOCK, work_dir],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == 'locked'
        before = work_dir_snapshot(work_dir)
        with pytest.raises(WorkDirLockedError) as info:
            train_tool.main([config, '--work-dir', work_dir])
        message = str(info.value)
        assert f'pid {holder.pid} on {socket.gethostname()}' in message
        assert '-c' in message and 'train.lock' in message
        assert '--work-dir' in message
        assert work_dir_snapshot(work_dir) == before
    finally:
        holder.kill()
        holder.wait()
    train_tool.main([config, '--work-dir', work_dir])  # released by the OS
    assert osp.isfile(osp.join(work_dir, 'iter_1.pth'))
    with open(osp.join(work_dir, 'train.lock')) as f:
        assert json.load(f)['pid'] == os.getpid()
    # and released when a run ends: the same process trains on
    train_tool.main([config, '--work-dir', work_dir, '--resume',
                     '--cfg-options', 'train_cfg.max_iters=2'])
    assert osp.isfile(osp.join(work_dir, 'iter_2.pth'))


def test_cfg_option_of_the_wrong_type(tmp_path, hooks_dir):
    config = write_config(tmp_path, data_root=tmp_path / 'data')
    with pytest.raises(ValueError, match=r'train_cfg.max_iters=abc \(an '
                       r'integer expected: the config has 2\)'):
        train_tool.main([config, '--work-dir', str(tmp_path / 'w'),
                         '--cfg-options', 'train_cfg.max_iters=abc'])
    assert not (tmp_path / 'w').exists()


def test_resume_in_a_copied_work_dir_uses_its_own_checkpoint(tmp_path,
                                                             hooks_dir):
    """last_checkpoint holds the original's absolute path: the copy
    resumes from its own file of that name, and says so."""
    import shutil
    config = write_config(tmp_path, data_root=tmp_path / 'data', max_iters=1)
    original, copy = str(tmp_path / 'w'), str(tmp_path / 'copy')
    train_tool.main([config, '--work-dir', original])
    shutil.copytree(original, copy)
    shutil.rmtree(original)
    # its own experiment name: a run of the same second would otherwise get
    # the first run's visualizer instance (mmengine names them by time)
    runner = train_tool.main([config, '--work-dir', copy, '--resume',
                              '--cfg-options', 'train_cfg.max_iters=2',
                              'experiment_name=copied_run'])
    assert runner.iter == 2 and not osp.exists(original)
    log = read_log(copy)
    assert 'outside this work dir' in log
    assert f'resuming from its own {osp.join(copy, "iter_1.pth")}' in log


def test_tool_errors_are_one_line_without_traceback(tmp_path, hooks_dir,
                                                    capsys, monkeypatch):
    from predrnn.utils.cli import run_tool
    config = write_config(tmp_path, data_root=tmp_path / 'data', max_iters=1)
    work_dir = str(tmp_path / 'w')
    train_tool.main([config, '--work-dir', work_dir])
    capsys.readouterr()
    monkeypatch.delenv('PREDRNN_DEBUG', raising=False)
    assert run_tool(train_tool.main, [config, '--work-dir', work_dir]) == 1
    err = capsys.readouterr().err
    assert err.startswith('error: ') and err.count('\n') == 1
    assert 'iter_1.pth' in err and '--resume' in err
    assert 'Traceback' not in err and '--debug' in err
    # misspelled arguments: several lines of the message, one line here
    assert run_tool(train_tool.main, [
        config, '--work-dir', str(tmp_path / 'w2'), '--cfg-options',
        'optim_wrapper.optimizer.lrr=0.1']) == 1
    err = capsys.readouterr().err
    assert err.count('\n') == 1 and 'optim_wrapper.optimizer.lrr' in err
    # --debug or PREDRNN_DEBUG=1: the exception itself, with its traceback
    with pytest.raises(FileExistsError):
        run_tool(train_tool.main, [config, '--work-dir', work_dir, '--debug'])
    monkeypatch.setenv('PREDRNN_DEBUG', '1')
    with pytest.raises(FileExistsError):
        run_tool(train_tool.main, [config, '--work-dir', work_dir])


def test_work_dir_under_a_file_is_one_line(tmp_path, hooks_dir, capsys,
                                          monkeypatch):
    from predrnn.utils.cli import run_tool
    monkeypatch.delenv('PREDRNN_DEBUG', raising=False)
    config = write_config(tmp_path, data_root=tmp_path / 'data', max_iters=1)
    (tmp_path / 'file').write_text('mine')
    work_dir = str(tmp_path / 'file' / 'w')
    assert run_tool(train_tool.main, [config, '--work-dir', work_dir]) == 1
    err = capsys.readouterr().err
    assert err.startswith('error: ') and err.count('\n') == 1, err
    assert work_dir in err and 'Not a directory' in err
    assert (tmp_path / 'file').read_text() == 'mine'
