"""Curricula (docs/en/model.md): probabilities written out from the formulas,
the masks they sample, and per-clip keys that make a clip's mask independent
of how the global batch is split over processes."""
import math

import numpy as np
import pytest
import torch

from predrnn.models import (BaseCurriculum, ReverseScheduledSampling,
                            ScheduledSampling, TeacherForcing, inference_mask)
from predrnn.models.curricula import clip_seeds, global_batch_positions
from predrnn.registry import MODELS

S1, S2, ALPHA = 100, 300, 40.0
T_IN, T_TOTAL = 4, 9  # encoder steps 1..3, decoder steps 4..7


def rss_expected(it, s1=S1, s2=S2, alpha=ALPHA):
    """docs/en/model.md, reverse scheduled sampling."""
    if it < s1:
        return 0.5, 0.5
    if it < s2:
        return (1 - 0.5 * math.exp(-(it - s1) / alpha),
                0.5 - 0.5 * (it - s1) / (s2 - s1))
    return 1.0, 0.0


def ss_expected(it, rate, stop):
    """docs/en/model.md, scheduled sampling (encoder always ground truth)."""
    if it >= stop:
        return 1.0, 0.0
    return 1.0, max(0.0, 1.0 - it * rate)


@pytest.mark.parametrize('it', [0, 1, S1 - 1, S1, S1 + 1, (S1 + S2) // 2,
                                S1 + 37, S2 - 1, S2, S2 + 1, 10 * S2])
def test_rss_probabilities(it):
    rss = ReverseScheduledSampling(S1, S2, ALPHA)
    got = rss.probabilities(it)
    exp = rss_expected(it)
    assert got[0] == pytest.approx(exp[0], abs=1e-12)
    assert got[1] == pytest.approx(exp[1], abs=1e-12)


def test_rss_landmarks():
    rss = ReverseScheduledSampling(S1, S2, ALPHA)
    assert rss.probabilities(0) == (0.5, 0.5)
    assert rss.probabilities(S1)[0] == pytest.approx(0.5)
    assert rss.probabilities(S1)[1] == pytest.approx(0.5)
    mid = (S1 + S2) // 2
    assert rss.probabilities(mid)[1] == pytest.approx(0.25)
    assert rss.probabilities(mid)[0] == pytest.approx(
        1 - 0.5 * math.exp(-(mid - S1) / ALPHA))
    assert rss.probabilities(S2) == (1.0, 0.0)
    assert rss.probabilities(S2 + 12345) == (1.0, 0.0)


def test_rss_defaults_and_validation():
    rss = ReverseScheduledSampling()
    assert (rss.s1, rss.s2, rss.alpha) == (25000, 50000, 2500)
    assert rss.probabilities(37500)[1] == pytest.approx(0.25)
    assert rss.probabilities(30000)[0] == pytest.approx(
        1 - 0.5 * math.exp(-2.0))
    for bad in (dict(s1=10, s2=10), dict(s1=20, s2=10), dict(s1=-1, s2=5),
                dict(s1=1, s2=5, alpha=0)):
        with pytest.raises(ValueError):
            ReverseScheduledSampling(**bad)


@pytest.mark.parametrize('rate,stop', [(2e-5, 50000), (0.01, 1000),
                                       (1e-3, 400)])
@pytest.mark.parametrize('it', [0, 1, 99, 100, 250, 399, 400, 999, 1000,
                                25000, 49999, 50000, 70000])
def test_ss_probabilities(rate, stop, it):
    got = ScheduledSampling(rate, stop).probabilities(it)
    exp = ss_expected(it, rate, stop)
    assert got[0] == 1.0
    assert got[1] == pytest.approx(exp[1], abs=1e-12)


def test_ss_defaults_and_validation():
    ss = ScheduledSampling()
    assert (ss.rate, ss.stop_iter) == (2e-5, 50000)
    assert ss.probabilities(25000)[1] == pytest.approx(0.5)
    assert ss.probabilities(49999)[1] == pytest.approx(2e-5)
    assert ss.probabilities(50000)[1] == 0.0
    with pytest.raises(ValueError):
        ScheduledSampling(rate=-1.0)
    with pytest.raises(ValueError):
        ScheduledSampling(stop_iter=-1)


def _check_mask_basics(mask, b):
    assert mask.shape == (b, T_TOTAL - 1)
    assert mask.dtype == torch.float32
    assert ((mask == 0) | (mask == 1)).all()
    assert (mask[:, 0] == 1).all()


@pytest.mark.parametrize('it', [0, S1, (S1 + S2) // 2, S1 + 10, S2, S2 + 5])
def test_rss_sampled_masks_match_probabilities(it):
    rss = ReverseScheduledSampling(S1, S2, ALPHA)
    b = 20000
    gen = torch.Generator().manual_seed(it)
    mask = rss.sample(b, T_IN, T_TOTAL, it, generator=gen)
    _check_mask_basics(mask, b)
    p_enc, p_dec = rss_expected(it)
    enc, dec = mask[:, 1:T_IN], mask[:, T_IN:]
    assert dec.shape[1] == T_TOTAL - 1 - T_IN
    # per step and per phase, within ~6 sigma of a 20000-sample mean
    tol = 6 * math.sqrt(0.25 / b) + 1e-9
    for col in enc.T:
        assert col.mean().item() == pytest.approx(p_enc, abs=tol)
    for col in dec.T:
        assert col.mean().item() == pytest.approx(p_dec, abs=tol)
    if p_enc == 1.0:
        assert (enc == 1).all()
    if p_dec == 0.0:
        assert (dec == 0).all()


def test_masks_are_independent_per_sample_and_step():
    rss = ReverseScheduledSampling(S1, S2, ALPHA)
    mask = rss.sample(4000, T_IN, T_TOTAL, 0,
                      generator=torch.Generator().manual_seed(0))
    body = mask[:, 1:]
    # not one draw per step shared by the batch, nor one per sample
    assert (body != body[:1]).any()
    assert (body != body[:, :1]).any()
    # pairwise: P(both 1) ~ 1/4 for two different steps
    both = (body[:, 0] * body[:, -1]).mean().item()
    assert both == pytest.approx(0.25, abs=0.04)


@pytest.mark.parametrize('it', [0, 100, 25000, 49999, 60000])
def test_ss_encoder_always_ground_truth(it):
    ss = ScheduledSampling(2e-5, 50000)
    b = 20000
    mask = ss.sample(b, T_IN, T_TOTAL, it,
                     generator=torch.Generator().manual_seed(1))
    _check_mask_basics(mask, b)
    assert (mask[:, :T_IN] == 1).all()
    p_dec = ss_expected(it, 2e-5, 50000)[1]
    tol = 6 * math.sqrt(0.25 / b) + 1e-9
    for col in mask[:, T_IN:].T:
        assert col.mean().item() == pytest.approx(p_dec, abs=tol)


def test_teacher_forcing_all_ones():
    mask = TeacherForcing().sample(3, T_IN, T_TOTAL, 123456)
    _check_mask_basics(mask, 3)
    assert (mask == 1).all()
    assert TeacherForcing().probabilities(0) == (1.0, 1.0)


def test_generator_makes_masks_reproducible():
    rss = ReverseScheduledSampling(S1, S2, ALPHA)
    a = rss.sample(8, T_IN, T_TOTAL, 0,
                   generator=torch.Generator().manual_seed(3))
    b = rss.sample(8, T_IN, T_TOTAL, 0,
                   generator=torch.Generator().manual_seed(3))
    assert torch.equal(a, b)


def test_mask_device():
    dev = torch.device('cpu')
    mask = ReverseScheduledSampling(S1, S2, ALPHA).sample(
        2, T_IN, T_TOTAL, 0, device=dev)
    assert mask.device == dev and mask.dtype == torch.float32
    mask = inference_mask(2, T_IN, T_TOTAL, device=dev)
    assert mask.device == dev and mask.dtype == torch.float32
    if torch.cuda.is_available():  # pragma: no cover - CPU-only CI
        cuda = torch.device('cuda', 0)
        assert ScheduledSampling().sample(2, T_IN, T_TOTAL, 0,
                                          device=cuda).device == cuda


def test_inference_mask_exact():
    mask = inference_mask(3, T_IN, T_TOTAL)
    expected = torch.zeros(3, T_TOTAL - 1)
    for t in range(T_TOTAL - 1):
        # steps 0..T_in-1 take the ground truth (step T_in-1 feeds the last
        # observed frame); steps T_in..T-2 the previous prediction
        if t < T_IN:
            expected[:, t] = 1.0
    assert torch.equal(mask, expected)


def test_base_curriculum_is_abstract_and_repr():
    with pytest.raises(NotImplementedError):
        BaseCurriculum().probabilities(0)
    text = repr(ReverseScheduledSampling(S1, S2, ALPHA))
    assert 'ReverseScheduledSampling' in text and 's1=100' in text


def test_curricula_are_registered():
    rss = MODELS.build(dict(type='ReverseScheduledSampling', s1=1, s2=3,
                            alpha=2.0))
    assert isinstance(rss, ReverseScheduledSampling)
    assert isinstance(MODELS.build(dict(type='ScheduledSampling')),
                      ScheduledSampling)
    assert isinstance(MODELS.build(dict(type='TeacherForcing')),
                      TeacherForcing)


# --------------------------------------------------------------------------
# per-clip keys: masks independent of the batch split
# --------------------------------------------------------------------------
def keyed_masks(seed, iteration, batch_size, rank, world_size,
                curriculum=None):
    curriculum = curriculum or ReverseScheduledSampling(S1, S2, ALPHA)
    positions = global_batch_positions(batch_size, rank, world_size)
    return curriculum.sample(batch_size, T_IN, T_TOTAL, iteration,
                             keys=clip_seeds(seed, iteration, positions))


def test_keyed_mask_is_uniform_below_probability():
    """Row b is ``uniform(key_b) < p`` per step, written out with numpy."""
    it = (S1 + S2) // 2
    rss = ReverseScheduledSampling(S1, S2, ALPHA)
    p_enc, p_dec = rss.probabilities(it)
    keys = clip_seeds(5, it, [0, 1, 2])
    mask = rss.sample(3, T_IN, T_TOTAL, it, keys=keys)
    _check_mask_basics(mask, 3)
    for b, pos in enumerate([0, 1, 2]):
        u = np.random.default_rng(
            np.random.SeedSequence([5, it, pos, 0x6D61736B])).random(
                T_TOTAL - 1)
        p = np.array([1.0] + [p_enc] * (T_IN - 1) +
                     [p_dec] * (T_TOTAL - 1 - T_IN))
        assert mask[b].tolist() == (u < p).astype(np.float32).tolist()


def test_global_batch_positions_interleave_like_mmengine_samplers():
    assert global_batch_positions(4, 0, 1) == [0, 1, 2, 3]
    assert global_batch_positions(2, 0, 2) == [0, 2]
    assert global_batch_positions(2, 1, 2) == [1, 3]
    assert global_batch_positions(1, 3, 4) == [3]
    with pytest.raises(ValueError, match='rank'):
        global_batch_positions(2, 2, 2)


@pytest.mark.parametrize('sampler', [
    'InfiniteSampler', 'DefaultSampler', 'InfiniteEpochIndexSampler',
    'EpochIndexSampler'])
def test_masks_of_a_clip_do_not_depend_on_the_batch_split(sampler,
                                                          monkeypatch):
    """The global batch of 8 clips split as 1 x 8, 2 x 4, 4 x 2 and 8 x 1:
    the sampler itself (mmengine's or the plugin's, told the rank and world
    size) deals the clips; every clip gets the same mask under every split,
    at two iterations of the random phase. The 8 clips' masks are not all
    the same."""
    import mmengine.dataset.sampler as sampler_module
    import predrnn.datasets.samplers as plugin_samplers
    classes = dict(InfiniteSampler=sampler_module.InfiniteSampler,
                   DefaultSampler=sampler_module.DefaultSampler,
                   InfiniteEpochIndexSampler=plugin_samplers.
                   InfiniteEpochIndexSampler,
                   EpochIndexSampler=plugin_samplers.EpochIndexSampler)
    dataset = list(range(32))
    seed, global_batch = 11, 8
    by_split = {}
    for world in (1, 2, 4, 8):
        batch = global_batch // world
        masks = {}
        for rank in range(world):
            monkeypatch.setattr(sampler_module, 'get_dist_info',
                                lambda rank=rank, world=world: (rank, world))
            stream = iter(classes[sampler](dataset, shuffle=True, seed=3))
            for it in (S1 + 5, S1 + 60):
                clips = [next(stream) for _ in range(batch)]
                rows = keyed_masks(seed, it, batch, rank, world)
                for clip, row in zip(clips, rows):
                    assert (it, clip) not in masks
                    masks[(it, clip)] = row.tolist()
        by_split[world] = masks
    assert len(by_split[1]) == 2 * global_batch
    for world in (2, 4, 8):
        assert by_split[world] == by_split[1], world
    rows = {str(row) for row in by_split[1].values()}
    assert len(rows) > global_batch  # clips (and iterations) differ


def test_keyed_masks_follow_seed_iteration_and_probabilities():
    a = keyed_masks(1, S1 + 5, 64, 0, 1)
    assert torch.equal(a, keyed_masks(1, S1 + 5, 64, 0, 1))
    assert not torch.equal(a, keyed_masks(2, S1 + 5, 64, 0, 1))
    assert not torch.equal(a, keyed_masks(1, S1 + 6, 64, 0, 1))
    # the probabilities still come from the curriculum
    assert (keyed_masks(1, S2, 64, 0, 1) == inference_mask(
        64, T_IN, T_TOTAL)).all()
    assert (keyed_masks(1, 0, 64, 0, 1,
                        curriculum=TeacherForcing()) == 1).all()
    rss = ReverseScheduledSampling(S1, S2, ALPHA)
    it, b = S1 + 30, 20000
    mask = rss.sample(b, T_IN, T_TOTAL, it,
                      keys=clip_seeds(0, it, list(range(b))))
    p_enc, p_dec = rss_expected(it)
    tol = 6 * math.sqrt(0.25 / b)
    assert mask[:, 1:T_IN].mean().item() == pytest.approx(p_enc, abs=tol)
    assert mask[:, T_IN:].mean().item() == pytest.approx(p_dec, abs=tol)
    with pytest.raises(ValueError, match='keys'):
        rss.sample(3, T_IN, T_TOTAL, it, keys=clip_seeds(0, it, [0, 1]))
