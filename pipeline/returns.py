"""What arrived: one folder per force under ``raw/``, its files, and its optional ``return.yaml``.

A folder whose name is not a force id is reported (with the closest ids) and skipped; the run goes on.
A force with no folder, or a folder with no return file in it, answered nothing: ``no_response``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from pipeline.forces import Force, all_forces, is_force_id, suggest_force_ids
from pipeline.records import Finding
from pipeline.safepath import UnsafePathError, safe_child

MANIFEST_NAME = "return.yaml"
RESPONSE_STATUSES = ("responded", "nil_return", "partial", "refused", "not_held", "no_response")
_MANIFEST_KEYS = {"force", "status", "refusal_basis", "period", "received", "grain", "notes", "files"}
# Files that travel with a return but are not part of it.
_IGNORED_NAMES = {MANIFEST_NAME, "README.md", ".DS_Store", "Thumbs.db"}


class ManifestError(ValueError):
    """A return.yaml that cannot be used; the message names the file and the bad key."""


@dataclass
class ReturnManifest:
    """The parts of return.yaml the pipeline understands (all optional)."""

    status: str = ""
    refusal_basis: list[str] = field(default_factory=list)
    period_start: str = ""
    period_end: str = ""
    received: str = ""
    grain: str = ""
    files: dict[str, dict] = field(default_factory=dict)

    def hints_for(self, filename: str) -> dict:
        return dict(self.files.get(filename) or {})


@dataclass
class ReturnFolder:
    """One force's return as found on disk."""

    force: Force
    folder: Path | None
    files: list[Path]
    manifest: ReturnManifest
    manifest_sha256: str = ""
    findings: list[Finding] = field(default_factory=list)

    @property
    def force_id(self) -> str:
        return self.force.force_id

    @property
    def total_bytes(self) -> int:
        """The size of the return's files: roughly how long reading it takes (0 for a file that cannot be read)."""
        total = 0
        for path in self.files:
            try:
                total += path.stat().st_size
            except OSError:
                pass
        return total


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _as_list(value) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.replace(",", ";").split(";") if part.strip()]
    return [str(part).strip() for part in value]


def load_manifest(path: Path) -> ReturnManifest:
    """Read and check a return.yaml; unknown keys and bad values are errors, not silently ignored."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise ManifestError(f"{path}: not valid YAML ({error})") from None
    if not isinstance(document, dict):
        raise ManifestError(f"{path}: expected a mapping of keys, got {type(document).__name__}")
    unknown = sorted(set(document) - _MANIFEST_KEYS)
    if unknown:
        raise ManifestError(f"{path}: unknown keys {unknown}; allowed: {sorted(_MANIFEST_KEYS)}")
    status = str(document.get("status") or "")
    if status and status not in RESPONSE_STATUSES:
        raise ManifestError(f"{path}: status '{status}' is not one of {list(RESPONSE_STATUSES)}")
    period = document.get("period") or {}
    if not isinstance(period, dict):
        raise ManifestError(f"{path}: period must be a mapping with start and end")
    files = document.get("files") or {}
    if not isinstance(files, dict) or not all(isinstance(v, (dict, type(None))) for v in files.values()):
        raise ManifestError(f"{path}: files must map each file name to a mapping of hints")
    return ReturnManifest(
        status=status,
        refusal_basis=_as_list(document.get("refusal_basis")),
        period_start=str(period.get("start") or ""),
        period_end=str(period.get("end") or ""),
        received=str(document.get("received") or ""),
        grain=str(document.get("grain") or ""),
        files={str(name): dict(hints or {}) for name, hints in files.items()},
    )


def return_files(folder: Path) -> list[Path]:
    """The files of a return, in a stable order; hidden files and the manifest are not part of it."""
    return sorted(
        p for p in folder.iterdir()
        if p.is_file() and not p.name.startswith(".") and p.name not in _IGNORED_NAMES
    )


def discover_returns(raw_dir: Path) -> tuple[list[ReturnFolder], list[Finding]]:
    """Every one of the 43 forces with what it sent (possibly nothing), plus run-level findings."""
    raw_dir = Path(raw_dir)
    findings: list[Finding] = []
    folders: dict[str, Path] = {}
    if not raw_dir.is_dir():
        findings.append(Finding("error", "raw_dir_missing", f"The returns folder {raw_dir} does not exist."))
    else:
        for entry in sorted(raw_dir.iterdir()):
            if not entry.is_dir() or entry.name.startswith("."):
                continue
            try:
                safe_child(raw_dir, entry.name)
            except UnsafePathError as error:
                findings.append(Finding("error", "unsafe_path", f"raw/{entry.name} was skipped: {error}",
                                        source_file=entry.name, value=entry.name))
                continue
            if is_force_id(entry.name):
                folders[entry.name] = entry
                continue
            suggestions = suggest_force_ids(entry.name)
            hint = f" Did you mean: {', '.join(suggestions)}?" if suggestions else ""
            findings.append(Finding(
                "error", "unknown_force_folder",
                f"Folder raw/{entry.name} is not a police.uk force id, so it was skipped.{hint} "
                f"Rename it to the force's id (see pipeline/data/forces.csv).",
                source_file=entry.name, value=entry.name,
            ))

    returns: list[ReturnFolder] = []
    for force in all_forces():
        folder = folders.get(force.force_id)
        manifest = ReturnManifest()
        manifest_sha = ""
        force_findings: list[Finding] = []
        files: list[Path] = []
        if folder is not None:
            files = return_files(folder)
            manifest_path = folder / MANIFEST_NAME
            if manifest_path.is_file():
                manifest_sha = sha256_file(manifest_path)
                try:
                    manifest = load_manifest(manifest_path)
                except ManifestError as error:
                    force_findings.append(Finding(
                        "error", "bad_manifest", f"{error}. The return was read without its manifest.",
                        force_id=force.force_id, source_file=f"{force.force_id}/{MANIFEST_NAME}",
                    ))
            for name in sorted(set(manifest.files) - {p.name for p in files}):
                force_findings.append(Finding(
                    "warning", "manifest_file_missing",
                    f"return.yaml gives hints for {name}, which is not in raw/{force.force_id}/.",
                    force_id=force.force_id, source_file=f"{force.force_id}/{MANIFEST_NAME}", value=name,
                ))
        returns.append(ReturnFolder(force, folder, files, manifest, manifest_sha, force_findings))
    return returns, findings
