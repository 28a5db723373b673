"""One headless Chromium driven through chromedriver, with a timeout on every call and no leftover processes.

chromedriver starts in a new session, so it and every Chromium process it spawns share one process
group; Chromium's crash reporters, which start sessions of their own, are found by the private
home directory each browser runs in. :meth:`Browser.close` kills both; a ``weakref.finalize`` does
the same when the object is garbage-collected or the interpreter exits, and the process's watchdog
(:mod:`.watchdog`) does it when Python itself is killed.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import threading
import weakref
from pathlib import Path
from typing import Any

from ..errors import AgentEnvsError, MissingDependencyError
from .watchdog import kill_browser

CHROMIUM_ENV, CHROMEDRIVER_ENV = "AGENTENVS_CHROMIUM", "AGENTENVS_CHROMEDRIVER"
DEFAULT_CHROMIUM, DEFAULT_CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
INSTALL_HINT = ("install Debian's Chromium and its driver (sudo apt-get install chromium chromium-driver), "
                "or point {var} at the executable")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-crash-reporter",
         "--disable-breakpad", "--hide-scrollbars")
"""Chromium flags: headless in a container, nothing that talks to the network or outlives the group."""


class BrowserError(AgentEnvsError, RuntimeError):
    """The browser or its driver died, timed out or could not start."""


def executables() -> tuple[str, str]:
    """Paths of Chromium and chromedriver (environment variables first, then Debian's paths).

    Raises:
        MissingDependencyError: one is missing, with how to install it.
    """
    found = []
    for var, default in ((CHROMIUM_ENV, DEFAULT_CHROMIUM), (CHROMEDRIVER_ENV, DEFAULT_CHROMEDRIVER)):
        path = os.environ.get(var) or default
        resolved = path if Path(path).is_file() else shutil.which(path)
        if not resolved or not os.access(resolved, os.X_OK):
            raise MissingDependencyError(f"{Path(path).name} not found at {path!r}: " + INSTALL_HINT.format(var=var))
        found.append(resolved)
    return found[0], found[1]


_WATCHDOG: dict[str, Any] = {"process": None, "pid": None}
_WATCHDOG_LOCK = threading.Lock()


def _tell_watchdog(line: str) -> None:
    """Send ``+PGID`` / ``-PGID`` to this process's watchdog, starting it on first use (and after a fork)."""
    with _WATCHDOG_LOCK:
        process = _WATCHDOG["process"]
        if process is None or _WATCHDOG["pid"] != os.getpid() or process.poll() is not None:
            if line.startswith("-"):
                return
            process = subprocess.Popen([sys.executable, "-S", str(Path(__file__).with_name("watchdog.py"))],
                                       stdin=subprocess.PIPE, text=True, start_new_session=True,
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            _WATCHDOG.update(process=process, pid=os.getpid())
        try:
            process.stdin.write(line + "\n")
            process.stdin.flush()
        except (BrokenPipeError, OSError):
            _WATCHDOG["process"] = None


def watchdog_pid() -> int | None:
    """PID of this process's watchdog, if one runs."""
    process = _WATCHDOG["process"]
    return process.pid if process is not None and _WATCHDOG["pid"] == os.getpid() else None


def _kill(group: int, home: str, driver_process: subprocess.Popen | None) -> None:
    """Kill the browser (:func:`~.watchdog.kill_browser`), reap chromedriver, and tell the watchdog it is gone."""
    kill_browser(group, home)
    if driver_process is not None:
        try:
            driver_process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
    if _WATCHDOG["pid"] == os.getpid():
        _tell_watchdog(f"-{group}")


class Browser:
    """A headless Chromium of ``width`` x ``height`` CSS pixels; every call times out after ``timeout`` seconds.

    Raises:
        MissingDependencyError: Chromium, chromedriver or selenium is missing.
        BrowserError: the browser did not start.
    """

    def __init__(self, width: int, height: int, timeout: float = 10.0):
        chromium, chromedriver = executables()
        try:
            from selenium import webdriver
            from selenium.webdriver.chrome.service import Service
        except ImportError as err:
            raise MissingDependencyError("the web envs need selenium: pip install 'agentenvs[web]'") from err
        options = webdriver.ChromeOptions()
        options.binary_location = chromium
        for flag in (*FLAGS, f"--window-size={width},{height}"):
            options.add_argument(flag)
        options.page_load_strategy = "normal"
        self.home = tempfile.mkdtemp(prefix="agentenvs-web-")
        service = Service(chromedriver, popen_kw={"start_new_session": True}, env={**os.environ, "HOME": self.home})
        self.width, self.height, self.timeout = width, height, timeout
        self.driver: Any = None
        try:
            self.driver = webdriver.Chrome(options=options, service=service)
        except Exception as err:
            process = service.process
            if process is not None:
                _kill(process.pid, self.home, process)
            raise BrowserError(f"Chromium did not start: {type(err).__name__}: {err}".strip()) from err
        self.group = service.process.pid  # chromedriver leads its own session and process group
        _tell_watchdog(f"+{self.group} {self.home}")
        self._finalizer = weakref.finalize(self, _kill, self.group, self.home, service.process)
        self.driver.command_executor.client_config.timeout = timeout
        # the viewport exactly width x height CSS pixels at scale 1 (headless windows keep a minimum
        # width and lose height to the window frame), so screenshots and element boxes share one frame
        self.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                                    {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})
        self.driver.set_script_timeout(timeout)
        self.driver.set_page_load_timeout(timeout)

    @property
    def alive(self) -> bool:
        """Whether :meth:`close` has not run yet (a killed browser still counts until then)."""
        return self._finalizer.alive

    def pids(self) -> list[int]:
        """PIDs of chromedriver and every Chromium process of this browser (its group and its crash reporters)."""
        return browser_pids(self.group, self.home)

    def call(self, what: str, *args: Any) -> Any:
        """``driver.<what>(*args)``; any failure (dead browser, timeout) becomes :class:`BrowserError`."""
        if not self.alive:
            raise BrowserError("the browser is closed")
        try:
            return getattr(self.driver, what)(*args)
        except Exception as err:
            raise BrowserError(f"{what} failed: {type(err).__name__}: {str(err).strip()[:300]}") from err

    def close(self) -> None:
        """Kill the browser's whole process group (idempotent)."""
        self._finalizer()


REUSE_ENV = "AGENTENVS_WEB_REUSE_BROWSERS"
"""Set to ``1`` to keep a closed env's browser for the next env of the process (test suites: one
Chromium start instead of one per env). Off by default: then ``close()`` kills the browser."""
MAX_SPARES = 2
_SPARES: dict[str, Any] = {"pid": None, "browsers": []}


def _spares() -> list[Browser]:
    """This process's spare browsers (a forked child starts with none)."""
    if _SPARES["pid"] != os.getpid():
        _SPARES.update(pid=os.getpid(), browsers=[])
    return _SPARES["browsers"]


def take_browser(width: int, height: int, timeout: float) -> Browser:
    """A spare browser of this size and timeout that still answers (with :data:`REUSE_ENV`), else a new one."""
    if os.environ.get(REUSE_ENV) == "1":
        with _WATCHDOG_LOCK:
            spares = _spares()
            match = next((b for b in reversed(spares) if (b.width, b.height, b.timeout) == (width, height, timeout)),
                         None)  # the last one given back first
            if match is not None:
                spares.remove(match)
        if match is not None:
            try:
                match.call("get", "about:blank")
                match.call("execute_cdp_cmd", "Network.clearBrowserCookies", {})
                return match
            except BrowserError:
                match.close()
    return Browser(width, height, timeout)


def give_back(browser: Browser) -> None:
    """Keep ``browser`` as a spare (with :data:`REUSE_ENV`, up to :data:`MAX_SPARES`), else close it."""
    if os.environ.get(REUSE_ENV) == "1" and browser.alive:
        with _WATCHDOG_LOCK:
            spares = _spares()
            if len(spares) < MAX_SPARES:
                spares.append(browser)
                return
    browser.close()


def close_spares() -> None:
    """Kill this process's spare browsers (they also die with the process)."""
    with _WATCHDOG_LOCK:
        spares, _SPARES["browsers"] = list(_spares()), []
    for browser in spares:
        browser.close()


def missing_browser() -> str | None:
    """Why the web envs cannot run here (selenium, Chromium or chromedriver missing), or ``None``."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is missing: pip install 'agentenvs[web]'"
    try:
        executables()
    except MissingDependencyError as err:
        return str(err)
    return None


def alive(pid: int) -> bool:
    """Whether ``pid`` is a live process (not a zombie), from ``/proc``."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


def browser_pids(group: int, home: str) -> list[int]:
    """Live (non-zombie) PIDs in process group ``group`` or whose command line names ``home``, from ``/proc``."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if (int(fields[2]) == group or home.encode() in cmdline) and alive(int(entry)):
            pids.append(int(entry))
    return sorted(pids)
