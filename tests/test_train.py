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
            for record in _few_hand_written(splits[name]):
                f.write(json.dumps(record) + "\n")
    return folder


def _few_hand_written(records: list[dict], per_scenario: int = 2) -> list[dict]:
    """Every template note, and the first ``per_scenario`` hand-written notes of each scenario
    (the corpus holds thousands; training on all of them would make this test slow)."""
    kept: dict[str, int] = {}
    out = []
    for record in records:
        if record["source"] == "writer":
            kept[record["scenario"]] = kept.get(record["scenario"], 0) + 1
            if kept[record["scenario"]] > per_scenario:
                continue
        out.append(record)
    return out


def _train_in_new_process(corpus, out, hash_seed: str) -> dict:
    run = subprocess.run([sys.executable, "-m", "nlp", "train", "--corpus", str(corpus),
                          "--out", str(out), "--seed", "1"],
                         env={**os.environ, "PYTHONHASHSEED": hash_seed}, capture_output=True)
    assert run.returncode == 0, run.stderr.decode()[-300:]
    return json.loads((out / "manifest.json").read_text())


def test_training_twice_gives_identical_files(small_corpus, tmp_path):
    # two runs as `make train` runs: fresh interpreters, different hash seeds. (A process
    # that has already unpickled a model may share string objects differently, which
    # changes the pickle's bytes, not the model.)
    first = _train_in_new_process(small_corpus, tmp_path / "a", "1")
    second = _train_in_new_process(small_corpus, tmp_path / "b", "12345")
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
