"""YAML as users write it: ``3e-4`` and ``1e5`` are numbers.

PyYAML follows YAML 1.1, where a float needs a dot (``3.0e-4``) and ``3e-4`` is the string
``"3e-4"``; every learning rate, weight and budget written the usual way would then fail deep
inside a run. This loader adds YAML 1.2's float syntax to the safe loader.
"""
from __future__ import annotations

import re
from typing import Any

import yaml


class NumberFriendlyLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that also reads ``1e5``, ``3e-4`` and ``-2E+3`` as floats."""


NumberFriendlyLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9][0-9_]*)(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"),
    list("-+0123456789"),
)


def load_yaml(text: str) -> Any:
    """Parse ``text`` like ``yaml.safe_load``, with ``1e5``-style numbers read as floats."""
    return yaml.load(text, Loader=NumberFriendlyLoader)  # noqa: S506  (a SafeLoader subclass)
