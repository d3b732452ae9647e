"""Optional LPIPS: computed only from local files, skipped with one line."""
import importlib.machinery
import os
import os.path as osp
import socket
import sys
import types
import urllib.request

import numpy as np
import pytest
import torch

import predrnn.evaluation.video_prediction_metric as vpm
from predrnn.evaluation import (VideoPredictionMetric,
                                backbone_weights_location)


@pytest.fixture
def no_network(monkeypatch):
    """Any connection attempt fails the test."""
    def refuse(*args, **kwargs):
        raise AssertionError(f'network access attempted: {args}')
    monkeypatch.setattr(socket.socket, 'connect', refuse)
    monkeypatch.setattr(socket, 'create_connection', refuse)
    monkeypatch.setattr(urllib.request, 'urlopen', refuse)


@pytest.fixture
def empty_torch_home(tmp_path, monkeypatch):
    monkeypatch.setenv('TORCH_HOME', str(tmp_path / 'torch_home'))
    return tmp_path / 'torch_home'


@pytest.fixture
def logged(monkeypatch):
    lines = []
    monkeypatch.setattr(vpm, 'print_log',
                        lambda msg, *a, **k: lines.append(str(msg)))
    return lines


def clips(num=2, channels=1, size=32, seed=0):
    rng = np.random.default_rng(seed)
    return [dict(pred=rng.random((2, channels, size, size)) * 1.2 - 0.1,
                 gt=rng.random((2, channels, size, size)),
                 inputs=rng.random((2, channels, size, size)))
            for _ in range(num)]


def run(metric, batches):
    for batch in batches:
        metric.process({}, batch)
    return metric.compute_metrics(metric.results)


def _installed_or_fake(monkeypatch):
    """The real lpips if installed; else a stand-in that must never be
    used to build a model (the weights are missing)."""
    try:
        import lpips  # noqa: F401
    except ImportError:
        fake = types.ModuleType('lpips')
        fake.__spec__ = importlib.machinery.ModuleSpec('lpips', None)

        def forbidden(*args, **kwargs):
            raise AssertionError('LPIPS built without its weights')
        fake.LPIPS = forbidden
        monkeypatch.setitem(sys.modules, 'lpips', fake)


def test_missing_weights_skip_with_one_line_and_no_download(
        monkeypatch, no_network, empty_torch_home, logged):
    _installed_or_fake(monkeypatch)
    metric = VideoPredictionMetric(lpips=True)
    m = run(metric, [clips(), clips(seed=1)])
    assert len(logged) == 1, logged
    expected_path = osp.join(str(empty_torch_home), 'hub', 'checkpoints',
                             'alexnet-owt-7be5be79.pth')
    assert 'LPIPS skipped' in logged[0] and expected_path in logged[0]
    assert not any('lpips' in key for key in m)
    assert 'mse' in m and 'copy_last/ssim' in m


def test_missing_package_skips_with_one_line(monkeypatch, logged):
    monkeypatch.setitem(sys.modules, 'lpips', None)  # import lpips fails
    m = run(VideoPredictionMetric(lpips=True), [clips()])
    assert len(logged) == 1 and 'pip install lpips' in logged[0]
    assert 'lpips' not in m


def test_channels_other_than_one_or_three_skip(logged):
    m = run(VideoPredictionMetric(lpips=True), [clips(channels=2, size=8)])
    assert len(logged) == 1 and '1 or 3 channels' in logged[0]
    assert 'lpips' not in m


def test_bad_backbone_name():
    with pytest.raises(ValueError, match='lpips_net'):
        VideoPredictionMetric(lpips=True, lpips_net='resnet')


@pytest.mark.parametrize('channels', [1, 3])
@pytest.mark.parametrize('authors', [False, True])
def test_matches_the_lpips_package(channels, authors, no_network,
                                   empty_torch_home):
    lpips = pytest.importorskip('lpips')
    import torchvision
    path, _ = backbone_weights_location('alex')
    assert path.startswith(str(empty_torch_home))
    torch.manual_seed(0)  # stand-in backbone weights put in the hub cache
    state = torchvision.models.alexnet(weights=None).state_dict()
    os.makedirs(osp.dirname(path))
    torch.save(state, path)
    data = clips(channels=channels)
    m = run(VideoPredictionMetric(lpips=True, authors_convention=authors),
            [data])
    # reference: the package's usual constructor, which reads torchvision's
    # cache (the network is blocked), frames in [0, 1]
    ref_model = lpips.LPIPS(net='alex', verbose=False)
    values, base = [], []
    for clip in data:
        gt = torch.tensor(clip['gt'], dtype=torch.float32)
        for pred, out in ((clip['pred'], values),
                          (np.broadcast_to(clip['inputs'][-1],
                                           clip['gt'].shape), base)):
            pred = torch.tensor(np.clip(pred, 0, 1), dtype=torch.float32)
            if channels == 1:
                pred, target = pred.repeat(1, 3, 1, 1), gt.repeat(1, 3, 1, 1)
            else:
                target = gt
            with torch.no_grad():
                # ours maps [0, 1] to [-1, 1]; the authors fed [0, 1] as is
                d = ref_model(pred, target, normalize=not authors)
            out.extend(d.flatten().tolist())
    assert m['lpips'] == pytest.approx(np.mean(values), rel=1e-5)
    assert m['copy_last/lpips'] == pytest.approx(np.mean(base), rel=1e-5)
    assert len(m['lpips_per_step']) == 2


def test_declared_units_map_back_to_the_same_frames(no_network,
                                                    empty_torch_home):
    """A [0, 255] range declaration feeds LPIPS the same [0, 1] frames."""
    pytest.importorskip('lpips')
    import torchvision
    path, _ = backbone_weights_location('alex')
    os.makedirs(osp.dirname(path))
    torch.save(torchvision.models.alexnet(weights=None).state_dict(), path)
    data = clips(seed=3)
    plain = run(VideoPredictionMetric(lpips=True), [data])
    metric = VideoPredictionMetric(lpips=True)
    metric.dataset_meta = dict(normalization=dict(
        kind='range', scale=[255.0], offset=[0.0], data_range=[0, 255]))
    units = run(metric, [data])
    assert units['lpips'] == pytest.approx(plain['lpips'], rel=1e-6)


def test_broken_weights_file_skips_naming_the_file(monkeypatch, tmp_path,
                                                   no_network,
                                                   empty_torch_home, logged):
    """A truncated download in the hub cache: one line naming the file and
    the URL to replace it from, no crash, no download."""
    lin_dir = tmp_path / 'fake_lpips' / 'weights' / 'v0.1'
    lin_dir.mkdir(parents=True)
    torch.save({'lin0.model.1.weight': torch.ones(1, 2, 1, 1)},
               str(lin_dir / 'alex.pth'))
    fake = types.ModuleType('lpips')
    fake.__spec__ = importlib.machinery.ModuleSpec('lpips', None)
    fake.__file__ = str(tmp_path / 'fake_lpips' / '__init__.py')

    class Stand(torch.nn.Module):  # the keys lpips.LPIPS has, in small
        def __init__(self, **kwargs):
            super().__init__()
            self.net = torch.nn.Module()
            self.net.slice1 = torch.nn.Sequential(torch.nn.Conv2d(3, 2, 1))
            self.lin0 = torch.nn.Module()
            self.lin0.model = torch.nn.Sequential(torch.nn.Dropout(),
                                                  torch.nn.Conv2d(2, 1, 1))
    fake.LPIPS = Stand
    monkeypatch.setitem(sys.modules, 'lpips', fake)
    path, url = backbone_weights_location('alex')
    os.makedirs(osp.dirname(path))
    with open(path, 'wb') as f:
        f.write(b'PK\x03\x04 truncated')
    m = run(VideoPredictionMetric(lpips=True), [clips()])
    assert len(logged) == 1, logged
    assert path in logged[0] and url in logged[0]
    assert 'lpips' not in m and 'mse' in m
