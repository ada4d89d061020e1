"""Frames held and moved without copies: a column as Python values with each distinct text one object, and
Arrow-backed columns pickled chunk by chunk.

``Series.tolist()`` makes a new ``str`` for every cell of an Arrow-backed column. Where those values are kept (a
failure per repeated case, the report's snapshot of every case), a text that a column repeats was held once per
row: 87,120 failures on the scale corpus held ~68 MB, most of it copies of the same file names, locators and
breach texts.
"""

from __future__ import annotations

import copyreg
import pickle

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


def shared_values(column: pd.Series) -> list:
    """``column.tolist()``, with equal texts the same object (Arrow-backed strings; anything else as tolist)."""
    dtype = column.dtype
    if not isinstance(dtype, pd.StringDtype) or dtype.storage != "pyarrow" or not len(column):
        return column.tolist()
    return shared_texts(pa.array(column, from_pandas=True), missing=dtype.na_value)


def shared_texts(array: pa.Array | pa.ChunkedArray, missing: object = None) -> list:
    """An Arrow text column as a list of ``str``, each distinct text one object; ``missing`` for a null."""
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    encoded = pc.dictionary_encode(array)
    values = np.empty(len(encoded.dictionary) + 1, dtype=object)
    values[:-1] = encoded.dictionary.to_pylist()
    values[-1] = missing                 # index -1: a missing cell, as tolist() gives it
    return values[encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False)].tolist()


def _arrow_array_classes() -> list[type]:
    from pandas.arrays import ArrowExtensionArray

    found, todo = [], [ArrowExtensionArray]
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return found


def _arrow_array_by_chunks(array):
    """pandas' own pickling of an Arrow-backed column (``__getstate__``) joins its chunks into new buffers
    first: a whole copy of the table while it is pickled (the joined case table is one chunk per return)."""
    state = array.__dict__.copy()
    state["_cache"] = {}
    return _restored_arrow_array, (type(array), state)


def _restored_arrow_array(cls, state: dict):
    array = cls.__new__(cls)
    array.__dict__.update(state)
    return array


def chunk_pickler(file, **kwargs) -> pickle.Pickler:
    """A protocol-5 pickler that writes Arrow-backed columns chunk by chunk, from the buffers where they lie.

    With pandas' own pickling, handing the tables to the staging child and saving the run cache each made a copy
    of the table only to pickle it. Measured on the scale corpus (106,770 cases, a 56 MB table), three cold runs
    each: ``foi run``'s own peak RSS 556 -> 504 MB (medians), the same published bytes (bench/README.md).
    """
    pickler = pickle.Pickler(file, protocol=5, **kwargs)
    pickler.dispatch_table = {**copyreg.dispatch_table, **dict.fromkeys(_arrow_array_classes(), _arrow_array_by_chunks)}
    return pickler


def combine_chunks(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with each Arrow-backed column in one chunk, changed in place, one column at a time.

    A Parquet file's bytes depend on how its columns are chunked; the outputs are written from one chunk per
    column, whatever path the frame took here."""
    from pandas.arrays import ArrowExtensionArray

    for name in frame.columns:
        array = frame[name].array
        if isinstance(array, ArrowExtensionArray) and array._pa_array.num_chunks > 1:
            chunks = array._pa_array
            state = {**array.__dict__, "_pa_array": pa.chunked_array([chunks.combine_chunks()], type=chunks.type),
                     "_cache": {}}
            frame[name] = _restored_arrow_array(type(array), state)
    return frame
