"""Ctrl-C during training: a short message instead of a traceback.

It says where the run stopped, which checkpoint holds its progress and the
command that resumes it (the same arguments with ``--resume``).
"""
import logging
import os
import os.path as osp
import re
import shlex
import sys
from contextlib import contextmanager
from typing import Iterator, List, Optional, Sequence

from mmengine.dist import is_main_process
from mmengine.logging import print_log
from mmengine.runner import find_latest_checkpoint

# exit status of a process ended by SIGINT, as shells report it
INTERRUPTED_STATUS = 130


def resume_command(script: str, argv: Sequence[str],
                   resume: Optional[bool] = True) -> str:
    """``python SCRIPT ARGV... --resume``: ``argv`` without any
    ``--resume [PATH]`` of its own (the latest checkpoint is the one to
    continue from), with ``--resume`` at the end when ``resume``."""
    args: List[str] = []
    skip_value = False
    for arg in argv:
        if skip_value:
            skip_value = False
            if not arg.startswith('-'):  # its PATH, as argparse reads it
                continue
        if arg == '--resume':
            skip_value = True
            continue
        if arg.startswith('--resume='):
            continue
        args.append(arg)
    if resume:
        args.append('--resume')
    return shlex.join(['python', script] + args)


def interrupted_message(work_dir: str, iteration: int, max_iters: int,
                        script: str, argv: Sequence[str]) -> str:
    """What to tell the user after Ctrl-C during ``iteration`` (1-based)."""
    checkpoint = find_latest_checkpoint(work_dir)
    head = (f'Training interrupted (Ctrl-C) during iteration {iteration} '
            f'of {max_iters}.')
    if checkpoint is None or not osp.isfile(checkpoint):
        return (f'{head} No checkpoint was saved yet in {work_dir}; start '
                f'again with:\n    {resume_command(script, argv, False)}')
    saved = re.search(r'iter_(\d+)\.pth$', checkpoint)
    at = f' (iteration {saved.group(1)})' if saved else ''
    return (f'{head} The last checkpoint is {checkpoint}{at}; resume from '
            f'it with:\n    {resume_command(script, argv)}')


@contextmanager
def exit_on_interrupt(runner, script: str,
                      argv: Optional[Sequence[str]] = None) -> Iterator[None]:
    """Turn a ``KeyboardInterrupt`` inside the block into
    :func:`interrupted_message` (logged by the main process) and exit with
    status 130.

    Args:
        runner (Runner): The training runner (work dir, iteration).
        script (str): The training script, as the command should name it.
        argv (Sequence[str], optional): Its arguments. Defaults to
            ``sys.argv[1:]``.
    """
    try:
        yield
    except KeyboardInterrupt:
        if is_main_process():
            print_log(
                interrupted_message(runner.work_dir, runner.iter + 1,
                                    runner.max_iters, _shown(script),
                                    sys.argv[1:] if argv is None else argv),
                logger='current', level=logging.WARNING)
        raise SystemExit(INTERRUPTED_STATUS) from None


def _shown(script: str) -> str:
    """``script`` relative to the working directory when inside it."""
    relative = osp.relpath(script)
    return script if relative.startswith(os.pardir) else relative
