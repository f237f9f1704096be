"""Evidence from traffic (sweeps and scans; an event's snapshot carries none).

From the bytes CloudWatch measured (:class:`~remediation.surroundings.Traffic`, read by
:mod:`remediation.aws.metrics`):

- ``pulls-bypass-endpoints`` (warning): the VPC's ECR endpoints carried almost nothing over the
  window while the NAT gateways of its private route tables carried gigabytes. Pulls take
  another path: custom DNS, a Resolver forwarding rule, ECR's dual-stack names or another
  region's registry are the usual causes. Nothing to repair automatically: a person looks.
- ``endpoint-unused`` (info): an interface endpoint the tool created carried almost nothing for
  30 days: its monthly cost, and the command that removes what the tool created. The tool
  never deletes it by itself.
- ``traffic-unreadable`` (info): the metrics could not be read; never a failure.

Endpoints younger than the window are left out of both checks (no full window to judge).
"""

from __future__ import annotations

import datetime as dt

from remediation.config import Settings
from remediation.cost import HOURS_PER_MONTH, bytes_text, prices
from remediation.findings import Finding, Severity
from remediation.model import Endpoint, VpcSnapshot
from remediation.surroundings import Traffic
from remediation.vocabulary import EndpointType

PULLS_BYPASS = "pulls-bypass-endpoints"
ENDPOINT_UNUSED = "endpoint-unused"
TRAFFIC_UNREADABLE = "traffic-unreadable"
#: "Almost nothing" over a window: less than this many bytes (1 MB).
ALMOST_NOTHING = 1_000_000
#: "Gigabytes" through the NAT gateways over the window: at least this many bytes (1 GB).
NAT_GIGABYTES = 1_000_000_000
#: The ECR services whose endpoints carry image pulls (the bypass check).
ECR_SERVICES = ("ecr.api", "ecr.dkr")


def check(snapshot: VpcSnapshot, settings: Settings) -> list[Finding]:
    traffic = snapshot.traffic
    if traffic is None:
        return []
    if traffic.error:
        return [
            Finding(
                code=TRAFFIC_UNREADABLE,
                severity=Severity.INFO,
                resource_id=snapshot.vpc_id,
                message=f"the endpoints' and NAT gateways' traffic could not be read: "
                f"{traffic.error}; no traffic evidence, costs without measured bytes",
            )
        ]
    return _bypass(snapshot, settings, traffic) + _unused(snapshot, settings, traffic)


def _older(endpoint: Endpoint, since: str) -> bool:
    """True when the endpoint existed for the whole window (unknown age: assumed so)."""
    if not endpoint.created or not since:
        return True
    try:
        return _utc(endpoint.created) <= _utc(since)
    except ValueError:
        return True


def _utc(text: str) -> dt.datetime:
    """An ISO 8601 time, UTC when it names no zone."""
    stamp = dt.datetime.fromisoformat(text)
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=dt.UTC)


def _interface(snapshot: VpcSnapshot, services: set[str]) -> list[Endpoint]:
    return [
        e
        for e in snapshot.endpoints
        if e.endpoint_type is EndpointType.INTERFACE and e.usable and e.service_name in services
    ]


def _bypass(snapshot: VpcSnapshot, settings: Settings, traffic: Traffic) -> list[Finding]:
    names = {s.name for s in settings.interface_services} & set(ECR_SERVICES)
    services = {f"com.amazonaws.{snapshot.region}.{n}" for n in names}
    endpoints = [e for e in _interface(snapshot, services) if _older(e, traffic.start)]
    if not endpoints:
        return []
    through = sum(traffic.endpoint_bytes.get(e.endpoint_id, 0.0) for e in endpoints)
    nat = traffic.nat_total
    if through >= ALMOST_NOTHING or nat < NAT_GIGABYTES:
        return []
    ids = ", ".join(e.endpoint_id for e in endpoints)
    return [
        Finding(
            code=PULLS_BYPASS,
            resource_id=ids,
            message=(
                f"over the last {traffic.days} days the ECR endpoints ({ids}) carried "
                f"{bytes_text(through)} while the NAT gateways of the private route tables "
                f"({', '.join(sorted(traffic.nat_bytes))}) carried {bytes_text(nat)}: image pulls "
                "seem to bypass the endpoints. Usual causes: custom DNS servers or a Route 53 "
                "Resolver rule forwarding the ECR names, clients using ECR's dual-stack names, "
                "or images pulled from another region's registry"
            ),
        )
    ]


def _unused(snapshot: VpcSnapshot, settings: Settings, traffic: Traffic) -> list[Finding]:
    names = {s.service_name(snapshot.region): s.name for s in settings.interface_services}
    price = prices(snapshot.region)
    findings: list[Finding] = []
    for endpoint in _interface(snapshot, set(names)):
        if not endpoint.owned or not _older(endpoint, traffic.long_start):
            continue
        carried = traffic.endpoint_bytes_long.get(endpoint.endpoint_id, 0.0)
        if carried >= ALMOST_NOTHING:
            continue
        azs = len(endpoint.subnet_ids)
        monthly = round(azs * price.endpoint_hourly_per_az * HOURS_PER_MONTH, 2)
        findings.append(
            Finding(
                code=ENDPOINT_UNUSED,
                severity=Severity.INFO,
                service=names[endpoint.service_name],
                resource_id=endpoint.endpoint_id,
                message=(
                    f"{endpoint.endpoint_id}, created by the tool, carried "
                    f"{bytes_text(carried)} in {traffic.long_days} days and costs about "
                    f"${monthly:,.2f}/month "
                    f"({azs} AZ(s)); the tool never deletes it. If the VPC does not need it, "
                    f"'ecr-endpoint-guard release --region {snapshot.region} --vpc-id "
                    f"{snapshot.vpc_id}' removes what the tool created there (then tag the VPC "
                    "ecr-endpoint-guard/mode=off, or set ENDPOINT_NEED, so that it is not "
                    "created again)"
                ),
            )
        )
    return findings
