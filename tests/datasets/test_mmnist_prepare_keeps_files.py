"""prepare_mmnist never loses a user's file, accepts
re-compressed copies by their decompressed content and still rejects
altered content (item 2), and refuses a data root that is a file (item 8).

The files are tiny stand-ins served from 127.0.0.1 (fixture ``served``);
their checksums are patched in as the published ones.
"""
import gzip
import hashlib
import importlib.util
import io
import re
from pathlib import Path

import numpy as np
import pytest
from mmnist_helpers import NAMES, random_digits, write_idx

from predrnn.datasets import mmnist_files as mf
from predrnn.datasets import prepare_mmnist as pm

NPY = NAMES[2]
TOOL = Path(__file__).parents[2] / 'tools' / 'prepare_data.py'


def load_tool():
    spec = importlib.util.spec_from_file_location('prepare_data_tool', TOOL)
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    return tool


def own_test_set(folder):
    """A user's own well-formed time-first test set under the standard
    name; returns its bytes."""
    folder.mkdir(parents=True, exist_ok=True)
    np.save(folder / NPY, np.full((20, 2, 64, 64), 7, np.uint8))
    return (folder / NPY).read_bytes()


def backups(folder, name):
    return sorted(folder.glob(name + '.bak-*'))


def regzip(data, mtime=123456789, level=1):
    """Gzip ``data`` with another header (file name, mtime) and level than
    the published file's."""
    buffer = io.BytesIO()
    with gzip.GzipFile(filename='renamed-by-a-mirror', mode='wb',
                       compresslevel=level, fileobj=buffer,
                       mtime=mtime) as f:
        f.write(data)
    return buffer.getvalue()


# ----------------------------------------------------------------------
# Item 1: nothing the user has is removed or replaced unless the
# replacement is complete and verified.
# ----------------------------------------------------------------------


def test_valid_different_file_is_kept_and_reported(served):
    server, tmp = served
    folder = tmp / 'data' / 'moving_mnist'
    mine = own_test_set(folder)
    server.truncate.add(NPY)  # a download would fail
    results = pm.prepare_mmnist(str(tmp / 'data'), mirrors=[server.url],
                                timeout=5)
    assert (folder / NPY).read_bytes() == mine
    status = results[NPY]
    assert status.startswith('kept') and 'differs from the published' \
        in status and '--force' in status
    assert '/' + NPY not in server.requests  # not even attempted
    assert backups(folder, NPY) == []


def test_failing_copy_leaves_an_invalid_file_untouched(served):
    _, tmp = served
    folder = tmp / 'data' / 'moving_mnist'
    folder.mkdir(parents=True)
    (folder / NAMES[0]).write_bytes(b'not yet complete')
    empty = tmp / 'empty'
    empty.mkdir()
    results = pm.prepare_mmnist(str(tmp / 'data'), from_dir=str(empty))
    assert (folder / NAMES[0]).read_bytes() == b'not yet complete'
    assert results[NAMES[0]].startswith('failed: not found')
    assert 'left as it was' in results[NAMES[0]]
    assert sorted(p.name for p in folder.iterdir()) == [NAMES[0]]


def test_force_with_failing_download_keeps_the_old_file(served):
    server, tmp = served
    folder = tmp / 'data' / 'moving_mnist'
    mine = own_test_set(folder)
    server.truncate.add(NPY)
    results = pm.prepare_mmnist(str(tmp / 'data'), mirrors=[server.url],
                                timeout=5, force=True)
    assert (folder / NPY).read_bytes() == mine
    assert results[NPY].startswith('failed') and 'left as it was' in \
        results[NPY]
    assert backups(folder, NPY) == []
    assert not [p for p in folder.iterdir() if p.name.startswith('.')]


def test_force_with_a_wrong_replacement_keeps_the_old_file(served,
                                                           monkeypatch):
    server, tmp = served
    folder = tmp / 'data' / 'moving_mnist'
    mine = own_test_set(folder)
    monkeypatch.setitem(mf.CHECKSUMS, NPY, '0' * 32)  # server's is wrong
    results = pm.prepare_mmnist(str(tmp / 'data'), mirrors=[server.url],
                                force=True)
    assert (folder / NPY).read_bytes() == mine
    assert results[NPY].startswith('failed') and 'MD5' in results[NPY]
    assert backups(folder, NPY) == []


def test_force_with_good_download_moves_the_old_file_aside(served):
    server, tmp = served
    folder = tmp / 'data' / 'moving_mnist'
    mine = own_test_set(folder)
    results = pm.prepare_mmnist(str(tmp / 'data'), mirrors=[server.url],
                                force=True)
    assert (folder / NPY).read_bytes() == (tmp / 'www' / NPY).read_bytes()
    [backup] = backups(folder, NPY)
    assert backup.read_bytes() == mine
    assert re.fullmatch(re.escape(NPY) + r'\.bak-\d{8}T\d{6}Z', backup.name)
    assert results[NPY].startswith('downloaded') and str(backup) in \
        results[NPY]
    # Published files already there are kept, even with --force.
    again = pm.prepare_mmnist(str(tmp / 'data'), mirrors=[server.url],
                              force=True)
    assert again == dict.fromkeys(NAMES, 'kept')


def test_cli_force(served, capsys):
    server, tmp = served
    folder = tmp / 'data' / 'moving_mnist'
    mine = own_test_set(folder)
    argv = ['mmnist', '--data-root', str(tmp / 'data'), '--mirror',
            server.url]
    assert load_tool().main(argv) == 0
    assert (folder / NPY).read_bytes() == mine
    assert 'differs from the published' in capsys.readouterr().out
    assert load_tool().main(argv + ['--force']) == 0
    assert backups(folder, NPY)[0].read_bytes() == mine


# ----------------------------------------------------------------------
# Item 2: checksums of the decompressed content.
# ----------------------------------------------------------------------


@pytest.fixture
def content_known(served, monkeypatch):
    """The decompressed-content SHA-256s of the served IDX files patched in
    as the published ones; returns ``(server, tmp, contents)``."""
    server, tmp = served
    contents = {n: gzip.decompress((tmp / 'www' / n).read_bytes())
                for n in NAMES[:2]}
    monkeypatch.setattr(mf, 'CONTENT_SHA256', {
        n: hashlib.sha256(c).hexdigest() for n, c in contents.items()})
    return server, tmp, contents


def test_regzipped_copy_is_accepted_as_published(content_known):
    _, tmp, contents = content_known
    mirror = tmp / 'mirror'
    mirror.mkdir()
    data = regzip(contents[NAMES[0]])
    published = (tmp / 'www' / NAMES[0]).read_bytes()
    assert data != published and data[4:8] != published[4:8]  # mtime
    (mirror / NAMES[0]).write_bytes(data)
    (mirror / NAMES[1][:-3]).write_bytes(contents[NAMES[1]])  # gunzipped
    results = pm.prepare_mmnist(str(tmp / 'data'), from_dir=str(mirror))
    assert results[NAMES[0]] == 'copied'
    assert results[NAMES[1]] == 'copied'
    check = mf.check_file(str(tmp / 'data/moving_mnist' / NAMES[0]),
                          NAMES[0])
    assert check.status == 'published' and 're-compressed' in check.reason
    # Already there: kept as the published file, no --force needed.
    again = pm.prepare_mmnist(str(tmp / 'data'), from_dir=str(mirror))
    assert again[NAMES[0]] == again[NAMES[1]] == 'kept'


def test_altered_content_is_rejected_even_regzipped(content_known):
    _, tmp, contents = content_known
    altered = bytearray(contents[NAMES[0]])
    altered[-1] ^= 0xFF  # one pixel: still a valid IDX file
    mirror = tmp / 'mirror'
    mirror.mkdir()
    (mirror / NAMES[0]).write_bytes(regzip(bytes(altered)))
    results = pm.prepare_mmnist(str(tmp / 'data'), from_dir=str(mirror))
    assert results[NAMES[0]].startswith('failed') and 'SHA-256' in \
        results[NAMES[0]]
    assert not (tmp / 'data/moving_mnist' / NAMES[0]).exists()
    # The same file already in the data folder is valid but different:
    # kept and reported, never deleted.
    folder = tmp / 'data/moving_mnist'
    folder.mkdir(parents=True, exist_ok=True)
    (folder / NAMES[0]).write_bytes(regzip(bytes(altered)))
    results = pm.prepare_mmnist(str(tmp / 'data'), from_dir=str(mirror))
    assert results[NAMES[0]].startswith('kept') and 'differs' in \
        results[NAMES[0]]


def test_unknown_content_checksum_is_said(served, monkeypatch):
    # MNIST today: only the MD5 of the .gz is known. A re-gzipped copy is
    # accepted on its structure and reported as NOT verified.
    _, tmp = served
    monkeypatch.setattr(mf, 'CONTENT_SHA256', {})
    mirror = tmp / 'mirror'
    mirror.mkdir()
    data = gzip.decompress((tmp / 'www' / NAMES[0]).read_bytes())
    (mirror / NAMES[0]).write_bytes(regzip(data))
    results = pm.prepare_mmnist(str(tmp / 'data'), from_dir=str(mirror))
    assert results[NAMES[0]].startswith('copied (NOT verified')
    check = mf.check_file(str(mirror / NAMES[0]), NAMES[0])
    assert check.status == 'unverified'


def test_another_datasets_file_is_named(served, monkeypatch):
    # Fashion-MNIST's images where MNIST's belong: not 'unverified' but
    # recognised by their known content.
    _, tmp = served
    monkeypatch.setattr(mf, 'CONTENT_SHA256', {})
    fashion = tmp / 'fashion'
    fashion.mkdir()
    write_idx(fashion / NAMES[1], random_digits(3, seed=9), compress=True)
    monkeypatch.setattr(mf, 'FMNIST_CONTENT_SHA256', {
        NAMES[1]: hashlib.sha256(gzip.decompress(
            (fashion / NAMES[1]).read_bytes())).hexdigest()})
    check = mf.check_file(str(fashion / NAMES[1]), NAMES[1])
    assert check.status == 'different'
    assert "t10k-images-idx3-ubyte.gz of 'mfmnist'" in check.reason
    results = pm.prepare_mmnist(str(tmp / 'data'), from_dir=str(fashion))
    assert results[NAMES[1]].startswith('failed')


def test_real_checksum_tables():
    hex64 = re.compile('[0-9a-f]{64}')
    assert all(hex64.fullmatch(v) for v in mf.FMNIST_CONTENT_SHA256.values())
    assert set(mf.FMNIST_CONTENT_SHA256) == set(mf.FMNIST_CHECKSUMS)
    assert mf.CHECKSUMS[NPY] == 'be083ec986bfe91a449d63653c411eb2'


def test_structure_still_checked(tmp_path):
    write_idx(tmp_path / 'x.gz', random_digits(2), compress=True, magic=2049)
    assert mf.check_file(str(tmp_path / 'x.gz'), NAMES[0]).status == \
        'invalid'
    # A clips-first array is not a valid mnist_test_seq.npy.
    np.save(tmp_path / NPY, np.zeros((30, 20, 64, 64), np.uint8))
    check = mf.check_file(str(tmp_path / NPY), NPY)
    assert check.status == 'invalid' and 'clips-first' in check.reason


# ----------------------------------------------------------------------
# Item 8: paths that are not what they should be.
# ----------------------------------------------------------------------


def test_data_root_that_is_a_file(tmp_path):
    (tmp_path / 'data').write_text('oops')
    with pytest.raises(NotADirectoryError,
                       match='is a file.*Give data root a folder'):
        pm.prepare_mmnist(str(tmp_path / 'data'), from_dir=str(tmp_path))
    assert (tmp_path / 'data').read_text() == 'oops'
    assert load_tool().main(['mmnist', '--data-root',
                             str(tmp_path / 'data')]) == 1


def test_folder_where_a_file_should_be(served):
    _, tmp = served
    folder = tmp / 'data' / 'moving_mnist'
    (folder / NAMES[0]).mkdir(parents=True)
    results = pm.prepare_mmnist(str(tmp / 'data'), from_dir=str(tmp / 'www'))
    assert results[NAMES[0]].startswith('failed') and 'not a file' in \
        results[NAMES[0]]
    assert results[NAMES[1]] == 'copied'
