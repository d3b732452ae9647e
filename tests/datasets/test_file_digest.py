"""Checksums of data files: bytes, decompressed content, cached digest."""
import gzip
import hashlib
import json
import os

import pytest

from predrnn.datasets import file_digest as fd


def test_content_digest_ignores_the_compression(tmp_path):
    content = bytes(range(256)) * 50
    (tmp_path / 'plain').write_bytes(content)
    (tmp_path / 'a.gz').write_bytes(gzip.compress(content, mtime=1))
    (tmp_path / 'b.gz').write_bytes(gzip.compress(content, 1, mtime=2))
    expected = hashlib.sha256(content).hexdigest()
    assert fd.file_digest(tmp_path / 'a.gz') != fd.file_digest(
        tmp_path / 'b.gz')
    for name in ('plain', 'a.gz', 'b.gz'):
        assert fd.content_digest(tmp_path / name) == expected
    (tmp_path / 'cut.gz').write_bytes((tmp_path / 'a.gz').read_bytes()[:-9])
    with pytest.raises(ValueError, match='cut.gz'):
        fd.content_digest(tmp_path / 'cut.gz')


def test_cached_digest_sidecar(tmp_path, monkeypatch):
    path = tmp_path / 'big.npy'
    path.write_bytes(b'x' * 1000)
    digest = fd.cached_file_digest(path)
    assert digest == hashlib.md5(b'x' * 1000).hexdigest()
    sidecar = tmp_path / '.big.npy.md5.json'
    stored = json.loads(sidecar.read_text())
    assert stored == dict(size=1000, mtime_ns=os.stat(path).st_mtime_ns,
                          digest=digest)
    # A stale or garbled sidecar is ignored and rewritten.
    sidecar.write_text('{not json')
    assert fd.cached_file_digest(path) == digest
    sidecar.write_text(json.dumps(dict(stored, size=999, digest='0' * 32)))
    assert fd.cached_file_digest(path) == digest


def test_unwritable_folder_costs_only_the_cache(tmp_path, monkeypatch):
    import predrnn.datasets.file_digest as module

    def refuse(path, overwrite=True):
        raise PermissionError('read-only')

    monkeypatch.setattr(module, 'atomic_write', refuse)
    (tmp_path / 'f').write_bytes(b'abc')
    assert fd.cached_file_digest(tmp_path / 'f') == hashlib.md5(
        b'abc').hexdigest()
    assert os.listdir(tmp_path) == ['f']
