"""tools/prepare_data.py mmnist and mfmnist against a local HTTP server
(127.0.0.1)."""
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

from predrnn.datasets import MovingMNIST
from predrnn.datasets import prepare_mmnist as pm

NAMES = ('train-images-idx3-ubyte.gz', 't10k-images-idx3-ubyte.gz',
         'mnist_test_seq.npy')
FNAMES = NAMES[:2]  # Moving Fashion-MNIST: no standard test file
ROOT = Path(__file__).parents[2]
TOOL = ROOT / 'tools' / 'prepare_data.py'


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


def listing(root, subdir='moving_mnist'):
    return sorted(os.listdir(root / subdir))


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


def load_tool():
    spec = importlib.util.spec_from_file_location('prepare_data_tool', TOOL)
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    return tool


def test_cli(served, capsys):
    server, tmp = served
    tool = load_tool()
    argv = ['mmnist', '--data-root', str(tmp / 'data'), '--mirror',
            server.url]
    assert tool.main(argv) == 0
    assert tool.main(['mmnist', '--data-root', str(tmp / 'd2'), '--from',
                      str(tmp / 'nowhere')]) == 1
    assert 'not found' in capsys.readouterr().out


# ----------------------------------------------------------------------
# Moving Fashion-MNIST (mfmnist)
# ----------------------------------------------------------------------


@pytest.fixture
def fashion(tmp_path, monkeypatch):
    """A server whose root holds tiny Fashion-MNIST stand-ins (other images
    than make_files'), set as the default mfmnist source with their MD5s;
    the mmnist tables hold the MD5s of make_files' files."""
    folder = tmp_path / 'fwww'
    folder.mkdir()
    write_idx(folder / FNAMES[0], random_digits(5, seed=7), compress=True)
    write_idx(folder / FNAMES[1], random_digits(3, seed=8), compress=True)
    monkeypatch.setattr(pm, 'FMNIST_CHECKSUMS', {
        n: hashlib.md5((folder / n).read_bytes()).hexdigest()
        for n in FNAMES
    })
    monkeypatch.setattr(pm, 'CHECKSUMS', make_files(tmp_path / 'www'))
    monkeypatch.setattr(pm, 'BASE_URLS', {n: ('http://127.0.0.1:9/', )
                                          for n in NAMES})
    server = Server(folder)
    monkeypatch.setattr(pm, 'FMNIST_BASE_URLS',
                        {n: (server.url, ) for n in FNAMES})
    yield server, tmp_path
    server.close()


def test_mfmnist_defaults():
    base = 'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/'
    assert pm.FMNIST_BASE_URLS == dict.fromkeys(FNAMES, (base, ))
    assert pm.FMNIST_CHECKSUMS == {
        FNAMES[0]: '8d4fb7e6c68d591d4c3dfef9ec88bf0d',
        FNAMES[1]: 'bef4ecab320f06d8554ea6380940ec79',
    }
    with pytest.raises(ValueError, match='unknown dataset'):
        pm.prepare_mmnist('unused', dataset='kth')


def test_mfmnist_download_then_keep(fashion):
    server, tmp = fashion
    results = pm.prepare_mmnist(str(tmp / 'data'), timeout=5,
                                dataset='mfmnist')
    assert results == dict.fromkeys(FNAMES, 'downloaded')
    assert sorted(server.requests) == sorted('/' + n for n in FNAMES)
    for name in FNAMES:
        assert (tmp / 'data/moving_fmnist' / name).read_bytes() == \
            (tmp / 'fwww' / name).read_bytes()
    assert os.listdir(tmp / 'data') == ['moving_fmnist']
    assert listing(tmp / 'data', 'moving_fmnist') == sorted(FNAMES)
    again = pm.prepare_mmnist(str(tmp / 'data'), dataset='mfmnist')
    assert again == dict.fromkeys(FNAMES, 'kept')
    assert len(server.requests) == 2  # nothing re-downloaded


def test_mfmnist_corrupt_download_leaves_no_file(fashion, monkeypatch):
    server, tmp = fashion
    # MNIST files served where Fashion-MNIST is expected: valid IDX, and
    # the right MD5s for mmnist, but not those of mfmnist.
    mnist = pm.prepare_mmnist(str(tmp / 'data'), from_dir=str(tmp / 'www'),
                              dataset='mfmnist')
    assert all('MD5' in r for r in mnist.values()), mnist
    server.truncate.add(FNAMES[1])
    results = pm.prepare_mmnist(str(tmp / 'data'), timeout=5,
                                dataset='mfmnist')
    assert results[FNAMES[0]] == 'downloaded'
    assert results[FNAMES[1]].startswith('failed')
    monkeypatch.setitem(pm.FMNIST_CHECKSUMS, FNAMES[0], '0' * 32)
    (tmp / 'data/moving_fmnist' / FNAMES[0]).unlink()
    results = pm.prepare_mmnist(str(tmp / 'data'), timeout=5,
                                dataset='mfmnist')
    assert results[FNAMES[0]].startswith('failed') and 'MD5' in \
        results[FNAMES[0]]
    assert listing(tmp / 'data', 'moving_fmnist') == []  # no partial files


def test_mfmnist_from_dir(fashion):
    _, tmp = fashion
    results = pm.prepare_mmnist(str(tmp / 'data'), from_dir=str(tmp / 'fwww'),
                                dataset='mfmnist')
    assert results == dict.fromkeys(FNAMES, 'copied')
    assert listing(tmp / 'data', 'moving_fmnist') == sorted(FNAMES)
    bad = tmp / 'bad'
    bad.mkdir()
    write_idx(bad / FNAMES[0], random_digits(2), compress=True, magic=2049)
    (bad / FNAMES[1]).write_bytes((tmp / 'fwww' / FNAMES[1]).read_bytes()[:40])
    results = pm.prepare_mmnist(str(tmp / 'd2'), from_dir=str(bad),
                                dataset='mfmnist')
    assert all(r.startswith('failed') for r in results.values()), results
    assert listing(tmp / 'd2', 'moving_fmnist') == []
    plain = tmp / 'plain'
    plain.mkdir()
    write_idx(plain / 't10k-images-idx3-ubyte', random_digits(2))
    results = pm.prepare_mmnist(str(tmp / 'd3'), from_dir=str(plain),
                                dataset='mfmnist')
    assert results[FNAMES[0]].startswith('failed: not found')
    assert results[FNAMES[1]] == 'copied'
    assert listing(tmp / 'd3', 'moving_fmnist') == ['t10k-images-idx3-ubyte']


def test_mfmnist_cli(fashion, capsys):
    server, tmp = fashion
    tool = load_tool()
    argv = ['mfmnist', '--data-root', str(tmp / 'data'), '--mirror',
            server.url + 'missing/', '--mirror', server.url, '--timeout', '5']
    assert tool.main(argv) == 0
    assert listing(tmp / 'data', 'moving_fmnist') == sorted(FNAMES)
    assert tool.main(['mfmnist', '--data-root', str(tmp / 'd2'), '--from',
                      str(tmp / 'nowhere')]) == 1
    assert 'not found' in capsys.readouterr().out
    assert not (tmp / 'd2' / 'moving_mnist').exists()


def test_mfmnist_config_uses_prepared_files(fashion, captured_logs):
    from mmengine.config import Config
    _, tmp = fashion
    config = ROOT / 'configs' / 'mfmnist' / 'predrnnv2.py'
    assert 'python tools/prepare_data.py mfmnist --data-root data' in \
        config.read_text()
    cfg = Config.fromfile(str(config))
    assert cfg.data_root == 'data/' + pm.FMNIST_SUBDIR
    pm.prepare_mmnist(str(tmp / 'data'), from_dir=str(tmp / 'fwww'),
                      dataset='mfmnist')
    folder = tmp / cfg.data_root
    sets = {}
    for split, loader in (('train', cfg.train_dataloader),
                          ('test', cfg.test_dataloader)):
        kwargs = dict(loader.dataset, data_root=str(folder), num_clips=3,
                      allow_stand_in=False)
        assert kwargs.pop('type') == 'MovingMNIST'
        assert kwargs['test_file'] is None
        sets[split] = MovingMNIST(**kwargs)
    assert sets['train'].digit_source == str(folder / FNAMES[0])
    assert sets['test'].digit_source == str(folder / FNAMES[1])
    assert sets['test'].test_set == 'generated'
    generated = set(os.listdir(folder)) - set(FNAMES)
    assert len(generated) == 1 and generated.pop().startswith(
        'generated_test_seq_')
