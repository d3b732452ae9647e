"""Fixtures of the Moving MNIST tests."""
import pytest
from mmnist_helpers import random_digits, write_idx


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
