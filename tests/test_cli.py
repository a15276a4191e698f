"""The ``ccm-coder code`` command as a user runs it: a subprocess with the real model."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "corpus" / "samples" / "sample_notes.jsonl"
CANARY = "CANARY-PHI-91c4e2"


def cli(*args: str, stdin: bytes | None = None, timeout: int = 240) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nlp", "code", *args], cwd=ROOT, input=stdin,
                          capture_output=True, timeout=timeout)


def read_lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def sample_notes() -> list[dict]:
    return [json.loads(line) for line in SAMPLES.read_text(encoding="utf-8").splitlines()]


def test_hostile_input_gives_one_record_per_input_record_and_no_phi(tmp_path):
    ccm = sample_notes()[0]["text"]
    lines = [
        json.dumps({"id": "ok-1", "text": ccm}),
        json.dumps({"id": "empty", "text": ""}),
        json.dumps({"id": "blank", "text": "   \n  "}),
        json.dumps({"id": "missing"}),
        json.dumps({"id": "number", "text": 42}),
        '{"id": "broken", "text": "' + CANARY + ' unterminated',
        json.dumps({"id": "ok-1", "text": ccm + " " + CANARY}),             # duplicate id
        json.dumps({"id": "control", "text": f"CCM note\x00\x07\x1b[31m {CANARY}"}),
        json.dumps({"id": "huge", "text": ("The patient is doing well. " * 190_000) + CANARY}),
    ]
    raw = ("\n".join(lines) + "\n").encode("utf-8")
    raw += b'{"id": "latin1", "text": "caf\xe9 CCM generator change ' + CANARY.encode() + b'"}\n'
    source = tmp_path / "notes.jsonl"
    source.write_bytes(raw)
    out = tmp_path / "out.jsonl"

    run = cli(str(source), "-o", str(out))
    assert run.returncode == 0, run.stderr.decode()[-500:]
    records = read_lines(out)
    assert [r["id"] for r in records] == ["ok-1", "empty", "blank", "missing", "number", "line-6",
                                          "ok-1", "control", "huge", "latin1"]
    by_id = {(i, r["id"]): r for i, r in enumerate(records)}
    assert by_id[(0, "ok-1")]["status"] == "ok" and by_id[(0, "ok-1")]["codes"]
    for i in (1, 2, 3, 4, 5):
        assert records[i]["status"] == "error" and records[i]["error"]["type"]
    assert "duplicate_id" in records[6]["flags"]
    assert records[8]["status"] == "ok" and records[9]["status"] == "ok"
    assert CANARY.encode() not in run.stdout + run.stderr
    for r in records:
        if r["error"]:
            assert CANARY not in json.dumps(r["error"])


def test_kill_minus_nine_then_resume_completes_the_output(tmp_path):
    notes = sample_notes()
    source = tmp_path / "notes.jsonl"
    with open(source, "w", encoding="utf-8") as f:
        for i in range(1200):
            f.write(json.dumps({"id": f"n{i}", "text": notes[i % len(notes)]["text"]}) + "\n")
    out = tmp_path / "out.jsonl"
    proc = subprocess.Popen([sys.executable, "-m", "nlp", "code", str(source), "-o", str(out),
                             "--batch-size", "8"], cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.time() + 180
    while time.time() < deadline and proc.poll() is None:
        if out.exists() and out.read_bytes().count(b"\n") >= 50:
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the run finished before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    partial = out.read_bytes().count(b"\n")
    assert 0 < partial < 1200

    run = cli(str(source), "-o", str(out), "--resume")
    assert run.returncode == 0, run.stderr.decode()[-500:]
    records = read_lines(out)  # every line parses: no torn line
    assert [r["id"] for r in records] == [f"n{i}" for i in range(1200)]
    clean = tmp_path / "clean.jsonl"
    assert cli(str(source), "-o", str(clean)).returncode == 0
    assert [r["codes"] for r in records] == [r["codes"] for r in read_lines(clean)]


def test_stdin_to_csv_and_a_folder_of_text_files(tmp_path):
    notes = sample_notes()[:3]
    stdin = "".join(json.dumps({"id": n["id"], "text": n["text"]}) + "\n" for n in notes).encode()
    out = tmp_path / "out.csv"
    run = cli("-", "-o", str(out), stdin=stdin)
    assert run.returncode == 0, run.stderr.decode()[-500:]
    rows = out.read_text(encoding="utf-8").splitlines()
    assert rows[0].startswith("id,codes,units,confidence,flags,status")
    assert [r.split(",")[0] for r in rows[1:]] == [n["id"] for n in notes]

    folder = tmp_path / "notes"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_text(notes[0]["text"], encoding="utf-8")
    (folder / "sub" / "b.txt").write_text(notes[1]["text"], encoding="utf-8")
    (folder / "sub" / "c.txt").write_bytes(bytes(range(256)) * 40)  # binary
    out = tmp_path / "folder.jsonl"
    run = cli(str(folder), "-o", str(out))
    assert run.returncode == 0
    records = read_lines(out)
    assert [r["id"] for r in records] == ["a.txt", "sub/b.txt", "sub/c.txt"]
    assert records[2]["status"] == "error"


@pytest.mark.parametrize("args,message", [
    (["missing.jsonl", "-o", "out.jsonl"], "missing.jsonl"),
    (["corpus/samples/sample_notes.jsonl", "-o", "/proc/nope/out.jsonl"], "cannot write output"),
])
def test_fatal_problems_exit_non_zero_with_one_line(args, message):
    run = cli(*args)
    assert run.returncode != 0
    err = run.stderr.decode().strip()
    assert message in err and len(err.splitlines()) == 1
