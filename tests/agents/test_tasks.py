"""Task rows: serialisable, disjoint by split, pinned by checksum, and replayed exactly by reset(options=row)."""
import hashlib
import json

import pytest

import agentenvs
from agentenvs.agents import make, tasks
from agentenvs.agents.tasks import DEFAULT_RANGES, split_range
from agentenvs.errors import ConfigError
from agentenvs.registration import get_entry, llm_facing_ids, missing_extra
from agentenvs.shop.splits import SPLITS as SHOP_SPLITS
from agentenvs.text.quest.env import SPLIT_SEEDS

PINNED = {  # sha256 (first 16 hex) of the first 3 rows of each split and their first observations
    ("agentenvs/Sokoban-Text-v0", "train"): "5b21efedc3c1da3c",
    ("agentenvs/Sokoban-Text-v0", "val"): "6a421810261a20e5",
    ("agentenvs/Sokoban-Text-v0", "test"): "0b75fcc00e77351e",
    ("agentenvs/TextQuest-v0", "train"): "e96826508346912c",
    ("agentenvs/TextQuest-v0", "val"): "232c61fa0a3854d7",
    ("agentenvs/TextQuest-v0", "test"): "d16169557f368a1f",
    ("agentenvs/TextShop-v0", "train"): "0bdc99a7223a3d1c",
    ("agentenvs/TextShop-v0", "val"): "3fa61e2b130e11e3",
    ("agentenvs/TextShop-v0", "test"): "92c9cdc634e3d3b2",
}


def _skip_missing(env_id):
    extra = missing_extra(get_entry(env_id))
    if extra:
        pytest.skip(f"{env_id} needs the {extra!r} extra")


def test_the_llm_facing_ids_are_marked_in_the_registry():
    assert set(llm_facing_ids()) >= {"agentenvs/Sokoban-Text-v0", "agentenvs/TextQuest-v0", "agentenvs/TextShop-v0"}
    assert "agentenvs/Sokoban-v0" not in llm_facing_ids() and "agentenvs/TextQuest-Discrete-v0" not in llm_facing_ids()
    assert get_entry("agentenvs/TextShop-v0").max_turns == 15


@pytest.mark.parametrize(("env_id", "split"), sorted(PINNED))
def test_split_checksums_are_pinned(env_id, split):
    _skip_missing(env_id)
    env = make(env_id)
    digest = hashlib.sha256()
    for row in tasks(env_id, split, 3):
        obs, _ = env.reset(options=row)
        digest.update(json.dumps(row, sort_keys=True).encode())
        digest.update(obs.encode())
    assert digest.hexdigest()[:16] == PINNED[env_id, split]


def test_rows_are_plain_json_with_the_env_s_own_task_ids():
    rows = list(agentenvs.tasks("agentenvs/TextShop-v0", "val", 2, start=5))
    assert rows == [
        {"env_id": "agentenvs/TextShop-v0", "split": "val", "seed": task, "task_id": task, "config": {}}
        for task in (1_000_000_005, 1_000_000_006)
    ]
    assert json.loads(json.dumps(rows)) == rows
    assert split_range("agentenvs/TextQuest-v0", "test") == (SPLIT_SEEDS["test"][0], 2**20)
    assert split_range("agentenvs/TextShop-v0", "train") == SHOP_SPLITS["train"]
    assert split_range("agentenvs/Sokoban-Text-v0", "val") == DEFAULT_RANGES["val"]


def test_the_task_id_is_the_env_s_goal_id_and_game_seed():
    _skip_missing("agentenvs/TextShop-v0")
    row = next(tasks("agentenvs/TextShop-v0", "test", 1, start=4))
    _, info = make("agentenvs/TextShop-v0").reset(options=row)
    assert info["goal_id"] == row["task_id"] == SHOP_SPLITS["test"][0] + 4 and info["task"] == row
    quest_row = next(tasks("agentenvs/TextQuest-v0", "val", 1))
    env = make("agentenvs/TextQuest-v0")
    env.reset(options=quest_row)
    raw = agentenvs.registration.load_env_creator(get_entry("agentenvs/TextQuest-v0").entry_point)(split="val")
    raw_obs, _ = raw.reset(options={"game_seed": quest_row["task_id"]})
    assert env.unwrapped.game.goal == raw.game.goal and env.env.unwrapped._obs == raw_obs


def test_a_row_of_another_split_rebuilds_the_env_for_it():
    row = next(tasks("agentenvs/TextQuest-v0", "test", 1))
    env = make("agentenvs/TextQuest-v0")  # built for train
    obs, _ = env.reset(options=row)
    assert env.split == "test" and env.unwrapped.split == "test"
    assert obs == make(row).reset(options=row)[0]


def test_options_row_alone_and_seed_override():
    row = next(tasks("agentenvs/Sokoban-Text-v0", "train", 1, start=11))
    env = make("agentenvs/Sokoban-Text-v0")
    first = env.reset(options=row)[0]
    env.reset(seed=999)
    assert env.reset(options=row)[0] == first
    assert env.reset(seed=row["seed"], options=row)[0] == first


def test_config_overrides_constructor_arguments():
    row = next(tasks("agentenvs/Sokoban-Text-v0", "train", 1, config={"dim_room": [6, 6], "num_boxes": 1}))
    obs, _ = make(row).reset(options=row)
    assert obs.count("$") + obs.count("*") == 1


@pytest.mark.parametrize(("call", "match"), [
    (lambda: list(tasks("agentenvs/Sokoban-v0", "train", 1)), "not an LLM-facing id"),
    (lambda: list(tasks("agentenvs/TextQuest-v0", "dev", 1)), "split must be one of"),
    (lambda: list(tasks("agentenvs/TextShop-v0", "val", 10, start=1_000_000 - 5)), "overruns"),
    (lambda: list(tasks("agentenvs/TextQuest-v0", "train", 1, config={"x": object()})), "JSON-serialisable"),
    (lambda: list(tasks("agentenvs/TextQuest-v0", "train", 1, config={"split": "test"})), "row's 'split'"),
])
def test_bad_task_requests_are_refused_with_the_reason(call, match):
    with pytest.raises(ConfigError, match=match):
        call()


def test_bad_rows_are_refused_at_reset_and_leave_the_env_usable():
    env = make("agentenvs/TextQuest-v0")
    row = dict(next(tasks("agentenvs/TextQuest-v0", "val", 1)))
    with pytest.raises(ConfigError, match="not in split 'val'"):
        env.reset(options={**row, "task_id": 5})
    with pytest.raises(ConfigError, match="missing \\['config'\\]"):
        env.reset(options={k: v for k, v in row.items() if k != "config"})
    with pytest.raises(ConfigError, match="agentenvs.agents.make"):
        env.reset(options={**row, "env_id": "agentenvs/TextShop-v0"})
    obs, info = env.reset(options=row)
    assert info["task"] == row and obs
