"""One call run in a child process while this process goes on: the publish beside the report.

Python threads take turns on one core: publish in a thread beside write_report took as long as the two one after
the other (measured at 106,770 cases: 2.9 s alone, 4.9 s with 2.0 s of other work). A child process of the
guard's fork server (already running after extraction; pandas and openpyxl preloaded) uses the second core.

The call goes to the child through a pipe after it starts, pickled with protocol 5 and its large buffers (the
Arrow columns of the consolidated frames) sent out of band, chunk by chunk, straight from where they lie
(``frames.chunk_pickler``). Given to the child as its Process arguments, the frames were pickled into one growing
in-memory file first: this process's memory rose by 218 MB for a 56 MB case table while the child started. The
answer comes back pickled as before.
"""

from __future__ import annotations

import io
import pickle
import traceback

from pipeline.frames import chunk_pickler


class AsideError(RuntimeError):
    """The call failed in its process (the message names the error there), or the process died."""


def _send_call(conn, fn, args, kwargs) -> None:
    buffers: list[pickle.PickleBuffer] = []
    payload = io.BytesIO()
    chunk_pickler(payload, buffer_callback=buffers.append).dump((fn, args, kwargs))
    conn.send_bytes(payload.getbuffer())
    conn.send_bytes(str(len(buffers)).encode())
    for buffer in buffers:
        conn.send_bytes(buffer.raw())


def _receive_call(conn):
    payload = conn.recv_bytes()
    count = int(conn.recv_bytes())
    return pickle.loads(payload, buffers=[conn.recv_bytes() for _ in range(count)])


def _child(conn) -> None:
    try:
        fn, args, kwargs = _receive_call(conn)
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
        self._conn, child_end = context.Pipe(duplex=True)
        self._process = context.Process(target=_child, args=(child_end,), daemon=True)
        try:
            start_process(self._process)
        finally:
            child_end.close()
        self._unsent: BaseException | None = None
        try:
            _send_call(self._conn, fn, args, kwargs)
        except (OSError, EOFError) as error:      # the child died before it took the call
            self._unsent = error

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
            unsent = f"; the call could not be sent to it: {self._unsent}" if self._unsent else ""
            raise AsideError(f"{self._what} ended without an answer (its process exit code: "
                             f"{self._process.exitcode}{unsent})")
        if answer[0] == "error":
            raise AsideError(f"{self._what} failed in its process: {answer[1]}")
        return answer[1]
