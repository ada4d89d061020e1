import re
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.cli import build_parser, main

ROOT = Path(__file__).resolve().parents[1]


def _commands() -> list[str]:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    return sorted(sub.choices)


def test_every_command_is_documented_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [c for c in _commands() if not re.search(rf"`foi {re.escape(c)}\b", readme)]
    assert missing == []


def test_readme_gives_the_two_commands_and_ci_runs_the_test_one():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make run" in readme and "make test" in readme
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_bad_arguments_exit_2():
    with pytest.raises(SystemExit) as caught:
        main(["run", "--task-runner", "carrier-pigeon"])
    assert caught.value.code == 2


def test_run_on_a_missing_folder_exits_2_with_a_clear_message(tmp_path, capsys):
    assert main(["run", "--raw", str(tmp_path / "nowhere")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_serve_without_a_server_says_what_to_do(monkeypatch, capsys):
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    assert main(["serve", "--cron", "0 6 * * 1"]) == 2
    err = capsys.readouterr().err
    assert "prefect server start" in err and "PREFECT_API_URL" in err


def test_python_flows_py_is_the_same_command():
    result = subprocess.run([sys.executable, "flows.py", "--raw", "/nonexistent/raw"], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert "does not exist" in result.stderr
    assert "Traceback" not in result.stderr
