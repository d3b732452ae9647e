"""Ctrl-C during tools/train.py: a short message naming the last checkpoint
and the command that resumes the run, exit status 130, no traceback."""
import os
import os.path as osp
import signal
import subprocess
import sys
import time

import pytest
from test_train import TRAIN, subprocess_env, write_config
from test_train import hooks_dir  # noqa: F401  (a fixture)

from predrnn.utils.interrupt import interrupted_message, resume_command


def test_resume_command_replaces_any_resume_of_its_own():
    assert resume_command('tools/train.py', ['c.py', '--amp']) == (
        'python tools/train.py c.py --amp --resume')
    assert resume_command('tools/train.py', [
        '--resume', 'w/iter_2.pth', 'c.py', '--work-dir', 'my dir',
        '--resume=x.pth', '--resume', '--seed', '1'
    ]) == "python tools/train.py c.py --work-dir 'my dir' --seed 1 --resume"
    assert resume_command('t.py', ['c.py', '--resume'], resume=False) == (
        'python t.py c.py')


def test_message_without_a_checkpoint(tmp_path):
    message = interrupted_message(str(tmp_path), 3, 10, 'tools/train.py',
                                  ['c.py'])
    assert 'during iteration 3 of 10' in message
    assert 'No checkpoint was saved yet' in message
    assert message.endswith('\n    python tools/train.py c.py')


def test_ctrl_c_names_the_checkpoint_and_the_resume_command(
        tmp_path, hooks_dir):  # noqa: F811
    config = write_config(
        tmp_path, 'interrupt', data_root=tmp_path / 'data', max_iters=5,
        checkpoint_interval=2,
        custom_hooks=[dict(type='BlockAfterIterHook', at=3)])
    work_dir = str(tmp_path / 'work')
    ready = str(tmp_path / 'after_iter_3')
    proc = subprocess.Popen(
        [sys.executable, TRAIN, config, '--work-dir', work_dir],
        cwd=str(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True,
        env=subprocess_env(hooks_dir, PREDRNN_TEST_BLOCK_FILE=ready))
    try:
        deadline = time.monotonic() + 120
        while not osp.exists(ready) and proc.poll() is None:
            assert time.monotonic() < deadline, 'never got to iteration 3'
            time.sleep(0.1)
        if proc.poll() is not None:
            pytest.fail('the run ended by itself:\n' +
                        proc.communicate()[0][-3000:])
        os.kill(proc.pid, signal.SIGINT)
        output, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, output[-3000:]
    assert 'Traceback' not in output, output[-3000:]
    checkpoint = osp.join(work_dir, 'iter_2.pth')
    assert (f'Training interrupted (Ctrl-C) during iteration 3 of 5. The '
            f'last checkpoint is {checkpoint} (iteration 2)') in output
    command = f'python {TRAIN} {config} --work-dir {work_dir} --resume'
    assert output.rstrip().endswith(command), output[-3000:]
    assert osp.isfile(checkpoint)


if __name__ == '__main__':
    pytest.main([__file__])
