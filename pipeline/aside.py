"""One call run in a child process while this process goes on: the publish beside the report.

Python threads take turns on one core: publish in a thread beside write_report took as long as the two one after
the other (measured at 106,770 cases: 2.9 s alone, 4.9 s with 2.0 s of other work). A child process of the
guard's fork server (already running after extraction; pandas and openpyxl preloaded) uses the second core.
The arguments and the answer cross a pipe pickled: 0.05 s for the consolidated frames at that size.
"""

from __future__ import annotations

import traceback


class AsideError(RuntimeError):
    """The call failed in its process (the message names the error there), or the process died."""


def _child(conn, fn, args, kwargs) -> None:
    try:
        answer = ("ok", fn(*args, **kwargs))
    except BaseException as error:  # noqa: BLE001 - sent back to the parent, which raises it
        answer = ("error", f"{type(error).__name__}: {error}", traceback.format_exc(limit=5))
    try:
        conn.send(answer)
    finally:
        conn.close()


class Aside:
    """``fn(*args, **kwargs)`` started in a child process; ``result()`` waits for its answer."""

    def __init__(self, fn, *args, **kwargs) -> None:
        from pipeline.guard import _context
        from pipeline.workers import start_process

        context = _context()
        self._what = getattr(fn, "__qualname__", repr(fn))
        self._conn, child_end = context.Pipe(duplex=False)
        self._process = context.Process(target=_child, args=(child_end, fn, args, kwargs), daemon=True)
        try:
            start_process(self._process)
        finally:
            child_end.close()

    def result(self):
        """The call's return value; AsideError if it raised or its process ended without answering."""
        try:
            answer = self._conn.recv()
        except EOFError:
            answer = None
        finally:
            self._conn.close()
            self._process.join()
        if answer is None:
            raise AsideError(f"{self._what} ended without an answer (its process exit code: "
                             f"{self._process.exitcode})")
        if answer[0] == "error":
            raise AsideError(f"{self._what} failed in its process: {answer[1]}")
        return answer[1]
