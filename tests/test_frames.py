"""A column read into Python keeps one object per distinct text: what the failures and the snapshot hold."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.frames import shared_values


@pytest.mark.parametrize("dtype", ["str", pd.StringDtype("pyarrow"), pd.StringDtype("python"), object, "float64"])
def test_shared_values_are_the_columns_values(dtype):
    values = ["a file.csv", None, "a file.csv", "row 2", None] if dtype != "float64" else [1.5, None, 1.5, 2.0, None]
    column = pd.Series(values, dtype=dtype)
    assert repr(shared_values(column)) == repr(column.tolist())   # NaN, <NA> and None kept as tolist gives them


def test_equal_texts_of_an_arrow_column_are_one_object():
    column = pd.Series(["".join(["row ", "12"]) for _ in range(3)] + ["row 3"], dtype="str")
    assert len({id(v) for v in column.tolist()}) == 4          # what tolist() does: a new str per cell
    values = shared_values(column)
    assert values[0] is values[1] is values[2] and values == column.tolist()


def test_a_column_in_several_chunks_and_an_empty_one():
    column = pd.concat([pd.Series(["x"], dtype="str"), pd.Series(["x", None], dtype="str")], ignore_index=True)
    values = shared_values(column)
    assert values[0] is values[1] and values[0] == "x" and pd.isna(values[2])
    assert shared_values(pd.Series([], dtype="str")) == []
