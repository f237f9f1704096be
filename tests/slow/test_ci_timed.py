""".ci/timed, around each of CI's test runs: the command's output and exit code pass through
unchanged (CI reads pytest's closing line and the exit code), and one line of timings is kept
on the machine; a file it cannot write never fails the run."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TIMED = ROOT / ".ci" / "timed"
SUITE = 'echo "== 5 passed, 1 skipped in 12.34s =="; echo warned >&2; exit 3'


def timed(record: Path, command: str, ci: str = "true") -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "CI": ci,
        "ECR_GUARD_CI_TIMINGS": str(record),
        "HOST_SPEED": "echo host speed: 0.50 s",  # bench/host_speed.py takes seconds
    }
    return subprocess.run(  # noqa: S603 - the project's own script
        [str(TIMED), "bash", "-c", command],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_output_and_exit_code_pass_through_and_one_line_is_kept(tmp_path: Path) -> None:
    record = tmp_path / "folder" / "ci-timings.tsv"
    done = timed(record, SUITE)
    assert done.returncode == 3
    # stderr joins stdout, in order; nothing is printed after the command's last line
    assert done.stdout == "== 5 passed, 1 skipped in 12.34s ==\nwarned\n"
    assert done.stderr == ""
    (line,) = record.read_text(encoding="utf-8").splitlines()
    when, commit, where, command, code, wall, pytest_seconds, before, after = line.split("\t")
    assert when.endswith("Z") and commit and where == "ci" and command == f"bash -c {SUITE}"
    assert (code, pytest_seconds, before, after) == ("3", "12.34", "0.50", "0.50")
    assert int(wall) >= 0
    assert timed(record, "true", ci="").returncode == 0
    assert record.read_text(encoding="utf-8").splitlines()[1].split("\t")[2:7] == [
        "local",
        "bash -c true",
        "0",
        "0",
        "none",
    ]


def test_a_record_that_cannot_be_written_does_not_fail_the_run(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    done = timed(blocker / "ci-timings.tsv", "echo ok")
    assert (done.returncode, done.stdout, done.stderr) == (0, "ok\n", "")
