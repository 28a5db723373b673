"""One shaper spec: ShaperSpec.parse / parse_shaper_specs, as wrappers, configs and grids read them."""
from __future__ import annotations

import gymnasium as gym
import pytest
import torch

from reward_plugins import RewardShaper, ShaperSpec, TransitionBatch, parse_shaper_specs
from reward_plugins.errors import NonFiniteRewardError, RewardPluginError, ShaperConfigError
from reward_plugins.wrappers import ShapedEnv


class Half(RewardShaper):
    def forward(self, batch: TransitionBatch) -> torch.Tensor:
        return torch.full((batch.batch_size,), 0.5)


def test_a_list_of_a_name_and_a_self_naming_dict_is_two_shapers():
    # was read as one (name, kwargs) pair: TypeError: CountBonus got an unexpected keyword 'name'
    env = ShapedEnv(gym.make("CartPole-v1"), ["count", {"name": "episodic_count", "kwargs": {}}])
    assert env.core.labels == ["count", "episodic_count"]
    env.reset(seed=0)
    comps = env.step(0)[4]["reward_components"]
    assert comps["count"] == pytest.approx(1.0) and comps["episodic_count"] == pytest.approx(1.0)  # 1/sqrt(1)


def test_every_form_of_an_entry_parses_to_the_same_spec():
    want = ShaperSpec("count", {"simhash_bits": 16}, 1.0)
    forms = [{"name": "count", "kwargs": {"simhash_bits": 16}}, {"name": "count", "simhash_bits": 16},
             ("count", {"simhash_bits": 16}), ["count", {"simhash_bits": 16}], want]
    assert [ShaperSpec.parse(f) for f in forms] == [want] * len(forms)
    assert ShaperSpec.parse("rnd") == ShaperSpec("rnd", {}, 1.0)
    assert parse_shaper_specs(("count", {"simhash_bits": 16})) == [want]  # a pair alone is one shaper
    assert parse_shaper_specs(["count", ("rnd", None)]) == [ShaperSpec("count"), ShaperSpec("rnd")]
    weight = {"schedule": "linear", "start": 1.0, "end": 0.0, "steps": 10}
    spec = ShaperSpec.parse({"name": "count", "weight": weight})
    assert ShaperSpec.parse(spec.to_dict()) == spec and spec.weight == weight
    half = Half("cpu")
    assert parse_shaper_specs([half, "count"], instances=True) == [half, ShaperSpec("count")]


@pytest.mark.parametrize("items, message", [
    (["count", "rnd", {"nme": "rnd"}], r"shapers\[2\]: a shaper dict must have a 'name' key, got keys \['nme'\]"),
    ([{"name": 3}], r"shapers\[0\]\.name must be a shaper name"),
    ([{"name": "count", "kwargs": [1]}], r"shapers\[0\]\.kwargs must be a mapping"),
    ([{"name": "count", "weight": "heavy"}], r"shapers\[0\]\.weight: a weight must be a number"),
    ([{"name": "count", "weight": True}], r"shapers\[0\]\.weight"),
    ([{"name": "count", "beta": 1, "kwargs": {"beta": 2}}], r"shapers\[0\]: argument\(s\) \['beta'\] given both"),
    (["count", 7], r"shapers\[1\]: cannot read a shaper from 7"),
    ("", r"shapers: a shaper name cannot be empty"),
    (42, r"shapers must be a shaper or a list of shapers"),
])
def test_malformed_entries_raise_naming_the_entry(items, message):
    with pytest.raises(ShaperConfigError, match=message):
        parse_shaper_specs(items)


def test_instances_are_refused_where_a_config_is_expected():
    with pytest.raises(ShaperConfigError, match="cannot be saved in a config"):
        parse_shaper_specs([Half("cpu")])


@pytest.mark.parametrize("items, message", [
    (["count", "nosuch"], r"shapers\[1\]: unknown shaper 'nosuch'; registered shapers: \[.*'count'"),
    ([{"name": "count", "bta": 1.0}], r"shapers\[0\]: shaper 'count' takes no argument\(s\) \['bta'\]; it takes \["),
    ([("rnd", {"lr": 1e-3, "nope": 1})], r"shapers\[0\]: shaper 'rnd' takes no argument\(s\) \['nope'\]"),
])
def test_wrappers_refuse_unknown_shapers_and_arguments_before_building(items, message):
    with pytest.raises(ShaperConfigError, match=message) as info:
        ShapedEnv(gym.make("CartPole-v1"), items)
    assert isinstance(info.value, RewardPluginError)


def test_spec_weights_are_the_wrapper_weights_unless_given_twice():
    env = ShapedEnv(gym.make("CartPole-v1"), [{"name": "count", "weight": 0.25}, "episodic_count"])
    assert env.current_weights == {"count": 0.25, "episodic_count": 1.0}
    env.reset(seed=0)
    _, reward, *_ = env.step(0)
    assert reward == pytest.approx(1.0 + 0.25 * 1.0 + 1.0)  # env + weighted count + episodic count
    with pytest.raises(ShaperConfigError, match=r"\['count'\] have a 'weight' in their spec and weights= was given"):
        ShapedEnv(gym.make("CartPole-v1"), [{"name": "count", "weight": 0.25}], weights=[1.0])


def test_composition_children_use_the_same_parser():
    env = ShapedEnv(gym.make("CartPole-v1"), {"name": "weighted_sum", "shapers": ["count", ["episodic_count", {}]],
                                                "weights": [1.0, 2.0]})
    env.reset(seed=0)
    comps = env.step(0)[4]["reward_components"]
    assert comps["weighted_sum"] == pytest.approx(3.0)
    assert comps["weighted_sum/count"] == pytest.approx(1.0)
    assert comps["weighted_sum/episodic_count"] == pytest.approx(1.0)
    with pytest.raises(ShaperConfigError, match=r"WeightedSum children\[1\]: unknown shaper 'nosuch'"):
        ShapedEnv(gym.make("CartPole-v1"), {"name": "weighted_sum", "shapers": ["count", "nosuch"]})
    with pytest.raises(ShaperConfigError, match=r"children \['count'\] have a 'weight'"):
        ShapedEnv(gym.make("CartPole-v1"), {"name": "weighted_sum", "shapers": [{"name": "count", "weight": 2}]})


NAN_SCHEDULE = {"schedule": "linear", "start": 1.0, "end": float("nan"), "steps": 10}


@pytest.mark.parametrize("weight", [float("nan"), float("inf"), -float("inf"), "nan", NAN_SCHEDULE])
def test_non_finite_weights_are_refused_when_the_spec_is_made(weight):
    with pytest.raises(ShaperConfigError, match="finite"):
        ShaperSpec("count", weight=weight)
    with pytest.raises(ShaperConfigError, match="finite"):
        ShapedEnv(gym.make("CartPole-v1"), [{"name": "count", "weight": weight}])
    with pytest.raises(ShaperConfigError, match="finite" if not isinstance(weight, str) else "weights"):
        ShapedEnv(gym.make("CartPole-v1"), "count", weights=weight)


@pytest.mark.parametrize(("args", "match"), [((3,), "non-empty string"), (("",), "non-empty string"),
                                             (("count", [1]), "kwargs must be a mapping")])
def test_malformed_specs_are_refused_when_made(args, match):
    with pytest.raises(ShaperConfigError, match=match):
        ShaperSpec(*args)


def test_a_weighted_sum_that_overflows_raises_or_is_zeroed():
    """Finite rewards times finite weights can still overflow float64: that is caught like NaN."""
    env = ShapedEnv(gym.make("CartPole-v1"), ["count", "episodic_count"], weights=1e308)
    env.reset(seed=0)
    with pytest.raises(NonFiniteRewardError, match="overflowed"):
        env.step(0)  # both bonuses are 1 on a first visit: 1e308 + 1e308 is inf
    warned = ShapedEnv(gym.make("CartPole-v1"), ["count", "episodic_count"], weights=1e308, on_nonfinite="warn")
    warned.reset(seed=0)
    _, reward, *_ = warned.step(0)
    assert reward == 1.0  # CartPole's own reward; the overflowed shaping is 0 for that step
