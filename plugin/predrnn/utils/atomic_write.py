"""Write a file so that readers only ever see a complete one.

Checkpoints, converted checkpoints, cached test sets, prepared data and
converted arrays all go through :func:`atomic_write`: the content is written
to a temporary file in the destination's folder (same file system, so the
final :func:`os.replace` is atomic), flushed and fsynced, and renamed over the
destination only when the writer returned without error. A failure (disk
full, an exception, Ctrl-C) removes the temporary file and leaves whatever
was at the destination untouched: a truncated ``iter_N.pth`` can never
appear under its final name.

The temporary file is created with the permissions a plain ``open(path,
'w')`` would give (``0o666`` less the umask), not ``tempfile.mkstemp``'s
``0o600``: a checkpoint written atomically must stay readable by whoever
could read one written by mmengine's ``LocalBackend`` (a shared work dir).
"""
import contextlib
import errno
import os
import re
import secrets
from typing import Iterator, List, Tuple


@contextlib.contextmanager
def atomic_write(path: 'str | os.PathLike',
                 overwrite: bool = True) -> Iterator[str]:
    """Yield a temporary path beside ``path``; rename it to ``path`` when
    the ``with`` block ends without an exception.

    Example::

        with atomic_write('out/model.pth') as tmp:
            torch.save(state, tmp)

    Args:
        path: The destination file.
        overwrite: When False, raise :class:`FileExistsError` if ``path``
            exists, both before writing and at the final rename (checked
            just before it), so an existing file is never replaced.
    """
    path = os.fspath(path)
    if not overwrite and os.path.lexists(path):
        raise FileExistsError(f'{path} already exists; refusing to overwrite '
                              'it')
    folder = os.path.dirname(path) or '.'
    if os.path.lexists(folder) and not os.path.isdir(folder):
        # makedirs would say 'File exists'
        raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR),
                                 folder)
    os.makedirs(folder, exist_ok=True)
    tmp = _create_temporary(folder, os.path.basename(path))
    try:
        try:
            yield tmp
            _fsync(tmp)
        except OSError as error:
            if error.filename is not None:
                raise
            if error.errno is None:  # numpy's short write, and the like
                raise OSError(
                    f'{path}: the write stopped short ({error}): the disk '
                    'is full, a quota or a file-size limit (ulimit -f) is '
                    'reached; free space or write elsewhere.') from error
            # a failed write() names no file (ENOSPC, EFBIG): name it
            raise OSError(error.errno, error.strerror, path) from error
        if not overwrite and os.path.lexists(path):
            raise FileExistsError(f'{path} appeared while it was being '
                                  'written; refusing to overwrite it')
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def _create_temporary(folder: str, name: str) -> str:
    """Create an empty, hidden ``.<name>.<pid>-<random>.tmp`` in ``folder``
    with mode ``0o666`` less the umask (as ``open`` would), never reusing a
    name that exists. The writer's process id in the name tells a
    temporary left by a killed writer (:func:`stale_temporaries`)."""
    for _ in range(100):
        tmp = os.path.join(
            folder, f'.{name}.{os.getpid()}-{secrets.token_hex(4)}.tmp')
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
        os.close(fd)
        return tmp
    raise FileExistsError(f'Could not create a temporary file for {name} in '
                          f'{folder}: 100 random names were taken; remove '
                          f'the .{name}.*.tmp files there.')


def _fsync(path: str) -> None:
    """Flush the file's data to disk, so the rename never publishes a file
    whose blocks are still only in the page cache."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def stale_temporaries(path: 'str | os.PathLike'
                      ) -> Tuple[List[str], List[str]]:
    """Temporary files that :func:`atomic_write` left beside ``path``.

    A writer killed with SIGKILL (or a power cut) cannot remove its
    temporary file. Returns ``(stale, unsure)``: ``stale`` were written by
    a process of this machine that no longer runs (safe to remove);
    ``unsure`` by a process that still runs (perhaps a concurrent writer,
    perhaps a reused process id) or in the older name format without one.
    """
    path = os.fspath(path)
    folder = os.path.dirname(path) or '.'
    name = re.escape(os.path.basename(path))
    pattern = re.compile(rf'^\.{name}\.(?:(\d+)-)?[0-9a-f]{{8}}\.tmp$')
    stale, unsure = [], []
    for entry in sorted(os.listdir(folder)) if os.path.isdir(folder) else []:
        match = pattern.match(entry)
        if match:
            pid = match.group(1)
            dead = pid is not None and not _running(int(pid))
            (stale if dead else unsure).append(os.path.join(folder, entry))
    return stale, unsure
