"""The flow benchmark's own measures: what its memory figures are of (bench/flow_bench.py)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

import flow_bench  # noqa: E402


def test_the_half_corpus_keeps_as_many_of_the_largest_returns_as_a_run_has_in_flight(tmp_path):
    import flows   # here, not at collection: importing it sets Prefect's defaults, which conftest sets per run

    raw = tmp_path / "raw"
    rows = {f"force-{i:02d}": 1000 - i for i in range(12)}      # force-00 the largest
    for force in rows:
        (raw / force).mkdir(parents=True)
        (raw / force / "return.csv").write_text("case\n")

    files = flow_bench.half_the_forces(raw, tmp_path / "half", rows)

    kept = sorted(p.name for p in (tmp_path / "half").iterdir())
    assert flow_bench.IN_FLIGHT == flows.MAX_WORKERS
    assert kept == ["force-00", "force-01", "force-02", "force-03",       # the four largest, all of them
                    "force-04", "force-06", "force-08", "force-10"]       # then every other one
    assert files == 8


_ALLOCATE = "import time; block = bytearray({mb} * 2**20); block[::4096] = b'x' * len(block[::4096]); time.sleep(0.5)"


def test_a_measured_command_reports_its_own_peak_beside_the_sampled_peak_of_its_tree(tmp_path):
    command = [sys.executable, "-c", _ALLOCATE.format(mb=160)]

    measure = flow_bench._measured("allocates 160 MB", command, {}, tmp_path, tmp_path / "log")

    assert measure.detail["exit"] == 0
    assert 160 <= measure.own_peak_mb < 400
    assert measure.peak_rss_mb <= measure.own_peak_mb + 50      # sampled: it may miss the peak, never add one


def test_a_childs_peak_is_not_counted_as_the_commands_own(tmp_path):
    """wait4's ru_maxrss is the largest of the process and the descendants it reaped: a small `foi run` with a
    large parsing child would have reported the child's peak as its own."""
    child = [sys.executable, "-c", _ALLOCATE.format(mb=300)]
    command = [sys.executable, "-c", f"import subprocess, time; subprocess.run({child!r}); time.sleep(0.3)"]

    measure = flow_bench._measured("a child allocates 300 MB", command, {}, tmp_path, tmp_path / "log")

    assert measure.detail["exit"] == 0
    assert measure.own_peak_mb < 100
    assert measure.detail["largest_other_process"]["own_peak_mb"] >= 300
    assert "bytearray(300" in measure.detail["largest_other_process"]["what"]
    assert measure.peak_rss_mb >= 300


def test_the_return_memory_bench_measures_each_stage_of_one_real_return(tmp_path, capsys):
    import shutil

    import return_memory

    root = Path(__file__).resolve().parents[1]
    shutil.copytree(root / "raw" / "greater-manchester", tmp_path / "raw" / "greater-manchester")
    shutil.copytree(root / "raw" / "durham", tmp_path / "raw" / "durham")

    assert return_memory.main(["--raw", str(tmp_path / "raw"), "--force", "greater-manchester"]) == 0

    printed = capsys.readouterr().out
    assert printed.startswith("greater-manchester: ")
    stages = [line.split()[0] for line in printed.splitlines()[2:] if line.startswith("  ")]
    assert stages == list(return_memory.STAGES)
    rows = int(printed.split(" rows")[0].rsplit(" ", 1)[1].replace(",", ""))
    assert rows > 0
    import pipeline.process as process

    assert all(getattr(process, name).__module__ != "return_memory" for name in return_memory.STAGES)
