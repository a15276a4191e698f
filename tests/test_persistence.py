"""The manifest: written at save, checked before any pickle is loaded."""

import json

import joblib
import pytest

from nlp.persistence import ModelIntegrityError, verify, write_manifest


@pytest.fixture
def folder(tmp_path):
    joblib.dump({"weights": [1, 2, 3]}, tmp_path / "classifier.joblib")
    (tmp_path / "pipeline").mkdir()
    (tmp_path / "pipeline" / "patterns.jsonl").write_text('{"label": "X"}\n')
    write_manifest(tmp_path, name="test", version="0", info={"threshold": 0.8})
    return tmp_path


def test_manifest_lists_every_file_and_verifies(folder):
    manifest = verify(folder)
    assert set(manifest["files"]) == {"classifier.joblib", "pipeline/patterns.jsonl"}
    assert manifest["threshold"] == 0.8
    assert len(manifest["sha256"]) == 64
    assert "scikit-learn" in manifest["libraries"]


def test_one_changed_byte_is_refused(folder):
    path = folder / "classifier.joblib"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(ModelIntegrityError, match="changed: classifier.joblib"):
        verify(folder)


def test_a_file_added_after_save_is_refused(folder):
    joblib.dump("surprise", folder / "extra.joblib")
    with pytest.raises(ModelIntegrityError, match="not in manifest: extra.joblib"):
        verify(folder)


def test_a_missing_file_is_refused(folder):
    (folder / "pipeline" / "patterns.jsonl").unlink()
    with pytest.raises(ModelIntegrityError, match="missing"):
        verify(folder)


def test_no_or_broken_manifest_is_refused(folder):
    (folder / "manifest.json").write_text("{not json")
    with pytest.raises(ModelIntegrityError, match="unreadable"):
        verify(folder)
    (folder / "manifest.json").unlink()
    with pytest.raises(ModelIntegrityError, match="no manifest.json"):
        verify(folder)


def test_editing_the_manifest_hash_changes_the_model_sha(folder):
    before = verify(folder)["sha256"]
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["threshold"] = 0.1
    (folder / "manifest.json").write_text(json.dumps(manifest))
    assert verify(folder)["sha256"] != before
