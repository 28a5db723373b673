"""Text spaces with the documented charset: sentences and XSB fit; fit_text makes any string fit."""
import pytest
from gymnasium import spaces

from agentenvs.core import MAX_TEXT_LENGTH, TEXT_CHARSET, fit_text, text_space
from agentenvs.errors import ConfigError

SENTENCE = "Push every box onto a goal square.\n(Two boxes; 3 goals?) #$*@+"


def test_a_sentence_is_in_our_text_space_but_not_in_gymnasiums_default():
    assert text_space().contains(SENTENCE)
    assert not spaces.Text(MAX_TEXT_LENGTH).contains(SENTENCE)  # alphanumeric only: why the helper exists
    assert set("\n\t !?#$*@+.") <= set(TEXT_CHARSET) and "\x0b" not in TEXT_CHARSET


def test_fit_text_replaces_cuts_and_pads():
    space = text_space(10, min_length=4, charset="abc ?")
    assert fit_text("abxc", space) == "ab?c"
    assert fit_text("a", space) == "a   "
    assert fit_text("abcabcabcabc", space) == "abcabcabca"
    assert space.contains(fit_text("zzzzzz zz", space))


def test_fit_text_refuses_a_replacement_outside_the_charset():
    with pytest.raises(ConfigError, match="replacement '\\?' is not in the space's charset"):
        fit_text("x", text_space(5, charset="ab"))
