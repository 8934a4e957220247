"""Noise draws against their formulas, seeding, and parameter validation."""
import math

import numpy as np
import pytest

from engine.noise import POST_A_SCHEDULE, NoiseSpec, NoiseStream, noise_spec, parse_schedule, preview

N = 400_000


@pytest.mark.parametrize("spec,mean,sd", [
    (noise_spec("gaussian"), 0.0, 0.1),                       # 0.1·N(0,1)
    (noise_spec("poisson"), 0.1, 0.1),                        # 0.1·Poisson(1)
    (noise_spec("gamma"), 0.1, 0.1),                          # 0.1·Gamma(1,1) = 0.1·Exp(1)
    (noise_spec("uniform"), 0.45, 0.6 * 0.5 / math.sqrt(12)),  # 0.6·U[0.5,1)
    (noise_spec("gaussian", mean=2.0, std=3.0, scale=0.5), 1.0, 1.5),
    (noise_spec("gamma", alpha=4.0, beta=2.0, scale=1.0), 2.0, 1.0),
])
def test_noise_statistics_match_formula(spec, mean, sd):
    draw = spec.sample(np.random.default_rng(0), (N,))
    assert draw.dtype == np.float32
    assert abs(draw.mean() - mean) < 5 * sd / math.sqrt(N) + 1e-6
    assert abs(draw.std() - sd) < 0.01 * sd
    assert spec.added_mean() == pytest.approx(mean) and spec.added_std() == pytest.approx(sd)


def test_distribution_shapes_as_published():
    rng = np.random.default_rng(1)
    poisson = noise_spec("poisson").sample(rng, (N,))
    assert set(np.unique(np.round(poisson[:1000] / 0.1, 4))) <= set(range(20))   # values 0, 0.1, 0.2, ...
    assert abs((poisson == 0).mean() - math.exp(-1)) < 0.005                     # P(0) = 0.368
    assert noise_spec("gamma").sample(rng, (N,)).min() >= 0
    u = noise_spec("uniform").sample(rng, (N,))
    assert 0.3 - 1e-6 <= u.min() and u.max() < 0.6


def test_none_is_the_clean_image_and_values_are_not_clipped():
    x = np.full((2, 28, 28, 1), 0.9, np.float32)
    rng = np.random.default_rng(0)
    assert np.array_equal(noise_spec("none").apply(x, rng), x)
    assert noise_spec("uniform").apply(x, rng).max() > 1.0


def test_streams_are_seeded_and_draw_afresh():
    x = np.zeros((3, 28, 28, 1), np.float32)
    a, b = NoiseStream(POST_A_SCHEDULE, 5), NoiseStream(POST_A_SCHEDULE, 5)
    first = a(x)
    assert first.shape == (4, 3, 28, 28, 1)
    assert np.array_equal(first, b(x))
    assert not np.array_equal(first, a(x))          # a new draw every batch


def test_preview_per_timestep():
    images = np.zeros((2, 28, 28), np.float32)
    out = preview(images, POST_A_SCHEDULE, seed=3)
    assert out.shape == (4, 2, 28, 28)
    assert np.array_equal(out, preview(images, POST_A_SCHEDULE, seed=3))
    assert out[3].min() >= 0.3 - 1e-6               # uniform adds at least 0.6·0.5


@pytest.mark.parametrize("kind,params,word", [
    ("gaussian", {"std": -1}, "std"), ("poisson", {"lam": -0.5}, "lam"),
    ("gamma", {"alpha": 0}, "alpha"), ("uniform", {"low": 1, "high": 0.5}, "high"),
    ("gaussian", {"lam": 1}, "no parameter"), ("salt", {}, "unknown noise"),
    ("gaussian", {"scale": float("nan")}, "finite"),
])
def test_invalid_parameters_are_refused(kind, params, word):
    with pytest.raises(ValueError, match=word):
        NoiseSpec(kind, params)


def test_schedule_text_form():
    schedule = parse_schedule("none, gaussian(scale=0.2, std=2), poisson,uniform(low=0.25)")
    assert [s.kind for s in schedule] == ["none", "gaussian", "poisson", "uniform"]
    assert schedule[1].params == {"scale": 0.2, "mean": 0.0, "std": 2.0}
    assert schedule[3].params["low"] == 0.25 and schedule[3].params["high"] == 1.0
    for bad in ("gaussian(scale)", "gaussian(scale=x)", "salt", "uniform(low=2)"):
        with pytest.raises(ValueError):
            parse_schedule(bad)
