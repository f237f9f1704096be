"""Cold start: importing the handler costs at most 1.2x importing boto3 alone.

Measured as ``bench/run.py`` measures it (:mod:`bench.coldstart`): fresh
interpreters, each timing ``import boto3`` and then the handler, and the median
over them of the ratio. The budget is checked on CPU time, what the imports cost:
on a busy 2-core CI machine, wall time also counts the wait for a CPU, which has
nothing to do with the code.

It is checked with the project byte-compiled, as a package that ships its
``.pyc`` files loads it. Packaged as ``sam build`` packages it today (source
only), every cold start also compiles the project's modules: the bench reports
that form too, and ``docs/performance.md`` says what it costs.
"""

from __future__ import annotations

import os
import subprocess

import pytest
from bench import coldstart

#: Never loaded by importing the handler: only auto-fix needs the executor, only
#: NOTIFICATION_FORMAT=chatbot the chat card, only a dry-run message its Terraform (the iac
#: package); the faces other than Lambda's, the test tools and X-Ray's SDK are not needed by
#: any invocation.
NOT_AT_IMPORT = (
    "remediation.executor",
    "remediation.report.chat",
    "remediation.iac",
    # organisation mode, Security Hub, the policy evaluator (VPCs with endpoints only) and
    # the exception tags' reader (tagged VPCs only) load on their paths
    "remediation.org.sessions",
    "remediation.org.work_items",
    "remediation.report.securityhub",
    "remediation.report.asff",
    "remediation.events.securityhub",
    "remediation.events.securityhub_v2",
    "remediation.events.steering",
    "remediation.iam_policy",
    # a refused event (a busy account's commonest) evaluates nothing: the evaluation loads
    # when an event is accepted (handlers.account_run)
    "handlers.account_run",
    "remediation.engine",
    "remediation.aws.inventory",
    "remediation.baseline",
    "remediation.plan",
    "remediation.model",
    "remediation.actions",
    "remediation.findings",
    "remediation.outcomes",
    "remediation.cli",
    "remediation.demo",
    "remediation.release",
    "moto",
    "hypothesis",
    "pytest",
    "aws_xray_sdk",
)


@pytest.mark.slow
def test_importing_the_handler_loads_nothing_that_only_some_paths_need() -> None:
    loaded = coldstart.handler_modules()

    assert "handlers.remediate" in loaded
    unwanted = [m for m in loaded if any(m == n or m.startswith(f"{n}.") for n in NOT_AT_IMPORT)]
    assert unwanted == []


@pytest.mark.slow
def test_the_budget_is_measured_on_the_lambda_runtime_s_python_where_make_provides_it() -> None:
    """``make`` builds the runtime's environment wherever python3.13 exists and passes it."""
    runtime = os.environ.get("ECR_GUARD_RUNTIME_PYTHON", "")
    if not runtime:
        pytest.skip("no ECR_GUARD_RUNTIME_PYTHON (run through make): measured on this Python")
    version = subprocess.run(  # noqa: S603 - the runtime's interpreter, fixed arguments
        [runtime, "-c", "import sys, boto3, aws_lambda_powertools; print(sys.version_info[:2])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert version == "(3, 13)", version
    assert coldstart.interpreter() == runtime


@pytest.mark.slow
def test_importing_the_byte_compiled_handler_costs_at_most_1_2_times_boto3() -> None:
    result = coldstart.measure(runs=7, variant="bytecode")
    if result.ratio_cpu > coldstart.BUDGET:
        # A moment of heavy load can tip 7 samples; a real regression survives 15 more.
        result = coldstart.measure(runs=15, variant="bytecode")

    assert result.ratio_cpu <= coldstart.BUDGET, result.describe()
