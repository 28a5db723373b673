"""The bytes that cross the sandbox boundary: framed messages of raw arrays and UTF-8, never pickles.

A frame is a 4-byte tag and a little-endian uint64 payload length, then the payload. The parent sends
``PROG`` (a program's source) and ``CALL`` (a program's SHA-256 and a batch of reward-state fields);
the worker answers ``REDY`` once at start, ``OKAY`` to a program it compiled, ``RSLT`` (``[B]`` float32
totals and named ``[B]`` float32 components) to a call, or ``FAIL`` (an error kind and a message).
Decoding checks every length against the payload, so a short or forged frame is an error, not a crash.
"""
from __future__ import annotations

import struct
from collections.abc import Collection, Mapping, Sequence
from typing import Any

import numpy as np
import torch

HEADER = struct.Struct("<4sQ")
PROG, CALL, REDY, OKAY, RSLT, FAIL = b"PROG", b"CALL", b"REDY", b"OKAY", b"RSLT", b"FAIL"
TEXT_KIND = 255

#: Wire code of each dtype a reward-state field may have.
DTYPES: tuple[torch.dtype, ...] = (torch.bool, torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64,
                                   torch.float16, torch.float32, torch.float64)
_CODE = {dtype: code for code, dtype in enumerate(DTYPES)}
_ALIGN = 8

#: The most named components a program may return (and characters per name).
MAX_COMPONENTS = 32
MAX_NAME = 64
#: The most characters of an error message a worker sends.
MAX_MESSAGE = 2000


def reply_limit(batch: int) -> int:
    """The most bytes a worker's reply to a batch of ``batch`` can hold (a failure message, or every component)."""
    return 8 + (2 + 4 * MAX_NAME + 4 * batch) * (MAX_COMPONENTS + 1) + 4 * MAX_MESSAGE


class WireError(ValueError):
    """A frame's payload does not parse (truncated, forged, or of an unknown dtype)."""


def frame(tag: bytes, parts: Sequence[Any]) -> bytes:
    """One frame, header and ``parts`` (bytes-like) joined, so it leaves in one write.

    A frame written piecemeal lets the reader wake on each piece; on a loaded machine every wake-up can
    cost a scheduling slice, far more than the copy.
    """
    return b"".join([HEADER.pack(tag, sum(memoryview(p).nbytes for p in parts)), *parts])


def _pad(size: int) -> bytes:
    return b"\0" * (-size % _ALIGN)


def _name(name: str) -> bytes:
    raw = name.encode("utf-8")
    return struct.pack("<H", len(raw)) + raw


def _as_array(name: str, value: Any) -> np.ndarray | list[str]:
    """``value`` as a C-contiguous array (or a list of strings) with a leading batch axis."""
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu()
        if value.dtype == torch.bfloat16:
            value = value.float()
        if value.dtype not in _CODE:
            raise WireError(f"state[{name!r}] has dtype {value.dtype}; reward states hold bool, integer or float "
                            "tensors and text")
        array: Any = value.contiguous().numpy()
    elif isinstance(value, (list, tuple)) or (isinstance(value, np.ndarray) and value.dtype.kind in "OUS"):
        texts = [str(v) for v in (value.tolist() if isinstance(value, np.ndarray) else value)]
        return texts
    else:
        array = np.ascontiguousarray(value)
        if array.dtype.kind not in "biuf" or torch.from_numpy(array[:0]).dtype not in _CODE:
            raise WireError(f"state[{name!r}] has dtype {array.dtype}; reward states hold bool, integer or float "
                            "arrays and text")
    if array.ndim == 0:
        raise WireError(f"state[{name!r}] has no batch axis; give every field a leading [B] axis")
    return array


_NARROW = (np.int8, np.int16, np.int32)


def _narrowed(array: np.ndarray, code: int) -> tuple[np.ndarray, int]:
    """A wide integer array in the narrowest integer dtype holding its values (lossless), and that dtype's code.

    Grid cells and counts fit in int8, so Sokoban's int64 fields cross in an eighth of the bytes; the worker
    widens them back, and programs see the documented dtype.
    """
    if array.dtype.kind != "i" or array.dtype.itemsize == 1 or array.size == 0:
        return array, code
    low, high = int(array.min()), int(array.max())
    for narrow in _NARROW:
        info = np.iinfo(narrow)
        if narrow().itemsize >= array.dtype.itemsize:
            break
        if info.min <= low and high <= info.max:
            return array.astype(narrow), _CODE[torch.from_numpy(np.zeros(0, narrow)).dtype]
    return array, code


def encode_call(sha: str, state: Mapping[str, Any], fields: Collection[str] | None = None) -> tuple[int, list[Any]]:
    """``(B, parts)`` of a ``CALL`` payload: the fields of ``state`` (only ``fields`` when given), batched."""
    if not state:
        raise WireError("the reward state is empty")
    arrays = {k: _as_array(k, v) for k, v in state.items() if fields is None or k in fields}
    sizes = {k: len(v) for k, v in arrays.items()} or {k: len(_as_array(k, v)) for k, v in list(state.items())[:1]}
    if len(set(sizes.values())) != 1:
        raise WireError(f"reward-state fields disagree on the batch size: {sizes}")
    batch = next(iter(sizes.values()))
    parts: list[Any] = [sha.encode("ascii"), struct.pack("<II", batch, len(arrays))]
    offset = 72
    for key, array in arrays.items():
        if isinstance(array, list):
            raw = [t.encode("utf-8") for t in array]
            head = _name(key) + struct.pack(f"<B{len(raw)}I", TEXT_KIND, *map(len, raw))
            parts.append(head)
            parts.extend(raw)
            offset += len(head) + sum(map(len, raw))
            continue
        code = _CODE[torch.from_numpy(array[:0]).dtype]
        array, wire = _narrowed(array, code)
        head = _name(key) + struct.pack(f"<BBB{array.ndim}qQ", wire, code, array.ndim, *array.shape, array.nbytes)
        head += _pad(offset + len(head))
        parts.append(head)
        parts.append(array.reshape(-1).view(np.uint8) if array.nbytes else b"")
        offset += len(head) + array.nbytes
    return batch, parts


class _Reader:
    """Sequential, bounds-checked reads from one payload."""

    def __init__(self, payload: bytearray) -> None:
        self.payload, self.at = payload, 0

    def take(self, n: int) -> memoryview:
        if n < 0 or self.at + n > len(self.payload):
            raise WireError(f"truncated message: wanted {n} bytes at {self.at} of {len(self.payload)}")
        view = memoryview(self.payload)[self.at:self.at + n]
        self.at += n
        return view

    def unpack(self, fmt: str) -> tuple[Any, ...]:
        return struct.unpack(fmt, self.take(struct.calcsize(fmt)))

    def name(self) -> str:
        (size,) = self.unpack("<H")
        return bytes(self.take(size)).decode("utf-8")

    def align(self) -> None:
        self.at += -self.at % _ALIGN

    def tensor(self, dtype: torch.dtype, shape: tuple[int, ...]) -> torch.Tensor:
        """A tensor over the payload's next bytes (no copy: the payload is this call's alone)."""
        count = int(np.prod(shape, dtype=np.int64))
        nbytes = count * torch.empty((), dtype=dtype).element_size()
        start = self.at
        self.take(nbytes)
        if count == 0:
            return torch.empty(shape, dtype=dtype)
        return torch.frombuffer(self.payload, dtype=dtype, count=count, offset=start).reshape(shape)


def decode_call(payload: bytearray) -> tuple[str, int, dict[str, Any]]:
    """``(sha, B, state)`` of a ``CALL`` payload: tensors over the payload, text fields as tuples of str."""
    reader = _Reader(payload)
    sha = bytes(reader.take(64)).decode("ascii")
    batch, count = reader.unpack("<II")
    state: dict[str, Any] = {}
    for _ in range(count):
        key = reader.name()
        (kind,) = reader.unpack("<B")
        if kind == TEXT_KIND:
            sizes = reader.unpack(f"<{batch}I")
            state[key] = tuple(bytes(reader.take(n)).decode("utf-8") for n in sizes)
            continue
        widen, ndim = reader.unpack("<BB")
        if kind >= len(DTYPES) or widen >= len(DTYPES):
            raise WireError(f"field {key!r} has unknown dtype code {kind} or {widen}")
        shape = reader.unpack(f"<{ndim}q")
        (nbytes,) = reader.unpack("<Q")
        reader.align()
        tensor = reader.tensor(DTYPES[kind], tuple(shape))
        if tensor.numel() * tensor.element_size() != nbytes or (ndim and shape[0] != batch):
            raise WireError(f"field {key!r}: shape {shape} does not match its {nbytes} bytes or batch {batch}")
        state[key] = tensor if widen == kind else tensor.to(DTYPES[widen])
    return sha, batch, state


def encode_result(total: np.ndarray, components: Mapping[str, np.ndarray]) -> list[Any]:
    """A ``RSLT`` payload: ``B``, the component count, float32 totals, then each name and its float32 values."""
    parts: list[Any] = [struct.pack("<II", total.shape[0], len(components)), total.tobytes()]
    for key, values in components.items():
        parts.extend((_name(key), values.tobytes()))
    return parts


def decode_result(payload: bytearray) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """Totals and components of a ``RSLT`` payload, as float32 CPU tensors (copies owned by the caller)."""
    reader = _Reader(payload)
    batch, count = reader.unpack("<II")
    if count > MAX_COMPONENTS:
        raise WireError(f"{count} components; at most {MAX_COMPONENTS}")

    def floats() -> torch.Tensor:
        return torch.tensor(np.frombuffer(reader.take(4 * batch), dtype="<f4"), dtype=torch.float32)

    total = floats()
    components = {}
    for _ in range(count):
        key = reader.name()
        components[key] = floats()
    return total, components


def encode_failure(kind: str, message: str) -> bytes:
    """A ``FAIL`` payload: the error kind, a newline, the message (UTF-8, cut to :data:`MAX_MESSAGE` characters)."""
    return f"{kind[:MAX_NAME]}\n{message[:MAX_MESSAGE]}".encode("utf-8", "replace")


def decode_failure(payload: bytearray) -> tuple[str, str]:
    """``(kind, message)`` of a ``FAIL`` payload."""
    kind, _, message = bytes(payload).decode("utf-8", "replace").partition("\n")
    return kind, message
