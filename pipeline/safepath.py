"""Paths built from folder names and manifests stay inside raw/, published/ or reports/.

A ``return.yaml`` is written by a person and a folder name comes from whoever sent the files: neither may
point a read or a write at ``../../etc`` or through a symlink out of the tree.
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath, PureWindowsPath

_WINDOWS_DRIVE = re.compile(r"^[A-Za-z]:")


class UnsafePathError(ValueError):
    """A path part would leave its base folder; the message names the part and the base."""


def safe_child(base: Path, *parts: str) -> Path:
    """``base / parts...``, resolved, or ``UnsafePathError`` if it would leave ``base``.

    Refused: absolute parts, drive letters, ``..`` that climbs out, backslash separators (they climb out on
    Windows), NUL bytes, empty names, and symlinks that resolve outside ``base``.
    """
    root = Path(base).resolve()
    for part in parts:
        _check_part(part, base)
    target = root.joinpath(*parts).resolve()
    if target != root and not target.is_relative_to(root):
        raise UnsafePathError(f"{'/'.join(parts)!r} leads to {target}, outside {base}")
    return target


def _check_part(part: str, base: Path) -> None:
    reason = None
    if not isinstance(part, str) or not part.strip():
        reason = "is empty"
    elif "\x00" in part:
        reason = "contains a NUL byte"
    elif "\\" in part:
        reason = "contains a backslash"
    elif PurePosixPath(part).is_absolute() or PureWindowsPath(part).is_absolute() or _WINDOWS_DRIVE.match(part):
        reason = "is absolute"
    elif ".." in PurePosixPath(part).parts:
        reason = "climbs with '..'"
    if reason:
        raise UnsafePathError(f"path part {part!r} {reason}; it must name something inside {base}")
