"""parse_score on hand-written replies in the shapes models answer in; PNG frames read back by Pillow."""
import io

import numpy as np
import pytest

from reward_plugins.llm.images import png_bytes, png_data_url
from reward_plugins.llm.parse import parse_score


@pytest.mark.parametrize("reply, expected", [
    ("<score>7</score>", 0.7),
    ("Reasoning: the box is near. <score> 10 </score>", 1.0),
    ("<answer>yes</answer>", 1.0),
    ("<answer>No</answer>", 0.0),
    ("The agent pushed 2 boxes.\nScore: 3/10", 0.3),
    ("Final answer: 4 out of 5", 0.8),
    ("rating = 85%", 0.85),
    ("Yes, the box is on the goal.", 1.0),
    ("No. The agent is stuck in a corner.", 0.0),
    ("8", 0.8),
    ("0.25", 0.025),
    ("I think the task is done.", 1.0),
    ("The task is not complete yet.", 0.0),
    ("The answer is yes", 1.0),
    ("<score>12</score>", None),  # above the scale: no answer
    ("<score>-1</score>", None),
    ("I cannot see the image clearly.", None),
    ("I am not able to judge this image.", None),
    ("The goal has not yet been achieved.", 0.0),
    ("", None),
    ("There are 3 boxes and 2 goals in view.", None),  # numbers in prose are not a score
])
def test_replies_are_read_as_scores(reply, expected):
    got = parse_score(reply)
    assert got == (None if expected is None else pytest.approx(expected))


def test_a_bare_number_is_read_on_the_given_scale():
    assert parse_score("<score>1</score>", scale=1.0) == 1.0 and parse_score("42", scale=100) == pytest.approx(0.42)


def test_png_frames_decode_to_the_same_pixels():
    image = pytest.importorskip("PIL.Image")
    frame = np.random.default_rng(0).integers(0, 256, (9, 13, 3), dtype=np.uint8)
    assert np.array_equal(np.asarray(image.open(io.BytesIO(png_bytes(frame)))), frame)
    assert np.array_equal(np.asarray(image.open(io.BytesIO(png_bytes(frame[..., 1])))), frame[..., 1])
    assert png_data_url(frame).startswith("data:image/png;base64,iVBOR")
    with pytest.raises(ValueError, match="uint8"):
        png_bytes(frame.astype(np.float32))
