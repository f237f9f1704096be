"""`sam build` of the template, with the Lambda runtime's Python (python3.13) on PATH.

The function has no ``src/requirements.txt`` (Powertools comes from the public layer, boto3
from the runtime), so `sam build` only copies ``src/``. The test still puts python3.13 first
on PATH, as SAM CLI needs it the day dependencies are added, and then byte-compiles the built
code with it: the package Lambda gets must at least compile under the runtime's Python. Where
python3.13 cannot be found the test skips and says why.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.test_template import REGION, REPO, TEMPLATE, tool, tool_env

RUNTIME_PYTHON = "python3.13"


def _real_interpreter(candidate: str, env: dict[str, str]) -> Path | None:
    """The interpreter behind ``candidate`` (a pyenv shim resolves only with PYENV_VERSION)."""
    result = subprocess.run(  # noqa: S603 - fixed arguments, no shell
        [candidate, "-c", "import sys; print(sys.version_info[:2] == (3, 13), sys.executable)"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    ok, _, executable = result.stdout.strip().partition(" ")
    return Path(executable) if result.returncode == 0 and ok == "True" else None


def runtime_python() -> Path | None:
    """python3.13 from PATH, else from pyenv (which holds versions it does not put on PATH)."""
    plain = dict(os.environ)
    pinned = {**os.environ, "PYENV_VERSION": RUNTIME_PYTHON.removeprefix("python")}
    found = shutil.which(RUNTIME_PYTHON)
    if found and (real := _real_interpreter(found, plain)):
        return real
    pyenv = shutil.which("pyenv")
    if not pyenv:
        return None
    result = subprocess.run(  # noqa: S603 - fixed arguments, no shell
        [pyenv, "which", RUNTIME_PYTHON], env=pinned, capture_output=True, text=True, check=False
    )
    path = result.stdout.strip()
    if result.returncode != 0 or not path:
        return None
    return _real_interpreter(path, pinned)


@pytest.mark.slow
def test_sam_build(tmp_path: Path) -> None:
    python = runtime_python()
    if python is None:
        pytest.skip(f"{RUNTIME_PYTHON} (the Lambda runtime's Python) is not on PATH nor in pyenv")
    sam = tool("sam")
    build_dir = tmp_path / "build"
    env = tool_env(PATH=f"{python.parent}{os.pathsep}{os.environ.get('PATH', '')}")
    result = subprocess.run(  # noqa: S603 - fixed arguments, no shell
        [
            str(sam),
            "build",
            "--template-file",
            str(TEMPLATE),
            "--build-dir",
            str(build_dir),
            "--cache-dir",
            str(tmp_path / "cache"),
            "--region",
            REGION,
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Build Succeeded" in result.stdout

    code = build_dir / "Function"
    assert (code / "handlers" / "remediate.py").is_file()
    assert (code / "remediation" / "engine.py").is_file()
    assert not (code / "tests").exists()
    built = (build_dir / "template.yaml").read_text()
    assert "CodeUri: Function" in built

    compiled = subprocess.run(  # noqa: S603 - fixed arguments, no shell
        [str(python), "-m", "compileall", "-q", str(code)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert compiled.returncode == 0, compiled.stdout + compiled.stderr
