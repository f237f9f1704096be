"""Run the Lambda handler against moto and count its API calls; count what a repair must fix.

Shared by ``bench/run.py`` and the budget tests, so that both count the same way.
The caller provides the moto account and the handler's environment (mode, no topic).
"""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Iterable, Mapping
from typing import Any

from tests.support.aws import LambdaContext
from tests.support.fixtures import load_event
from tests.support.scenarios import create_vpc_event

from bench.counting import ApiCalls, recording
from remediation.actions import TOOL_GROUP_NAME
from remediation.baseline.gateway_endpoints import GATEWAY_WAITING
from remediation.baseline.interface_groups import GROUP_INSUFFICIENT, GROUP_TOO_WIDE
from remediation.baseline.interface_placement import ENDPOINT_MISSING, ENDPOINT_WAITING
from remediation.vocabulary import MANAGED_TAG

__all__ = [
    "EVALUATION_READS",
    "EVALUATION_READS_COLD",
    "EVALUATION_READS_WARM",
    "SHARE_READS",
    "create_vpc_event",
    "emulator_environment",
    "has_tool_group",
    "invoke",
    "repair_items",
    "sweep_budget",
    "sweep_event",
]

#: Budget: reads to evaluate one VPC in a warm execution environment, whatever its size: one
#: per resource type (8 EC2 reads), plus, for a VPC without local endpoints, its hosted zones
#: (``ListHostedZonesByVPC``) and its Route 53 Profile association.
EVALUATION_READS_WARM = 10
#: Budget in a cold environment: the region-level reads are not cached yet
#: (``DescribeAvailabilityZones``, ``DescribeVpcEndpointServices``).
EVALUATION_READS_COLD = 12
#: The budget any single invocation is held to (a cold one).
EVALUATION_READS = EVALUATION_READS_COLD
#: On top of those, once per region and run whatever the number of VPCs: the subnets the
#: account shares out (``ram:ListResources``; ``ram:ListPrincipals`` as well only when a VPC
#: of the run is shared out).
SHARE_READS = 1

#: Findings that a repair fixes with the tool's own security group.
NEEDS_TOOL_GROUP = frozenset({ENDPOINT_MISSING, GROUP_TOO_WIDE, GROUP_INSUFFICIENT})
#: Warnings that nothing can repair yet (no private subnet or route table to use).
WAITING = frozenset({ENDPOINT_WAITING, GATEWAY_WAITING})


def emulator_environment() -> None:
    """The environment a bench's ``main`` runs the handler in on moto (never set on import):
    fake credentials, the template's Powertools settings (a run that emits metrics needs their
    namespace), no AMI catalogue, and WARNING logs (the function's INFO records, one per finding
    and action, would be most of a run's time). A value already set is kept."""
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "MOTO_EC2_LOAD_DEFAULT_AMIS": "false",
        "POWERTOOLS_METRICS_NAMESPACE": "EcrEndpointGuard",
        "POWERTOOLS_SERVICE_NAME": "ecr-endpoint-guard",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
    }.items():
        os.environ.setdefault(key, value)


def sweep_budget(vpcs: int, zone_lookups: int = 0) -> int:
    """Budget: calls of a sweep of ``vpcs`` VPCs: two attribute reads per VPC, the rest once
    (region-level reads, the account's zone listing, Route 53 Profile associations), plus
    one zone read per VPC that lacks a local endpoint (``zone_lookups``).

    >>> sweep_budget(500)
    1015
    >>> sweep_budget(500, zone_lookups=500)
    1515
    """
    return 2 * vpcs + 15 + zone_lookups


def sweep_event() -> dict[str, Any]:
    return load_event("scheduled_sweep")


def invoke(event: Mapping[str, Any]) -> tuple[dict[str, Any], ApiCalls]:
    """Run the handler once; its result and every API call it made.

    The EMF metrics line the handler prints is swallowed (a sweep of 500 VPCs
    would otherwise print one per run into the table).
    """
    from handlers.remediate import lambda_handler

    with recording() as calls, contextlib.redirect_stdout(io.StringIO()):
        result = lambda_handler(dict(event), LambdaContext())
    return result, calls


def has_tool_group(ec2: Any, vpc_id: str) -> bool:
    """Whether the tool's own security group exists in the VPC (read with the caller's client)."""
    groups = ec2.describe_security_groups(
        Filters=[
            {"Name": "vpc-id", "Values": [vpc_id]},
            {"Name": "group-name", "Values": [TOOL_GROUP_NAME]},
            {"Name": f"tag:{MANAGED_TAG}", "Values": ["true"]},
        ]
    )["SecurityGroups"]
    return bool(groups)


def repair_items(
    findings: Iterable[Mapping[str, Any]], *, tool_group_exists: bool, cidr_blocks: int
) -> int:
    """How many things a full repair must create or change, counted from the findings.

    One per repairable finding (severity ``warning``, not waiting for a subnet or a
    route table): a DNS attribute, an endpoint, an endpoint's private DNS, its
    uncovered AZs, its security groups, a gateway's missing route tables. When a
    finding needs the tool's own group and the VPC has none yet, the group and its
    rule for each VPC CIDR block (the tight group the baseline asks for) count too.

    >>> repair_items([{"code": "endpoint-missing", "severity": "warning"},
    ...               {"code": "dns-hostnames-disabled", "severity": "warning"}],
    ...              tool_group_exists=False, cidr_blocks=1)
    4
    """
    findings = list(findings)
    repairable = [f for f in findings if f["severity"] == "warning" and f["code"] not in WAITING]
    needs_group = any(f["code"] in NEEDS_TOOL_GROUP for f in repairable)
    group = 1 + cidr_blocks if needs_group and not tool_group_exists else 0
    return len(repairable) + group
