"""Checkpoints are saved atomically: a full disk never leaves a truncated
``iter_N.pth``, through the file backend the default
runtime config selects."""
import builtins
import errno
import os
import os.path as osp
import uuid

import pytest
import torch
from mmengine.config import Config
from mmengine.evaluator import BaseMetric
from mmengine.fileio import LocalBackend, get_file_backend
from mmengine.logging import MessageHub
from mmengine.runner import Runner

from predrnn.engine import (ATOMIC_LOCAL, AtomicLocalBackend,
                            load_checkpoint_safely)

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
RUNTIME = osp.join(ROOT, 'configs', '_base_', 'default_runtime.py')


def runtime_backend_args() -> dict:
    """``backend_args`` of the checkpoint hook of the shared runtime."""
    return Config.fromfile(RUNTIME).default_hooks.checkpoint.backend_args


class DiskFull:
    """``open`` whose ``'wb'`` files whose name contains ``victim`` write
    half of the first chunk, then raise ENOSPC, as a full disk does."""

    def __init__(self, victim: str) -> None:
        self.victim = victim
        self.real_open = builtins.open
        self.failures = 0

    def __call__(self, file, mode='r', *args, **kwargs):
        handle = self.real_open(file, mode, *args, **kwargs)
        if 'w' not in mode or self.victim not in osp.basename(str(file)):
            return handle
        outer = self

        class Failing:

            def __enter__(self):
                return self

            def __exit__(self, *exc):
                handle.close()

            def write(self, data):
                handle.write(data[:len(data) // 2])
                handle.flush()
                outer.failures += 1
                raise OSError(errno.ENOSPC, 'No space left on device')

            def __getattr__(self, name):
                return getattr(handle, name)

        return Failing()


def test_runtime_selects_the_atomic_backend():
    backend = get_file_backend('work_dirs/x',
                               backend_args=runtime_backend_args())
    assert type(backend) is AtomicLocalBackend
    assert ATOMIC_LOCAL == runtime_backend_args()['backend']
    # mmengine's own local backend is untouched
    assert type(get_file_backend('work_dirs/x')) is LocalBackend


def test_put_replaces_only_with_a_complete_file(tmp_path, monkeypatch):
    backend = AtomicLocalBackend()
    path = str(tmp_path / 'sub' / 'file.bin')
    backend.put(b'old content', path)
    backend.put_text('text', str(tmp_path / 'last_checkpoint'))
    assert (tmp_path / 'last_checkpoint').read_text() == 'text'
    monkeypatch.setattr(builtins, 'open', DiskFull('file.bin'))
    with pytest.raises(OSError) as info:
        backend.put(b'new content that does not fit', path)
    assert info.value.errno == errno.ENOSPC
    monkeypatch.undo()
    assert open(path, 'rb').read() == b'old content'
    assert os.listdir(tmp_path / 'sub') == ['file.bin']  # no temp left


@pytest.mark.parametrize('atomic', [True, False])
def test_disk_full_during_a_runner_save(tmp_path, make_runner, monkeypatch,
                                        atomic):
    """Iterations 1 and 2 save, iteration 3's save hits a full disk: no
    ``iter_3.pth`` exists (with mmengine's plain local backend, a truncated
    one does: the case this backend is for) and the earlier checkpoints
    load as before."""
    runner = make_runner(str(tmp_path), max_iters=3)
    if atomic:  # as configs/_base_/default_runtime.py sets it
        hook, = [h for h in runner.hooks
                 if type(h).__name__ == 'CheckpointHook']
        hook.backend_args = runtime_backend_args()
    disk_full = DiskFull('iter_3.pth')
    real_save = runner.save_checkpoint
    before = {}

    def save_checkpoint(out_dir, filename, *args, **kwargs):
        if filename == 'iter_3.pth':
            for name in ('iter_1.pth', 'iter_2.pth'):
                with open(osp.join(out_dir, name), 'rb') as f:
                    before[name] = f.read()
            monkeypatch.setattr(builtins, 'open', disk_full)
        try:
            return real_save(out_dir, filename, *args, **kwargs)
        finally:
            monkeypatch.setattr(builtins, 'open', disk_full.real_open)

    runner.save_checkpoint = save_checkpoint
    with pytest.raises(OSError):
        runner.train()
    assert disk_full.failures == 1
    final = osp.join(str(tmp_path), 'iter_3.pth')
    if not atomic:
        # today's mmengine behaviour, shown to make the test meaningful
        assert osp.exists(final)
        return
    assert not osp.exists(final)
    assert not [n for n in os.listdir(str(tmp_path)) if n.endswith('.tmp')]
    for name, content in before.items():
        with open(osp.join(str(tmp_path), name), 'rb') as f:
            assert f.read() == content
        ckpt = load_checkpoint_safely(osp.join(str(tmp_path), name))
        assert ckpt['meta']['iter'] == int(name[5])
    assert isinstance(ckpt['state_dict']['conv.weight'], torch.Tensor)



def test_best_and_last_checkpoint_paths(tmp_path, toy_model_cls):
    """The periodic, the best (old best removed) and ``last_checkpoint``
    all work through the backend, with no temporary file left."""

    class Score(BaseMetric):
        """Score 1 / iteration: each validation gives a new best."""

        def process(self, data_batch, data_samples):
            self.results.append(1)

        def compute_metrics(self, results):
            it = MessageHub.get_current_instance().get_info('iter')
            return dict(score=1.0 / (it + 1))

    gen = torch.Generator().manual_seed(0)
    data = [dict(inputs=torch.randn(1, 6, 6, generator=gen),
                 target=torch.randn(2, 6, 6, generator=gen))
            for _ in range(4)]
    loader = dict(dataset=data, batch_size=2,
                  sampler=dict(type='DefaultSampler', shuffle=False),
                  collate_fn=dict(type='default_collate'))
    runner = Runner(
        model=toy_model_cls(), work_dir=str(tmp_path),
        experiment_name=f'atomic_best_{uuid.uuid4().hex}',
        train_dataloader=loader, val_dataloader=loader,
        val_evaluator=[Score()], val_cfg=dict(),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.01)),
        train_cfg=dict(by_epoch=False, max_iters=2, val_interval=1),
        default_hooks=dict(checkpoint=dict(
            type='CheckpointHook', by_epoch=False, interval=1,
            save_best='score', rule='less',
            backend_args=runtime_backend_args())),
        default_scope='predrnn', log_level='WARNING')
    runner.train()
    names = sorted(os.listdir(str(tmp_path)))
    assert 'best_score_iter_2.pth' in names
    assert 'best_score_iter_1.pth' not in names  # the old best was removed
    assert not [n for n in names if n.endswith('.tmp')]
    with open(osp.join(str(tmp_path), 'last_checkpoint')) as f:
        assert f.read() == osp.join(str(tmp_path), 'iter_2.pth')
    best = load_checkpoint_safely(
        osp.join(str(tmp_path), 'best_score_iter_2.pth'))
    assert best['meta']['iter'] == 2
