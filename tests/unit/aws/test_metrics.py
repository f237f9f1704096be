"""The batched CloudWatch reader (remediation.aws.metrics), on answers shaped as AWS returns
them (botocore's ``GetMetricData`` output shape): at most 500 queries a call, ceil(q/500) calls,
pages followed, dimension names with spaces, the 14- and 30-day sums, failures as values."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from botocore.exceptions import ClientError

from remediation.aws.metrics import MAX_QUERIES, queries, read_traffic, window
from remediation.model import Route, RouteTable
from tests.support.snapshots import compliant, svc

NOW = dt.datetime(2026, 12, 6, 15, 30, tzinfo=dt.UTC)
SERVICES = [svc("ecr.api"), svc("ecr.dkr")]


class FakeCloudWatch:
    """Answers every query with one point a day (``per_day`` bytes), in pages of ``page``."""

    def __init__(self, per_day: float = 1e6, page: int = 1000, fail: str = "") -> None:
        self.calls: list[dict[str, Any]] = []
        self.per_day, self.page, self.fail = per_day, page, fail

    def get_metric_data(self, **params: Any) -> dict[str, Any]:
        self.calls.append(params)
        if self.fail:
            raise ClientError({"Error": {"Code": self.fail, "Message": "no"}}, "GetMetricData")
        assert len(params["MetricDataQueries"]) <= MAX_QUERIES
        start = int(params.get("NextToken", "0"))
        ids = [q["Id"] for q in params["MetricDataQueries"]][start : start + self.page]
        stamps = [params["EndTime"] - dt.timedelta(days=d) for d in range(1, 31)]
        results = [
            {
                "Id": i,
                "Label": "BytesProcessed",
                "Timestamps": stamps,
                "Values": [self.per_day] * len(stamps),
                "StatusCode": "Complete",
            }
            for i in ids
        ]
        answer: dict[str, Any] = {"MetricDataResults": results, "Messages": []}
        if start + self.page < len(params["MetricDataQueries"]):
            answer["NextToken"] = str(start + self.page)
        return answer


def many(count: int) -> list[Any]:
    base = compliant()
    return [dataclasses.replace(base, vpc_id=f"vpc-{n:017x}") for n in range(count)]


def test_endpoint_queries_use_the_four_dimensions_with_spaces() -> None:
    api, _dkr = [q for q in queries(compliant(), SERVICES) if q.kind == "endpoint"]
    param = api.as_param("q0")
    dims = {d["Name"]: d["Value"] for d in param["MetricStat"]["Metric"]["Dimensions"]}
    assert dims == {
        "Endpoint Type": "Interface",
        "Service Name": svc("ecr.api"),
        "VPC Endpoint Id": "vpce-ecr.api",
        "VPC Id": compliant().vpc_id,
    }
    assert param["MetricStat"]["Metric"]["Namespace"] == "AWS/PrivateLinkEndpoints"
    assert param["MetricStat"]["Stat"] == "Sum" and param["MetricStat"]["Period"] == 86_400


def test_nat_queries_only_for_the_private_route_tables() -> None:
    snap = compliant()
    tables = (
        *snap.route_tables,
        RouteTable("rtb-x", snap.vpc_id, routes=(Route("0.0.0.0/0", "nat-public"),)),
    )
    nats = [
        q for q in queries(dataclasses.replace(snap, route_tables=tables), []) if q.kind == "nat"
    ]
    assert sorted({q.resource_id for q in nats}) == ["nat-a", "nat-b", "nat-c"]
    assert {q.metric for q in nats} == {"BytesInFromSource", "BytesInFromDestination"}


def test_whole_utc_days() -> None:
    long_start, start, end = window(NOW)
    assert end == dt.datetime(2026, 12, 6, tzinfo=dt.UTC)
    assert (end - start).days == 14 and (end - long_start).days == 30


def test_ceil_queries_over_500_calls_and_every_page() -> None:
    snapshots = many(150)  # 150 x (2 endpoints + 3 NATs x 2 metrics) = 1,200 queries
    fake = FakeCloudWatch(page=200)
    traffic = read_traffic(fake, snapshots, SERVICES, NOW)
    per_call = [len(c["MetricDataQueries"]) for c in fake.calls if "NextToken" not in c]
    assert per_call == [500, 500, 200]  # ceil(1200 / 500) = 3 requests, then their pages
    assert len(fake.calls) == 3 + 2 + 2  # pages of 200: 3 + 3 + 1 answers
    one = traffic[snapshots[0].vpc_id]
    assert one.endpoint_bytes["vpce-ecr.api"] == 14e6  # the last 14 days
    assert one.endpoint_bytes_long["vpce-ecr.api"] == 30e6  # all 30
    assert one.nat_bytes == {"nat-a": 28e6, "nat-b": 28e6, "nat-c": 28e6}  # two metrics each
    assert one.error == ""


def test_a_refused_read_is_a_value_naming_the_permission() -> None:
    traffic = read_traffic(FakeCloudWatch(fail="AccessDenied"), many(2), SERVICES, NOW)
    assert all("cloudwatch:GetMetricData" in t.error for t in traffic.values())
    assert all(t.endpoint_bytes == {} for t in traffic.values())


def test_no_metric_no_call() -> None:
    fake = FakeCloudWatch()
    bare = dataclasses.replace(compliant(), endpoints=(), route_tables=())
    assert read_traffic(fake, [bare], SERVICES, NOW)[bare.vpc_id].nat_total == 0.0
    assert fake.calls == []
