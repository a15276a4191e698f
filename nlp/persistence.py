"""Saving and loading a model folder, with a manifest that is checked before anything loads.

A model folder holds the spaCy pipeline (``pipeline/``), the classifier
(``classifier.joblib``) and ``manifest.json``: the sha256 of every file, library
versions, the training-data hash, the decision threshold and the evaluation
metrics. Pickles can run arbitrary code, so :func:`verify` refuses a folder in
which any file differs from what our own save wrote, before joblib is touched.
"""

from __future__ import annotations

import hashlib
import json
import platform
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

MANIFEST = "manifest.json"
CLASSIFIER = "classifier.joblib"
PIPELINE = "pipeline"
LIBRARIES = ("spacy", "scikit-learn", "joblib", "numpy", "ccm-coder")


class ModelIntegrityError(RuntimeError):
    """The model folder is missing files or was changed after it was saved."""


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _files(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): sha256_file(p)
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name != MANIFEST}


def library_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "unknown"
    return versions


def write_manifest(folder: Path, *, name: str, version: str, info: dict[str, Any]) -> dict[str, Any]:
    """Hash every file of ``folder`` and write the manifest beside them."""
    manifest = {
        "name": name,
        "version": version,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "libraries": library_versions(),
        **info,
        "files": _files(folder),
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return manifest


def verify(folder: Path) -> dict[str, Any]:
    """The manifest of ``folder`` if every file matches it; else ModelIntegrityError."""
    path = folder / MANIFEST
    if not path.is_file():
        raise ModelIntegrityError(f"no {MANIFEST} in model folder {folder}")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        expected = dict(manifest["files"])
    except (ValueError, KeyError, TypeError) as exc:
        raise ModelIntegrityError(f"unreadable {MANIFEST} in {folder}") from exc
    actual = _files(folder)
    missing = sorted(set(expected) - set(actual))
    extra = sorted(set(actual) - set(expected))
    changed = sorted(k for k in set(expected) & set(actual) if expected[k] != actual[k])
    if missing or extra or changed:
        parts = [f"{label}: {', '.join(names[:5])}" for label, names in
                 (("missing", missing), ("not in manifest", extra), ("changed", changed)) if names]
        raise ModelIntegrityError(f"model folder {folder} does not match its manifest ({'; '.join(parts)}); "
                                  "refusing to load it")
    manifest["sha256"] = sha256_file(path)
    return manifest
