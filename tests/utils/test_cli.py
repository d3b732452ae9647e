"""The tools' one-line errors (predrnn.utils.cli)."""
import errno
import os

import pytest

from predrnn.engine import CorruptCheckpointError
from predrnn.utils.cli import check_output_dir, describe_error, run_tool


@pytest.mark.parametrize('error,expected', [
    (OSError(errno.ENOSPC, 'No space left on device', '/d/f.pth'),
     '/d/f.pth: No space left on device (free space'),
    (OSError(errno.EFBIG, 'File too large', '/d/f.pth'),
     '/d/f.pth: File too large (the file-size limit'),
    (PermissionError(errno.EROFS, 'Read-only file system', '/ro'),
     '/ro: Read-only file system (the file system is read-only'),
    (FileExistsError('/w already holds checkpoints'),
     '/w already holds checkpoints'),
    (KeyError('Unknown key\n  x'), 'Unknown key x'),
])
def test_describe_error(error, expected):
    assert describe_error(error).startswith(expected)
    assert '\n' not in describe_error(error)


def _fails(error):
    def main(argv):
        raise error
    return main


def test_user_errors_are_one_line_and_bugs_keep_their_traceback(
        capsys, monkeypatch):
    monkeypatch.delenv('PREDRNN_DEBUG', raising=False)
    assert run_tool(_fails(CorruptCheckpointError('bad file\nx')), []) == 1
    err = capsys.readouterr().err
    assert err == 'error: bad file x (--debug shows the traceback)\n'
    assert run_tool(lambda argv: 3, []) == 3
    assert run_tool(lambda argv: object(), []) == 0
    with pytest.raises(AttributeError):  # a bug: not hidden
        run_tool(_fails(AttributeError('bug')), [])
    with pytest.raises(ValueError):
        run_tool(_fails(ValueError('shown with --debug')), ['--debug'])
    monkeypatch.setenv('PREDRNN_DEBUG', '1')
    with pytest.raises(ValueError):
        run_tool(_fails(ValueError('shown with PREDRNN_DEBUG=1')), [])


def test_check_output_dir(tmp_path):
    check_output_dir(str(tmp_path / 'new' / 'deeper'))  # may be created
    assert not (tmp_path / 'new').exists()
    (tmp_path / 'file').write_text('x')
    for path in (tmp_path / 'file', tmp_path / 'file' / 'sub'):
        with pytest.raises(NotADirectoryError, match='is a file'):
            check_output_dir(str(path))
    if os.geteuid() != 0:  # root writes anywhere
        (tmp_path / 'ro').mkdir(mode=0o500)
        with pytest.raises(PermissionError, match='not writable'):
            check_output_dir(str(tmp_path / 'ro' / 'out'))
