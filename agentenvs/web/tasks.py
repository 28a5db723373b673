"""The MiniWoB-style tasks: each draws an instance from a seed, judges the page's state, and knows a solution.

A :class:`Task` is three pure functions over JSON-able dicts: ``generate(rng)`` draws the instance
(labels, positions, values and the ``utterance``) that ``assets/tasks.js`` builds the page from;
``judge(instance, state)`` maps what the page recorded (``{"clicked": label}``,
``{"submitted": {field: value}}``, ``{"point": [x, y]}``) to the raw reward, 1 for success, -1 for
a wrong end, ``None`` while the episode goes on; ``solve(instance, view)`` is the scripted oracle's
next action (a Dict action) given the current :class:`View` of the page. The page holds no
randomness, so one seed gives one page everywhere.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

WORDS: tuple[str, ...] = (
    "apple", "amber", "anchor", "arrow", "autumn", "bamboo", "banner", "basket", "beacon", "blossom", "bridge",
    "butter", "cabin", "candle", "canyon", "carpet", "castle", "cedar", "cherry", "cloud", "cobalt", "comet",
    "copper", "coral", "cotton", "crystal", "daisy", "delta", "desert", "dragon", "eagle", "ember", "falcon",
    "feather", "fern", "forest", "fossil", "garden", "ginger", "glacier", "granite", "harbor", "hazel", "honey",
    "island", "ivory", "jasmine", "jungle", "kettle", "lagoon", "lantern", "lemon", "lilac", "maple", "marble",
    "meadow", "melon", "mirror", "mosaic", "nectar", "nutmeg", "ocean", "olive", "orbit", "orchid", "pebble",
    "pepper", "pillow", "planet", "prairie", "quartz", "rabbit", "raven", "ribbon", "river", "rocket", "saffron",
    "salmon", "silver", "spruce", "summit", "sunset", "tiger", "timber", "topaz", "tulip", "velvet", "violet",
    "walnut", "willow", "winter", "zephyr",
)
"""Labels and values: lower-case ASCII words, none a prefix of another's use in the same page."""
FIRST_NAMES = ("Ann", "Ben", "Cleo", "Dev", "Eva", "Finn", "Gia", "Hugo", "Ines", "Jon", "Kira", "Liam")
LAST_NAMES = ("Lee", "Moss", "Nash", "Ortiz", "Park", "Quinn", "Reyes", "Shaw", "Tran", "Vance", "Wu", "Young")
COUNTRIES = ("Austria", "Brazil", "Canada", "Denmark", "Egypt", "France", "Ghana", "India", "Japan", "Kenya",
             "Mexico", "Norway", "Peru", "Spain")
COLOURS = ("red", "green", "blue", "orange", "purple")
_HEX = {"red": "#d22", "green": "#2a2", "blue": "#23d", "orange": "#f90", "purple": "#92c"}


@dataclass(frozen=True)
class Element:
    """One element of an observation: ref, role, box (x1, y1, x2, y2), actionable flag, text and value."""

    ref: int
    role: str
    box: tuple[int, int, int, int]
    actionable: bool
    text: str
    value: str


class View:
    """The elements of the current page, with look-ups by role and text (what scripted agents need)."""

    def __init__(self, elements: list[Element]):
        self.elements = elements

    def find(self, role: str | None = None, text: str | None = None) -> Element | None:
        """The first element with ``role`` (any if ``None``) whose text is ``text`` (case-insensitive), or ``None``."""
        for element in self.elements:
            if (role is None or element.role == role) and (text is None or element.text.lower() == text.lower()):
                return element
        return None

    def ref(self, role: str | None = None, text: str | None = None) -> int:
        """Like :meth:`find` but the ref, -1 when absent (an unknown ref: a no-op with an ``action_error``)."""
        element = self.find(role, text)
        return -1 if element is None else element.ref

    def textbox(self, index: int) -> Element | None:
        """The ``index``-th text field of the page."""
        boxes = [e for e in self.elements if e.role == "textbox"]
        return boxes[index] if index < len(boxes) else None


Instance = dict[str, Any]
Action = dict[str, Any]


@dataclass(frozen=True)
class Task:
    """A task: its name, instance generator, judge, oracle step, default step limit and target label."""

    name: str
    generate: Callable[[np.random.Generator], Instance]
    judge: Callable[[Instance, dict[str, Any]], float | None]
    solve: Callable[[Instance, View], Action]
    max_steps: int = 10
    target: Callable[[Instance], str | None] = lambda instance: None


def _words(rng: np.random.Generator, n: int) -> list[str]:
    return [WORDS[i] for i in rng.choice(len(WORDS), size=n, replace=False)]


def _offsets(rng: np.random.Generator, n: int) -> list[int]:
    return [int(v) for v in rng.integers(0, 40, n)]


def _clicked(instance: Instance, state: dict[str, Any]) -> float | None:
    if "clicked" not in state:
        return None
    return 1.0 if state["clicked"] == instance["target"] else -1.0


def _submitted(expected: Callable[[Instance], dict[str, Any]]) -> Callable[[Instance, dict[str, Any]], float | None]:
    def judge(instance: Instance, state: dict[str, Any]) -> float | None:
        if "submitted" not in state:
            return None
        return 1.0 if state["submitted"] == expected(instance) else -1.0
    return judge


def _fill(fields: list[tuple[int, str]], then: Action) -> Callable[[Instance, View], Action]:
    """Oracle step for forms: type each ``(textbox index, text)`` whose value differs, then ``then``."""
    def step(instance: Instance, view: View) -> Action:
        for index, text in fields:
            box = view.textbox(index)
            if box is not None and box.value != text:
                return {"type": "type", "ref": box.ref, "text": text}
        return then
    return step


def _submit(view: View, label: str = "Submit") -> Action:
    return {"type": "click", "ref": view.ref("button", label)}


# -- click-button, click-link, click-tab, click-dialog ------------------------------------------------------

def _gen_click_button(rng: np.random.Generator) -> Instance:
    buttons = _words(rng, int(rng.integers(2, 7)))
    target = buttons[int(rng.integers(len(buttons)))]
    return {"buttons": buttons, "target": target, "offsets": _offsets(rng, len(buttons)),
            "utterance": f'Click on the "{target}" button.'}


def _gen_click_link(rng: np.random.Generator) -> Instance:
    words = _words(rng, int(rng.integers(8, 14)))
    links = sorted(int(i) for i in rng.choice(len(words), size=int(rng.integers(2, 5)), replace=False))
    target = words[links[int(rng.integers(len(links)))]]
    return {"words": words, "links": links, "target": target, "utterance": f'Click on the link "{target}".'}


def _gen_click_tab(rng: np.random.Generator) -> Instance:
    n_tabs, per_tab = int(rng.integers(2, 5)), int(rng.integers(2, 4))
    words = _words(rng, n_tabs * per_tab)
    tabs = [words[k * per_tab:(k + 1) * per_tab] for k in range(n_tabs)]
    tab = int(rng.integers(n_tabs))
    target = tabs[tab][int(rng.integers(per_tab))]
    return {"tabs": tabs, "tab": tab, "target": target,
            "utterance": f'Switch between the tabs to find and click on the link "{target}".'}


def _solve_click_tab(instance: Instance, view: View) -> Action:
    link = view.find("link", instance["target"])
    if link is not None:
        return {"type": "click", "ref": link.ref}
    return {"type": "click", "ref": view.ref("tab", f"Tab #{instance['tab'] + 1}")}


def _gen_click_dialog(rng: np.random.Generator) -> Instance:
    buttons = ["OK", "Cancel"] if rng.random() < 0.5 else ["Cancel", "OK"]
    target = ("x", "OK", "Cancel")[int(rng.integers(3))]
    title, *body = _words(rng, 6)
    utterance = ('Close the dialog box by clicking the "x".' if target == "x"
                 else f'Click the button in the dialog box labeled "{target}".')
    return {"buttons": buttons, "target": target, "title": title.capitalize(), "body": " ".join(body).capitalize(),
            "offsets": _offsets(rng, 1), "utterance": utterance}


def _click_target(role: str) -> Callable[[Instance, View], Action]:
    def step(instance: Instance, view: View) -> Action:
        return {"type": "click", "ref": view.ref(role, instance["target"])}
    return step


# -- forms ---------------------------------------------------------------------------------------------

def _gen_click_checkboxes(rng: np.random.Generator) -> Instance:
    labels = _words(rng, int(rng.integers(3, 7)))
    chosen = sorted(int(i) for i in rng.choice(len(labels), size=int(rng.integers(0, len(labels) + 1)), replace=False))
    targets = [labels[i] for i in chosen]
    listed = ", ".join(targets) if targets else "nothing"
    return {"labels": labels, "targets": targets, "offsets": _offsets(rng, len(labels)),
            "utterance": f"Select {listed} and click Submit."}


def _solve_click_checkboxes(instance: Instance, view: View) -> Action:
    boxes = [e for e in view.elements if e.role == "checkbox"]
    labels = [e for e in view.elements if e.role == "label"]
    for box, label in zip(boxes, labels):
        if (label.text in instance["targets"]) != (box.value == "checked"):
            return {"type": "click", "ref": box.ref}
    return _submit(view)


def _gen_enter_text(rng: np.random.Generator) -> Instance:
    word = _words(rng, 1)[0]
    text = word.capitalize() if rng.random() < 0.3 else word
    return {"text": text, "utterance": f'Enter "{text}" into the text field and press Submit.'}


def _gen_enter_password(rng: np.random.Generator) -> Instance:
    word, digits = _words(rng, 1)[0], int(rng.integers(10, 100))
    password = f"{word}{digits}"
    return {"password": password,
            "utterance": f'Enter the password "{password}" into both text fields and press Submit.'}


def _gen_login_user(rng: np.random.Generator) -> Instance:
    username = _words(rng, 1)[0] + str(int(rng.integers(1, 100)))
    password = "".join(_words(rng, 2))
    return {"username": username, "password": password,
            "utterance": f'Enter the username "{username}" and the password "{password}" into the text fields '
                         "and press login."}


def _gen_select_option(rng: np.random.Generator) -> Instance:
    options = _words(rng, int(rng.integers(3, 8)))
    target = options[int(rng.integers(len(options)))]
    return {"options": options, "target": target, "utterance": f"Select {target} from the list and click Submit."}


def _solve_select(field: str, label: str) -> Callable[[Instance, View], Action]:
    def step(instance: Instance, view: View) -> Action:
        select = view.find("combobox")
        if select is not None and select.value != instance[field]:
            return {"type": "select", "ref": select.ref, "option": instance[field]}
        return _submit(view, label)
    return step


def _gen_fill_form(rng: np.random.Generator) -> Instance:
    first, last = FIRST_NAMES[int(rng.integers(len(FIRST_NAMES)))], LAST_NAMES[int(rng.integers(len(LAST_NAMES)))]
    countries = [COUNTRIES[i] for i in sorted(rng.choice(len(COUNTRIES), size=5, replace=False))]
    country = countries[int(rng.integers(len(countries)))]
    subscribe = bool(rng.random() < 0.5)
    email = f"{first.lower()}.{last.lower()}@{_words(rng, 1)[0]}.com"
    return {"name": f"{first} {last}", "email": email, "countries": countries, "country": country,
            "subscribe": subscribe,
            "utterance": f'Fill in the form: name "{first} {last}", email "{email}", country {country}, '
                         f"{'subscribe' if subscribe else 'do not subscribe'} to the newsletter, then press Submit."}


def _solve_fill_form(instance: Instance, view: View) -> Action:
    fields = _fill([(0, instance["name"]), (1, instance["email"])], {})(instance, view)
    if fields:
        return fields
    select = view.find("combobox")
    if select is not None and select.value != instance["country"]:
        return {"type": "select", "ref": select.ref, "option": instance["country"]}
    box = view.find("checkbox")
    if box is not None and (box.value == "checked") != instance["subscribe"]:
        return {"type": "click", "ref": box.ref}
    return _submit(view)


# -- search-and-click, click-xy -------------------------------------------------------------------------

def _gen_search_and_click(rng: np.random.Generator) -> Instance:
    heads, tails = _words(rng, 6), _words(rng, 6)
    items = [f"{heads[int(rng.integers(6))]} {tails[int(rng.integers(6))]}" for _ in range(int(rng.integers(8, 16)))]
    items = list(dict.fromkeys(items))
    target = items[int(rng.integers(len(items)))]
    return {"items": items, "target": target, "utterance": f'Search for "{target}" and click the matching result.'}


def _solve_search_and_click(instance: Instance, view: View) -> Action:
    link = view.find("link", instance["target"])
    if link is not None:
        return {"type": "click", "ref": link.ref}
    box = view.find("textbox")
    if box is not None and box.value != instance["target"]:
        return {"type": "type", "ref": box.ref, "text": instance["target"]}
    return {"type": "click", "ref": view.ref("button", "Search")}


def _gen_click_xy(rng: np.random.Generator) -> Instance:
    width, height, r = 200, 150, int(rng.integers(8, 16))
    colour, *others = [COLOURS[i] for i in rng.permutation(len(COLOURS))[:4]]
    cx, cy = int(rng.integers(r, width - r)), int(rng.integers(r, height - r))
    distractors = [{"x": int(rng.integers(10, width - 10)), "y": int(rng.integers(10, height - 10)), "s": 6,
                    "color": _HEX[c]} for c in others]
    return {"width": width, "height": height, "cx": cx, "cy": cy, "r": r, "color": _HEX[colour],
            "colour": colour, "distractors": distractors, "utterance": f"Click on the {colour} circle."}


def _judge_click_xy(instance: Instance, state: dict[str, Any]) -> float | None:
    if "point" not in state:
        return None
    x, y = state["point"]
    return 1.0 if (x - instance["cx"]) ** 2 + (y - instance["cy"]) ** 2 <= instance["r"] ** 2 else -1.0


def _solve_click_xy(instance: Instance, view: View) -> Action:
    board = view.find("canvas")
    x1, y1 = board.box[:2] if board is not None else (0, 0)
    return {"type": "click_xy", "x": x1 + 1 + instance["cx"], "y": y1 + 1 + instance["cy"]}  # 1 px canvas border


TASKS: dict[str, Task] = {task.name: task for task in (
    Task("click-button", _gen_click_button, _clicked, _click_target("button"), target=lambda i: i["target"]),
    Task("click-link", _gen_click_link, _clicked, _click_target("link"), target=lambda i: i["target"]),
    Task("click-checkboxes", _gen_click_checkboxes,
         _submitted(lambda i: {label: label in i["targets"] for label in i["labels"]}), _solve_click_checkboxes,
         target=lambda i: "Submit"),
    Task("click-tab", _gen_click_tab, _clicked, _solve_click_tab, target=lambda i: i["target"]),
    Task("click-dialog", _gen_click_dialog, _clicked, _click_target("button"), target=lambda i: i["target"]),
    Task("enter-text", _gen_enter_text, _submitted(lambda i: {"text": i["text"]}),
         lambda i, v: _fill([(0, i["text"])], _submit(v))(i, v), target=lambda i: "Submit"),
    Task("enter-password", _gen_enter_password,
         _submitted(lambda i: {"password": i["password"], "verify": i["password"]}),
         lambda i, v: _fill([(0, i["password"]), (1, i["password"])], _submit(v))(i, v), target=lambda i: "Submit"),
    Task("login-user", _gen_login_user, _submitted(lambda i: {"username": i["username"], "password": i["password"]}),
         lambda i, v: _fill([(0, i["username"]), (1, i["password"])], _submit(v, "Login"))(i, v),
         target=lambda i: "Login"),
    Task("select-option", _gen_select_option, _submitted(lambda i: {"choice": i["target"]}),
         _solve_select("target", "Submit"), target=lambda i: "Submit"),
    Task("fill-form", _gen_fill_form,
         _submitted(lambda i: {"name": i["name"], "email": i["email"], "country": i["country"],
                               "subscribe": i["subscribe"]}),
         _solve_fill_form, max_steps=15, target=lambda i: "Submit"),
    Task("search-and-click", _gen_search_and_click, _clicked, _solve_search_and_click,
         target=lambda i: i["target"]),
    Task("click-xy", _gen_click_xy, _judge_click_xy, _solve_click_xy),
)}
"""Task name -> :class:`Task`; the web shop (``web-shop``) is :mod:`.shop_site`'s."""
