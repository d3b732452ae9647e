"""tools/prepare_data.py mmnist and mfmnist against a local HTTP server
(127.0.0.1)."""
import gzip
import hashlib
import importlib.util
import os
from pathlib import Path

import numpy as np
import pytest
from mmnist_helpers import NAMES, Server, make_files, random_digits, write_idx

from predrnn.datasets import MovingMNIST
from predrnn.datasets import mmnist_files as mf
from predrnn.datasets import prepare_mmnist as pm

FNAMES = NAMES[:2]  # Moving Fashion-MNIST: no standard test file
ROOT = Path(__file__).parents[2]
TOOL = ROOT / 'tools' / 'prepare_data.py'


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
    # The .npy is not compressed: its MD5 is a checksum of its content.
    monkeypatch.setitem(mf.CHECKSUMS, NAMES[2], '0' * 32)
    results = pm.prepare_mmnist(str(tmp / 'data'), mirrors=[server.url])
    assert results[NAMES[2]].startswith('failed') and 'MD5' in \
        results[NAMES[2]]
    assert listing(tmp / 'data') == sorted(NAMES[:2])  # no partial files


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
    assert results[NAMES[0]].startswith('downloaded; the old file')
    assert pm.validate(str(folder / NAMES[0]), NAMES[0]).status == \
        'published'
    # Replaced only once the new file was in hand, and moved aside, not
    # deleted.
    backups = list(folder.glob(NAMES[0] + '.bak-*'))
    assert len(backups) == 1 and backups[0].read_bytes() == b'garbage'
    assert str(backups[0]) in results[NAMES[0]]


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
    assert not (tmp / 'data').exists()  # nor the folders it made


def test_from_dir_accepts_uncompressed_idx(served):
    _, tmp = served
    plain = tmp / 'plain'
    plain.mkdir()
    write_idx(plain / 'train-images-idx3-ubyte', random_digits(2))
    results = pm.prepare_mmnist(str(tmp / 'data'), from_dir=str(plain))
    # No checksum of MNIST's decompressed content is known: accepted on its
    # structure, and said so.
    assert results[NAMES[0]].startswith('copied (NOT verified')
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
    assert 'not found' in capsys.readouterr().err


def test_cli_without_network_says_what_else_works(tmp_path, capsys):
    """Nothing listens on port 9: each failure is printed once, the folders
    the tool made are removed again, and the message names --from,
    --mirror and training on the stand-in."""
    import subprocess
    import sys
    mirror = ['--mirror', 'http://127.0.0.1:9/', '--timeout', '5']
    proc = subprocess.run(
        [sys.executable, str(TOOL), 'mmnist', '--data-root',
         str(tmp_path / 'new' / 'data')] + mirror,
        capture_output=True, text=True, timeout=120)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 1, output
    for name in NAMES:
        assert output.count(f'http://127.0.0.1:9/{name}') == 1, output
    assert '--from DIR' in output and '--mirror URL' in output
    assert 'stand-in' in output and 'tools/train.py' in output
    assert not (tmp_path / 'new').exists()
    # a folder of the user's stays, even empty
    (tmp_path / 'mine').mkdir()
    assert load_tool().main(
        ['mmnist', '--data-root', str(tmp_path / 'mine')] + mirror) == 1
    assert os.listdir(tmp_path / 'mine') == []
    assert '--from DIR' in capsys.readouterr().err


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
    monkeypatch.setattr(mf, 'FMNIST_CHECKSUMS', {
        n: hashlib.md5((folder / n).read_bytes()).hexdigest()
        for n in FNAMES
    })
    monkeypatch.setattr(mf, 'FMNIST_CONTENT_SHA256', {
        n: hashlib.sha256(gzip.decompress(
            (folder / n).read_bytes())).hexdigest()
        for n in FNAMES
    })
    monkeypatch.setattr(mf, 'CHECKSUMS', make_files(tmp_path / 'www'))
    monkeypatch.setattr(mf, 'BASE_URLS', {n: ('http://127.0.0.1:9/', )
                                          for n in NAMES})
    server = Server(folder)
    monkeypatch.setattr(mf, 'FMNIST_BASE_URLS',
                        {n: (server.url, ) for n in FNAMES})
    yield server, tmp_path
    server.close()


def test_mfmnist_defaults():
    base = 'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/'
    assert mf.FMNIST_BASE_URLS == dict.fromkeys(FNAMES, (base, ))
    assert mf.FMNIST_CHECKSUMS == {
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
    # the right MD5s for mmnist, but not the content of mfmnist.
    mnist = pm.prepare_mmnist(str(tmp / 'data'), from_dir=str(tmp / 'www'),
                              dataset='mfmnist')
    assert all(r.startswith('failed') and 'SHA-256' in r
               for r in mnist.values()), mnist
    server.truncate.add(FNAMES[1])
    results = pm.prepare_mmnist(str(tmp / 'data'), timeout=5,
                                dataset='mfmnist')
    assert results[FNAMES[0]] == 'downloaded'
    assert results[FNAMES[1]].startswith('failed')
    monkeypatch.setitem(mf.FMNIST_CHECKSUMS, FNAMES[0], '0' * 32)
    monkeypatch.setitem(mf.FMNIST_CONTENT_SHA256, FNAMES[0], '0' * 64)
    (tmp / 'data/moving_fmnist' / FNAMES[0]).unlink()
    results = pm.prepare_mmnist(str(tmp / 'data'), timeout=5,
                                dataset='mfmnist')
    assert results[FNAMES[0]].startswith('failed') and 'SHA-256' in \
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
    assert not (tmp / 'd2').exists()  # nor the folders it made
    plain = tmp / 'plain'
    plain.mkdir()
    # The published content, uncompressed: verified by its content checksum.
    (plain / 't10k-images-idx3-ubyte').write_bytes(
        gzip.decompress((tmp / 'fwww' / FNAMES[1]).read_bytes()))
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
    assert 'not found' in capsys.readouterr().err
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
    assert sets['test'].test_set['name'] == 'generated'
    generated = {f for f in os.listdir(folder)
                 if not f.startswith('.')} - set(FNAMES)  # not the sidecar
    assert len(generated) == 1 and generated.pop().startswith(
        'generated_test_seq_')
