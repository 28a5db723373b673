"""Browser and server lifecycle: shared server, one browser reused, no process left behind, dead browsers recovered."""
import gc
import os
import signal
import subprocess
import sys
import textwrap
import time
import urllib.request

import pytest

from agentenvs.web import WebEnv
from agentenvs.web.browser import REUSE_ENV, alive, close_spares, missing_browser
from agentenvs.web.server import base_url, server_users

pytestmark = pytest.mark.skipif(missing_browser() is not None, reason=str(missing_browser()))


def _wait_dead(pids, seconds=10.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and any(alive(p) for p in pids):
        time.sleep(0.05)
    return [p for p in pids if alive(p)]


def test_server_is_shared_and_stops_with_the_last_env_and_close_kills_the_browser():
    a, b = WebEnv(task="click-button"), WebEnv(task="enter-text")
    try:
        a.reset(seed=0)
        b.reset(seed=0)
        url = base_url()
        assert url.startswith("http://127.0.0.1:") and server_users() == 2
        assert b"AE.reset" in urllib.request.urlopen(url + "/core.js", timeout=5).read()
        pids = a.browser_pids()
        assert len(pids) >= 2 and set(pids).isdisjoint(b.browser_pids())
        a.close()
        assert _wait_dead(pids) == [] and server_users() == 1 and base_url() == url
    finally:
        a.close()
        b.close()
    assert base_url() is None
    with pytest.raises(OSError):
        urllib.request.urlopen(url + "/core.js", timeout=2)


def test_one_browser_across_episodes_reinitialised_without_reload_and_reloaded_every_n():
    env = WebEnv(task="click-button", reload_every=3)
    try:
        env.reset(seed=1)
        pids = env.browser_pids()
        driver = env._browser.driver
        driver.execute_script("window.marker = 42;")
        for _ in range(2):  # episodes 2 and 3 re-initialise the same page through JavaScript
            env.reset()
            assert driver.execute_script("return window.marker;") == 42
        env.reset()  # episode 4: the page is reloaded, which clears what the old one leaked
        assert driver.execute_script("return window.marker ?? null;") is None
        # the same browser: chromedriver and Chromium's main process live on (a reload may swap renderers)
        assert env._browser.driver is driver and set(pids[:2]) <= set(env.browser_pids())
    finally:
        env.close()


def test_reuse_keeps_a_closed_envs_browser_for_the_next_env_and_the_episode_is_the_same(monkeypatch):
    fresh = WebEnv(task="web-shop")
    try:
        want = fresh.reset(seed=4)[0]
    finally:
        fresh.close()
    close_spares()  # those an earlier test of this worker left
    monkeypatch.setenv(REUSE_ENV, "1")
    a = WebEnv(task="click-button")
    a.reset(seed=0)
    pids = a.browser_pids()
    a.close()
    assert _wait_dead(pids, 0.5) == pids  # kept as a spare, not killed
    b = WebEnv(task="web-shop")
    try:
        obs = b.reset(seed=4)[0]
        assert b.browser_pids() == pids and obs["dom"] == want["dom"]
        assert (obs["elements"] == want["elements"]).all()
    finally:
        monkeypatch.delenv(REUSE_ENV)
        b.close()  # without the variable: killed
    assert _wait_dead(pids) == []


def test_garbage_collected_env_leaves_no_process():
    env = WebEnv(task="click-button")
    env.reset(seed=0)
    pids = env.browser_pids()
    del env
    gc.collect()
    assert pids and _wait_dead(pids) == []


def test_a_process_that_never_closes_its_env_exits_and_leaves_no_browser():
    code = textwrap.dedent("""
        from agentenvs.web import WebEnv
        env = WebEnv(task="click-button")
        env.reset(seed=0)
        print(" ".join(map(str, env.browser_pids())), flush=True)
    """)  # no close(): the server must stop at exit instead of waiting on its frozen thread
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                         env={**os.environ, "PYTHONPATH": os.getcwd()})
    pids = [int(p) for p in out.stdout.split()]
    assert out.returncode == 0 and len(pids) >= 2, out.stderr
    assert _wait_dead(pids) == []


def test_killed_python_process_takes_its_browser_along():
    code = textwrap.dedent("""
        import sys, time
        from agentenvs.web import WebEnv
        env = WebEnv(task="click-button")
        env.reset(seed=0)
        print(" ".join(map(str, env.browser_pids())), flush=True)
        time.sleep(600)
    """)
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True,
                             env={**os.environ, "PYTHONPATH": os.getcwd()})
    try:
        pids = [int(p) for p in child.stdout.readline().split()]
        assert len(pids) >= 2 and all(alive(p) for p in pids)
    finally:
        child.kill()  # SIGKILL: no finalizer, no atexit; the watchdog must do it
        child.wait()
    assert _wait_dead(pids) == []


def test_dead_browser_truncates_the_episode_and_the_next_reset_starts_a_fresh_one():
    env = WebEnv(task="click-button")
    try:
        env.reset(seed=0)
        old = env.browser_pids()
        for pid in old:
            os.kill(pid, signal.SIGKILL)
        _, reward, terminated, truncated, info = env.step("click(2)")
        assert truncated and not terminated and reward == 0.0 and info["browser_error"]
        assert _wait_dead(old) == []
        obs, _ = env.reset(seed=0)
        assert env.browser_pids() and set(env.browser_pids()).isdisjoint(old) and obs["dom"]
        _, reward, terminated, _, info = env.step(f"click({env.view.ref('button', env.instance['target'])})")
        assert terminated and reward == 1.0 and info["browser_error"] == ""
    finally:
        env.close()


def test_a_hung_browser_times_out_instead_of_hanging():
    env = WebEnv(task="click-button", timeout=2.0)
    try:
        env.reset(seed=0)
        pids = env.browser_pids()
        for pid in pids:
            os.kill(pid, signal.SIGSTOP)
        start = time.monotonic()
        _, _, _, truncated, info = env.step("click(2)")
        assert truncated and "failed" in info["browser_error"] and time.monotonic() - start < 15
        assert _wait_dead(pids) == []  # SIGKILL reaches stopped processes too
    finally:
        env.close()
