"""Frames as PNG data URLs for multimodal chat messages, encoded with zlib alone (no imaging library)."""
from __future__ import annotations

import base64
import struct
import zlib

import numpy as np


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_bytes(frame: np.ndarray) -> bytes:
    """An ``[H, W, 3]`` (or ``[H, W]`` grey) uint8 array as a PNG file's bytes."""
    array = np.ascontiguousarray(frame)
    if array.dtype != np.uint8 or array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] != 3):
        raise ValueError(f"a frame must be [H, W, 3] or [H, W] uint8, got {array.shape} {array.dtype}")
    height, width = array.shape[:2]
    colour = 2 if array.ndim == 3 else 0
    rows = np.concatenate([np.zeros((height, 1), np.uint8), array.reshape(height, -1)], axis=1)  # filter 0 per row
    header = struct.pack(">IIBBBBB", width, height, 8, colour, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(rows.tobytes(), 6))
            + _chunk(b"IEND", b""))


def png_data_url(frame: np.ndarray) -> str:
    """``data:image/png;base64,...`` of the frame, as chat messages' ``image_url`` parts take it."""
    return "data:image/png;base64," + base64.b64encode(png_bytes(frame)).decode("ascii")
