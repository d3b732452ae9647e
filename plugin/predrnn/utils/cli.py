"""Command-line error handling shared by the tools.

A user's mistake (a missing file, a misspelled key, a full disk, a refused
checkpoint) ends a tool with one line on stderr, ``error: <what and the
fix>``, and exit status 1; the traceback would only bury that line. Other
exceptions are bugs and keep their traceback. ``--debug`` or the
environment variable ``PREDRNN_DEBUG=1`` shows the traceback of every
error.

Usage in a tool::

    parser.add_argument('--debug', **DEBUG_ARGUMENT)
    ...
    if __name__ == '__main__':
        sys.exit(run_tool(main))
"""
import errno
import os
import sys
from typing import Callable, List, Optional, Sequence

__all__ = ['DEBUG_ARGUMENT', 'USER_ERRORS', 'debug_requested',
           'describe_error', 'check_output_dir', 'run_tool',
           'user_errors']

#: ``parser.add_argument('--debug', **DEBUG_ARGUMENT)``
DEBUG_ARGUMENT = dict(
    action='store_true',
    help='show the traceback of an error (also: PREDRNN_DEBUG=1)')

#: Exceptions that mean bad input or a faulty environment, never a bug of
#: the tool: the plugin raises these with messages naming the fix (and
#: :class:`~predrnn.engine.CheckpointError`, added by :func:`user_errors`).
USER_ERRORS = (OSError, ValueError, KeyError, TypeError, FloatingPointError,
               ImportError)

_OS_FIXES = {
    errno.ENOSPC: 'free space on that disk or choose another folder',
    errno.EDQUOT: 'free space within your quota or choose another folder',
    errno.EFBIG: 'the file-size limit of this shell (ulimit -f) is reached; '
    'raise it or write elsewhere',
    errno.EROFS: 'the file system is read-only; choose a writable folder',
    errno.EACCES: 'no permission; choose a folder you can write to or fix '
    'its permissions',
    errno.EPERM: 'not permitted; choose a folder you can write to',
    errno.ENOTDIR: 'a part of the path is a file, not a folder; choose '
    'another path',
    errno.EEXIST: 'choose another path or remove what is there',
}


def debug_requested(argv: Optional[Sequence[str]] = None) -> bool:
    """Whether ``--debug`` is in ``argv`` (default ``sys.argv``) or
    ``PREDRNN_DEBUG`` is set to something other than ``''``/``'0'``."""
    argv = sys.argv[1:] if argv is None else argv
    return '--debug' in argv or os.environ.get(
        'PREDRNN_DEBUG', '') not in ('', '0')


def describe_error(error: BaseException) -> str:
    """One line for a user error: the message, and for an OS error that
    carries no explanation of its own the path, the cause and the fix."""
    if isinstance(error, OSError) and error.errno is not None and (
            error.filename is not None or not error.args[1:]):
        path = error.filename
        cause = error.strerror or os.strerror(error.errno)
        fix = _OS_FIXES.get(error.errno)
        text = f'{path}: {cause}' if path is not None else cause
        return text + (f' ({fix}).' if fix else '.')
    if isinstance(error, KeyError) and len(error.args) == 1:
        text = str(error.args[0])  # str(KeyError) adds quotes
    else:
        text = str(error) or type(error).__name__
    return ' '.join(text.split())


def user_errors() -> tuple:
    """:data:`USER_ERRORS` and the plugin's checkpoint refusals (imported
    here: the engine package imports this one)."""
    from predrnn.engine import CheckpointError
    return USER_ERRORS + (CheckpointError, )


def check_output_dir(path: str, option: str = '--out-dir') -> None:
    """Refuse, before any work, an output folder that is a file or lies
    in a folder this process cannot write to (nothing is created here)."""
    path = os.path.abspath(path)
    if os.path.lexists(path) and not os.path.isdir(path):
        raise NotADirectoryError(
            f'{option} {path} is a file, not a folder; give a folder (it '
            'is created if missing).')
    existing = path
    while not os.path.isdir(existing):
        parent = os.path.dirname(existing)
        if os.path.lexists(existing) or parent == existing:
            raise NotADirectoryError(
                f'{option} {path}: {existing} is a file, not a folder; '
                'give another path.')
        existing = parent
    if not os.access(existing, os.W_OK | os.X_OK):
        raise PermissionError(
            f'{option} {path}: {existing} is not writable (read-only or '
            'no permission); choose a folder you can write to.')


def run_tool(main: Callable[[Optional[List[str]]], object],
             argv: Optional[List[str]] = None) -> int:
    """Run a tool's ``main(argv)`` and turn a user error into one line.

    Args:
        main: The tool's entry point; it may return an exit status (an
            ``int``) or anything else (status 0).
        argv: Arguments, ``sys.argv[1:]`` when None.

    Returns:
        int: The exit status: ``main``'s, or 1 after a user error.
    """
    if debug_requested(argv):
        result = main(argv)
        return result if isinstance(result, int) else 0
    try:
        result = main(argv)
    except user_errors() as error:
        print(f'error: {describe_error(error)} (--debug shows the '
              'traceback)', file=sys.stderr)
        return 1
    return result if isinstance(result, int) else 0
