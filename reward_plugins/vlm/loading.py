"""Loading pretrained ``transformers`` models from a local folder or a Hugging Face model id.

A folder loads with ``local_files_only``; a model id is looked up in the local Hugging Face cache
first and downloaded only when that misses and the hub is not in offline mode. Whatever fails, the
caller gets one :class:`~reward_plugins.errors.ModelLoadError` saying how to get the weights,
never a traceback from inside the hub client. Loaded models are kept per (source, device, dtype),
so shapers built again and again (one per seed, per grid run, per check) share one frozen copy.
"""
from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import torch

from ..errors import MissingDependencyError, ModelLoadError

T = TypeVar("T")
#: What a Hugging Face model id looks like: ``name`` or ``owner/name``.
_MODEL_ID = re.compile(r"^[\w.-]+(/[\w.-]+)?$")


def require_transformers() -> Any:
    """The ``transformers`` module, or a :class:`MissingDependencyError` naming the extra."""
    try:
        import transformers
    except ImportError as e:
        raise MissingDependencyError(
            "VLM and text-embedding rewards need transformers: pip install 'agentenvs[vlm]'"
        ) from e
    return transformers


def is_model_id(source: str | os.PathLike[str]) -> bool:
    """Whether ``source`` reads as a Hugging Face model id rather than a path (and is no existing folder)."""
    text = os.fspath(source)
    return bool(_MODEL_ID.match(text)) and not text.startswith((".", "~")) and not Path(text).is_dir()


def clip_image_processor_class() -> Any:
    """CLIP's PIL image processor class, the reference of :mod:`.preprocess`.

    ``CLIPImageProcessorPil`` in transformers >= 5 (what ``CLIPImageProcessor`` falls back to,
    with a warning, without torchvision), ``CLIPImageProcessor`` in transformers 4.
    """
    transformers = require_transformers()
    return getattr(transformers, "CLIPImageProcessorPil", None) or transformers.CLIPImageProcessor


def _offline() -> bool:
    from huggingface_hub import is_offline_mode

    return bool(is_offline_mode()) or os.environ.get("HF_HUB_OFFLINE", "") not in ("", "0")


def from_pretrained(load: Callable[..., T], source: str | os.PathLike[str], what: str, save_hint: str) -> T:
    """``load(source, ...)`` from a folder, the local hub cache, or a download, in that order.

    :param load: a ``from_pretrained`` function (``CLIPModel.from_pretrained``, ...).
    :param source: a local folder or a model id.
    :param what: what is loaded, for the message (``"CLIP model"``).
    :param save_hint: how to save such a folder on a machine with internet, for the message.
    :raises ModelLoadError: when none of the three works.
    """
    text = os.fspath(source)
    path = Path(text).expanduser()
    get = f"On a machine with internet: {save_hint}; copy the folder here and pass its path."
    if path.is_dir():
        try:
            return load(str(path), local_files_only=True)
        except (OSError, ValueError) as e:
            raise ModelLoadError(f"cannot load the {what} in {path}: {_first_line(e)}. {get}") from None
    if not is_model_id(text):
        raise ModelLoadError(f"no {what} folder at {path}. {get}")
    try:
        return load(text, local_files_only=True)
    except (OSError, ValueError):
        pass
    if _offline():
        raise ModelLoadError(f"{what} {text!r} is not in the local Hugging Face cache and the hub is in offline "
                             f"mode (HF_HUB_OFFLINE). {get}")
    try:
        return load(text)
    except Exception as e:  # any hub or network failure becomes the one message below
        raise ModelLoadError(f"cannot load {what} {text!r}: not a local folder, not in the local Hugging Face cache, "
                             f"and downloading failed ({type(e).__name__}: {_first_line(e)}). {get}") from None


def _first_line(error: BaseException) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def torch_dtype(precision: str | None, device: torch.device) -> torch.dtype:
    """The weights' dtype for ``precision`` (``None``: fp16 on ``cuda``, else fp32)."""
    from ..intrinsic.encoders import PRECISIONS, check_precision

    if precision is None:
        precision = "fp16" if device.type == "cuda" else "fp32"
    check_precision(precision, device)
    return PRECISIONS[precision] or torch.float32


class SharedOnCopy:
    """Mixin for loaded, frozen models shared between shapers: a deep copy is the same object.

    Shapers hold such objects as plain attributes, not submodules, so the weights stay out of
    their ``state_dict`` (nothing to save: they are the folder's) and copies of a shaper (one per
    check, per seed) do not copy them.
    """

    def __deepcopy__(self, memo: dict[int, Any]) -> Any:
        return self
