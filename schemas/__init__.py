"""The pandera schemas of each stage, and the publication gate (``gate.yaml``).

One module per record shape: ``extracted`` (rows as read), ``cases`` (normalised and consolidated case
rows), ``forces`` (the force table). Every check carries a stable ``name``: the gate and the report key on it.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import pandera.pandas as pa


def row_check(name: str, column: str, passes: Callable[[pd.DataFrame], pd.Series]) -> pa.Check:
    """A check that needs several columns of a row but blames one cell.

    pandera reports a dataframe check that returns a Series against every column of the row; returning
    a frame of the same shape that is False only in ``column`` makes the failure name that one cell.
    Blame a column that is never null: pandera 0.35 drops failure cases whose value is null (the check
    then fails with nothing reported).
    """

    def check(frame: pd.DataFrame) -> pd.DataFrame:
        result = pd.DataFrame(True, index=frame.index, columns=frame.columns)
        result[column] = passes(frame).fillna(False).astype(bool)
        return result

    return pa.Check(check, name=name, ignore_na=False)


def column_check(name: str, passes: Callable[[pd.Series], pd.Series]) -> pa.Check:
    """A vectorised check on one column, named for the gate."""
    return pa.Check(lambda series: passes(series).fillna(False).astype(bool), name=name, ignore_na=False)
