"""WebEnv: a MiniWoB-style task or the web shop in a real headless Chromium, observed in one round trip."""
from __future__ import annotations

import io
import json
import time
from typing import Any, cast

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from gymnasium.error import ResetNeeded
from gymnasium.utils import seeding

from ..core.arguments import refuse_unknown_kwargs
from ..core.info import make_info
from ..core.render import check_render_mode
from ..core.reward_state import FieldDoc, describe_reward_state
from ..core.text import fit_text, text_space
from ..errors import ConfigError, InvalidActionError, MissingDependencyError
from ..shop import DEFAULT_SIZE, Goal, ShopSession, check_catalogue_args, check_split, get_catalogue, goal_of
from ..shop import draw_goal_id as draw_shop_goal_id
from .actions import check_dict_action, check_fields, parse_command
from .browser import Browser, BrowserError, give_back, missing_browser, take_browser
from .server import acquire_server, register_session, release_server
from .tasks import TASKS, Element, View

SHOP = "web-shop"
SPLITS: dict[str, tuple[int, int]] = {"train": (0, 1_000_000_000), "val": (1_000_000_000, 1_000_000),
                                      "test": (1_001_000_000, 1_000_000)}
"""Split -> (first instance seed, count): disjoint ranges (the web shop uses the shop's goal ids)."""
ROLES = ("text", "link", "button", "textbox", "checkbox", "radio", "combobox", "tab", "tablist", "dialog", "listitem",
         "heading", "label", "image", "canvas", "form", "option")
"""Role names of ``elements[:, 1]`` (index into this tuple; roles not listed count as ``text``)."""
ELEMENT_COLUMNS = ("ref", "role", "x1", "y1", "x2", "y2", "actionable")
COORD = 1 << 15
SCRIPT_RESET = "return AE.reset(arguments[0], arguments[1]);"
SCRIPT_STEP = "return AE.step(arguments[0]);"
SCRIPT_OBSERVE = "return window.AE ? AE.observe() : null;"
_ROLE_ID = {role: i for i, role in enumerate(ROLES)}


def draw_instance_seed(split: str, rng: np.random.Generator) -> int:
    """An instance seed of ``split``, uniform over its range of :data:`SPLITS`."""
    first, count = SPLITS[split]
    return first + int(rng.integers(count))


def _view_of(page: dict[str, Any], max_elements: int) -> View:
    """The :class:`View` of the first ``max_elements`` elements of a page the core script observed."""
    return View([Element(int(r[0]), str(r[1]), (int(r[2]), int(r[3]), int(r[4]), int(r[5])), bool(r[6]), str(r[7]),
                         str(r[8])) for r in (page.get("elements") or [])[:max_elements]])


def _int(name: str, value: Any, least: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < least:
        raise ConfigError(f"{name} must be an int >= {least}, got {value!r}")
    return int(value)


def _positive(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) or not value > 0:
        raise ConfigError(f"{name} must be a number > 0, got {value!r}")
    return float(value)


class WebEnv(gym.Env):
    """A web task in headless Chromium (see ``docs/web.md``): read the page, click and type until the goal is met.

    ## Observation Space
    ``Dict``: ``utterance`` (the goal in words), ``dom`` (one line per visible element that has
    text or can be acted on: ``[ref] role "text" value="..." checked focused``, indented by
    nesting; refs are stable integers for the episode), ``elements`` (``int32 [max_elements, 7]``:
    ref, role index into :data:`ROLES`, box x1, y1, x2, y2 in viewport pixels, actionable flag;
    rows past the elements are -1) and, with ``screenshot=True``, ``screenshot`` (``uint8
    [height, width, 3]``).

    ## Action Space
    ``Text``: ``click(ref)``, ``type(ref, "text")`` (replaces the field's value), ``select(ref,
    "option")``, ``press("Enter")``, ``click_xy(x, y)``, ``scroll(dy)``, optionally inside
    ``<answer>...</answer>``; or the Dict form of :mod:`agentenvs.web.actions` (wrong keys raise
    ``ValueError``). A command that does not parse, an unknown ref, typing into a button: a no-op
    step with ``info["action_error"]`` saying why and ``info["action_is_valid"] = False``.

    ## Rewards
    MiniWoB's: the raw reward is 1 for success, -1 for a wrong end (the web shop: its purchase
    score in [0, 1]); -1 when the episode runs out of steps (``max_steps``) or, with
    ``time_decay=True``, of time (``episode_max_time`` seconds), when a positive reward is also
    scaled by ``max(0, 1 - elapsed / episode_max_time)``. ``reward_mode="binary"`` gives 1 on
    success and -1 on any other end. Only the first end counts: a step after it changes nothing,
    earns 0 and repeats the end's flags, with an ``action_error``.

    ## Episode End
    Terminated when the task ends (a click, a submitted form, a purchase); truncated at
    ``max_steps``, at the time limit, or when the browser dies (``info["browser_error"]`` says how;
    the next ``reset()`` starts a fresh browser). The ending step's info has ``score`` in [0, 1]
    (1 on success, the web shop's purchase score, else 0).

    ## Arguments
    ``task``, ``split`` ("train", "val", "test": disjoint instance seeds), ``screenshot``,
    ``max_steps`` (the task's default when ``None``), ``reward_mode`` ("raw" or "binary"),
    ``time_decay``, ``episode_max_time=10.0``, ``width=320``, ``height=320`` (viewport pixels),
    ``max_elements=64``, ``reload_every=100`` (episodes between page reloads), ``timeout=10.0``
    (seconds per browser call), ``num_products`` and ``catalogue_seed`` (web shop), ``render_mode``
    ("rgb_array" or "ansi").
    """

    metadata = {"render_modes": ["rgb_array", "ansi"], "render_fps": 4}

    def __init__(self, task: str = "click-button", split: str = "train", screenshot: bool = False,
                 max_steps: int | None = None, reward_mode: str = "raw", time_decay: bool = False,
                 episode_max_time: float = 10.0, width: int = 320, height: int = 320, max_elements: int = 64,
                 reload_every: int = 100, timeout: float = 10.0, num_products: int = DEFAULT_SIZE,
                 catalogue_seed: int = 0, render_mode: str | None = None, **unknown: Any):
        refuse_unknown_kwargs("WebEnv", unknown, WebEnv.__init__)
        if task not in TASKS and task != SHOP:
            raise ConfigError(f"unknown web task {task!r}; tasks: {sorted([*TASKS, SHOP])}")
        self.split = check_split(split)
        if reward_mode not in ("raw", "binary"):
            raise ConfigError(f"reward_mode must be 'raw' or 'binary', got {reward_mode!r}")
        self._kwargs = dict(task=task, split=split, screenshot=screenshot, max_steps=max_steps, reward_mode=reward_mode,
                            time_decay=time_decay, episode_max_time=episode_max_time, width=width, height=height,
                            max_elements=max_elements, reload_every=reload_every, timeout=timeout,
                            num_products=num_products, catalogue_seed=catalogue_seed, render_mode=render_mode)
        self.task_name, self.screenshot, self.reward_mode = task, bool(screenshot), reward_mode
        self.task = TASKS.get(task)
        default_steps = 20 if self.task is None else self.task.max_steps
        self.max_steps = default_steps if max_steps is None else _int("max_steps", max_steps)
        self.time_decay, self.episode_max_time = bool(time_decay), _positive("episode_max_time", episode_max_time)
        self.width, self.height = _int("width", width, 64), _int("height", height, 64)
        self.max_elements = _int("max_elements", max_elements)
        self.reload_every, self.timeout = _int("reload_every", reload_every), _positive("timeout", timeout)
        self.render_mode = check_render_mode(render_mode, self.metadata["render_modes"])
        missing = missing_browser()
        if missing:
            raise MissingDependencyError(missing)
        self.catalogue = None
        if task == SHOP:
            check_catalogue_args(catalogue_seed, num_products)
            self.catalogue = get_catalogue(catalogue_seed, num_products)
            check_split(split, self.catalogue)
        obs: dict[str, spaces.Space[Any]] = {
            "utterance": text_space(512),
            "dom": text_space(4096),
            "elements": spaces.Box(-COORD, COORD, (self.max_elements, len(ELEMENT_COLUMNS)), np.int32),
        }
        if self.screenshot:
            obs["screenshot"] = spaces.Box(0, 255, (self.height, self.width, 3), np.uint8)
        self.observation_space = spaces.Dict(obs)
        self.action_space = text_space(256)
        fields: dict[str, spaces.Space[Any]] = {
            "instruction": text_space(512),
            "task_fields": text_space(2048),
            "form_values": text_space(1024),
            "page_state": text_space(512),
            "cursor": spaces.Box(-COORD, COORD, (2,), np.float32),
            "target_box": spaces.Box(-COORD, COORD, (4,), np.float32),
            "screen_size": spaces.Box(0, COORD, (2,), np.float32),
            "element_boxes": spaces.Box(-COORD, COORD, (self.max_elements, 4), np.float32),
            "raw_reward": spaces.Box(-1.0, 1.0, (), np.float32),
            "success": spaces.Box(0, 1, (), np.bool_),
            "steps": spaces.Box(0, np.iinfo(np.int64).max, (), np.int64),
            "max_steps": spaces.Box(0, np.iinfo(np.int64).max, (), np.int64),
        }
        self.reward_state_space = spaces.Dict(fields)
        self.reward_state_doc = describe_reward_state(self.reward_state_space, {
            "task_fields": FieldDoc("the episode's instance as JSON (labels, target, values; the shop: its goal)",
                                    "text"),
            "form_values": FieldDoc("the page's form fields now, 'name=value' joined by '; '", "text"),
            "page_state": FieldDoc("what the page recorded for the judge (a click, a submitted form) as JSON", "text"),
            "screen_size": FieldDoc("the viewport's width and height", "screen pixels (width, height)"),
            "raw_reward": FieldDoc("the task's raw reward at its end (0 before)", "reward in [-1, 1]"),
        })
        self._browser: Browser | None = None
        self._server = False
        self._url = ""
        self._episodes_on_page = 0
        self._page_loaded = False
        self._instance: dict[str, Any] | None = None
        self._session: ShopSession | None = None
        self._log: list[dict[str, Any]] = []
        self._replay = False
        self._steps, self._ended, self._raw = 0, False, 0.0
        self._end = (False, False)
        self._t0 = 0.0
        self._obs: dict[str, Any] | None = None
        self._view = View([])
        self._page: dict[str, Any] = {}

    # -- browser ---------------------------------------------------------------------------------

    def _start(self) -> Browser:
        if self._browser is None:
            if not self._server:
                self._url, self._server = acquire_server(), True
            self._browser, self._page_loaded = take_browser(self.width, self.height, self.timeout), False
        return self._browser

    def _drop_browser(self, reuse: bool = False) -> None:
        """Kill the browser (a broken one), or on ``close()`` hand it to :func:`~.browser.give_back`."""
        if self._browser is not None:
            if reuse:
                give_back(self._browser)
            else:
                self._browser.close()
            self._browser = None

    def browser_pids(self) -> list[int]:
        """PIDs of this env's chromedriver and Chromium processes (empty before the first reset)."""
        return [] if self._browser is None else self._browser.pids()

    def _sid(self) -> str:
        return f"{id(self):x}"

    def _open_episode(self) -> dict[str, Any]:
        """Show the episode's first page: the task page re-initialised through JavaScript, or the shop's search page."""
        browser = self._start()
        if self._session is not None:
            register_session(self._sid(), self._session)
            browser.call("get", f"{self._url}/shop/{self._sid()}/")
            self._page_loaded = False
            return self._wait_for_page(None)
        if not self._page_loaded or self._episodes_on_page >= self.reload_every:
            browser.call("get", f"{self._url}/task.html")
            self._page_loaded, self._episodes_on_page = True, 0
        self._episodes_on_page += 1
        return cast(dict[str, Any], browser.call("execute_script", SCRIPT_RESET, self.task_name, self._instance))

    def _wait_for_page(self, old_load: float | None) -> dict[str, Any]:
        """The observation of the page that replaced the one with load id ``old_load``."""
        assert self._browser is not None
        deadline = time.monotonic() + self.timeout
        while True:
            page = self._browser.call("execute_script", SCRIPT_OBSERVE)
            if page is not None and page["loadId"] != old_load:
                return cast(dict[str, Any], page)
            if time.monotonic() > deadline:
                raise BrowserError(f"the page did not load within {self.timeout:g} s")
            time.sleep(0.005)

    def _act(self, action: dict[str, Any]) -> dict[str, Any]:
        assert self._browser is not None
        page = self._browser.call("execute_script", SCRIPT_STEP, action)
        if page.get("leaving"):
            error, cursor = page.get("error"), page.get("cursor")
            page = self._wait_for_page(page["loadId"])
            page["error"], page["cursor"] = error, cursor
        return cast(dict[str, Any], page)

    # -- episode ---------------------------------------------------------------------------------

    def reset(self, *, seed: int | None = None,
              options: dict[str, Any] | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
        super().reset(seed=seed)
        options = dict(options or {})
        unknown = sorted(set(options) - {"instance"})
        if unknown:
            raise ConfigError(f"reset options take only 'instance' (an instance seed of the split), got {unknown}")
        if self.catalogue is not None:
            goal_id = options.get("instance", draw_shop_goal_id(self.split, self.np_random))
            goal = goal_of(self.catalogue, self.split, goal_id)
            self._session = ShopSession(self.catalogue, goal)
            self._instance = {"goal_id": int(goal_id), "utterance": goal.text, "asin": goal.asin,
                              "options": goal.options, "attributes": list(goal.attributes),
                              "price_upper": goal.price_upper}
        else:
            assert self.task is not None
            first, count = SPLITS[self.split]
            key = options.get("instance", draw_instance_seed(self.split, self.np_random))
            if isinstance(key, bool) or not isinstance(key, (int, np.integer)) or not first <= key < first + count:
                raise ConfigError(f"instance for split {self.split!r} must be an int in [{first}, {first + count}), "
                                  f"got {key!r}")
            task_number = 1 + list(TASKS).index(self.task_name)
            self._instance = self.task.generate(np.random.default_rng([int(key), task_number]))
            self._instance["seed"] = int(key)
        self._log, self._replay = [], False
        self._steps, self._ended, self._raw = 0, False, 0.0
        page = self._run_browser(self._open_episode, retry=True)
        self._t0 = time.monotonic()
        self._observe(page)
        return self._obs_copy(), self._info(True, "", "")

    def _run_browser(self, call: Any, retry: bool = False) -> Any:
        """``call()``, starting a fresh browser once if the old one died (``retry``); else BrowserError."""
        try:
            return call()
        except BrowserError:
            if not retry:
                raise
            self._drop_browser()
            return call()

    def _restore(self) -> None:
        """After unpickling: open this episode's page in a browser of our own and replay its actions."""
        page = self._run_browser(self._open_episode, retry=True)
        for action in self._log:
            page = self._act(action)
        self._replay = False
        self._observe(page)

    def step(self, action: Any) -> tuple[dict[str, Any], float, bool, bool, dict[str, Any]]:
        if self._instance is None:
            raise ResetNeeded("call reset() before step() on WebEnv")
        if self._ended:  # only the first end counts: later steps change nothing and earn nothing
            return self._obs_copy(), 0.0, self._end[0], self._end[1], self._info(
                False, "the episode has ended; call reset() to start the next", "")
        if isinstance(action, dict):
            parsed: dict[str, Any] | str = check_fields(check_dict_action(action))
        elif isinstance(action, (str, np.str_)):
            parsed = parse_command(str(action)[:256])
        else:
            raise InvalidActionError(f"a WebEnv action is a text command or a Dict action, got {type(action).__name__}")
        self._steps += 1
        error, browser_error = (parsed, "") if isinstance(parsed, str) else ("", "")
        reward, terminated, truncated = 0.0, False, False
        if not error:
            assert isinstance(parsed, dict)
            try:
                if self._replay:
                    self._restore()
                page = self._act(parsed)
                error = page.get("error") or ""
                if not error:
                    self._log.append(parsed)
                self._observe(page)
            except BrowserError as err:
                browser_error = str(err)
                self._drop_browser()
        raw = self._judge()
        elapsed = time.monotonic() - self._t0
        if browser_error:
            truncated = True
        elif raw is not None:
            terminated, self._raw = True, raw
            decay = max(0.0, 1.0 - elapsed / self.episode_max_time) if self.time_decay and raw > 0 else 1.0
            reward = raw * decay if self.reward_mode == "raw" else (1.0 if raw >= 1.0 else -1.0)
        elif self._steps >= self.max_steps or (self.time_decay and elapsed > self.episode_max_time):
            truncated, reward, self._raw = True, -1.0, -1.0
        self._ended, self._end = terminated or truncated, (terminated, truncated)
        return self._obs_copy(), float(reward), terminated, truncated, self._info(not error, error, browser_error)

    def _judge(self) -> float | None:
        if self._session is not None:
            return None if self._session.purchase is None else float(self._session.purchase.reward)
        assert self.task is not None and self._instance is not None
        return self.task.judge(self._instance, self._page.get("state") or {})

    # -- observation -------------------------------------------------------------------------------

    def _observe(self, page: dict[str, Any]) -> None:
        self._page = page
        self._view = _view_of(page, self.max_elements)
        elements = np.full((self.max_elements, len(ELEMENT_COLUMNS)), -1, dtype=np.int32)
        for i, e in enumerate(self._view.elements):
            elements[i] = (e.ref, _ROLE_ID.get(e.role, 0), *e.box, e.actionable)
        np.clip(elements, -COORD, COORD, out=elements)
        space = cast(spaces.Dict, self.observation_space)
        assert self._instance is not None
        obs: dict[str, Any] = {
            "utterance": fit_text(self._instance["utterance"], cast(spaces.Text, space["utterance"])),
            "dom": fit_text(page["dom"], cast(spaces.Text, space["dom"])),
            "elements": elements,
        }
        if self.screenshot:
            obs["screenshot"] = self._screenshot()
        self._obs = obs

    def _screenshot(self) -> np.ndarray:
        from PIL import Image

        assert self._browser is not None
        png = self._browser.call("get_screenshot_as_png")
        image = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))
        frame = np.full((self.height, self.width, 3), 255, dtype=np.uint8)
        h, w = min(self.height, image.shape[0]), min(self.width, image.shape[1])
        frame[:h, :w] = image[:h, :w]
        return frame

    def _obs_copy(self) -> dict[str, Any]:
        assert self._obs is not None
        return {k: v.copy() if isinstance(v, np.ndarray) else v for k, v in self._obs.items()}

    def _info(self, valid: bool, action_error: str, browser_error: str) -> dict[str, Any]:
        extra = {"action_error": action_error, "browser_error": browser_error, "raw_reward": float(self._raw),
                 "task": self.task_name}
        if self._ended:  # the episode's score in [0, 1]: success, or the shop's purchase score
            extra["score"] = max(0.0, float(self._raw))
        return make_info(self._ended and self._raw >= 1.0, self._steps, valid, extra)

    @property
    def view(self) -> View:
        """The current page's elements (ref, role, box, text, value), for scripted agents."""
        return self._view

    @property
    def instance(self) -> dict[str, Any]:
        """The episode's instance (what the page was built from; the shop: its goal)."""
        if self._instance is None:
            raise ResetNeeded("call reset() before reading WebEnv.instance")
        return self._instance

    def goal(self) -> Goal:
        """The web shop's goal (target identifier, attributes, options, price limit)."""
        if self._session is None:
            raise ConfigError(f"goal() is the web shop's; this env runs {self.task_name!r}")
        return self._session.goal

    @property
    def session(self) -> ShopSession | None:
        """The web shop's visit (page, results, chosen options, purchase); ``None`` for the other tasks."""
        return self._session

    def instruction(self) -> str:
        """The goal of the current episode in words."""
        return self.instance["utterance"]

    def target_box(self) -> np.ndarray:
        """``float32 [4]``: the box of the element the task asks to act on (the click-xy circle), -1 when none."""
        if self.task_name == "click-xy":
            board = self._view.find("canvas")
            if board is not None:
                x, y, i = board.box[0] + 1, board.box[1] + 1, self.instance
                return np.array([x + i["cx"] - i["r"], y + i["cy"] - i["r"], x + i["cx"] + i["r"],
                                 y + i["cy"] + i["r"]], dtype=np.float32)
        label = None if self.task is None else self.task.target(self.instance)
        element = None if label is None else self._view.find(None, label)
        return np.array(element.box if element is not None else (-1, -1, -1, -1), dtype=np.float32)

    def reward_state(self) -> dict[str, Any]:
        """The fields of ``reward_state_space`` now (see ``reward_state_doc``)."""
        instance = self.instance
        space = self.reward_state_space

        def text(value: str, name: str) -> str:
            return fit_text(value, cast(spaces.Text, space[name]))

        boxes = np.full((self.max_elements, 4), -1, dtype=np.float32)
        for i, e in enumerate(self._view.elements):
            boxes[i] = e.box
        forms = self._page.get("forms") or {}
        cursor = self._page.get("cursor") or (-1, -1)
        return {
            "instruction": text(instance["utterance"], "instruction"),
            "task_fields": text(json.dumps(instance, sort_keys=True), "task_fields"),
            "form_values": text("; ".join(f"{k}={v}" for k, v in forms.items()), "form_values"),
            "page_state": text(json.dumps(self._page.get("state") or {}, sort_keys=True), "page_state"),
            "cursor": np.clip(np.array(cursor, dtype=np.float32), -COORD, COORD),
            "target_box": np.clip(self.target_box(), -COORD, COORD),
            "screen_size": np.array((self.width, self.height), dtype=np.float32),
            "element_boxes": np.clip(boxes, -COORD, COORD),
            "raw_reward": np.array(self._raw, dtype=np.float32),
            "success": np.array(self._ended and self._raw >= 1.0),
            "steps": np.array(self._steps, dtype=np.int64),
            "max_steps": np.array(self.max_steps, dtype=np.int64),
        }

    def render(self) -> Any:
        """``rgb_array``: a screenshot (``uint8 [height, width, 3]``); ``ansi``: the dom text."""
        if self.render_mode is None:
            gym.logger.warn("render() called without a render_mode; build WebEnv with render_mode='rgb_array'")
            return None
        if self._obs is None:
            raise ResetNeeded("call reset() before render() on WebEnv")
        if self.render_mode == "ansi":
            return f"{self._obs['utterance']}\n{self._obs['dom']}"
        if self._replay:
            self._restore()
        return self._screenshot()

    # -- lifecycle and copies ----------------------------------------------------------------------

    def close(self) -> None:
        """Kill the browser (keep it for the next env with ``AGENTENVS_WEB_REUSE_BROWSERS=1``); release the server."""
        self._drop_browser(reuse=True)
        if self._session is not None:
            register_session(self._sid(), None)
        if self._server:
            self._server = False
            release_server()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # noqa: S110 - interpreter shutdown: the browser's finalizer still runs
            pass

    def __getstate__(self) -> dict[str, Any]:
        rng = None if self._np_random is None else self._np_random.bit_generator.state
        return {"kwargs": self._kwargs, "rng": rng, "instance": self._instance, "log": list(self._log),
                "steps": self._steps, "ended": self._ended, "raw": self._raw, "end": self._end, "obs": self._obs,
                "page": self._page, "elapsed": time.monotonic() - self._t0}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(**state["kwargs"])  # type: ignore[misc]
        if state["rng"] is not None:
            self._np_random, _ = seeding.np_random(0)
            self._np_random.bit_generator.state = state["rng"]
        self._instance, self._log = state["instance"], state["log"]
        self._steps, self._ended, self._raw = state["steps"], state["ended"], state["raw"]
        self._end = state["end"]
        self._obs, self._page = state["obs"], state["page"]
        self._t0 = time.monotonic() - state["elapsed"]
        self._view = _view_of(self._page, self.max_elements)
        if self._instance is not None and self.catalogue is not None:
            self._session = ShopSession(self.catalogue, goal_of(self.catalogue, self.split, self._instance["goal_id"]))
        self._replay = self._instance is not None
