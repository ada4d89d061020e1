"""A frame's column as Python values, with each distinct text one object.

``Series.tolist()`` makes a new ``str`` for every cell of an Arrow-backed column. Where those values are kept (a
failure per repeated case, the report's snapshot of every case), a text that a column repeats was held once per
row: 87,120 failures on the scale corpus held ~68 MB, most of it copies of the same file names, locators and
breach texts.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


def shared_values(column: pd.Series) -> list:
    """``column.tolist()``, with equal texts the same object (Arrow-backed strings; anything else as tolist)."""
    dtype = column.dtype
    if not isinstance(dtype, pd.StringDtype) or dtype.storage != "pyarrow" or not len(column):
        return column.tolist()
    array = pa.array(column, from_pandas=True)
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    encoded = pc.dictionary_encode(array)
    values = np.empty(len(encoded.dictionary) + 1, dtype=object)
    values[:-1] = encoded.dictionary.to_pylist()
    values[-1] = dtype.na_value          # index -1: a missing cell, as tolist() gives it
    return values[encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False)].tolist()
