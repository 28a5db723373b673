"""Every id whose spaces SB3 accepts passes SB3's env checker."""
import pytest
from checkers import check_sb3_api, sb3_ids

SB3_IDS = sb3_ids()


def test_most_ids_are_sb3_compatible():
    assert len(SB3_IDS) >= 5, f"only {SB3_IDS} are SB3-compatible"


@pytest.mark.parametrize("env_id", SB3_IDS)
def test_sb3_check_env(env_id):
    check_sb3_api(env_id)
