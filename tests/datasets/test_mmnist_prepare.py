"""tools/prepare_data.py mmnist against a local HTTP server (127.0.0.1)."""
import functools
import hashlib
import http.server
import importlib.util
import os
import threading
from pathlib import Path

import numpy as np
import pytest
from mmnist_helpers import random_digits, write_idx

from predrnn.datasets import prepare_mmnist as pm

NAMES = ('train-images-idx3-ubyte.gz', 't10k-images-idx3-ubyte.gz',
         'mnist_test_seq.npy')
TOOL = Path(__file__).parents[2] / 'tools' / 'prepare_data.py'


def make_files(folder):
    """Tiny valid versions of the three files; returns their MD5s."""
    folder.mkdir(parents=True, exist_ok=True)
    write_idx(folder / NAMES[0], random_digits(4), compress=True)
    write_idx(folder / NAMES[1], random_digits(3, seed=1), compress=True)
    np.save(folder / NAMES[2], np.zeros((20, 2, 64, 64), np.uint8))
    return {
        n: hashlib.md5((folder / n).read_bytes()).hexdigest()
        for n in NAMES
    }


class Server:
    """http.server in a thread serving a folder, counting requests; paths
    in ``truncate`` announce more bytes than they send."""

    def __init__(self, folder):
        self.requests = []
        self.truncate = set()
        outer = self

        class Handler(http.server.SimpleHTTPRequestHandler):

            def log_message(self, *args):
                pass

            def do_GET(self):
                outer.requests.append(self.path)
                name = self.path.lstrip('/')
                if name in outer.truncate:
                    data = (folder / name).read_bytes()
                    self.send_response(200)
                    self.send_header('Content-Length', str(len(data)))
                    self.end_headers()
                    self.wfile.write(data[:len(data) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                super().do_GET()

        self.httpd = http.server.ThreadingHTTPServer(
            ('127.0.0.1', 0),
            functools.partial(Handler, directory=str(folder)))
        self.url = f'http://127.0.0.1:{self.httpd.server_address[1]}/'
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, args=(0.01, ), daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def served(tmp_path, monkeypatch):
    md5s = make_files(tmp_path / 'www')
    monkeypatch.setattr(pm, 'CHECKSUMS', md5s)
    # Never reach a real host, even by mistake.
    monkeypatch.setattr(pm, 'BASE_URLS', {n: ('http://127.0.0.1:9/', )
                                          for n in NAMES})
    server = Server(tmp_path / 'www')
    yield server, tmp_path
    server.close()


def listing(root):
    return sorted(os.listdir(root / 'moving_mnist'))


def test_download_then_keep(served):
    server, tmp = served
    results = pm.prepare_mmnist(str(tmp / 'data'), mirrors=[server.url],
                                timeout=5)
    assert results == dict.fromkeys(NAMES, 'downloaded')
    for name in NAMES:
        assert (tmp / 'data/moving_mnist' / name).read_bytes() == \
            (tmp / 'www' / name).read_bytes()
    assert listing(tmp / 'data') == sorted(NAMES)
    count = len(server.requests)
    again = pm.prepare_mmnist(str(tmp / 'data'), mirrors=[server.url])
    assert again == dict.fromkeys(NAMES, 'kept')
    assert len(server.requests) == count  # nothing re-downloaded


def test_checksum_mismatch_leaves_no_file(served, monkeypatch):
    server, tmp = served
    monkeypatch.setitem(pm.CHECKSUMS, NAMES[0], '0' * 32)
    results = pm.prepare_mmnist(str(tmp / 'data'), mirrors=[server.url])
    assert results[NAMES[0]].startswith('failed') and 'MD5' in \
        results[NAMES[0]]
    assert listing(tmp / 'data') == sorted(NAMES[1:])  # no partial files


def test_truncated_transfer_and_404_leave_no_file(served):
    server, tmp = served
    server.truncate.add(NAMES[2])
    (tmp / 'www' / NAMES[1]).unlink()
    results = pm.prepare_mmnist(str(tmp / 'data'), mirrors=[server.url],
                                timeout=5)
    assert results[NAMES[0]] == 'downloaded'
    assert results[NAMES[1]].startswith('failed') and '404' in \
        results[NAMES[1]]
    assert results[NAMES[2]].startswith('failed')
    assert listing(tmp / 'data') == [NAMES[0]]


def test_falls_back_to_next_mirror(served):
    server, tmp = served
    results = pm.prepare_mmnist(
        str(tmp / 'data'), mirrors=[server.url + 'missing/', server.url])
    assert results == dict.fromkeys(NAMES, 'downloaded')


def test_invalid_existing_file_replaced(served):
    server, tmp = served
    folder = tmp / 'data' / 'moving_mnist'
    folder.mkdir(parents=True)
    (folder / NAMES[0]).write_bytes(b'garbage')
    results = pm.prepare_mmnist(str(tmp / 'data'), mirrors=[server.url])
    assert results[NAMES[0]] == 'downloaded'
    pm.validate(str(folder / NAMES[0]), NAMES[0])


def test_from_dir(served):
    _, tmp = served
    results = pm.prepare_mmnist(str(tmp / 'data'), from_dir=str(tmp / 'www'))
    assert results == dict.fromkeys(NAMES, 'copied')
    assert listing(tmp / 'data') == sorted(NAMES)


def test_from_dir_rejects_bad_files(served):
    _, tmp = served
    bad = tmp / 'bad'
    bad.mkdir()
    write_idx(bad / NAMES[0], random_digits(2), compress=True, magic=2049)
    (bad / NAMES[1]).write_bytes((tmp / 'www' / NAMES[1]).read_bytes()[:40])
    np.save(bad / 'mnist_test_seq.npy', np.zeros((20, 2, 32, 32), np.uint8))
    results = pm.prepare_mmnist(str(tmp / 'data'), from_dir=str(bad))
    assert all(r.startswith('failed') for r in results.values()), results
    assert listing(tmp / 'data') == []


def test_from_dir_accepts_uncompressed_idx(served):
    _, tmp = served
    plain = tmp / 'plain'
    plain.mkdir()
    write_idx(plain / 'train-images-idx3-ubyte', random_digits(2))
    results = pm.prepare_mmnist(str(tmp / 'data'), from_dir=str(plain))
    assert results[NAMES[0]] == 'copied'
    assert results[NAMES[2]].startswith('failed: not found')
    assert listing(tmp / 'data') == ['train-images-idx3-ubyte']


def test_cli(served, capsys):
    server, tmp = served
    spec = importlib.util.spec_from_file_location('prepare_data_tool', TOOL)
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    argv = ['mmnist', '--data-root', str(tmp / 'data'), '--mirror',
            server.url]
    assert tool.main(argv) == 0
    assert tool.main(['mmnist', '--data-root', str(tmp / 'd2'), '--from',
                      str(tmp / 'nowhere')]) == 1
    assert 'not found' in capsys.readouterr().out
