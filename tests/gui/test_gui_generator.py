"""The screen generator: seeded, sized, split, and every instruction names exactly one element."""
import fnmatch
import re
import warnings
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from agentenvs.errors import ConfigError
from agentenvs.gui.canvas import Canvas
from agentenvs.gui.constants import ICONS, ROLE_WORDS, SPLIT_SPAN
from agentenvs.gui.fonts import FONT_PATH, MissingGlyphWarning, check_glyphs, missing_glyphs
from agentenvs.gui.generator import ScreenConfig, generate_screen, generate_task, split_seed
from agentenvs.gui.vocabulary import vocabulary

ORDINAL = {"first": 0, "second": 1, "third": 2, "fourth": 3, "fifth": 4}
WORD_ROLE = {v: k for k, v in ROLE_WORDS.items()}


def resolve(instruction, screen):
    """Every element ``instruction`` can mean, read from the words alone (an independent reading of the grammar)."""
    els = screen.elements
    texts = Counter(screen.texts)
    if instruction in ICONS.values():
        kind = next(k for k, v in ICONS.items() if v == instruction)
        return [i for i, e in enumerate(els) if e.role == "icon" and e.label == kind]
    m = re.fullmatch(r"click the (.+?) (left of|right of|above|below) '(.+)'", instruction)
    if m:
        role = WORD_ROLE[m.group(1)]
        anchors = [i for i, e in enumerate(els) if e.label == m.group(3) and e.role != "icon"]
        assert len(anchors) == 1 and texts[m.group(3)] == 1
        a = els[anchors[0]].box
        found = []
        for i, e in enumerate(els):
            b = e.box
            if e.role != role or i == anchors[0]:
                continue
            same_row, same_col = b[1] < a[3] and b[3] > a[1], b[0] < a[2] and b[2] > a[0]
            gap = {"left of": a[0] - b[2] if same_row and b[2] <= a[0] else None,
                   "right of": b[0] - a[2] if same_row and b[0] >= a[2] else None,
                   "above": a[1] - b[3] if same_col and b[3] <= a[1] else None,
                   "below": b[1] - a[3] if same_col and b[1] >= a[3] else None}[m.group(2)]
            if gap is not None:
                found.append((gap, i))
        best = min(found)[0]
        return [i for g, i in found if g == best]
    m = re.fullmatch(r"click the (?:(first|second|third|fourth|fifth|last) )?(.+?) in the (.+)", instruction)
    if m:
        role = WORD_ROLE[m.group(2)]
        same = sorted((e.box[1], e.box[0], i) for i, e in enumerate(els)
                      if e.role == role and e.container == m.group(3))
        if m.group(1) is None:
            return [i for *_, i in same]
        return [same[-1 if m.group(1) == "last" else ORDINAL[m.group(1)]][2]]
    m = re.fullmatch(r"click (?:the )?'(.+)'(?: (.+))?", instruction)
    assert m, instruction
    hits = [i for i, e in enumerate(els) if e.label == m.group(1) and e.role != "icon"
            and (m.group(2) is None or e.role == WORD_ROLE[m.group(2)])]
    return hits if texts[m.group(1)] == 1 else hits + [-1]


CONFIGS = [ScreenConfig(), ScreenConfig(size=(160, 120), min_elements=3, max_elements=8),
           ScreenConfig(size=(390, 844), looks=("mobile",)), ScreenConfig(size=(1920, 1080), split="test")]


@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: f"{c.size}-{c.split}")
def test_every_instruction_names_exactly_its_target(config):
    kinds = Counter()
    for index in range(60):
        task = generate_task(split_seed(config.split, index), config)
        assert resolve(task.instruction, task.screen) == [task.target], (index, task.instruction)
        kinds[task.kind] += 1
    assert set(kinds) == {"label", "position", "relation", "icon"} or config.size == (160, 120)


def test_same_id_same_screen_and_other_ids_differ():
    config = ScreenConfig(size=(320, 240))
    a, b, c = generate_task(7, config), generate_task(7, config), generate_task(8, config)
    assert np.array_equal(a.screen.image, b.screen.image) and a.instruction == b.instruction and a.target == b.target
    assert not np.array_equal(a.screen.image, c.screen.image)


@pytest.mark.parametrize("size", [(160, 120), (640, 480), (1280, 800), (1920, 1080), (390, 844), (1080, 1920)])
def test_sizes_from_tiny_to_full_hd_and_portrait(size):
    screen = generate_screen(3, ScreenConfig(size=size))
    assert screen.image.shape == (size[1], size[0], 3) and screen.image.dtype == np.uint8
    assert screen.elements
    for e in screen.elements:
        x1, y1, x2, y2 = e.box
        assert 0 <= x1 < x2 <= size[0] and 0 <= y1 < y2 <= size[1], e


def test_small_screens_hold_3_to_8_elements_and_many_looks_and_themes():
    config = ScreenConfig(size=(160, 120), min_elements=3, max_elements=8)
    screens = [generate_screen(i, config) for i in range(40)]
    assert all(3 <= len(s.elements) <= 8 for s in screens)
    assert {s.look for s in screens} == {"desktop", "web", "mobile"} and {s.theme for s in screens} == {"light", "dark"}


def test_dark_screens_are_darker_than_light_ones():
    light = generate_screen(1, ScreenConfig(themes=("light",), looks=("web",))).image.mean()
    dark = generate_screen(1, ScreenConfig(themes=("dark",), looks=("web",))).image.mean()
    assert light > dark + 60


def test_every_role_and_every_icon_kind_occurs():
    roles, icons = Counter(), Counter()
    for i in range(80):
        for e in generate_screen(i, ScreenConfig(size=(640, 480))).elements:
            roles[e.role] += 1
            icons[e.label] += e.role == "icon"
    assert set(roles) == set(ROLE_WORDS)
    assert {k for k, n in icons.items() if n} == set(ICONS)


def test_splits_draw_disjoint_ids_and_test_labels_are_unseen():
    assert split_seed("train", SPLIT_SPAN + 5) == 5
    assert split_seed("val", 0) == SPLIT_SPAN and split_seed("test", 0) == 2 * SPLIT_SPAN
    train, test = vocabulary("train"), vocabulary("test")
    words = lambda v: {w.lower() for field in vars(v).values() for label in field for w in re.findall(r"\w+", label)}  # noqa: E731
    assert not words(train) & words(test)
    seen = {e.label for i in range(20) for e in generate_screen(split_seed("train", i), ScreenConfig()).elements}
    unseen = {e.label for i in range(20) for e in generate_screen(split_seed("test", i), ScreenConfig(split="test"))
              .elements if e.role not in ("icon",)}
    assert unseen and not unseen & (seen - set(ICONS) - {"OK", "Cancel"})


@pytest.mark.parametrize("kwargs", [dict(size=(100, 100)), dict(size=(4000, 300)), dict(looks=("tv",)),
                                    dict(themes=()), dict(min_elements=5, max_elements=2), dict(split="dev")])
def test_bad_configs_are_refused_by_name(kwargs):
    with pytest.raises(ConfigError, match=next(iter(kwargs)).split("_")[0]):
        ScreenConfig(**kwargs)


def test_font_ships_with_its_licence_and_draws_many_scripts():
    assert FONT_PATH.is_file() and (FONT_PATH.parent / "LICENSE-DejaVu.txt").read_text().count("Bitstream") > 2
    tomllib = pytest.importorskip("tomllib", reason="reading pyproject.toml needs Python 3.11+")
    root = Path(__file__).parents[2]
    patterns = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["agentenvs"]
    for shipped in ("gui/assets/DejaVuSans.ttf", "gui/assets/LICENSE-DejaVu.txt"):
        assert any(fnmatch.fnmatch(shipped, p) for p in patterns), shipped
    assert missing_glyphs("Save Сохранить Αποθήκευση حفظ שמור") == []
    assert missing_glyphs("保存 Save") == ["保", "存"]


def test_labels_without_glyphs_warn_or_fail_clearly():
    canvas = Canvas((320, 240), "light", np.random.default_rng(0), budget=4)
    with pytest.warns(MissingGlyphWarning, match=r"U\+4FDD"):
        canvas.button(10, 10, "保存", "window")
    with pytest.raises(ConfigError, match="no glyph"):
        check_glyphs("保存", on_missing="error")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        canvas.button(10, 60, "Сохранить", "window")
    assert [e.label for e in canvas.elements] == ["保存", "Сохранить"]
