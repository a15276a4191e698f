"""The retraining notebooks: committed without outputs, and executed top to bottom in fast mode.

The notebooks read their parameters from ``CCM_NB_*`` environment variables (the
kernel inherits this process's environment); the run writes its model and files
into a pytest tmp folder. Then the model the notebook saved is loaded through the
command line (``ccm-coder code --model FOLDER``) and the API (``nlp.load(FOLDER)``).

About a minute on two cores, most of it training on the 20% fast-mode corpus.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")
pytest.importorskip("matplotlib")

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
NAMES = ("01_corpus_and_labels.ipynb", "02_retrain_and_compare.ipynb")
#: Plots each notebook draws (at least).
MIN_PLOTS = {"01_corpus_and_labels.ipynb": 6, "02_retrain_and_compare.ipynb": 3}
CELL_TIMEOUT = 600


def _read(name: str):
    return nbformat.read(NOTEBOOKS / name, as_version=4)


def _outputs(nb, kind: str) -> list:
    return [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
            if o.get("output_type") in ("display_data", "execute_result") and kind in o.get("data", {})]


@pytest.mark.parametrize("name", NAMES)
def test_notebook_is_committed_without_outputs(name: str) -> None:
    nb = _read(name)
    nbformat.validate(nb)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        assert cell.get("outputs") == [], f"{name} cell {i} has outputs: clear them before committing"
        assert cell.get("execution_count") is None, f"{name} cell {i} has an execution count"
    assert "widgets" not in nb.metadata, f"{name} carries widget state"


@pytest.mark.parametrize("name", NAMES)
def test_parameters_come_first(name: str) -> None:
    code = [c for c in _read(name).cells if c.cell_type == "code"]
    assert "parameters" in code[0].metadata.get("tags", []), f"{name}: first code cell must be the parameters"
    for parameter in ("CORPUS", "SEED", "FAST"):
        assert f"{parameter} = " in code[0].source


@pytest.fixture(scope="module")
def executed(tmp_path_factory) -> dict:
    """Both notebooks run top to bottom in fast mode; their executed copies and the model folder."""
    tmp = tmp_path_factory.mktemp("notebooks")
    model = tmp / "model"
    env = {"CCM_NB_FAST": "1", "CCM_NB_SEED": "0", "CCM_NB_OUT": str(tmp / "out"),
           "CCM_NB_NEW_MODEL": str(model)}
    runs = {}
    with pytest.MonkeyPatch.context() as mp:
        for key in [k for k in os.environ if k.startswith("CCM_NB_")]:
            mp.delenv(key)
        for key, value in env.items():
            mp.setenv(key, value)
        for name in NAMES:
            nb = _read(name)
            client = nbclient.NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3",
                                             resources={"metadata": {"path": str(NOTEBOOKS)}})
            try:
                client.execute()
            finally:
                nbformat.write(nb, tmp / name)  # the executed copy, for a look after a failure
            runs[name] = nb
    return {"notebooks": runs, "model": model, "tmp": tmp}


@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs_and_plots(executed: dict, name: str) -> None:
    nb = executed["notebooks"][name]
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count is not None for c in code), f"{name}: not every cell ran"
    errors = [o for c in code for o in c.outputs if o.output_type == "error"]
    assert not errors, f"{name}: {errors[0].ename}: {errors[0].evalue}"
    plots = _outputs(nb, "image/png")
    assert len(plots) >= MIN_PLOTS[name], f"{name}: {len(plots)} plots rendered"


def test_notebook_01_reports_problems_row_by_row(executed: dict) -> None:
    html = " ".join(o["data"]["text/html"] for o in _outputs(executed["notebooks"][NAMES[0]], "text/html"))
    for message in ("not found in the note text", "unknown code", "breaks the bundling rules",
                    "duplicate id", "not valid JSON"):
        assert message in html


def test_notebook_02_renders_evidence_with_displacy(executed: dict) -> None:
    nb = executed["notebooks"][NAMES[1]]
    html = [o["data"]["text/html"] for o in _outputs(nb, "text/html")]
    assert any('class="entities"' in h for h in html), "no displaCy rendering in the error table"
    assert any("per code, held-out site notes" in h for h in html)


def _notes(executed: dict) -> list[dict]:
    heldout = executed["model"].parent / "model-work" / "site_heldout.jsonl"
    rows = [json.loads(line) for line in heldout.read_text(encoding="utf-8").splitlines()[:4]]
    notes = [{"id": str(r["id"]), "text": r["text"]} for r in rows]
    notes.append({"id": "non-ccm", "text": "Dual-chamber pacemaker generator change for battery depletion."})
    return notes


def test_model_saved_by_notebook_loads_through_cli_and_api(executed: dict, tmp_path: Path) -> None:
    import nlp
    from nlp.persistence import verify

    model = executed["model"]
    manifest = verify(model)
    assert manifest["training_notes"] > 0 and "threshold" in manifest

    notes = _notes(executed)
    source, output = tmp_path / "notes.jsonl", tmp_path / "coded.jsonl"
    source.write_text("".join(json.dumps(n) + "\n" for n in notes), encoding="utf-8")
    script = Path(sys.executable).with_name("ccm-coder")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "nlp"]
    proc = subprocess.run(command + ["code", str(source), "-o", str(output), "--model", str(model)],
                          check=False, capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert proc.returncode == 0, proc.stderr
    cli = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in cli] == [n["id"] for n in notes], "one result per note, in order"
    assert all(r["status"] == "ok" for r in cli), [r["error"] for r in cli if r["status"] != "ok"]
    assert {r["model"]["sha256"] for r in cli} == {manifest["sha256"]}

    coder = nlp.load(model)
    api = list(coder.pipe([(n["id"], n["text"]) for n in notes]))
    assert [r.id for r in api] == [n["id"] for n in notes]
    assert all(r.status == "ok" for r in api)
    for from_cli, from_api in zip(cli, api):
        assert {c["code"]: c["units"] for c in from_cli["codes"]} == from_api.code_units
        assert from_cli["flags"] == from_api.to_dict()["flags"]
    assert any(r.code_units for r in api), "the CCM notes get codes"
