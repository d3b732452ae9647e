"""Memory decoupling loss (docs/en/model.md) on hand-made increments whose
cosines are known in closed form."""
import math

import pytest
import torch

from _spec_reference import ref_abs_cosines
from predrnn.models import decoupling_loss


def _maps(vectors, h=2, w=3):
    """(Ch, H*W) rows -> (1, Ch, H, W)."""
    return torch.as_tensor(vectors, dtype=torch.float64).reshape(
        1, len(vectors), h, w)


E = [[0.0] * 6 for _ in range(6)]
for _k in range(6):
    E[_k][_k] = 1.0


def test_orthogonal_maps_give_zero():
    a = _maps([E[0], E[1], [1, 1, 0, 0, 0, 0]])
    b = _maps([E[3], [0, 0, 3.0, 0, 0, 5.0],
               [1, -1, 0, 0, 0, 0]])
    assert decoupling_loss(a, b).item() == pytest.approx(0.0, abs=1e-15)


def test_identical_maps_give_one():
    gen = torch.Generator().manual_seed(0)
    a = torch.randn(3, 5, 4, 6, generator=gen, dtype=torch.float64)
    assert decoupling_loss(a, a).item() == pytest.approx(1.0, abs=1e-12)
    # scale does not matter (L2-normalised per (sample, channel))
    scale = torch.rand(3, 5, 1, 1, generator=gen, dtype=torch.float64) + 0.1
    assert decoupling_loss(a, scale * a).item() == pytest.approx(1.0,
                                                                 abs=1e-12)


def test_negated_maps_give_one_absolute_value():
    gen = torch.Generator().manual_seed(1)
    a = torch.randn(2, 4, 3, 5, generator=gen, dtype=torch.float64)
    assert decoupling_loss(a, -a).item() == pytest.approx(1.0, abs=1e-12)
    assert decoupling_loss(a, -3.0 * a).item() == pytest.approx(1.0,
                                                                abs=1e-12)


def test_mix_of_known_angles():
    """Channel k of b is at angle theta_k from channel k of a inside the
    plane of two spatial positions; expected mean(|cos theta_k|)."""
    thetas = [0.0, math.pi / 3, math.pi / 2, 2 * math.pi / 3, math.pi,
              math.pi / 4]
    a_rows, b_rows = [], []
    for k, th in enumerate(thetas):
        u = [0.0] * 6
        v = [0.0] * 6
        # two orthonormal spatial directions p, q (different per channel)
        p, q = k % 6, (k + 2) % 6
        u[p] = 2.0
        v[p] = 0.5 * math.cos(th)
        v[q] = 0.5 * math.sin(th)
        a_rows.append(u)
        b_rows.append(v)
    a, b = _maps(a_rows), _maps(b_rows)
    expected = sum(abs(math.cos(th)) for th in thetas) / len(thetas)
    # 1 + 0.5 + 0 + 0.5 + 1 + sqrt(2)/2 over 6
    assert expected == pytest.approx((3 + math.sqrt(0.5)) / 6)
    assert decoupling_loss(a, b).item() == pytest.approx(expected, abs=1e-12)


def test_mean_over_leading_dims_and_channels():
    """Mean over (steps, samples, channels), not a sum and not a mean of
    per-sample sums: compare with explicit per-(sample, channel) cosines."""
    gen = torch.Generator().manual_seed(2)
    a = torch.randn(3, 2, 4, 3, 5, generator=gen, dtype=torch.float64)
    b = torch.randn(3, 2, 4, 3, 5, generator=gen, dtype=torch.float64)
    cos = torch.stack([ref_abs_cosines(a[s], b[s]) for s in range(3)])
    assert decoupling_loss(a, b).item() == pytest.approx(cos.mean().item(),
                                                         abs=1e-12)
    # one (sample, channel) orthogonal, all others identical -> (n-1)/n
    x = torch.randn(2, 3, 2, 2, generator=gen, dtype=torch.float64)
    y = x.clone()
    y[1, 2] = torch.tensor([[1.0, -1.0], [0.0, 0.0]], dtype=torch.float64)
    x[1, 2] = torch.tensor([[1.0, 1.0], [5.0, -2.0]], dtype=torch.float64)
    # <x, y> = 1 - 1 = 0
    assert decoupling_loss(x, y).item() == pytest.approx(5 / 6, abs=1e-12)


def test_cosine_is_over_space_not_channels():
    """Two channels whose spatial maps are identical up to sign but whose
    channel vectors at each pixel are orthogonal: the loss must be 1."""
    a = torch.tensor([[[[1.0, 2.0]], [[3.0, -1.0]]]], dtype=torch.float64)
    b = torch.tensor([[[[-1.0, -2.0]], [[3.0, -1.0]]]], dtype=torch.float64)
    # (shape (1, 2, 1, 2)); per pixel channel vectors (1,3)·(-1,3) != 0
    assert decoupling_loss(a, b).item() == pytest.approx(1.0, abs=1e-12)


def test_gradient_flows_and_shape_mismatch_rejected():
    gen = torch.Generator().manual_seed(3)
    a = torch.randn(2, 3, 4, 4, generator=gen, requires_grad=True)
    b = torch.randn(2, 3, 4, 4, generator=gen)
    loss = decoupling_loss(a, b)
    loss.backward()
    assert a.grad is not None and a.grad.abs().sum() > 0
    with pytest.raises(ValueError, match='shape'):
        decoupling_loss(a, b[:, :2])
