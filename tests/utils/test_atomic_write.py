"""atomic_write: the destination is either the old file or the whole new
one, never a partial file, and nothing is left behind on failure."""
import os

import pytest

from predrnn.utils import atomic_write


def test_success_replaces_and_leaves_no_temporary(tmp_path):
    dst = tmp_path / 'a.bin'
    dst.write_bytes(b'old')
    with atomic_write(dst) as tmp:
        assert os.path.dirname(tmp) == str(tmp_path)
        with open(tmp, 'wb') as f:
            f.write(b'new content')
    assert dst.read_bytes() == b'new content'
    assert os.listdir(tmp_path) == ['a.bin']


def test_failure_keeps_the_old_file_and_removes_the_partial_one(tmp_path):
    dst = tmp_path / 'iter_10.pth'
    dst.write_bytes(b'the good checkpoint')
    with pytest.raises(OSError, match='No space left'):
        with atomic_write(dst) as tmp:
            with open(tmp, 'wb') as f:
                f.write(b'trunc')
            raise OSError(28, 'No space left on device')
    assert dst.read_bytes() == b'the good checkpoint'
    assert os.listdir(tmp_path) == ['iter_10.pth']


def test_failure_with_no_old_file_leaves_nothing(tmp_path):
    with pytest.raises(RuntimeError):
        with atomic_write(tmp_path / 'sub' / 'x.npy') as tmp:
            open(tmp, 'wb').close()
            raise RuntimeError('writer failed')
    assert os.listdir(tmp_path / 'sub') == []


def test_no_overwrite_refuses_an_existing_file(tmp_path):
    dst = tmp_path / 'keep.pth'
    dst.write_bytes(b'user data')
    with pytest.raises(FileExistsError, match='keep.pth'):
        with atomic_write(dst, overwrite=False):
            pass
    assert dst.read_bytes() == b'user data'


@pytest.mark.parametrize('umask,mode', [(0o022, 0o644), (0o027, 0o640)])
def test_new_file_has_the_permissions_open_would_give(tmp_path, umask, mode):
    """Not tempfile.mkstemp's 0o600: a checkpoint in a shared work dir stays
    readable by the group, as one written by mmengine's LocalBackend."""
    old = os.umask(umask)
    try:
        with atomic_write(tmp_path / 'iter_1.pth') as tmp:
            with open(tmp, 'wb') as f:
                f.write(b'weights')
        with open(tmp_path / 'plain.pth', 'wb') as f:
            f.write(b'weights')
    finally:
        os.umask(old)
    assert os.stat(tmp_path / 'iter_1.pth').st_mode & 0o777 == mode
    assert os.stat(tmp_path / 'plain.pth').st_mode & 0o777 == mode
