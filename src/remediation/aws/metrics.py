"""CloudWatch evidence for a batch of VPCs: interface endpoint and NAT gateway bytes.

One batched ``GetMetricData`` reads everything the rules need (:class:`~remediation.model.
Traffic` per VPC): at most :data:`MAX_QUERIES` metrics per call (the API's limit), so a batch
of VPCs with ``q`` metrics costs ``ceil(q / 500)`` calls, plus a page per call when CloudWatch
splits its answer (``NextToken``). Each metric is read as daily sums over the last
:data:`LONG_DAYS` whole days (UTC); the last :data:`WINDOW_DAYS` of them make the traffic
figures, all of them the ``endpoint-unused`` check. 500 metrics x 30 days is 15,000 data
points, well within the API's 100,800.

The metrics (names and dimensions from the PrivateLink and VPC user guides):

- ``AWS/PrivateLinkEndpoints`` ``BytesProcessed`` of each usable interface endpoint of the
  checked services, by the four dimensions ``Endpoint Type``, ``Service Name``,
  ``VPC Endpoint Id`` and ``VPC Id`` (their names contain spaces). CloudWatch publishes
  nothing for minutes without traffic, and nothing for gateway endpoints.
- ``AWS/NATGateway`` ``BytesInFromSource`` and ``BytesInFromDestination`` of each NAT gateway
  a private route table of the VPC sends traffic to: every byte the NAT gateway processes, in
  both directions (CloudWatch cannot say which of them were ECR's).

A refused or failed read is never a failure of the run: the VPCs of that call get a traffic
value whose ``error`` says why (the rules report it as ``info``).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from remediation.aws.errors import error_code, error_text
from remediation.model import VpcSnapshot
from remediation.surroundings import Traffic
from remediation.topology.routes import private_route_tables
from remediation.vocabulary import EndpointType

log = logging.getLogger(__name__)

#: Metrics one GetMetricData call may ask for (API reference, ``MetricDataQueries``).
MAX_QUERIES = 500
WINDOW_DAYS = 14
LONG_DAYS = 30
DAY_SECONDS = 86_400
ENDPOINTS_NAMESPACE = "AWS/PrivateLinkEndpoints"
NAT_NAMESPACE = "AWS/NATGateway"
NAT_METRICS = ("BytesInFromSource", "BytesInFromDestination")
PERMISSION = "cloudwatch:GetMetricData"


@dataclass(frozen=True)
class Query:
    """One metric of one resource of one VPC (``kind``: ``endpoint`` or ``nat``)."""

    vpc_id: str
    kind: str
    resource_id: str
    namespace: str
    metric: str
    dimensions: tuple[tuple[str, str], ...]

    def as_param(self, query_id: str) -> dict[str, Any]:
        return {
            "Id": query_id,
            "MetricStat": {
                "Metric": {
                    "Namespace": self.namespace,
                    "MetricName": self.metric,
                    "Dimensions": [{"Name": n, "Value": v} for n, v in self.dimensions],
                },
                "Period": DAY_SECONDS,
                "Stat": "Sum",
            },
            "ReturnData": True,
        }


def nat_gateways(snapshot: VpcSnapshot) -> tuple[str, ...]:
    """The NAT gateways the VPC's private route tables send traffic to."""
    return tuple(
        sorted(
            {
                r.target
                for t in private_route_tables(snapshot)
                for r in t.routes
                if r.target.startswith("nat-")
            }
        )
    )


def queries(snapshot: VpcSnapshot, services: Iterable[str]) -> list[Query]:
    """The metrics of one VPC: its endpoints of ``services`` (full names), its NAT gateways."""
    wanted = set(services)
    found = [
        Query(
            snapshot.vpc_id,
            "endpoint",
            e.endpoint_id,
            ENDPOINTS_NAMESPACE,
            "BytesProcessed",
            (
                ("Endpoint Type", "Interface"),
                ("Service Name", e.service_name),
                ("VPC Endpoint Id", e.endpoint_id),
                ("VPC Id", snapshot.vpc_id),
            ),
        )
        for e in snapshot.endpoints
        if e.endpoint_type is EndpointType.INTERFACE and e.usable and e.service_name in wanted
    ]
    found += [
        Query(snapshot.vpc_id, "nat", nat, NAT_NAMESPACE, metric, (("NatGatewayId", nat),))
        for nat in nat_gateways(snapshot)
        for metric in NAT_METRICS
    ]
    return found


def window(now: dt.datetime) -> tuple[dt.datetime, dt.datetime, dt.datetime]:
    """(start of the long window, start of the traffic window, end): whole UTC days."""
    end = now.astimezone(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return (
        end - dt.timedelta(days=LONG_DAYS),
        end - dt.timedelta(days=WINDOW_DAYS),
        end,
    )


def read_traffic(
    cloudwatch: Any,
    snapshots: Sequence[VpcSnapshot],
    services: Iterable[str],
    now: dt.datetime,
) -> dict[str, Traffic]:
    """Traffic of every VPC in ``snapshots``, in ``ceil(metrics / 500)`` calls."""
    names = list(services)
    long_start, start, end = window(now)
    every = [q for s in snapshots for q in queries(s, names)]
    sums: dict[int, tuple[float, float]] = {}
    errors: dict[str, str] = {}
    for first in range(0, len(every), MAX_QUERIES):
        batch = every[first : first + MAX_QUERIES]
        try:
            values = _call(cloudwatch, batch, first, long_start, end)
        except (ClientError, BotoCoreError) as exc:
            why = error_text(exc)
            if error_code(exc) in ("AccessDenied", "AccessDeniedException"):
                why = f"{why} (the role needs {PERMISSION})"
            log.warning(
                "metrics could not be read",
                extra={"outcome": "error", "error": why, "metrics": len(batch)},
            )
            for query in batch:
                errors[query.vpc_id] = why
            continue
        for index, points in values.items():
            recent = sum(v for t, v in points if t >= start)
            sums[index] = (recent, sum(v for _, v in points))
    result: dict[str, Traffic] = {}
    for snapshot in snapshots:
        if snapshot.vpc_id in errors:  # nothing measured: no figure rather than zeros
            result[snapshot.vpc_id] = Traffic(
                start=start.isoformat(),
                end=end.isoformat(),
                long_start=long_start.isoformat(),
                error=errors[snapshot.vpc_id],
            )
            continue
        endpoint_bytes: dict[str, float] = {}
        endpoint_long: dict[str, float] = {}
        nat_bytes: dict[str, float] = {}
        for index, query in enumerate(every):
            if query.vpc_id != snapshot.vpc_id:
                continue
            recent, total = sums.get(index, (0.0, 0.0))
            if query.kind == "endpoint":
                endpoint_bytes[query.resource_id] = recent
                endpoint_long[query.resource_id] = total
            else:
                nat_bytes[query.resource_id] = nat_bytes.get(query.resource_id, 0.0) + recent
        result[snapshot.vpc_id] = Traffic(
            start=start.isoformat(),
            end=end.isoformat(),
            long_start=long_start.isoformat(),
            endpoint_bytes=endpoint_bytes,
            endpoint_bytes_long=endpoint_long,
            nat_bytes=nat_bytes,
        )
    return result


def _call(
    cloudwatch: Any, batch: Sequence[Query], first: int, start: dt.datetime, end: dt.datetime
) -> Mapping[int, list[tuple[dt.datetime, float]]]:
    """One GetMetricData request (and its pages): daily points by query index."""
    params: dict[str, Any] = {
        "MetricDataQueries": [q.as_param(f"q{first + i}") for i, q in enumerate(batch)],
        "StartTime": start,
        "EndTime": end,
        "ScanBy": "TimestampAscending",
    }
    points: dict[int, list[tuple[dt.datetime, float]]] = {}
    while True:
        response = cloudwatch.get_metric_data(**params)
        for item in response.get("MetricDataResults", []):
            index = int(str(item.get("Id", "q-1"))[1:])
            stamps = [_utc(t) for t in item.get("Timestamps", [])]
            values = [float(v) for v in item.get("Values", [])]
            points.setdefault(index, []).extend(zip(stamps, values, strict=False))
        token = response.get("NextToken")
        if not token:
            return points
        params["NextToken"] = token


def _utc(value: Any) -> dt.datetime:
    stamp = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    return stamp.astimezone(dt.UTC) if stamp.tzinfo else stamp.replace(tzinfo=dt.UTC)
