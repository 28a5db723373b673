"""The TextQuest env: episodes on a hand-made world, bad input, admissible commands, splits, determinism."""
import copy
import os
import subprocess
import sys

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.envs.registration import load_env_creator
from quest_worlds import shed_game

import agentenvs  # noqa: F401  (registers the ids)
from agentenvs.errors import ConfigError, InvalidActionError
from agentenvs.registration import get_entry
from agentenvs.testing import check_env_id
from agentenvs.text.quest import SPLIT_SEEDS, TextQuestEnv, TextQuestOracle
from agentenvs.text.quest.names import VOCABULARIES

HAND = dict(quest_length=4)


def test_registry_row_names_the_oracle():
    entry = get_entry("agentenvs/TextQuest-v0")
    assert entry.family == "text" and entry.extra is None
    assert load_env_creator(entry.oracle) is TextQuestOracle


def test_registered_id_passes_every_conformance_check():
    results = check_env_id("agentenvs/TextQuest-v0")
    assert results["gymnasium_api"] == results["copies"] == results["reward_state"] == "passed"


def test_hand_made_episode_sparse_reward_success_and_reward_state():
    env = TextQuestEnv(**HAND)
    obs, info = env.reset(seed=0, options={"game": shed_game()})
    assert obs.startswith("Your task is to: take the brass key, unlock the oak door")
    assert "-= Kitchen =-" in obs and env.instruction() == shed_game().goal
    state = env.reward_state()
    assert state["location"] == "kitchen" and state["inventory"] == ""
    assert state["object_locations"] == ("brass key: on metal table\nwooden chest: kitchen\nmetal table: kitchen\n"
                                         "red apple: in wooden chest\ngreen apple: kitchen\nwicker basket: shed\n"
                                         "rusty key: kitchen")
    assert state["door_states"] == "oak door: locked\nwooden chest: closed\nwicker basket: open"
    assert state["progress"] == 0 and not state["success"] and state["subgoals_done"] == 0
    rewards = []
    for command in shed_game().walkthrough:
        assert command in info["admissible_commands"]
        obs, reward, terminated, truncated, info = env.step(command)
        rewards.append(reward)
        assert info["action_is_valid"] and not truncated
    assert rewards == [0.0] * 6 + [1.0]
    assert terminated and info["is_success"] and obs.endswith("*** You have completed the quest! ***")
    state = env.reward_state()
    assert state["success"] and state["progress"] == np.float32(1.0) and state["location"] == "shed"
    assert state["inventory"] == "brass key" and "red apple: in wicker basket" in state["object_locations"]
    assert state["subgoal_reached"].tolist() == [True] * 4 and state["steps"] == 7


def test_subgoal_reward_pays_each_step_once():
    env = TextQuestEnv(reward_mode="subgoal", **HAND)
    env.reset(seed=0, options={"game": shed_game()})
    commands = ["take brass key", "drop brass key", "take brass key", "unlock oak door with brass key",
                "open wooden chest", "take red apple", "drop red apple", "take red apple", "open oak door", "n",
                "put red apple in wicker basket"]
    rewards = [env.step(c)[1] for c in commands]
    assert rewards == [0.25, 0, 0, 0.25, 0, 0.25, 0, 0, 0, 0, 0.25]
    assert env.reward_state()["subgoals_done"] == 4


def test_max_steps_truncates_and_never_terminates():
    env = TextQuestEnv(max_steps=3, **HAND)
    env.reset(seed=0, options={"game": shed_game()})
    flags = [env.step("look")[2:4] for _ in range(3)]
    assert flags == [(False, False), (False, False), (False, True)]


@pytest.mark.parametrize("action", [b"\xff\xfe\x00garbage", bytearray(b"\xc3\x28"), "look\x00", "take \u00e9p\u00e9e",
                                    "\u0000\u0001\u0002"])
def test_binary_garbage_is_an_invalid_action(action):
    env = TextQuestEnv(**HAND)
    env.reset(seed=0, options={"game": shed_game()})
    obs, reward, terminated, truncated, info = env.step(action)
    assert obs == "I don't understand that." and not info["action_is_valid"] and reward == 0
    assert not info["action_truncated"] and env.observation_space.contains(obs)


def test_utf8_bytes_are_read_as_text():
    env = TextQuestEnv(**HAND)
    env.reset(seed=0, options={"game": shed_game()})
    assert env.step(b"take brass key")[0] == "You take the brass key."


def test_over_long_action_is_truncated_not_refused():
    env = TextQuestEnv(**HAND)
    env.reset(seed=0, options={"game": shed_game()})
    obs, _, _, _, info = env.step("take brass key" + " " * 500)
    assert info["action_truncated"] and info["action_is_valid"] and obs == "You take the brass key."
    obs, _, _, _, info = env.step("x" * 10_000)
    assert info["action_truncated"] and not info["action_is_valid"] and obs == "I don't understand that."
    assert not env.step("look")[4]["action_truncated"]


def test_non_text_action_raises_a_specific_error():
    env = TextQuestEnv()
    env.reset(seed=0)
    with pytest.raises(InvalidActionError, match="text command"):
        env.step(3)


@pytest.mark.parametrize(("kwargs", "argument"), [
    (dict(rooms=0), "rooms"), (dict(rooms=99), "rooms"), (dict(rooms=2.5), "rooms"), (dict(objects=-1), "objects"),
    (dict(distractors="many"), "distractors"), (dict(quest_length=0), "quest_length"),
    (dict(rooms=1, quest_length=4), "quest_length"), (dict(max_steps=0), "max_steps"),
    (dict(reward_mode="dense"), "reward_mode"), (dict(split="dev"), "split"), (dict(split=["test"]), "split"),
    (dict(reward_mode=["sparse"]), "reward_mode"), (dict(max_steps=True), "max_steps"),
    (dict(render_mode="human"), "render_mode"),
])
def test_bad_knobs_name_the_argument(kwargs, argument):
    with pytest.raises(ConfigError, match=argument):
        TextQuestEnv(**kwargs)


def test_bad_reset_options_are_refused():
    env = TextQuestEnv()
    with pytest.raises(ConfigError, match="game_seed"):
        env.reset(options={"game_seed": SPLIT_SEEDS["val"][0]})
    with pytest.raises(ConfigError, match="quest_length=5"):
        env.reset(options={"game": shed_game()})
    for options in ({"level": 3}, ["game_seed"]):
        with pytest.raises(ConfigError, match="options"):
            env.reset(options=options)
    assert env.reset(seed=0)[0] == TextQuestEnv().reset(seed=0)[0]  # nothing poisoned


def test_action_is_valid_exactly_for_admissible_commands():
    """Each admissible command is accepted (on a copy); other plausible commands are not."""
    rng = np.random.default_rng(0)
    for seed in range(6):
        env = TextQuestEnv(rooms=4, objects=8, distractors=3, quest_length=5)
        obs, info = env.reset(seed=seed)
        for _ in range(25):
            admissible = info["admissible_commands"]
            for command in admissible:
                assert copy.deepcopy(env).step(command)[4]["action_is_valid"], command
            names = list(env.game.names)
            for verb in ("take", "drop", "open", "close", "examine"):
                command = f"{verb} {names[rng.integers(len(names))]}"
                assert copy.deepcopy(env).step(command)[4]["action_is_valid"] == (command in admissible), command
            obs, _, terminated, truncated, info = env.step(admissible[rng.integers(len(admissible))])
            if terminated or truncated:
                break


def test_walkthrough_uses_only_admissible_commands_and_wins():
    for seed in range(50):
        env = TextQuestEnv()
        _, info = env.reset(seed=seed)
        total = 0.0
        for command in env.game.walkthrough:
            assert command in info["admissible_commands"]
            _, reward, terminated, _, info = env.step(command)
            total += reward
        assert terminated and info["is_success"] and total == 1.0


def test_splits_draw_disjoint_seeds_and_test_holds_out_names():
    train, test = VOCABULARIES["train"], VOCABULARIES["test"]
    for field in ("rooms", "item_nouns", "container_nouns", "supporter_nouns", "key_materials", "door_materials"):
        assert not set(getattr(train, field)) & set(getattr(test, field)), field
    ranges = sorted(SPLIT_SEEDS.values())
    assert all(a[1] <= b[0] for a, b in zip(ranges, ranges[1:]))
    train_words = {w for n in train.rooms + train.item_nouns for w in n.split()}
    env = TextQuestEnv(split="test")
    for seed in range(20):
        env.reset(seed=seed)
        nouns = {n.split()[-1] for n in env.game.names} | set(env.game.rooms)
        assert not nouns & train_words
    train_env, val_env = TextQuestEnv(split="train"), TextQuestEnv(split="val")
    assert train_env.reset(seed=1)[0] != val_env.reset(seed=1)[0]


def test_same_seed_same_world_and_trajectory():
    a, b = TextQuestEnv(), TextQuestEnv()
    assert a.reset(seed=5) == b.reset(seed=5)
    for command in a.game.walkthrough:
        assert a.step(command) == b.step(command)
    assert a.reset(seed=6)[0] != b.reset(seed=5)[0]


TRACE = """
import hashlib
from agentenvs.text.quest import TextQuestEnv
h = hashlib.sha256()
for split in ("train", "test"):
    env = TextQuestEnv(rooms=6, objects=15, distractors=4, quest_length=7, split=split)
    for seed in range(15):
        obs, info = env.reset(seed=seed)
        h.update(repr((obs, info, env.reward_state())).encode())
        for command in env.game.walkthrough:
            h.update(repr(env.step(command)).encode())
print(h.hexdigest())
"""


def test_worlds_and_text_do_not_depend_on_the_hash_seed():
    digests = set()
    for hash_seed in ("0", "1", "12345"):
        environ = {**os.environ, "PYTHONHASHSEED": hash_seed}
        out = subprocess.run([sys.executable, "-c", TRACE], capture_output=True, text=True, env=environ, timeout=120)
        assert out.returncode == 0, out.stderr
        digests.add(out.stdout.strip())
    assert len(digests) == 1


def test_gym_make_and_ansi_render():
    env = gym.make("agentenvs/TextQuest-v0", render_mode="ansi")
    obs, _ = env.reset(seed=0)
    assert env.render() == obs
    obs, *_ = env.step("inventory")
    assert env.render() == obs == "You are carrying nothing."
