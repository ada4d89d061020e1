"""Folder names and manifest entries cannot lead reads or writes out of raw/, published/ or reports/."""

from __future__ import annotations

import pytest

from pipeline.safepath import UnsafePathError, safe_child


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        (("west-mercia", "response.pdf"), "west-mercia/response.pdf"),
        (("west-mercia/annex 1.xlsx",), "west-mercia/annex 1.xlsx"),
        (("west-mercia", "./response.pdf"), "west-mercia/response.pdf"),
        (("cases.csv",), "cases.csv"),
        (("run-2014..2015",), "run-2014..2015"),
    ],
)
def test_a_name_inside_the_folder_is_joined(tmp_path, parts, expected):
    assert safe_child(tmp_path, *parts) == (tmp_path / expected).resolve()


@pytest.mark.parametrize(
    ("part", "reason"),
    [
        ("../published/cases.csv", "climbs with '..'"),
        ("west-mercia/../../etc/passwd", "climbs with '..'"),
        ("..", "climbs with '..'"),
        ("/etc/passwd", "is absolute"),
        ("C:\\Windows\\win.ini", "contains a backslash"),
        ("C:evil.csv", "is absolute"),
        ("..\\..\\evil.csv", "contains a backslash"),
        ("//server/share/x", "is absolute"),
        ("cases.csv\x00.pdf", "contains a NUL byte"),
        ("", "is empty"),
        ("  ", "is empty"),
    ],
)
def test_a_part_that_could_leave_the_folder_is_refused_by_name(tmp_path, part, reason):
    with pytest.raises(UnsafePathError) as refused:
        safe_child(tmp_path, "west-mercia", part)
    assert str(refused.value) == f"path part {part!r} {reason}; it must name something inside {tmp_path}"


def test_a_symlink_out_of_the_folder_is_refused(tmp_path):
    raw = tmp_path / "raw"
    (raw / "west-mercia").mkdir(parents=True)
    (tmp_path / "secret.txt").write_text("not a return")
    (raw / "west-mercia" / "response.pdf").symlink_to(tmp_path / "secret.txt")
    with pytest.raises(UnsafePathError, match=r"'west-mercia/response.pdf' leads to .*secret.txt, outside"):
        safe_child(raw, "west-mercia", "response.pdf")


def test_a_symlink_that_stays_inside_is_allowed(tmp_path):
    (tmp_path / "west-mercia").mkdir()
    (tmp_path / "west-mercia" / "response.pdf").write_bytes(b"%PDF-1.4")
    (tmp_path / "latest.pdf").symlink_to(tmp_path / "west-mercia" / "response.pdf")
    assert safe_child(tmp_path, "latest.pdf") == (tmp_path / "west-mercia" / "response.pdf").resolve()
