"""Optuna's own sampler conformance suites, run against SteeredSampler.

Twice: over an empty steering space (pure pass-through of unknown parameters) and with a
steering space that declares, narrows and sets a prior on the suites' parameter "x" with a
distribution the suites never use, so those hooks are live but must leave the suites' own
distributions alone.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from optuna.distributions import FloatDistribution
from optuna.samplers import BaseSampler, QMCSampler, RandomSampler, TPESampler
from optuna.testing.pytest_samplers import BasicSamplerTestCase, RelativeSamplerTestCase

from hcautoml_widgets.core.sampler import SteeredSampler
from hcautoml_widgets.core.space import SearchSpace
from hcautoml_widgets.core.steering import Steering


def _steered_elsewhere(base: Callable[[], BaseSampler]) -> Callable[[], BaseSampler]:
    def make() -> BaseSampler:
        steering = Steering(SearchSpace.from_any({"x": FloatDistribution(-1234.0, 1234.0)}))
        steering.narrow("x", 1.0, 2.0)
        steering.prior("x", 1.5, "high")
        return SteeredSampler(steering, base())
    return make


class TestSteeredTPE(BasicSamplerTestCase):
    @pytest.fixture
    def sampler(self) -> Callable[[], BaseSampler]:
        return lambda: SteeredSampler(None, TPESampler(n_startup_trials=3, multivariate=True))


class TestSteeredTPEWithLiveSteering(BasicSamplerTestCase):
    @pytest.fixture
    def sampler(self) -> Callable[[], BaseSampler]:
        return _steered_elsewhere(lambda: TPESampler(n_startup_trials=3, multivariate=True))


class TestSteeredRandom(BasicSamplerTestCase):
    @pytest.fixture
    def sampler(self) -> Callable[[], BaseSampler]:
        return _steered_elsewhere(RandomSampler)


class TestSteeredQMC(BasicSamplerTestCase, RelativeSamplerTestCase):
    """The relative suite wants a sampler that samples relatively from the first trial on."""

    @pytest.fixture
    def sampler(self) -> Callable[[], BaseSampler]:
        return _steered_elsewhere(lambda: QMCSampler(warn_independent_sampling=False))
