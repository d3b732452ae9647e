"""2 DDP processes (gloo) x batch 2 train exactly like 1 process x batch 4,
curriculum masks included.

Reverse scheduled sampling is in its random phase (s1 <= iteration < s2) at
both iterations, so every clip draws a random ground-truth mask: if the
ranks drew the same masks, or a clip's mask depended on how the batch is
split, the losses and weights would differ. The paper recipe's two optimizer
steps per iteration (``reverse_input='two_steps'``) run through the DDP
wrapper too. The helpers (tiny config, loss-recording hook, the two runs)
are those of tests/tools/test_train.py.
"""
import os.path as osp

from test_train import (assert_same_tensors, hooks_dir,  # noqa: F401
                        load, read_losses, train_one_and_two_processes)


def test_two_processes_equal_one_process_under_random_curriculum(
        tmp_path, hooks_dir):  # noqa: F811
    work_dirs = train_one_and_two_processes(
        tmp_path, hooks_dir, 'rss', 300, max_iters=2, shuffle=True,
        dataset=dict(num_clips=8),
        sampling=dict(type='ReverseScheduledSampling', s1=0, s2=10,
                      alpha=2.0),
        model=dict(reverse_input='two_steps'),
        optimizer=dict(type='SGD', lr=0.5))
    results = {world: (read_losses(work_dir),
                       load(osp.join(work_dir, 'iter_2.pth')))
               for world, work_dir in work_dirs.items()}
    (losses2, ckpt2), (losses1, ckpt1) = results[2], results[1]
    assert [it for it, _ in losses2] == [it for it, _ in losses1] == [1, 2]
    for (_, a), (_, b) in zip(losses2, losses1):
        assert abs(a - b) < 1e-6, (losses2, losses1)
    assert_same_tensors(ckpt2['state_dict'], ckpt1['state_dict'], atol=1e-6)
