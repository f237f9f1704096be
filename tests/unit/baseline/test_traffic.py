"""Evidence from traffic (remediation.baseline.traffic): pulls bypassing the endpoints, an unused
endpoint of the tool's, unreadable metrics; young endpoints are not judged."""

from __future__ import annotations

import dataclasses
from typing import Any

from remediation.baseline.traffic import check
from remediation.config import Settings, load_settings
from remediation.model import VpcSnapshot
from remediation.surroundings import Traffic
from remediation.vocabulary import MANAGED_TAG
from tests.support.snapshots import compliant


def window(**figures: Any) -> Traffic:
    """Traffic over 2026-11-22..2026-12-06 (the unused check from 2026-11-06)."""
    return Traffic(
        start="2026-11-22T00:00:00+00:00",
        end="2026-12-06T00:00:00+00:00",
        long_start="2026-11-06T00:00:00+00:00",
        **figures,
    )


OLD = "2026-01-01T00:00:00+00:00"
SETTINGS: Settings = load_settings({})


def aged(snapshot: VpcSnapshot, created: str = OLD, owned: bool = False) -> VpcSnapshot:
    endpoints = tuple(
        dataclasses.replace(
            e, created=created, tags={MANAGED_TAG: "true"} if owned else dict(e.tags)
        )
        for e in snapshot.endpoints
    )
    return dataclasses.replace(snapshot, endpoints=endpoints)


def codes(snapshot: VpcSnapshot) -> dict[str, str]:
    return {f.code: f.message for f in check(snapshot, SETTINGS)}


def test_no_traffic_read_no_finding() -> None:
    assert check(compliant(), SETTINGS) == []


def test_endpoints_idle_while_the_nat_carries_gigabytes() -> None:
    traffic = window(
        endpoint_bytes={"vpce-ecr.api": 10_000.0, "vpce-ecr.dkr": 0.0},
        nat_bytes={"nat-a": 3e9},
    )
    found = codes(aged(compliant(traffic=traffic)))
    message = found["pulls-bypass-endpoints"]
    assert "3.0 GB" in message and "nat-a" in message
    assert "dual-stack" in message and "another region" in message


def test_busy_endpoints_or_a_quiet_nat_are_fine() -> None:
    busy = window(endpoint_bytes={"vpce-ecr.api": 5e6}, nat_bytes={"nat-a": 3e9})
    quiet = window(endpoint_bytes={}, nat_bytes={"nat-a": 5e8})
    assert "pulls-bypass-endpoints" not in codes(aged(compliant(traffic=busy)))
    assert "pulls-bypass-endpoints" not in codes(aged(compliant(traffic=quiet)))


def test_endpoints_younger_than_the_window_are_not_judged() -> None:
    traffic = window(nat_bytes={"nat-a": 3e9})
    young = aged(compliant(traffic=traffic), created="2026-12-01T00:00:00+00:00", owned=True)
    assert codes(young) == {}


def test_an_unused_tool_endpoint_is_info_with_its_cost_and_the_release_command() -> None:
    traffic = window(endpoint_bytes_long={"vpce-ecr.api": 2e9})
    found = check(aged(compliant(traffic=traffic), owned=True), SETTINGS)
    unused = [f for f in found if f.code == "endpoint-unused"]
    assert [f.resource_id for f in unused] == ["vpce-ecr.dkr"]  # ecr.api carried 2 GB
    (finding,) = unused
    assert finding.severity.value == "info" and finding.service == "ecr.dkr"
    assert "$21.90/month" in finding.message  # 3 AZs x $0.01 x 730
    assert "release --region us-east-1 --vpc-id vpc-00000000000000001" in finding.message
    assert not finding.repairs


def test_someone_elses_endpoint_is_never_called_unused() -> None:
    traffic = window()
    assert "endpoint-unused" not in codes(aged(compliant(traffic=traffic), owned=False))


def test_unreadable_metrics_are_info() -> None:
    (finding,) = check(compliant(traffic=Traffic(error="AccessDenied")), SETTINGS)
    assert finding.code == "traffic-unreadable"
    assert finding.severity.value == "info"
