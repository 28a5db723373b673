"""The watchdog process that kills a Python process's browsers when that process dies, even by SIGKILL.

Run as a script (``python watchdog.py``) by :mod:`.browser`, in its own session so a signal to the
parent's process group spares it. It reads lines from stdin, its pipe from the parent: ``+PGID
HOME`` (a browser's process group started, with the private home directory its Chromium runs in),
``-PGID`` (closed by the parent). At end of file, which is when the parent exits for whatever
reason, it kills each browser left (:func:`kill_browser`) and removes its home. It imports only the
standard library, so it starts in milliseconds; :mod:`.browser` imports :func:`kill_browser` from here.
"""
from __future__ import annotations

import os
import shutil
import signal
import sys


def kill_browser(group: int, home: str) -> None:
    """SIGKILL process group ``group`` and every process whose command line names ``home``; remove ``home``.

    Chromium's crash reporters leave the group (they start their own session) but carry the
    browser's private home in their ``--database`` path, which is how they are found.
    """
    try:
        os.killpg(group, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    needle = home.encode()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as file:
                    if needle in file.read():
                        os.kill(int(entry), signal.SIGKILL)
            except (OSError, ProcessLookupError):
                pass
    shutil.rmtree(home, ignore_errors=True)


def main() -> None:
    """Track browsers from stdin; kill those left when stdin closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    browsers: dict[int, str] = {}
    for line in sys.stdin:
        sign, _, rest = line.strip().partition(" ") if line.startswith("+") else (line.strip(), "", "")
        if sign[1:].isdigit():
            if sign[0] == "+" and rest:
                browsers[int(sign[1:])] = rest
            else:
                browsers.pop(int(sign[1:]), None)
    for group, home in browsers.items():
        kill_browser(group, home)


if __name__ == "__main__":
    main()
