"""YAML hyperparameter tables: layer order, deep merge of dicts, overrides, schedules."""
import pytest

from agentenvs.errors import ConfigError
from baselines.hyperparams import algo_kwargs, load_table, resolve_hyperparams


@pytest.fixture
def table_dir(tmp_path):
    (tmp_path / "ppo.yaml").write_text(
        "default:\n  policy: auto\n  n_steps: 128\n  gamma: 0.99\n  policy_kwargs: {net_arch: [64, 64]}\n"
        "fam/Env-*:\n  gamma: 0.9\n  ent_coef: 0.05\n"
        "fam/Env-Tiny-v0:\n  n_steps: 64\n  policy_kwargs: {activation_fn: relu}\n"
    )
    return tmp_path


def test_layers_merge_default_then_pattern_then_exact_id(table_dir):
    hp = resolve_hyperparams("ppo", "fam/Env-Tiny-v0", directory=table_dir)
    assert hp["n_steps"] == 64  # exact id
    assert hp["gamma"] == 0.9 and hp["ent_coef"] == 0.05  # pattern
    assert hp["policy_kwargs"] == {"net_arch": [64, 64], "activation_fn": "relu"}  # deep merge


def test_other_ids_get_only_matching_layers(table_dir):
    assert resolve_hyperparams("ppo", "fam/Env-Big-v0", directory=table_dir)["n_steps"] == 128
    assert resolve_hyperparams("ppo", "Other-v0", directory=table_dir)["gamma"] == 0.99


def test_overrides_win_and_merge_into_dicts(table_dir):
    hp = resolve_hyperparams("ppo", "fam/Env-Tiny-v0", {"n_steps": 8, "policy_kwargs": {"net_arch": [32]}},
                             directory=table_dir)
    assert hp["n_steps"] == 8
    assert hp["policy_kwargs"] == {"net_arch": [32], "activation_fn": "relu"}


def test_maskable_ppo_reads_the_ppo_table(table_dir):
    assert resolve_hyperparams("maskable_ppo", "fam/Env-Tiny-v0", directory=table_dir)["n_steps"] == 64


def test_unknown_algo_names_the_known_ones(table_dir):
    with pytest.raises(ConfigError, match="known algos: \\['ppo'\\]"):
        load_table("sac", table_dir)


def test_algo_kwargs_drops_meta_keys_and_builds_linear_schedules():
    kwargs = algo_kwargs({"policy": "auto", "learning_rate": "lin_1e-3", "n_steps": 8})
    assert "policy" not in kwargs and kwargs["n_steps"] == 8
    assert kwargs["learning_rate"](1.0) == pytest.approx(1e-3)
    assert kwargs["learning_rate"](0.25) == pytest.approx(2.5e-4)
    with pytest.raises(ConfigError, match="lin_<float>"):
        algo_kwargs({"learning_rate": "lin_fast"})


@pytest.mark.parametrize("algo", ["ppo", "a2c", "dqn"])
def test_shipped_tables_have_a_default_entry(algo):
    table = load_table(algo)
    assert "default" in table and table["default"]["policy"] == "auto"
