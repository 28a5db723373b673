"""make_info / vector_info: the keys, types and masks every family's info has."""
import numpy as np

from agentenvs.core import INFO_KEYS, make_info, vector_info


def test_scalar_info_has_python_types_and_family_keys_after_the_core_ones():
    info = make_info(np.bool_(True), np.int64(4), 0, {"lives": 3})
    assert info == {"is_success": True, "action_is_valid": False, "steps": 4, "lives": 3}
    assert type(info["is_success"]) is bool and type(info["steps"]) is int
    assert tuple(info)[:3] == INFO_KEYS


def test_batched_info_keeps_arrays_and_broadcasts_validity():
    info = make_info(np.array([True, False]), [3, 9])
    assert info["is_success"].dtype == bool and info["steps"].dtype == np.int64
    assert info["action_is_valid"].tolist() == [True, True] and info["steps"].tolist() == [3, 9]


def test_vector_info_adds_gymnasium_masks():
    info = vector_info(make_info(np.array([True, False, False]), np.array([1, 2, 3])),
                       present=np.array([True, False, True]))
    assert info["_is_success"].tolist() == [True, False, True] and info["_steps"].tolist() == [True, False, True]
    assert vector_info({"x": np.zeros(2)})["_x"].tolist() == [True, True]
