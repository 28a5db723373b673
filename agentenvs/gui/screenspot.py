"""ScreenSpot-format grounding data: load it as GUIGround tasks and score a policy per platform x data type.

:func:`load_screenspot` reads the official ScreenSpot / ScreenSpot-v2 files (a JSON list of records
with ``img_filename``, ``bbox``, ``instruction``, ``data_type`` = ``"text"`` | ``"icon"`` and
``data_source``) and the common re-packs. The box format is explicit (``bbox_format``):

- ``"xywh"``: ``[x, y, width, height]`` in pixels (the official files);
- ``"xyxy"``: ``[x1, y1, x2, y2]`` in pixels;
- ``"xyxy_norm"``: ``[x1, y1, x2, y2]`` as fractions of the image's width and height.

A box that does not fit its image under the chosen format (negative, empty, or past the edge by more
than one pixel) is an error naming the record (or, with ``on_bad_box="skip"``, left out with a warning
counting them), never silently used. :func:`evaluate` scores a policy as SeeClick's evaluation does:
a hit when the predicted point lies in the box, edges included.
"""
from __future__ import annotations

import json
import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from ..errors import ConfigError, DatasetError, MissingImageError
from .screen import Element, Screen, Task, inside

BBOX_FORMATS = ("xywh", "xyxy", "xyxy_norm")
PLATFORMS = ("desktop", "mobile", "web")
DATA_TYPES = ("text", "icon")
SOURCE_PLATFORMS = {"ios": "mobile", "android": "mobile", "windows": "desktop", "macos": "desktop",
                    "shop": "web", "forum": "web", "gitlab": "web", "tool": "web"}
"""ScreenSpot's ``data_source`` values and the platform each belongs to."""
_TOLERANCE = 1.0


@dataclass(frozen=True)
class GroundingRecord:
    """One checked record: image path and size, target box in pixels (x1, y1, x2, y2), instruction, type, platform."""

    image_path: Path
    image_size: tuple[int, int]
    box: tuple[float, float, float, float]
    instruction: str
    data_type: str
    platform: str


class ScreenSpotTasks:
    """Grounding records as a GUI task source (:class:`~.tasks.TaskSource`): task ``i`` is record ``i``.

    Images are read when a task is asked for. ``max_size`` is the largest image's (width, height); each
    task's screen holds one element, the target (role ``"icon"`` for icon records, ``"button"`` for text ones:
    ScreenSpot does not say more).
    """

    max_elements = 1

    def __init__(self, records: Sequence[GroundingRecord]):
        if not records:
            raise ConfigError("a ScreenSpot task set needs at least one record")
        self.records = tuple(records)
        self.max_size = (max(r.image_size[0] for r in records), max(r.image_size[1] for r in records))

    def __len__(self) -> int:
        return len(self.records)

    def image(self, index: int) -> np.ndarray:
        """Record ``index``'s screenshot, ``uint8 [H, W, 3]``."""
        with Image.open(self.records[index].image_path) as image:
            return np.array(image.convert("RGB"), dtype=np.uint8)

    def task(self, index: int) -> Task:
        record = self.records[index]
        x1, y1, x2, y2 = record.box  # rounded outwards, so every point of the record's box stays inside
        box = (math.floor(x1), math.floor(y1), math.ceil(x2), math.ceil(y2))
        element = Element(box, "icon" if record.data_type == "icon" else "button", record.instruction, record.platform)
        screen = Screen(self.image(index), (element,), (), record.platform, "unknown")
        return Task(screen, 0, record.instruction, record.data_type)


def _field(record: Any, name: str, kind: type | tuple[type, ...], where: str) -> Any:
    if not isinstance(record, dict):
        raise DatasetError(f"{where}: a record is a JSON object, got {type(record).__name__}")
    if name not in record:
        raise DatasetError(f"{where}, field {name!r}: missing (the record has {sorted(record)})")
    value = record[name]
    if not isinstance(value, kind) or isinstance(value, bool):
        raise DatasetError(f"{where}, field {name!r}: expected {getattr(kind, '__name__', kind)}, got {value!r}")
    return value


def _pixel_box(bbox: Any, fmt: str, size: tuple[int, int], where: str) -> tuple[float, float, float, float]:
    if not isinstance(bbox, list) or len(bbox) != 4 or not all(
            isinstance(v, (int, float)) and not isinstance(v, bool) and np.isfinite(v) for v in bbox):
        raise DatasetError(f"{where}, field 'bbox': expected 4 finite numbers ({fmt}), got {bbox!r}")
    a, b, c, d = (float(v) for v in bbox)
    width, height = size
    if fmt == "xywh":
        box = (a, b, a + c, b + d)
    elif fmt == "xyxy":
        box = (a, b, c, d)
    else:
        box = (a * width, b * height, c * width, d * height)
    fits = (box[0] >= -_TOLERANCE and box[1] >= -_TOLERANCE and box[0] < box[2] and box[1] < box[3]
            and box[2] <= width + _TOLERANCE and box[3] <= height + _TOLERANCE)
    if not fits:
        raise DatasetError(f"{where}, field 'bbox': {bbox!r} read as {fmt} is the box {[round(v, 1) for v in box]}, "
                           f"which does not fit the {width}x{height} image; is bbox_format right? "
                           f"(one of {BBOX_FORMATS})")
    return (max(box[0], 0.0), max(box[1], 0.0), min(box[2], float(width)), min(box[3], float(height)))


def _platform(record: dict, default: str | None, where: str) -> str:
    if default is not None:
        return default
    source = record.get("data_source")
    if isinstance(source, str) and source.lower() in SOURCE_PLATFORMS:
        return SOURCE_PLATFORMS[source.lower()]
    raise DatasetError(f"{where}, field 'data_source': {source!r} names no known platform "
                       f"({sorted(SOURCE_PLATFORMS)}); pass platform= one of {PLATFORMS}")


def load_screenspot(json_path: str | Path, image_dir: str | Path, *, bbox_format: str, platform: str | None = None,
                    on_bad_box: str = "error") -> ScreenSpotTasks:
    """Read a ScreenSpot-format JSON file into a :class:`ScreenSpotTasks` (see the module doc).

    Args:
        json_path: the JSON file (a list of records).
        image_dir: the folder ``img_filename`` is relative to.
        bbox_format: ``"xywh"``, ``"xyxy"`` or ``"xyxy_norm"``: how to read ``bbox`` (no default: say it).
        platform: every record's platform (``"desktop"``, ``"mobile"``, ``"web"``), as the official files come
            one per platform; ``None`` derives it from ``data_source``.
        on_bad_box: ``"error"`` (default) raises on a box that does not fit its image; ``"skip"`` leaves such
            records out and warns with their count.

    Raises:
        DatasetError: a malformed record, naming the file, the record index and the field.
        MissingImageError: a record's image does not exist, naming its path.
        ConfigError: a bad argument.
    """
    if bbox_format not in BBOX_FORMATS:
        raise ConfigError(f"bbox_format must be one of {BBOX_FORMATS}, got {bbox_format!r}")
    if platform is not None and platform not in PLATFORMS:
        raise ConfigError(f"platform must be None or one of {PLATFORMS}, got {platform!r}")
    if on_bad_box not in ("error", "skip"):
        raise ConfigError(f"on_bad_box must be 'error' or 'skip', got {on_bad_box!r}")
    json_path, image_dir = Path(json_path), Path(image_dir)
    try:
        data = json.loads(json_path.read_text(encoding="utf-8"))
    except FileNotFoundError as err:
        raise DatasetError(f"{json_path}: no such file") from err
    except json.JSONDecodeError as err:
        raise DatasetError(f"{json_path}: not valid JSON ({err})") from err
    if not isinstance(data, list):
        raise DatasetError(f"{json_path}: expected a JSON list of records, got {type(data).__name__}")
    records, skipped = [], 0
    for index, record in enumerate(data):
        where = f"{json_path}, record {index}"
        name = _field(record, "img_filename", str, where)
        instruction = _field(record, "instruction", str, where)
        data_type = _field(record, "data_type", str, where)
        if data_type not in DATA_TYPES:
            raise DatasetError(f"{where}, field 'data_type': expected one of {DATA_TYPES}, got {data_type!r}")
        path = image_dir / name
        if not path.is_file():
            raise MissingImageError(f"{where}, field 'img_filename': image {path} does not exist")
        with Image.open(path) as image:
            size = image.size
        try:
            box = _pixel_box(_field(record, "bbox", list, where), bbox_format, size, where)
        except DatasetError:
            if on_bad_box == "error":
                raise
            skipped += 1
            continue
        records.append(GroundingRecord(path, size, box, instruction, data_type, _platform(record, platform, where)))
    if skipped:
        warnings.warn(f"{json_path}: left out {skipped} of {len(data)} records whose bbox does not fit its image "
                      f"as {bbox_format}", stacklevel=2)
    return ScreenSpotTasks(records)


Policy = Callable[[np.ndarray, str], Sequence[float]]
"""``policy(screenshot uint8 [H, W, 3], instruction) -> (x, y)``: the click as fractions of width and height."""


@dataclass(frozen=True)
class GroundingScores:
    """Hits and counts per (platform, data type), and the table :func:`evaluate` prints."""

    hits: dict[tuple[str, str], int]
    counts: dict[tuple[str, str], int]

    def accuracy(self, platform: str | None = None, data_type: str | None = None) -> float:
        """Share of hits among the records of ``platform`` and ``data_type`` (``None``: all); NaN for none."""
        keys = [k for k in self.counts if platform in (None, k[0]) and data_type in (None, k[1])]
        total = sum(self.counts[k] for k in keys)
        return sum(self.hits[k] for k in keys) / total if total else float("nan")

    def markdown(self) -> str:
        """The accuracy table (rows: platforms, columns: data types and their mean), in Markdown."""
        lines = ["| platform | text | icon | all | records |", "|---|---|---|---|---|"]

        def cell(value: float) -> str:
            return "-" if np.isnan(value) else f"{100 * value:.1f}"

        for platform in (*PLATFORMS, None):
            n = sum(c for k, c in self.counts.items() if platform in (None, k[0]))
            if n == 0 and platform is not None:
                continue
            lines.append(f"| {platform or '**all**'} | {cell(self.accuracy(platform, 'text'))} | "
                         f"{cell(self.accuracy(platform, 'icon'))} | {cell(self.accuracy(platform))} | {n} |")
        return "\n".join(lines) + "\n"


def evaluate(tasks: ScreenSpotTasks, policy: Policy, markdown_path: str | Path | None = None,
             echo: bool = True) -> GroundingScores:
    """Score ``policy`` on every record: a hit when its point lies in the box, edges included (SeeClick's test).

    Prints the per platform x data type accuracy table (``echo``) and writes it to ``markdown_path`` if given.

    Raises:
        ConfigError: the policy returned something other than two finite numbers, naming the record.
    """
    hits = {(p, t): 0 for p in PLATFORMS for t in DATA_TYPES}
    counts = dict(hits)
    for index, record in enumerate(tasks.records):
        point = policy(tasks.image(index), record.instruction)
        try:
            x, y = (float(v) for v in point)
        except (TypeError, ValueError) as err:
            raise ConfigError(f"record {index}: the policy must return (x, y) as fractions, got {point!r}") from err
        if not (np.isfinite(x) and np.isfinite(y)):
            raise ConfigError(f"record {index}: the policy returned a non-finite point {point!r}")
        width, height = record.image_size
        key = (record.platform, record.data_type)
        counts[key] += 1
        hits[key] += inside(record.box, x * width, y * height)
    scores = GroundingScores(hits, counts)
    table = scores.markdown()
    if echo:
        print(table, end="")
    if markdown_path is not None:
        Path(markdown_path).write_text(table, encoding="utf-8")
    return scores
