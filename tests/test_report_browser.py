"""The HTML report opened in headless Chromium: it renders, and its text carries the summary and failures."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from test_report import run_record

from pipeline.report import write_report

CHROMIUM = next((p for p in ("/usr/bin/chromium", shutil.which("chromium") or "") if p and Path(p).exists()), None)
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed here (Debian: apt-get install chromium; "
                                                ".ci/run installs it), so the HTML report is not opened"),
]


def chromium(args: list[str], profile: Path) -> str:
    done = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args], capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("reports")
    run, published = run_record()
    return write_report(run, published, folder) / "index.html"


def test_the_report_renders_to_a_screenshot(report, tmp_path):
    shot = tmp_path / "report.png"
    chromium([f"--screenshot={shot}", "--window-size=1280,2000", report.as_uri()], tmp_path / "profile")
    print(f"screenshot of the HTML report: {shot}")
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 20_000      # a blank page is a few kB


def test_the_rendered_page_has_the_summary_per_force_and_the_failures_table(report, tmp_path):
    dom = chromium(["--dump-dom", report.as_uri()], tmp_path / "profile")
    assert "<h2>Summary per force</h2>" in dom
    assert "<td>Essex Police</td><td>E23000026</td><td>refused</td><td>s12</td>" in dom
    assert '<tr data-force="kent" data-check="year_in_period" data-action="quarantine">' in dom
    assert "<td><code>'2012'!A8</code></td>" in dom
    assert "<img" not in dom                   # what a force wrote stays text


def test_a_filtered_view_of_the_failures_has_an_address(report, tmp_path):
    dom = chromium(["--dump-dom", report.as_uri() + "#check=code_in_vocabulary&force=kent"], tmp_path / "profile")
    rows = dict(re.findall(r'<tr data-force="kent" data-check="(\w+)" data-action="quarantine"( hidden="")?>', dom))
    assert rows == {"year_in_period": ' hidden=""', "code_in_vocabulary": ""}
    assert '<span id="failures-shown">1</span> of 2 shown' in dom
