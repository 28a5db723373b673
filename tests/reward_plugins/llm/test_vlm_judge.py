"""vlm_judge through the real client against the scripted chat server: prompts, parsing, caching, asynchrony."""
import base64
import io
import threading

import numpy as np
import pytest
import torch

from reward_plugins import TransitionBatch, make_shaper
from reward_plugins.errors import LLMModelError, LLMUnreachableError, ShaperConfigError
from reward_plugins.llm.images import png_data_url
from reward_plugins.testing.chat_server import ChatServer

RED = np.zeros((6, 6, 3), np.uint8) + np.array([255, 0, 0], np.uint8)
BLUE = np.zeros((6, 6, 3), np.uint8) + np.array([0, 0, 255], np.uint8)
GREY = np.full((6, 6, 3), 128, np.uint8)


def image_of(body):
    """The frame a chat request carries, decoded from its PNG data URL (Pillow as the reference decoder)."""
    image = pytest.importorskip("PIL.Image")
    parts = body["messages"][-1]["content"]
    url = next(p["image_url"]["url"] for p in parts if p["type"] == "image_url")
    return np.asarray(image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))))


def text_of(body):
    return next(p["text"] for p in body["messages"][-1]["content"] if p["type"] == "text")


def colour_judge(body):
    """Red frames score 7/10, blue ones 2/10, anything else gets an unparsable reply."""
    frame = image_of(body)
    if (frame == RED).all():
        return "The box is close to the goal. <score>7</score>"
    if (frame == BLUE).all():
        return "Score: 2/10"
    return "I am not able to judge this image."


def frames_batch(*frames, instructions=None):
    return TransitionBatch(frames=torch.from_numpy(np.stack(frames)), instruction=instructions, size=len(frames))


def judge(server, tmp_path, **kwargs):
    client = {"model": server.model, "base_url": server.url, "cache_dir": str(tmp_path / "cache"), "backoff": 0.01,
              **kwargs.pop("client", {})}
    return make_shaper("vlm_judge", **{"task": "push the box onto the goal", "client": client, "timeout": None,
                                       "device": "cpu", **kwargs})


def test_frames_go_as_png_data_urls_with_the_task_and_replies_become_rewards(tmp_path):
    with ChatServer(respond=colour_judge) as server:
        shaper = judge(server, tmp_path)
        rewards = shaper(frames_batch(RED, BLUE, GREY))
        assert rewards.dtype == torch.float32 and rewards.tolist() == pytest.approx([0.7, 0.2, 0.0])
        assert len(server.requests) == 3
        body = server.requests[0]
        assert "Task: push the box onto the goal" in text_of(body) and "0 (not at all) to 10" in text_of(body)
        assert body["messages"][0]["role"] == "system" and body["temperature"] == 0.0 and body["seed"] == 0
        assert any(np.array_equal(image_of(b), RED) for b in server.requests)
        stats = shaper.update(frames_batch(RED))
        assert stats["vlm_judge_unparsable"] == 1.0 and stats["vlm_judge_labelled"] == 3.0


def test_seen_frames_are_not_asked_again_and_labels_survive_state_dict(tmp_path):
    with ChatServer(respond=colour_judge) as server:
        shaper = judge(server, tmp_path, client={"cache": "off"})
        shaper(frames_batch(RED, BLUE))
        assert shaper(frames_batch(BLUE, RED, RED)).tolist() == pytest.approx([0.2, 0.7, 0.7])
        assert len(server.requests) == 2
        copy = judge(server, tmp_path, client={"cache": "off"})
        copy.load_state_dict(shaper.state_dict())
        assert copy(frames_batch(RED, BLUE)).tolist() == pytest.approx([0.7, 0.2]) and len(server.requests) == 2


def test_each_env_instruction_is_its_own_prompt(tmp_path):
    def respond(body):
        return "yes" if "open the door" in text_of(body) else "no"

    with ChatServer(respond=respond) as server:
        shaper = judge(server, tmp_path, task=None, mode="yes_no")
        assert shaper.requires == {"frames", "instruction"}
        rewards = shaper(frames_batch(RED, RED, instructions=["open the door", "pick up the key"]))
        assert rewards.tolist() == [1.0, 0.0] and len(server.requests) == 2
        assert "Answer yes or no" in text_of(server.requests[0])


def test_the_env_loop_does_not_wait_for_a_slow_server(tmp_path):
    gate = threading.Event()

    def held(body):
        gate.wait(30)
        return "<score>9</score>"

    with ChatServer(respond=held) as server:
        shaper = judge(server, tmp_path, timeout=0.0, pending_reward=-1.0)
        assert shaper(frames_batch(RED, BLUE)).tolist() == [-1.0, -1.0]  # returned while the server is held
        assert not gate.is_set() and shaper.labeler.pending == 2
        assert shaper(frames_batch(RED)).tolist() == [-1.0] and shaper.labeler.counts["requested"] == 2
        gate.set()
        shaper.labeler.wait(list(shaper.labeler._pending), timeout=10)
        assert shaper(frames_batch(RED, BLUE)).tolist() == pytest.approx([0.9, 0.9])
        assert len(server.requests) == 2


def test_labels_replay_from_the_disk_cache_with_the_server_gone(tmp_path):
    with ChatServer(respond=colour_judge) as server:
        first = judge(server, tmp_path)(frames_batch(RED, BLUE)).tolist()
        url = server.url
    offline = make_shaper("vlm_judge", task="push the box onto the goal", timeout=None, device="cpu",
                          client={"model": "test-model", "base_url": url, "cache_dir": str(tmp_path / "cache"),
                                  "cache": "only"})
    assert offline(frames_batch(RED, BLUE)).tolist() == first == pytest.approx([0.7, 0.2])


def test_failed_requests_are_counted_and_asked_again(tmp_path):
    with ChatServer([500, 500]) as server:
        server.respond = colour_judge
        shaper = judge(server, tmp_path, client={"max_retries": 1, "cache": "off"})
        assert shaper(frames_batch(RED)).tolist() == [0.0]
        assert shaper.labeler.counts["errors"] == 1 and "HTTP 500" in shaper.labeler.last_error
        assert shaper(frames_batch(RED)).tolist() == pytest.approx([0.7])


def test_a_wrong_model_stops_the_run_with_the_servers_answer(tmp_path):
    with ChatServer() as server:
        shaper = judge(server, tmp_path, client={"model": "no-such-vlm"})
        with pytest.raises(LLMModelError, match="no-such-vlm"):
            shaper(frames_batch(RED))


def test_invalid_rows_are_not_asked_and_score_zero(tmp_path):
    with ChatServer(respond=colour_judge) as server:
        batch = frames_batch(RED, BLUE)
        batch.valid = torch.tensor([False, True])
        assert judge(server, tmp_path)(batch).tolist() == pytest.approx([0.0, 0.2]) and len(server.requests) == 1


@pytest.mark.parametrize("bad, match", [(dict(mode="maybe"), "mode must be one of"), (dict(scale=0), "scale"),
                                        (dict(timeout=-1), "timeout")])
def test_bad_settings_are_refused(tmp_path, bad, match):
    with ChatServer() as server, pytest.raises(ShaperConfigError, match=match):
        judge(server, tmp_path, **bad)


def test_png_data_urls_are_what_the_server_decodes():
    assert png_data_url(RED).startswith("data:image/png;base64,")


def test_a_server_never_reached_stops_the_run_but_a_later_outage_only_counts(tmp_path):
    with ChatServer(respond=colour_judge) as server:
        url = server.url
        shaper = judge(server, tmp_path, client={"max_retries": 0, "cache": "off"})
        assert shaper(frames_batch(RED)).tolist() == pytest.approx([0.7])
    assert shaper(frames_batch(BLUE)).tolist() == [0.0]  # the server went away after labelling: counted
    assert shaper.labeler.counts["errors"] == 1 and "unreachable" in shaper.labeler.last_error
    never = make_shaper("vlm_judge", task="t", timeout=None, device="cpu",
                        client={"model": "m", "base_url": url, "cache": "off", "max_retries": 0})
    with pytest.raises(LLMUnreachableError, match="is unreachable"):
        never(frames_batch(RED))


def test_sokoban_frames_reach_the_judge_through_the_vector_wrapper(tmp_path):
    agentenvs = pytest.importorskip("agentenvs")  # noqa: F841 (registers the envs)
    import gymnasium as gym

    from reward_plugins.wrappers import ShapedVectorEnv

    seen = []

    def respond(body):
        seen.append(image_of(body))
        return "<score>5</score>"

    with ChatServer(respond=respond) as server:
        venv = gym.make_vec("agentenvs/Sokoban-Visual-v0", num_envs=2, vectorization_mode="sync")
        shaped = ShapedVectorEnv(venv, judge(server, tmp_path, client={"cache": "off"}))
        obs, _ = shaped.reset(seed=0)
        next_obs, rewards, *_ = shaped.step(np.zeros(2, np.int64))
        assert rewards.tolist() == pytest.approx([0.5, 0.5])
        assert any(np.array_equal(frame, next_obs[0]) for frame in seen)  # the frame judged is the observation
        shaped.close()
