"""Cold start: the time to import the handler module in a fresh interpreter, next to
``import boto3`` alone.

Each sample is one fresh interpreter that times ``import boto3`` and then
``import handlers.remediate``: the first figure is boto3 alone, the sum of both is
everything importing the handler loads (the handler imports boto3 itself; loading
it first changes only the order). Both are wall time and CPU time of the import
statements; the interpreter's own start-up is not counted. Timing both in one
interpreter, a fraction of a second apart, pairs them: a busy machine slows both
alike, so the ratio of each sample is steady where separate interpreters are not.
The figures are medians over the samples.

The project's code is imported from a copy of ``src/`` in a temporary directory,
in one of two forms:

``source``
    ``.py`` files only, never byte-compiled: how ``sam build`` packages ``src/``
    (it copies it). Only ``/tmp`` is writable in Lambda, so Python cannot cache
    bytecode next to the code, and every cold start compiles the project's
    modules again. This is the deployed case today.
``bytecode``
    the same files compiled ahead of time (``compileall``), as a package that
    ships its ``.pyc`` files loads them.

The dependencies (boto3, Powertools) load from the virtual environment,
byte-compiled by pip at install time, in both forms.

The interpreter is the Lambda runtime's where one is given (``ECR_GUARD_RUNTIME_PYTHON``: the
python3.13 environment ``make`` builds, holding boto3 and Powertools as the function's layer
and runtime do), else the one running this module. The budget is the deployed function's, and
Python versions differ: creating a dataclass, which the project does some thirty times at
import, costs about half as much on 3.13 as on 3.11.

Examples
--------
>>> median_ms([0.010, 0.030, 0.020])
20.0
"""

from __future__ import annotations

import compileall
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("remediation", "handlers")
HANDLER = "handlers.remediate"
BASELINE = "boto3"
VARIANTS = ("source", "bytecode")
#: Budget: importing the handler costs at most this many times importing boto3 alone.
BUDGET = 1.2

_IMPORTS = """\
import json, time
w0, c0 = time.perf_counter(), time.process_time()
import boto3
w1, c1 = time.perf_counter(), time.process_time()
import handlers.remediate as handler
w2, c2 = time.perf_counter(), time.process_time()
print(json.dumps([w1 - w0, w2 - w0, c1 - c0, c2 - c0, handler.__file__]))
"""

_INVOCATIONS = """\
import json, sys, time, types
w = time.perf_counter()
import handlers.remediate as handler
imported = time.perf_counter() - w
import boto3
from moto import mock_aws
from remediation.aws.clients import make_clients
context = types.SimpleNamespace(invoked_function_arn=sys.argv[3])
with mock_aws():
    ec2 = boto3.client("ec2", region_name="us-east-1")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    event = json.loads(sys.argv[1].replace(sys.argv[2], vpc))
    runs = []
    for _ in range(2):
        w = time.perf_counter()
        handler.lambda_handler(event, context)
        runs.append(time.perf_counter() - w)
    w = time.perf_counter()
    make_clients("us-east-1")
    fresh = time.perf_counter() - w
    session = boto3.session.Session()
    make_clients("us-east-1", session=session)
    w = time.perf_counter()
    make_clients("us-east-1", session=session)
    shared = time.perf_counter() - w
print(json.dumps({"import": imported, "first_invocation": runs[0], "second_invocation": runs[1],
                  "clients_new_session": fresh, "clients_reused_session": shared}))
"""


def median_ms(seconds: Sequence[float]) -> float:
    """The median of durations in seconds, in milliseconds, rounded to 0.1 ms."""
    return round(statistics.median(seconds) * 1000, 1)


def _median_ratio(numerators: Sequence[float], denominators: Sequence[float]) -> float:
    return statistics.median(n / d for n, d in zip(numerators, denominators, strict=True))


@dataclass(frozen=True)
class ColdStart:
    """Import times (seconds) of boto3 alone and of the handler, one pair per interpreter."""

    variant: str
    boto3_wall: tuple[float, ...]
    handler_wall: tuple[float, ...]
    boto3_cpu: tuple[float, ...]
    handler_cpu: tuple[float, ...]

    @property
    def runs(self) -> int:
        return len(self.handler_wall)

    @property
    def ratio_wall(self) -> float:
        """The median over the interpreters of handler import / boto3 import, wall time."""
        return _median_ratio(self.handler_wall, self.boto3_wall)

    @property
    def ratio_cpu(self) -> float:
        """The same in CPU time: what the imports cost, without waiting for a CPU."""
        return _median_ratio(self.handler_cpu, self.boto3_cpu)

    def as_dict(self) -> dict[str, Any]:
        return {
            "variant": self.variant,
            "runs": self.runs,
            "boto3_wall_ms": median_ms(self.boto3_wall),
            "handler_wall_ms": median_ms(self.handler_wall),
            "ratio_wall": round(self.ratio_wall, 3),
            "boto3_cpu_ms": median_ms(self.boto3_cpu),
            "handler_cpu_ms": median_ms(self.handler_cpu),
            "ratio_cpu": round(self.ratio_cpu, 3),
            "samples_ms": {
                name: [round(s * 1000, 1) for s in samples]
                for name, samples in (
                    ("boto3_wall", self.boto3_wall),
                    ("handler_wall", self.handler_wall),
                    ("boto3_cpu", self.boto3_cpu),
                    ("handler_cpu", self.handler_cpu),
                )
            },
        }

    def describe(self) -> str:
        data = self.as_dict()
        return (
            f"{self.variant}: handler {data['handler_wall_ms']} ms vs boto3 "
            f"{data['boto3_wall_ms']} ms wall (x{data['ratio_wall']}), "
            f"{data['handler_cpu_ms']} ms vs {data['boto3_cpu_ms']} ms CPU "
            f"(x{data['ratio_cpu']}), medians of {self.runs}; samples {data['samples_ms']}"
        )


@contextmanager
def project_copy(variant: str) -> Iterator[Path]:
    """A temporary copy of the project's packages, as source only or compiled ahead."""
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}: expected one of {VARIANTS}")
    with tempfile.TemporaryDirectory(prefix="eeg-coldstart-") as tmp:
        target = Path(tmp)
        for package in PACKAGES:
            shutil.copytree(
                ROOT / "src" / package,
                target / package,
                ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
            )
        if variant == "bytecode" and interpreter() == sys.executable:
            compileall.compile_dir(target, quiet=1)
        elif variant == "bytecode":  # bytecode is per Python version: the runtime's compiles it
            subprocess.run(  # noqa: S603 - the runtime's interpreter, fixed arguments
                [interpreter(), "-m", "compileall", "-q", str(target)], check=True
            )
        yield target


def interpreter() -> str:
    """The interpreter that measures: the Lambda runtime's, if given, else this one."""
    given = os.environ.get("ECR_GUARD_RUNTIME_PYTHON", "")
    return given if given and Path(given).exists() else sys.executable


def _run(
    copy: Path, *args: str, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """This interpreter on fixed code, the copy first on the path, no bytecode written
    (a source copy stays uncompiled from one sample to the next)."""
    child = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    child.update(env or {}, PYTHONPATH=str(copy), PYTHONDONTWRITEBYTECODE="1")
    completed = subprocess.run(  # noqa: S603 - this interpreter, fixed code
        [interpreter(), *args], env=child, cwd=copy, capture_output=True, text=True, check=False
    )
    if completed.returncode != 0:
        raise RuntimeError(f"{args[:2]} failed: {completed.stderr[-2000:]}")
    return completed


def measure(runs: int = 7, variant: str = "source") -> ColdStart:
    """Import times in ``runs`` fresh interpreters (see the module's text).

    >>> measure(runs=7, variant="bytecode").ratio_cpu  # doctest: +SKIP
    1.25
    """
    samples = []
    with project_copy(variant) as copy:
        for _ in range(runs):
            data = json.loads(_run(copy, "-c", _IMPORTS).stdout.strip().splitlines()[-1])
            if not str(data[4]).startswith(str(copy)):
                raise RuntimeError(f"{HANDLER} came from {data[4]}, not from the copy in {copy}")
            samples.append(data[:4])
    return ColdStart(variant, *(tuple(float(s[i]) for s in samples) for i in range(4)))


def invocations(runs: int = 3) -> dict[str, float]:
    """Wall times (ms, medians of ``runs`` fresh interpreters, project as source) of the
    handler's import, its first and its second invocation (a CreateVpc event, dry-run,
    against moto), and of making its clients with a new or with a reused boto3 session.

    Informational: moto answers in-process, so the API calls themselves cost little here.
    """
    event = (ROOT / "events" / "create_vpc.json").read_text()
    fixture_vpc = json.loads(event)["detail"]["responseElements"]["vpc"]["vpcId"]
    arn = "arn:aws:lambda:us-east-1:123456789012:function:ecr-endpoint-guard"
    fake = "testing"  # moto answers in the child; fake credentials all the same
    env = {
        "AWS_ACCESS_KEY_ID": fake,
        "AWS_SECRET_ACCESS_KEY": fake,
        "AWS_SESSION_TOKEN": fake,
        "AWS_DEFAULT_REGION": "us-east-1",
        "POWERTOOLS_LOG_LEVEL": "ERROR",
        "REMEDIATION_MODE": "dry-run",
        "NOTIFICATION_TOPIC_ARN": "",
    }
    samples: dict[str, list[float]] = defaultdict(list)
    with project_copy("source") as copy:
        for _ in range(runs):
            completed = _run(copy, "-c", _INVOCATIONS, event, fixture_vpc, arn, env=env)
            for key, value in json.loads(completed.stdout.strip().splitlines()[-1]).items():
                samples[key].append(value)
    return {key: median_ms(values) for key, values in samples.items()}


def handler_modules() -> list[str]:
    """The modules that importing the handler loads on top of boto3 (one fresh interpreter)."""
    code = (
        "import sys, boto3\nbefore = set(sys.modules)\nimport handlers.remediate\n"
        "print('\\n'.join(sorted(set(sys.modules) - before)))"
    )
    with project_copy("source") as copy:
        return _run(copy, "-c", code).stdout.split()


def import_costs(runs: int = 3, variant: str = "source") -> dict[str, float]:
    """Where the handler's import time goes beyond boto3, from ``python -X importtime``.

    Self times (ms, median over ``runs``) of every module the handler loads after
    boto3, summed by top-level package; ``remediation`` and ``handlers`` are the
    project's own code.
    """
    totals: dict[str, list[float]] = defaultdict(list)
    with project_copy(variant) as copy:
        for _ in range(runs):
            trace = _run(copy, "-X", "importtime", "-c", f"import {BASELINE}\nimport {HANDLER}")
            sums: dict[str, float] = defaultdict(float)
            after_baseline = False
            for line in trace.stderr.splitlines():
                parts = line.split("|")
                if len(parts) != 3 or not parts[0].split(":")[-1].strip().isdigit():
                    continue
                name = parts[2].strip()
                if after_baseline:
                    sums[name.split(".")[0]] += int(parts[0].split(":")[1]) / 1000
                elif name == BASELINE and not parts[2].startswith("  "):  # boto3 is loaded
                    after_baseline = True
            for package, ms in sums.items():
                totals[package].append(ms)
    medians = {
        package: round(statistics.median(ms + [0.0] * (runs - len(ms))), 1)
        for package, ms in totals.items()
    }
    return dict(sorted(medians.items(), key=lambda item: -item[1]))
