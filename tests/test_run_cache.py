"""The whole-run cache: the last run's consolidation back only for the same inputs, and only then unpickled."""

from __future__ import annotations

import pickle

from pipeline import run_cache

UNPICKLED: list[str] = []


def _unpickled(name: str) -> "Marker":
    UNPICKLED.append(name)
    return Marker(name)


class Marker:
    """Stands in for a consolidation; records each time one is unpickled."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __reduce__(self):
        return _unpickled, (self.name,)


def test_the_same_key_gives_the_last_run_back(tmp_path):
    run_cache.save(run_cache.CachedRun("run-a", Marker("a"), {"published/cases.csv": "00"}), tmp_path)
    entry = run_cache.load("run-a", tmp_path)
    assert entry is not None and entry.consolidation.name == "a"
    assert entry.output_digests == {"published/cases.csv": "00"}


def test_another_key_is_a_miss_without_unpickling_the_last_runs_consolidation(tmp_path):
    run_cache.save(run_cache.CachedRun("run-a", Marker("a")), tmp_path)
    UNPICKLED.clear()
    assert run_cache.load("run-b", tmp_path) is None
    assert UNPICKLED == []
    assert run_cache.load("run-a", tmp_path) is not None and UNPICKLED == ["a"]


def test_an_entry_in_the_older_single_pickle_form_or_damaged_is_a_miss(tmp_path):
    path = tmp_path / "foi-last-run.pickle"
    path.write_bytes(pickle.dumps(run_cache.CachedRun("run-a", Marker("a"))))
    assert run_cache.load("run-a", tmp_path) is None
    path.write_bytes(pickle.dumps((run_cache.CACHE_FORMAT, "run-a")) + b"truncated")
    assert run_cache.load("run-a", tmp_path) is None
    assert run_cache.load(None, tmp_path) is None


def test_a_consolidation_is_saved_from_its_chunks_as_they_lie(tmp_path):
    """pandas pickles an Arrow column by joining its chunks anew: a copy of the table, only to save it."""
    import pandas as pd

    cases = pd.concat([pd.DataFrame({"breach_text": pd.Series([f"case {r}-{i}" for i in range(50)], dtype="str")})
                       for r in range(3)], ignore_index=True)
    run_cache.save(run_cache.CachedRun("run-a", cases), tmp_path)
    saved = run_cache.load("run-a", tmp_path).consolidation
    pd.testing.assert_frame_equal(saved, cases)
    assert saved["breach_text"].array._pa_array.num_chunks == 3     # joined, it would be one


def test_a_runs_failures_are_saved_as_columns_and_come_back_the_same_with_shared_texts(tmp_path):
    import pandas as pd

    from pipeline.process import Consolidation
    from pipeline.records import Failure, RunRecord

    failures = [Failure("consolidated", "case_repeated", "breach_text", "Posted on Facebook \u00fc", "kent",
                        "kent/copy 1.csv", f"row {n}", "warn", f"same texts as kent-{n:04d}", f"kent-{n + 1:04d}")
                for n in range(300)]
    run = RunRecord(run_id="20261207T100000Z", started_at="", finished_at="", raw_dir="raw",
                    published_dir="published", published=True, failures=failures)
    consolidation = Consolidation(pd.DataFrame({"record_id": ["kent-0001"]}), pd.DataFrame(), pd.DataFrame(), run)
    run_cache.save(run_cache.CachedRun("run-a", consolidation), tmp_path)
    with (tmp_path / "foi-last-run.pickle").open("rb") as handle:
        pickle.load(handle)
        stored = pickle.load(handle).consolidation.run.failures
    assert isinstance(stored, run_cache.FailureColumns)          # on disk: a column per field, not 300 objects
    assert consolidation.run.failures is failures                # the run's own record is left as it was
    loaded = run_cache.load("run-a", tmp_path).consolidation.run.failures
    assert loaded == failures
    assert loaded[0].source_file is loaded[299].source_file      # a repeated text is one object again


def test_failures_with_a_value_that_is_not_text_are_saved_as_they_are(tmp_path):
    import pandas as pd

    from pipeline.process import Consolidation
    from pipeline.records import Failure, RunRecord

    failures = [Failure("forces", "cases_reconciled", "cases", 3, "kent")]
    run = RunRecord(run_id="r", started_at="", finished_at="", raw_dir="raw", published_dir="published",
                    published=False, failures=failures)
    run_cache.save(run_cache.CachedRun("run-a", Consolidation(pd.DataFrame(), pd.DataFrame(), pd.DataFrame(), run)),
                   tmp_path)
    assert run_cache.load("run-a", tmp_path).consolidation.run.failures == failures
