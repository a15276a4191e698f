"""`ccm-coder train` is deterministic and writes a model folder that loads and codes."""

import json
import os
import subprocess
import sys

import pytest

from corpus import build
from nlp.persistence import verify
from nlp.train import train


@pytest.fixture(scope="module")
def small_corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("corpus")
    splits = build.build(seed=3, per_scenario=1)
    for name in ("train", "val"):
        with open(folder / f"{name}.jsonl", "w", encoding="utf-8") as f:
            for record in splits[name]:
                f.write(json.dumps(record) + "\n")
    return folder


def test_training_twice_gives_identical_files(small_corpus, tmp_path):
    first = train(small_corpus, tmp_path / "a", seed=1)
    # the second run in another process with another hash seed, as `make train` would be
    run = subprocess.run([sys.executable, "-m", "nlp", "train", "--corpus", str(small_corpus),
                          "--out", str(tmp_path / "b"), "--seed", "1"],
                         env={**os.environ, "PYTHONHASHSEED": "12345"}, capture_output=True)
    assert run.returncode == 0, run.stderr.decode()[-300:]
    second = json.loads((tmp_path / "b" / "manifest.json").read_text())
    assert first["files"] == second["files"]
    assert first["training_data_sha256"] == second["training_data_sha256"]
    manifest = verify(tmp_path / "a")
    assert {"pipeline/config.cfg", "classifier.joblib"} <= set(manifest["files"])
    assert 0.0 <= manifest["threshold"] <= 1.0
    assert "ece" in manifest["metrics"]["validation_calibration"]


def test_a_trained_folder_codes_notes(small_corpus, tmp_path):
    import nlp

    train(small_corpus, tmp_path / "m", seed=1)
    coder = nlp.load(tmp_path / "m")
    result = coder.code("CCM generator change: the old OPTIMIZER generator was explanted and a new "
                        "OPTIMIZER Smart Mini generator was connected to the existing leads.", id="x")
    assert result.status == "ok" and result.model["sha256"] == coder.manifest["sha256"]
