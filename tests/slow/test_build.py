"""`sam build` of the template, with the Lambda runtime's Python (python3.13) on PATH.

The artifact holds only what the function runs: `sam build` runs ``src/Makefile`` (the
function's ``BuildMethod: makefile``), which leaves out the CLI, the demo and
``remediation/release.py``, the only code that deletes. The test proves they are absent and
that the handler still imports from the artifact alone.

The function has no ``src/requirements.txt`` (Powertools comes from the public layer, boto3
from the runtime), so `sam build` only copies ``src/``. The test still puts python3.13 first
on PATH, as SAM CLI needs it the day dependencies are added, and then byte-compiles the built
code with it: the package Lambda gets must at least compile under the runtime's Python. Where
python3.13 cannot be found the test skips and says why.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.template import REGION, REPO, TEMPLATE, tool, tool_env

RUNTIME_PYTHON = "python3.13"
#: What the function never runs, so the artifact must not hold it (release.py: the only delete).
NOT_SHIPPED = ("remediation/cli", "remediation/demo", "remediation/release.py")
#: Run in a fresh interpreter on the artifact: where the handler's code came from, and which of
#: the modules the artifact must not hold can still be found.
IMPORT_CHECK = """
import importlib.util, json, handlers.remediate, remediation
print(json.dumps({
    "handler": handlers.remediate.__file__,
    "remediation": remediation.__file__,
    "lambda_handler": callable(handlers.remediate.lambda_handler),
    "found": [n for n in ("remediation.cli", "remediation.demo", "remediation.release")
              if importlib.util.find_spec(n) is not None],
}))
"""


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
    assert (code / "remediation" / "engine" / "runs.py").is_file()
    assert not (code / "tests").exists()
    built = (build_dir / "template.yaml").read_text()
    assert "CodeUri: Function" in built

    for path in NOT_SHIPPED:
        assert not (code / path).exists(), f"{path} is in the Lambda artifact"
    assert (code / "remediation" / "executor" / "core.py").is_file()  # auto-fix runs it
    assert not list(code.rglob("__pycache__"))  # no bytecode of the build machine's Python

    compiled = subprocess.run(  # noqa: S603 - fixed arguments, no shell
        [str(python), "-m", "compileall", "-q", str(code)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert compiled.returncode == 0, compiled.stdout + compiled.stderr

    # The handler imports from the artifact alone (boto3 and Powertools from this environment,
    # as Lambda gives them from the runtime and the layer).
    child = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    child.update(PYTHONPATH=str(code), PYTHONDONTWRITEBYTECODE="1")
    imported = subprocess.run(  # noqa: S603 - this interpreter, fixed code
        [sys.executable, "-c", IMPORT_CHECK],
        cwd=code,
        env=child,
        capture_output=True,
        text=True,
        check=False,
    )
    assert imported.returncode == 0, imported.stderr
    found = json.loads(imported.stdout)
    assert Path(found["handler"]).is_relative_to(code)
    assert Path(found["remediation"]).is_relative_to(code)
    assert found["lambda_handler"] is True
    assert found["found"] == []
