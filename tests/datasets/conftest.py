"""Fixtures of the Moving MNIST tests."""
import pytest
from mmnist_helpers import NAMES, Server, make_files, random_digits, write_idx


@pytest.fixture
def mnist_root(tmp_path):
    """A data root holding tiny MNIST train and test IDX files (gzipped)."""
    write_idx(tmp_path / 'train-images-idx3-ubyte.gz', random_digits(12),
              compress=True)
    write_idx(tmp_path / 't10k-images-idx3-ubyte.gz',
              random_digits(7, seed=1), compress=True)
    return tmp_path


@pytest.fixture
def captured_logs(monkeypatch):
    """Messages logged through print_log by the dataset modules; also
    resets the once-per-process warnings."""
    from predrnn.datasets import digit_source, moving_mnist
    messages = []

    def fake_print_log(msg, logger=None, level=None):
        messages.append(msg)

    monkeypatch.setattr(digit_source, '_warned', set())
    monkeypatch.setattr(digit_source, 'print_log', fake_print_log)
    monkeypatch.setattr(moving_mnist, 'print_log', fake_print_log)
    return messages


@pytest.fixture
def served(tmp_path, monkeypatch):
    """A local HTTP server (127.0.0.1) serving tiny versions of the three
    Moving MNIST files from ``tmp_path / 'www'``; their MD5s are patched in
    as the published ones. Yields ``(server, tmp_path)``."""
    from predrnn.datasets import mmnist_files as mf
    md5s = make_files(tmp_path / 'www')
    monkeypatch.setattr(mf, 'CHECKSUMS', md5s)
    # Never reach a real host, even by mistake.
    monkeypatch.setattr(mf, 'BASE_URLS', {n: ('http://127.0.0.1:9/', )
                                          for n in NAMES})
    server = Server(tmp_path / 'www')
    yield server, tmp_path
    server.close()
