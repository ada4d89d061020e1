"""The pandera schemas of each stage, and the publication gate (``gate.yaml``).

One module per record shape: ``extracted`` (rows as read), ``cases`` (normalised and consolidated case
rows), ``forces`` (the force table). Every check carries a stable ``name``: the gate and the report key on it.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import pandera.pandas as pa

# check name -> the column a row check blames (see row_check)
ROW_CHECK_COLUMNS: dict[str, str] = {}


def row_check(name: str, column: str, passes: Callable[[pd.DataFrame], pd.Series]) -> pa.Check:
    """A check that needs several columns of a row but blames one cell.

    pandera reports a failed dataframe check against every column of the row; the validation keeps the
    failure of ``column`` alone (``ROW_CHECK_COLUMNS``). A check returning a boolean frame of the same
    shape would blame one cell directly, but pandera's handling of it costs ~20 ms a check against ~2 ms,
    and drops the failure silently when the blamed cell is null.
    """
    ROW_CHECK_COLUMNS[name] = column
    return pa.Check(lambda frame: passes(frame).fillna(False).astype(bool), name=name, ignore_na=False)


def column_check(name: str, passes: Callable[[pd.Series], pd.Series]) -> pa.Check:
    """A vectorised check on one column, named for the gate."""
    return pa.Check(lambda series: passes(series).fillna(False).astype(bool), name=name, ignore_na=False)
