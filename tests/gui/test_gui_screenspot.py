"""ScreenSpot-format data: each box format, checked records, GUIGround on the tasks, the per-platform table."""
import json

import numpy as np
import pytest
from PIL import Image

from agentenvs.errors import ConfigError, DatasetError, MissingImageError
from agentenvs.gui.ground_env import GUIGroundEnv
from agentenvs.gui.observation import InstructionEncodingWarning
from agentenvs.gui.oracle import GUIGroundOracle
from agentenvs.gui.screenspot import evaluate, load_screenspot

# (file, image size, box in pixels x1 y1 x2 y2, data_type, data_source)
RECORDS = [("a.png", (200, 100), (10, 20, 50, 40), "text", "windows"),
           ("b.png", (120, 240), (60, 200, 100, 230), "icon", "ios"),
           ("c.png", (300, 200), (0, 0, 300, 20), "text", "shop"),
           ("a.png", (200, 100), (150, 60, 170, 90), "icon", "macos")]


def encode(box, size, fmt):
    x1, y1, x2, y2 = box
    return {"xywh": [x1, y1, x2 - x1, y2 - y1], "xyxy": [x1, y1, x2, y2],
            "xyxy_norm": [x1 / size[0], y1 / size[1], x2 / size[0], y2 / size[1]]}[fmt]


def write(tmp_path, fmt, records=RECORDS, edit=None):
    for name, size, *_ in records:
        Image.new("RGB", size, (200, 210, 220)).save(tmp_path / name)
    data = [{"img_filename": name, "bbox": encode(box, size, fmt), "instruction": f"click thing {i}",
             "data_type": kind, "data_source": source} for i, (name, size, box, kind, source) in enumerate(records)]
    if edit:
        edit(data)
    path = tmp_path / f"screenspot_{fmt}.json"
    path.write_text(json.dumps(data))
    return path


@pytest.mark.parametrize("fmt", ["xywh", "xyxy", "xyxy_norm"])
def test_each_box_format_loads_to_the_same_pixel_boxes(tmp_path, fmt):
    tasks = load_screenspot(write(tmp_path, fmt), tmp_path, bbox_format=fmt)
    assert np.allclose([r.box for r in tasks.records], [box for _, _, box, *_ in RECORDS])
    assert [r.platform for r in tasks.records] == ["desktop", "mobile", "web", "desktop"]
    assert tasks.max_size == (300, 240) and len(tasks) == 4
    task = tasks.task(1)
    assert task.screen.image.shape == (240, 120, 3) and task.target_element.box == (60, 200, 100, 230)


def test_a_box_read_in_the_wrong_format_is_reported(tmp_path):
    path = write(tmp_path, "xyxy")
    with pytest.raises(DatasetError, match=r"record 1, field 'bbox'.*does not fit the 120x240 image.*bbox_format"):
        load_screenspot(path, tmp_path, bbox_format="xywh")
    with pytest.warns(UserWarning, match="left out 2 of 4"):
        assert len(load_screenspot(path, tmp_path, bbox_format="xywh", on_bad_box="skip")) == 2


@pytest.mark.parametrize(("edit", "pattern"), [
    (lambda d: d[2].pop("instruction"), r"record 2, field 'instruction': missing"),
    (lambda d: d[1].update(bbox=[1, 2, 3]), r"record 1, field 'bbox': expected 4 finite numbers"),
    (lambda d: d[0].update(bbox="10,20,30,40"), r"record 0, field 'bbox': expected list"),
    (lambda d: d[3].update(data_type="widget"), r"record 3, field 'data_type': expected one of"),
    (lambda d: d[0].update(data_source="tv"), r"record 0, field 'data_source': 'tv' names no known platform"),
    (lambda d: d.__setitem__(1, ["a.png"]), r"record 1: a record is a JSON object"),
])
def test_malformed_records_name_file_record_and_field(tmp_path, edit, pattern):
    path = write(tmp_path, "xywh", edit=edit)
    with pytest.raises(DatasetError, match=pattern) as err:
        load_screenspot(path, tmp_path, bbox_format="xywh")
    assert str(path) in str(err.value)


def test_a_missing_image_names_its_path(tmp_path):
    path = write(tmp_path, "xywh", edit=lambda d: d[2].update(img_filename="gone.png"))
    with pytest.raises(MissingImageError, match=r"record 2.*" + str(tmp_path / "gone.png")) as err:
        load_screenspot(path, tmp_path, bbox_format="xywh")
    assert isinstance(err.value, FileNotFoundError)


def test_bad_arguments(tmp_path):
    path = write(tmp_path, "xywh")
    with pytest.raises(ConfigError, match="bbox_format"):
        load_screenspot(path, tmp_path, bbox_format="cxcywh")
    with pytest.raises(DatasetError, match="not valid JSON"):
        (tmp_path / "bad.json").write_text("[{")
        load_screenspot(tmp_path / "bad.json", tmp_path, bbox_format="xywh")


def test_evaluate_scores_hits_with_edges_per_platform_and_type(tmp_path, capsys):
    tasks = load_screenspot(write(tmp_path, "xyxy"), tmp_path, bbox_format="xyxy", platform=None)
    answers = {"click thing 0": (10 / 200, 20 / 100),  # the corner: a hit
               "click thing 1": (0.0, 0.0),  # a miss
               "click thing 2": (0.5, 0.05),  # a hit
               "click thing 3": (171 / 200, 0.7)}  # one pixel right of the box: a miss
    scores = evaluate(tasks, lambda image, text: answers[text], tmp_path / "table.md")
    assert scores.accuracy() == 0.5
    assert scores.accuracy("desktop", "text") == 1.0 and scores.accuracy("desktop", "icon") == 0.0
    assert scores.accuracy("mobile") == 0.0 and scores.accuracy("web", "text") == 1.0
    table = (tmp_path / "table.md").read_text()
    assert "| desktop | 100.0 | 0.0 | 50.0 | 2 |" in table and "| **all** | 100.0 | 0.0 | 50.0 | 4 |" in table
    assert table in capsys.readouterr().out
    with pytest.raises(ConfigError, match="record 0"):
        evaluate(tasks, lambda image, text: "top left", echo=False)


def test_screenspot_tasks_drive_gui_ground(tmp_path):
    tasks = load_screenspot(write(tmp_path, "xywh"), tmp_path, bbox_format="xywh")
    env = GUIGroundEnv(tasks=tasks, obs_size=(64, 64))
    oracle = GUIGroundOracle(env, 0)
    for index in range(len(tasks)):
        obs, info = env.reset(options={"task_index": index})
        assert obs["image"].shape == (64, 64, 3) and env.instruction() == f"click thing {index}"
        oracle.reset(env, obs, info)
        assert env.step(oracle.act(obs))[1] == 1.0
        assert env.reward_state_space.contains(env.reward_state())
    assert np.array_equal(env.reward_state()["screen_size"], [200, 100])


def test_unicode_instructions_reach_instruction_and_warn_for_the_observation(tmp_path):
    path = write(tmp_path, "xywh", edit=lambda d: d[0].update(instruction="点击 'Сохранить'"))
    env = GUIGroundEnv(tasks=load_screenspot(path, tmp_path, bbox_format="xywh"), instruction_mode="text")
    with pytest.warns(InstructionEncodingWarning, match="drops the characters"):
        obs, _ = env.reset(options={"task_index": 0})
    assert env.instruction() == "点击 'Сохранить'" and obs["instruction"] == "?? '?????????'"
