"""Shared setup of the model tests."""
import pytest
import torch


@pytest.fixture(autouse=True)
def _one_thread():
    """The tensors here are tiny: intra-op threads only add synchronisation
    (and on a busy 2-core machine, spin-waiting that makes the suite ~5x
    slower). Restored after every test so other test folders are unaffected.
    """
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(old)
