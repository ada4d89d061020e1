"""What a long run frees goes back to the system: glibc would keep it for reuse, in an arena per thread."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT

_FREED_IN_A_THREAD = """
import os, sys, threading
import psutil
from pipeline import memory

memory.configure_process()
kept = []

def allocate():
    blocks = [bytes(2000) for _ in range(100_000)]     # 200 MB of blocks glibc's malloc hands out itself
    kept.extend(blocks[::50])                          # a survivor every 50 blocks: the heap cannot shrink
    del blocks

thread = threading.Thread(target=allocate)
thread.start(); thread.join()
before = psutil.Process().memory_info().rss
memory.release_freed_memory()
after = psutil.Process().memory_info().rss
print(before, after, os.environ["ARROW_DEFAULT_MEMORY_POOL"])
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc_trim: Linux only")
def test_memory_freed_by_a_task_thread_is_returned_to_the_system():
    done = subprocess.run([sys.executable, "-c", _FREED_IN_A_THREAD], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr
    before, after, arrow_pool = done.stdout.split()
    assert int(before) - int(after) > 100 * 2**20, (before, after)
    assert arrow_pool == "system"


def test_an_arrow_memory_pool_the_user_exported_wins(monkeypatch):
    from pipeline import memory

    monkeypatch.setenv("ARROW_DEFAULT_MEMORY_POOL", "jemalloc")
    memory.configure_process()
    assert os.environ["ARROW_DEFAULT_MEMORY_POOL"] == "jemalloc"
