"""One training run per work dir at a time.

Two runs in one work dir would overwrite and rotate away each other's
checkpoints. :func:`lock_work_dir` takes an exclusive ``fcntl.flock`` on
``<work_dir>/train.lock`` for the run's lifetime: the operating system
releases it when the process ends, however it ends (a SIGKILL included), so
a lock is never left behind. The file holds the holder's pid, host, start
time and command, for the refusal of a second run; it stays after the run
(harmless: only the lock on it counts).

Decision: only the main process of a distributed run takes the lock (rank
0, read from the launcher's environment); the others share its work dir.
"""
import datetime
import fcntl
import json
import os
import os.path as osp
import socket
import sys
from typing import IO, Callable, Optional

__all__ = ['LOCK_NAME', 'WorkDirLockedError', 'lock_work_dir']

LOCK_NAME = 'train.lock'
_RANK_VARIABLES = ('RANK', 'SLURM_PROCID', 'OMPI_COMM_WORLD_RANK', 'PMI_RANK')


class WorkDirLockedError(OSError):
    """Another training run holds the work dir."""


def _is_main_process() -> bool:
    for name in _RANK_VARIABLES:
        if os.environ.get(name, '0') not in ('', '0'):
            return False
    return True


def _holder(file: IO[str]) -> str:
    """The lock holder's details as written by :func:`lock_work_dir`."""
    file.seek(0)
    try:
        info = json.loads(file.read() or '{}')
    except ValueError:
        info = {}
    if not info:
        return 'a process that has not written its details yet'
    return (f"pid {info.get('pid')} on {info.get('host')}, started "
            f"{info.get('started')}: {info.get('command')}")


def lock_work_dir(work_dir: str,
                  check: Optional[Callable[[], None]] = None
                  ) -> Optional[IO[str]]:
    """Lock ``work_dir`` for this process, or refuse naming the holder.

    Args:
        work_dir (str): The run's work dir (created if missing).
        check (callable, optional): Run while the lock is held, before
            this process's details are written into the lock file (e.g.
            that the work dir holds no other run's checkpoints); when it
            raises, the lock is released and the file left as it was.

    Returns:
        The open lock file (keep it open for the run; closing it or the
        process ending releases the lock), or None in a process other
        than the main one.

    Raises:
        WorkDirLockedError: While another process holds the lock.
    """
    if not _is_main_process():
        if check is not None:
            check()
        return None
    os.makedirs(work_dir, exist_ok=True)
    path = osp.join(work_dir, LOCK_NAME)
    file = open(path, 'a+')
    try:
        fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = _holder(file)
        file.close()
        raise WorkDirLockedError(
            f'{work_dir} is in use by another training run ({holder}; lock '
            f'file {path}). Wait for it to end or stop it, or train in '
            'another --work-dir; nothing was changed.') from None
    except BaseException:
        file.close()
        raise
    if check is not None:
        try:
            check()
        except BaseException:
            file.close()
            raise
    file.seek(0)
    file.truncate()
    json.dump(dict(pid=os.getpid(), host=socket.gethostname(),
                   started=datetime.datetime.now().astimezone().isoformat(
                       timespec='seconds'),
                   command=' '.join([sys.executable] + sys.argv)), file)
    file.flush()
    return file
