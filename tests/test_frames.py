"""A column read into Python keeps one object per distinct text (what the failures and the snapshot hold); a
consolidated table pickles from its chunks where they lie (what the staging child and the run cache are sent)."""

from __future__ import annotations

import io
import pickle

import pandas as pd
import pyarrow as pa
import pytest

from pipeline.frames import chunk_pickler, combine_chunks, shared_values


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


def _consolidated(parts: int = 30, rows: int = 2_000) -> pd.DataFrame:
    """A frame as the consolidation builds it: one Arrow chunk per return in its text and Arrow integer columns,
    beside a NumPy float column that pandas pickles as it always has."""
    returns = [pd.DataFrame({"breach_text": pd.Series([f"comment {r}-{i} on Facebook" for i in range(rows)], dtype="str"),
                             "year": pd.Series(range(rows), dtype="int64[pyarrow]"),
                             "confidence": pd.Series([0.5] * rows, dtype="float64"),
                             "quoted": pd.Series([None, "x"] * (rows // 2), dtype=pd.StringDtype("pyarrow"))})
               for r in range(parts)]
    return pd.concat(returns, ignore_index=True)


def _chunks(frame: pd.DataFrame) -> dict[str, int]:
    return {name: frame[name].array._pa_array.num_chunks for name in frame.columns if name != "confidence"}


@pytest.mark.parametrize("how", ["chunk_pickler", "pickle"])
def test_pickling_a_chunked_table_copies_it_only_where_pandas_pickles_it(how):
    frame = _consolidated()
    buffers: list = []
    before = pa.total_allocated_bytes()
    if how == "chunk_pickler":
        payload = io.BytesIO()
        chunk_pickler(payload, buffer_callback=buffers.append).dump(frame)
        payload = payload.getvalue()
    else:
        payload = pickle.dumps(frame, protocol=5, buffer_callback=buffers.append)
    copied = pa.total_allocated_bytes() - before          # Arrow memory the out-of-band buffers keep alive
    table = sum(frame[name].array._pa_array.nbytes for name in _chunks(frame))
    back = pickle.loads(payload, buffers=buffers)
    pd.testing.assert_frame_equal(back, frame)
    if how == "chunk_pickler":
        assert copied == 0 and _chunks(back) == _chunks(frame) == dict.fromkeys(_chunks(frame), 30)
    else:                                                 # what pandas' __getstate__ does: the chunks joined anew
        assert copied >= table and set(_chunks(back).values()) == {1}


def test_combining_chunks_keeps_the_values_and_the_dtypes():
    frame = _consolidated(parts=3, rows=10)
    expected = frame.copy()
    assert combine_chunks(frame) is frame
    assert set(_chunks(frame).values()) == {1}
    pd.testing.assert_frame_equal(frame, expected)
