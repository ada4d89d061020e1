"""Limited child processes that parse untrusted files, each reused from one file to the next.

A process per file cost 15-60 ms a file on top of the parsing (measured on raw/: the start, and the caches every
parser fills again on its first file), which at a thousand files was a sixth of a cold run. A worker keeps what
made the process per file safe: its address-space limit is set once at its start; before each call its CPU
limit is moved to what it has used plus that call's allowance, so a call that runs away is stopped even when
the parent died before its timeout. A worker is never reused after a timeout (the parent kills it), a crash, a
memory error, or ``MAX_CALLS`` calls (what one file leaves behind cannot build up). ``pipeline.guard`` decides
what a file may do; this module only keeps the processes.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import resource
import threading
from dataclasses import dataclass

MAX_CALLS = 100   # calls one worker serves before it is replaced

_stage_pipe = None


def report_stage(stage: str) -> None:
    """Tell the parent how far the call got (shown when a limit stops it). A no-op outside a worker."""
    if _stage_pipe is not None:
        _stage_pipe.send(("stage", stage))


def _limit_cpu(seconds: int) -> None:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    soft = math.ceil(usage.ru_utime + usage.ru_stime) + seconds
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))   # SIGXCPU at soft: the default action ends the process


def _worker_main(conn, memory_bytes: int) -> None:
    """The worker's loop: one ``(fn, args, cpu_seconds)`` call at a time, each answered with one message."""
    global _stage_pipe
    _stage_pipe = conn
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    while True:
        try:
            call = conn.recv()
        except (EOFError, OSError):
            return                       # the parent closed its end, or died
        except Exception as error:  # noqa: BLE001 - a function this process cannot import: the caller's error
            conn.send(("error", f"{type(error).__name__}: {error}"[:500]))
            continue
        if call is None:
            return
        fn, args, cpu_seconds = call
        _limit_cpu(cpu_seconds)
        try:
            conn.send(("ok", fn(*args)))
        except MemoryError:
            conn.send(("memory", ""))
            return                       # a heap that ran out is not one to parse the next file in
        except BaseException as error:  # noqa: BLE001 - everything goes back to the parent as a value
            conn.send(("error", f"{type(error).__name__}: {error}"[:500]))


@dataclass(eq=False)
class Worker:
    process: multiprocessing.process.BaseProcess
    conn: multiprocessing.connection.Connection
    memory_bytes: int
    calls: int = 0


_idle: dict[int, list[Worker]] = {}     # address-space limit -> workers waiting for a call
_lock = threading.Lock()
_start_lock = threading.Lock()


def _forget_inherited_workers() -> None:
    """A forked copy of this process must not talk to its parent's workers."""
    _idle.clear()


os.register_at_fork(after_in_child=_forget_inherited_workers)


def start_process(process: multiprocessing.process.BaseProcess) -> None:
    """Start ``process``, also from a daemonic process such as a Dask worker.

    multiprocessing refuses children to a daemonic process lest they be orphaned when it is terminated;
    a worker ends when its parent's end of the pipe closes, and by its CPU limit, so the flag is lifted for
    the moment of the start.
    """
    current = multiprocessing.current_process()
    with _start_lock:
        daemonic = current.daemon
        if daemonic:
            current.daemon = False
        try:
            process.start()
        finally:
            if daemonic:
                current.daemon = True


def acquire(context: multiprocessing.context.BaseContext, memory_bytes: int, fresh: bool = False) -> Worker:
    """An idle worker with this address-space limit, or a new one (always new when ``fresh``)."""
    if not fresh:
        with _lock:
            waiting = _idle.get(memory_bytes, [])
            while waiting:
                worker = waiting.pop()
                if worker.process.is_alive():
                    return worker
                worker.conn.close()
                worker.process.join()
    parent_end, child_end = context.Pipe(duplex=True)
    process = context.Process(target=_worker_main, args=(child_end, memory_bytes), daemon=True)
    try:
        start_process(process)
    except BaseException:
        parent_end.close()
        raise
    finally:
        child_end.close()
    return Worker(process, parent_end, memory_bytes)


def release(worker: Worker) -> None:
    """A call ended normally: the worker waits for the next, unless it has served its ``MAX_CALLS``."""
    worker.calls += 1
    if worker.calls >= MAX_CALLS:
        worker.conn.close()             # its recv() ends: it exits
        reap(worker)
        return
    with _lock:
        _idle.setdefault(worker.memory_bytes, []).append(worker)


def kill(worker: Worker) -> None:
    """Stop a worker now (it overran its time) and collect it."""
    worker.process.kill()
    worker.process.join()
    worker.conn.close()


def reap(worker: Worker) -> int | None:
    """Collect a worker that has ended or is ending; its exit code (negative: the signal that ended it)."""
    worker.process.join(5)
    if worker.process.is_alive():
        worker.process.kill()
        worker.process.join()
    worker.conn.close()
    return worker.process.exitcode


def idle_processes() -> set[multiprocessing.process.BaseProcess]:
    """The processes of the workers now waiting for a call."""
    with _lock:
        return {worker.process for waiting in _idle.values() for worker in waiting}


def close_idle() -> int:
    """End every idle worker and collect it; how many. Once a run's last file is read, each one's heap (~125 MB
    of parser caches on the scale corpus) only adds to the peak of what follows: consolidating and publishing."""
    with _lock:
        waiting = [worker for workers in _idle.values() for worker in workers]
        _idle.clear()
    for worker in waiting:
        worker.conn.close()             # its recv() ends: it exits
    for worker in waiting:
        reap(worker)
    return len(waiting)
