"""The benchmark: AWS API calls per evaluation, per sweep and per repair, and the cold start.

Run from the repository root with the project's virtual environment::

    python bench/run.py            # or: make bench
    python bench/run.py --sizes 1,10 --runs 7   # quicker

Everything runs against moto in this process (nothing reaches AWS); the cold
start is measured in fresh interpreters. Prints a table and writes the same
figures as JSON to ``bench/results/latest.json`` (git-ignored). The budgets
next to the figures are the ones ``tests/functional/handler/test_budget.py`` and
``tests/slow/test_cold_start.py`` enforce; ``docs/performance.md`` says what each
figure means.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from collections.abc import Callable, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `python bench/run.py` puts bench/, not the repository, first
    sys.path.insert(0, str(ROOT))

REGION = "us-east-1"
ACCOUNT = "123456789012"
SIZES = (1, 10, 100, 500)
RESULTS = ROOT / "bench" / "results" / "latest.json"


def configure(mode: str) -> None:
    """The handler's environment: the given mode in this account, no topic, no waiting."""
    for key in ("NOTIFICATION_TOPIC_ARN", "SERVICES", "MAX_AZS_PER_ENDPOINT", "TOOL_ROLE_ARN"):
        os.environ.pop(key, None)
    os.environ.update(
        REMEDIATION_MODE=mode,
        AUTO_FIX_ACCOUNT_IDS=ACCOUNT,
        DELETION_WAIT_SECONDS="0",
        GATEWAY_REPORT_ONLY="false",
        REQUIRE_LOCAL_ENDPOINTS="false",
    )


def machine() -> dict[str, Any]:
    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        model = next(
            (
                line.split(":", 1)[1].strip()
                for line in cpuinfo.read_text().splitlines()
                if line.startswith("model name")
            ),
            "",
        )
    versions = {}
    for package in ("boto3", "botocore", "aws-lambda-powertools", "moto"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "not installed"
    return {
        "nproc": os.cpu_count(),
        "cpu_model": model or platform.processor() or "unknown",
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": versions,
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def evaluate_topologies() -> list[dict[str, Any]]:
    """Dry-run evaluation of one VPC (a CreateVpc event) for each topology."""
    import boto3
    from moto import mock_aws
    from tests.support.strict_ec2 import strict_ec2

    from bench.harness import (
        EVALUATION_READS_COLD,
        EVALUATION_READS_WARM,
        SHARE_READS,
        create_vpc_event,
        invoke,
    )
    from bench.topologies import CENTRALISED, TOPOLOGIES, build
    from remediation.aws.inventory import reset_caches

    rows = []
    with mock_aws(), strict_ec2():
        ec2 = boto3.client("ec2", region_name=REGION)
        route53 = boto3.client("route53", region_name=REGION)
        configure("dry-run")
        for index, topology in enumerate((*TOPOLOGIES, CENTRALISED)):
            built = build(ec2, topology, cidr=f"10.{index}.0.0/16", route53=route53)
            reset_caches()  # a cold execution environment: region-level reads not cached
            result, cold = invoke(create_vpc_event(built.vpc_id))
            if [v["vpc_id"] for v in result["vpcs"]] != [built.vpc_id]:
                raise RuntimeError(f"{topology.name}: the run did not evaluate the VPC: {result}")
            _, warm = invoke(create_vpc_event(built.vpc_id))
            rows.append(
                {
                    **topology.as_dict(),
                    **warm.summary(),
                    "reads_cold": cold.reads,
                    "budget_reads": EVALUATION_READS_WARM,
                    "budget_reads_cold": EVALUATION_READS_COLD,
                    "share_reads": SHARE_READS,
                }
            )
    return rows


#: Events that name no VPC: the run first reads the resource they name to find it.
RESOLVED_EVENTS = (
    "delete_vpc_endpoints_single",
    "modify_vpc_endpoint",
    "associate_route_table",
    "authorize_security_group_ingress",
)


def resolve_events() -> list[dict[str, Any]]:
    """Dry-run evaluation of one VPC from events that name only an endpoint, a route table
    or a security group (the fixtures' ids pointed at a VPC built in moto)."""
    import boto3
    from moto import mock_aws
    from tests.support.fixtures import load_event
    from tests.support.strict_ec2 import strict_ec2

    from bench.harness import invoke
    from bench.topologies import TOPOLOGIES, add_interface_endpoint, build

    rows = []
    with mock_aws(), strict_ec2():
        ec2 = boto3.client("ec2", region_name=REGION)
        configure("dry-run")
        built = build(ec2, TOPOLOGIES[1])
        endpoint = add_interface_endpoint(
            ec2,
            built.vpc_id,
            f"com.amazonaws.{REGION}.ecr.api",
            [ids[0] for ids in built.private_subnets.values()],
        )
        group = ec2.describe_security_groups(
            Filters=[{"Name": "vpc-id", "Values": [built.vpc_id]}]
        )["SecurityGroups"][0]["GroupId"]
        subnet = built.all_private[0]
        ids = {  # the fixtures' ids (events/README.md) -> this VPC's
            "vpc-0a1b2c3d4e5f67890": built.vpc_id,
            "vpce-0a1b2c3d4e5f60001": endpoint,
            "sg-0123456789abcdef0": group,
            "rtb-0a1b2c3d4e5f60001": built.private_route_tables[sorted(built.private_subnets)[0]],
            "subnet-0aaaa1111bbbb2222": subnet,
            "subnet-0cccc3333dddd4444": subnet,
            "subnet-0eeee5555ffff6666": subnet,
        }
        for name in RESOLVED_EVENTS:
            result, calls = invoke(load_event(name, ids=ids))
            if [v["vpc_id"] for v in result["vpcs"]] != [built.vpc_id]:
                raise RuntimeError(f"{name}: the run did not find the VPC: {result}")
            rows.append({"event": name, **calls.summary()})
    return rows


def sweep(sizes: Sequence[int]) -> list[dict[str, Any]]:
    """Dry-run scheduled sweeps of N VPCs (moto's default VPC is one of them)."""
    import boto3
    from moto import mock_aws
    from tests.support.strict_ec2 import strict_ec2

    from bench.harness import invoke, sweep_budget, sweep_event
    from bench.topologies import build_sweep_vpcs
    from remediation.aws import hosted_zones

    rows = []
    # Route 53 lookups are paced at 5 a second in a real account; the benchmark counts calls,
    # so it does not wait (a real sweep adds ROUTE53_INTERVAL per VPC lookup).
    paced, hosted_zones.ROUTE53_INTERVAL = hosted_zones.ROUTE53_INTERVAL, 0.0
    with mock_aws(), strict_ec2():
        ec2 = boto3.client("ec2", region_name=REGION)
        configure("dry-run")
        present = len(ec2.describe_vpcs()["Vpcs"])
        for size in sorted(sizes):
            started = time.perf_counter()
            build_sweep_vpcs(ec2, max(0, size - present), start=present)
            built_in = time.perf_counter() - started
            present = max(size, present)
            started = time.perf_counter()
            result, calls = invoke(sweep_event())
            seconds = time.perf_counter() - started
            if len(result["vpcs"]) != present:
                raise RuntimeError(f"the sweep saw {len(result['vpcs'])} VPCs, not {present}")
            lookups = calls.operations(service="route53").count("ListHostedZonesByVPC")
            rows.append(
                {
                    "vpcs": present,
                    **calls.summary(),
                    "total": calls.reads + calls.writes,
                    "zone_lookups": lookups,
                    "budget": sweep_budget(present, zone_lookups=present),
                    "sweep_seconds": round(seconds, 2),
                    "ms_per_vpc": round(seconds / present * 1000, 1),
                    "build_seconds": round(built_in, 1),
                }
            )
    hosted_zones.ROUTE53_INTERVAL = paced
    return rows


def remediate() -> list[dict[str, Any]]:
    """Auto-fix of a fresh VPC and of a half-done one, then a second run of each."""
    import boto3
    from moto import mock_aws
    from tests.support.invariants import violations
    from tests.support.strict_ec2 import strict_ec2
    from tests.support.topology import BuiltVpc

    from bench.harness import create_vpc_event, has_tool_group, invoke, repair_items
    from bench.topologies import TOPOLOGIES, build, drift

    cases: tuple[tuple[str, Callable[[Any, BuiltVpc], None]], ...] = (
        ("fresh VPC (3 AZs, hostnames off)", lambda ec2, built: None),
        ("half-done VPC (3 AZs)", lambda ec2, built: drift(ec2, built, region=REGION)),
    )
    rows = []
    with mock_aws(), strict_ec2():
        ec2 = boto3.client("ec2", region_name=REGION)
        configure("auto-fix")
        for index, (name, prepare) in enumerate(cases):
            built = build(ec2, TOPOLOGIES[1], cidr=f"10.{index}.0.0/16", dns_hostnames=False)
            prepare(ec2, built)
            tool_group = has_tool_group(ec2, built.vpc_id)
            first, calls = invoke(create_vpc_event(built.vpc_id))
            (vpc,) = first["vpcs"]
            items = repair_items(vpc["findings"], tool_group_exists=tool_group, cidr_blocks=1)
            left = violations(ec2, built.vpc_id, REGION)
            second, again = invoke(create_vpc_event(built.vpc_id))
            rows.append(
                {
                    "case": name,
                    "status": vpc["status"],
                    "findings": [f["code"] for f in vpc["findings"]],
                    "items": items,
                    "first_run": calls.summary(),
                    "violations_after": left,
                    "second_run": again.summary(),
                    "second_status": second["vpcs"][0]["status"],
                }
            )
    return rows


def cold_start(runs: int) -> dict[str, Any]:
    from bench import coldstart

    return {
        "budget_ratio": coldstart.BUDGET,
        "variants": [coldstart.measure(runs, variant).as_dict() for variant in coldstart.VARIANTS],
        "import_costs_ms": coldstart.import_costs(),
        "modules_beyond_boto3": len(coldstart.handler_modules()),
        "invocations_ms": coldstart.invocations(),
    }


def render(report: dict[str, Any]) -> str:
    m = report["machine"]
    lines = [
        f"machine: {m['nproc']} CPUs ({m['cpu_model']}), Python {m['python']}, "
        f"{m['platform']}; load average {m['load_average']}",
        "packages: " + ", ".join(f"{k} {v}" for k, v in m["packages"].items()),
        "",
        "Evaluate one VPC (dry-run, CreateVpc event): API calls",
        f"  {'topology':52} {'subnets':>7} {'rtb':>4} {'vpce':>4} {'warm':>5} {'cold':>5} "
        f"{'writes':>6}",
    ]
    for row in report["evaluate"]:
        lines.append(
            f"  {row['name']:52} {row['subnets']:>7} {row['route_tables']:>4} "
            f"{row['endpoints']:>4} {row['reads']:>5} {row['reads_cold']:>5} {row['writes']:>6}"
        )
    lines.append(
        f"  budget: at most {report['evaluate'][0]['budget_reads']} reads warm, "
        f"{report['evaluate'][0]['budget_reads_cold']} cold (region-level reads not yet cached), "
        f"plus {report['evaluate'][0]['share_reads']} RAM read per run (the shared-out subnets)"
    )
    for row in report["resolve"]:
        lines.append(
            f"  from {row['event']} (names no VPC: found first): "
            f"{row['reads']} reads, {row['writes']} writes"
        )
    lines += [
        "",
        "Scheduled sweep (dry-run): API calls and time against moto",
        f"  {'VPCs':>5} {'reads':>6} {'writes':>6} {'zone':>5} {'budget 2N+15+Z':>15} "
        f"{'seconds':>8} {'ms/VPC':>7} {'build s':>8}",
    ]
    for row in report["sweep"]:
        lines.append(
            f"  {row['vpcs']:>5} {row['reads']:>6} {row['writes']:>6} {row['zone_lookups']:>5} "
            f"{row['budget']:>15} "
            f"{row['sweep_seconds']:>8} {row['ms_per_vpc']:>7} {row['build_seconds']:>8}"
        )
    lines += [
        "",
        "Remediate one VPC (auto-fix), then run again",
        f"  {'case':36} {'items':>5} {'reads':>6} {'writes':>6} {'2nd reads':>9} "
        f"{'2nd writes':>10}  after",
    ]
    for row in report["remediate"]:
        after = "compliant" if not row["violations_after"] else f"{row['violations_after']}"
        lines.append(
            f"  {row['case']:36} {row['items']:>5} {row['first_run']['reads']:>6} "
            f"{row['first_run']['writes']:>6} {row['second_run']['reads']:>9} "
            f"{row['second_run']['writes']:>10}  {after}"
        )
    cold = report["cold_start"]
    lines += [
        "",
        f"Cold start: import in a fresh interpreter, median of {cold['variants'][0]['runs']} "
        f"(budget: handler <= {cold['budget_ratio']} x boto3)",
        f"  {'project code':14} {'boto3 ms':>9} {'handler ms':>11} {'ratio':>6} "
        f"{'boto3 CPU':>10} {'handler CPU':>12} {'ratio':>6}",
    ]
    for v in cold["variants"]:
        lines.append(
            f"  {v['variant']:14} {v['boto3_wall_ms']:>9} {v['handler_wall_ms']:>11} "
            f"{v['ratio_wall']:>6} {v['boto3_cpu_ms']:>10} {v['handler_cpu_ms']:>12} "
            f"{v['ratio_cpu']:>6}"
        )
    costs = ", ".join(f"{k} {v}" for k, v in cold["import_costs_ms"].items())
    calls = cold["invocations_ms"]
    lines += [
        f"  beyond boto3 ({cold['modules_beyond_boto3']} modules, -X importtime self ms, "
        f"source): {costs}",
        f"  one fresh interpreter, source, against moto (ms, median of 3): import "
        f"{calls['import']}, first invocation {calls['first_invocation']}, second "
        f"{calls['second_invocation']}; of which make_clients: new session "
        f"{calls['clients_new_session']}, reused session {calls['clients_reused_session']}",
        "",
        f"total {report['seconds']} s; JSON in {report['output']}",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        default=",".join(map(str, SIZES)),
        help="VPC counts of the sweeps, comma-separated (default: %(default)s)",
    )
    parser.add_argument(
        "--runs", type=int, default=9, help="cold-start samples of each kind (default: 9)"
    )
    parser.add_argument("--output", type=Path, default=RESULTS, help="where to write the JSON")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    if args.runs < 1 or not sizes or min(sizes) < 1:
        parser.error("--runs and every size must be at least 1")

    # Fake credentials and region, as the tests set them: nothing here may reach AWS.
    import tests.conftest  # noqa: F401

    os.environ["POWERTOOLS_LOG_LEVEL"] = "ERROR"  # one log record per finding would bury the table
    started = time.perf_counter()
    report: dict[str, Any] = {"machine": machine()}
    report["evaluate"] = evaluate_topologies()
    report["resolve"] = resolve_events()
    report["sweep"] = sweep(sizes)
    report["remediate"] = remediate()
    report["cold_start"] = cold_start(args.runs)
    report["machine"]["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    report["seconds"] = round(time.perf_counter() - started, 1)
    report["output"] = str(args.output)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    print(render(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
