"""oni through the real client against the scripted chat server: labels, the distilled classifier, a real
env loop that never waits for the server, captions from env.caption()."""
import copy
import threading

import gymnasium as gym
import numpy as np
import pytest
import torch
from gymnasium import spaces
from gymnasium.vector import SyncVectorEnv

from reward_plugins import TransitionBatch, make_shaper
from reward_plugins.errors import ShaperConfigError
from reward_plugins.wrappers import ShapedEnv, ShapedVectorEnv


class Corridor(gym.Env):
    """Rooms 0..5 along a corridor; room 3 holds a key. Text observations name the room."""

    def __init__(self, text=True):
        self.text = text
        self.observation_space = spaces.Text(64) if text else spaces.Box(0, 5, (1,), np.int64)
        self.action_space = spaces.Discrete(2)

    def caption(self):
        return f"you are in room {self.pos}" + (" and you see a key" if self.pos == 3 else "")

    def _obs(self):
        return self.caption() if self.text else np.array([self.pos], np.int64)

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.pos = 0
        return self._obs(), {}

    def step(self, action):
        self.pos = int(np.clip(self.pos + (1 if action == 1 else -1), 0, 5))
        return self._obs(), 0.0, False, False, {}


def key_judge(body):
    """yes for observations mentioning a key, no otherwise."""
    observation = body["messages"][-1]["content"].split("Observation:\n", 1)[1]
    return "<answer>yes</answer>" if "key" in observation.split("\n\n")[0] else "No, nothing useful here."


def oni(server, **kwargs):
    client = {"model": server.model, "base_url": server.url, "cache": "off", "backoff": 0.01}
    return make_shaper("oni", **{"task": "find the key", "client": client, "device": "cpu", **kwargs})


def texts(*captions):
    return TransitionBatch(text=list(captions), size=len(captions))


def test_captions_are_labelled_with_the_task_and_labels_are_rewards(chat_server):
    chat_server.respond = key_judge
    shaper = oni(chat_server, timeout=None)
    rewards = shaper(texts("you see a key", "you see a wall", "you see a key"))
    assert rewards.tolist() == [1.0, 0.0, 1.0] and len(chat_server.requests) == 2  # one request per caption
    prompt = chat_server.requests[0]["messages"][-1]["content"]
    assert prompt.startswith("Task: find the key") and "Observation:\nyou see a" in prompt
    stats = shaper.update(texts("x"))
    assert stats["oni_examples"] == 2.0 and stats["oni_labelled"] == 2.0 and stats["oni_unparsable"] == 0.0


def test_the_classifier_rewards_unlabelled_captions_like_the_labelled_ones(chat_server):
    chat_server.respond = key_judge
    shaper = oni(chat_server, timeout=None, min_examples=8, buckets=256, train_steps=20)
    rooms = ["kitchen", "hall", "attic", "cellar", "garden", "study", "porch", "garage"]
    labelled = [f"in the {r} you see a golden key" for r in rooms] + [f"in the {r} you see a bare wall" for r in rooms]
    for _ in range(10):
        shaper(texts(*labelled))
        shaper.update(texts(*labelled))
    gate = threading.Event()
    chat_server.respond = lambda body: (gate.wait(30), "yes")[1]  # unseen captions stay unlabelled
    unseen = texts("in the library you see a golden key", "in the library you see a bare wall")
    shaper.timeout = 0.0
    key, wall = shaper(unseen).tolist()
    assert key > 0.5 > wall  # the classifier generalises "key" from the labelled captions
    assert shaper.labeler.counts["requested"] == 18 and shaper.labeler.counts["labelled"] == 16
    gate.set()


def test_unlabelled_captions_get_the_pending_reward_before_enough_labels(chat_server):
    gate = threading.Event()
    chat_server.respond = lambda body: (gate.wait(30), "yes")[1]
    shaper = oni(chat_server, pending_reward=0.25, min_examples=4)
    assert shaper(texts("a", "b")).tolist() == [0.25, 0.25]
    gate.set()


def test_a_real_env_loop_never_waits_for_a_held_server(chat_server):
    gate = threading.Event()

    def held(body):
        gate.wait(60)
        return key_judge(body)

    chat_server.respond = held
    shaper = oni(chat_server)  # timeout=0: never waits
    venv = ShapedVectorEnv(SyncVectorEnv([Corridor] * 2), shaper)
    venv.reset(seed=0)
    rng = np.random.default_rng(0)
    for _ in range(30):
        _, rewards, *_ = venv.step(rng.integers(0, 2, 2))
        assert rewards.tolist() == [0.0, 0.0]
    assert not gate.is_set() and shaper.labeler.counts["labelled"] == 0 and shaper.labeler.pending > 0
    gate.set()
    shaper.labeler.wait(list(shaper.labeler._pending), timeout=30)
    assert shaper(texts("you are in room 3 and you see a key", "you are in room 2")).tolist() == [1.0, 0.0]
    venv.close()


def test_captions_come_from_env_caption_for_other_envs(chat_server):
    chat_server.respond = key_judge
    shaper = oni(chat_server, input="caption", timeout=None)
    assert shaper.requires == {"caption"}
    env = ShapedEnv(Corridor(text=False), shaper)
    env.reset(seed=0)
    rewards = [env.step(1)[1] for _ in range(4)]
    assert rewards == [0.0, 0.0, 1.0, 0.0]  # rooms 1, 2, 3 (the key), 4
    assert [r["messages"][-1]["content"].split("Observation:\n")[1].split("\n")[0] for r in chat_server.requests] == \
        [f"you are in room {i}" + (" and you see a key" if i == 3 else "") for i in (1, 2, 3, 4)]


def test_labels_and_the_classifier_survive_state_dict(chat_server):
    chat_server.respond = key_judge
    shaper = oni(chat_server, timeout=None, min_examples=2, buckets=64)
    shaper(texts("a key", "a wall"))
    shaper.update(texts("a key"))
    copy = oni(chat_server, timeout=None, min_examples=2, buckets=64)
    copy.load_state_dict(shaper.state_dict())
    assert copy.examples == shaper.examples and copy.targets == shaper.targets
    assert torch.equal(copy.classifier.weight, shaper.classifier.weight)
    assert copy(texts("a key", "a wall")).tolist() == [1.0, 0.0] and len(chat_server.requests) == 2


def test_bad_settings_are_refused(chat_server):
    with pytest.raises(ShaperConfigError, match="input must be 'text'"):
        oni(chat_server, input="frames")
    with pytest.raises(ShaperConfigError, match="positive ints"):
        oni(chat_server, buckets=0)


def test_copies_carry_labels_but_not_threads_and_ask_through_themselves(chat_server):
    chat_server.respond = key_judge
    shaper = oni(chat_server, timeout=None)
    shaper(texts("a key"))
    twin = copy.deepcopy(shaper)
    assert twin.labeler is not shaper.labeler and twin.labeler.labels == shaper.labeler.labels
    assert twin.labeler.prompt.__self__ is twin  # the copy's prompts are its own
    assert twin(texts("a key", "a wall")).tolist() == [1.0, 0.0] and len(chat_server.requests) == 2
