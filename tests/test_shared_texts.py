"""A return's repeated words are held once: equal cell texts of every file of one return are one string object,
in the extract task's result and in what its stored record reads back as. The rows' values do not change."""

from __future__ import annotations

from collections import defaultdict

import pytest

from pipeline.extract import extract_file
from pipeline.process import extract_return
from pipeline.records import ExtractedRow, FileExtraction, share_repeated_texts
from pipeline.result_serializer import CompressedPickle
from pipeline.returns import discover_returns
from tests.conftest import RAW


@pytest.fixture(scope="module")
def metropolitan():
    """The Met's return: two files, 69 rows, 'Detective Constable' twelve times."""
    folders, _ = discover_returns(RAW)
    return next(folder for folder in folders if folder.force_id == "metropolitan")


def objects_per_text(extractions, role: str) -> dict[str, set[int]]:
    objects = defaultdict(set)
    for extraction in extractions:
        for row in extraction.rows:
            if row.cells.get(role):
                objects[row.cells[role]].add(id(row.cells[role]))
    return objects


def test_equal_cell_texts_of_a_return_are_one_string(metropolitan):
    extractions = extract_return(metropolitan)
    ranks = objects_per_text(extractions, "rank")
    assert len(extractions) == 2
    assert sum(1 for e in extractions for row in e.rows if row.cells.get("rank") == "Detective Constable") == 12
    assert {text: len(ids) for text, ids in ranks.items() if len(ids) > 1} == {}


def test_the_stored_record_reads_back_with_the_texts_still_shared(metropolitan):
    serializer = CompressedPickle()
    extractions = serializer.loads(serializer.dumps(extract_return(metropolitan)))
    for role in ("rank", "person_type", "outcome"):
        assert all(len(ids) == 1 for ids in objects_per_text(extractions, role).values()), role


def test_sharing_changes_no_value(metropolitan):
    read_alone = [extract_file(path, "metropolitan", f"metropolitan/{path.name}",
                               metropolitan.manifest.hints_for(path.name)) for path in metropolitan.files]
    assert extract_return(metropolitan) == read_alone
    assert len(objects_per_text(read_alone, "rank")["Detective Constable"]) > 1   # read alone: many copies


def test_texts_are_shared_across_the_files_given_one_pool():
    def one_file(name: str) -> FileExtraction:
        row = ExtractedRow("kent", f"kent/{name}", "", "row 2", cells={"rank": "".join(["Detective ", "Sergeant"])},
                           extra={"Notes": "".join(["none ", "given"])}, context={"year": "".join(["20", "13"])})
        return FileExtraction("kent", f"kent/{name}", "", "csv", kind="table", rows=[row])

    def pairs(first: FileExtraction, second: FileExtraction):
        for part in ("cells", "extra", "context"):
            (a,), (b,) = getattr(first.rows[0], part).values(), getattr(second.rows[0], part).values()
            yield part, a, b

    first, second = one_file("a.csv"), one_file("b.csv")
    assert all(a == b and a is not b for _, a, b in pairs(first, second))
    texts: dict[str, str] = {}
    share_repeated_texts(first, texts)
    share_repeated_texts(second, texts)
    for part, a, b in pairs(first, second):
        assert a is b, part
