"""Sweeps survive: an unreadable VPC is reported and skipped, the others are repaired; the
Lambda deadline stops the run from starting VPCs it could not finish; the scheduled sweep
starts after a random, bounded delay; one call's retries are capped in time; an event naming
endpoints EC2 has forgotten resolves the others. Through the handler, against moto."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import boto3
import botocore.retries.standard
import pytest
from botocore.exceptions import ClientError

from handlers import account_run, runtime
from handlers.remediate import RemediationFailed, lambda_handler
from remediation.aws.clients import RETRIES, cap_retry_time
from tests.support.aws import REGION, Aws, CallLog, LambdaContext
from tests.support.aws_faults import Fault, FaultLayer, throttle
from tests.support.fixtures import load_event
from tests.support.html_endpoint import html_endpoint
from tests.support.invariants import violations
from tests.support.scenarios import auto_fix, census, create_vpc_event, endpoint_of
from tests.support.topology import BuiltVpc, build_vpc


@pytest.fixture
def three(aws: Aws) -> list[BuiltVpc]:
    return [build_vpc(aws.ec2, cidr=f"10.{i}.0.0/16", azs=2) for i in (1, 2, 3)]


def _for_vpc(vpc_id: str) -> Any:
    return lambda params: params.get("VpcId", [""])[0] == vpc_id


@pytest.mark.parametrize(
    ("code", "status", "fails"),
    [("UnauthorizedOperation", 403, False), ("InternalError", 500, True)],
    ids=["access-denied", "server-error"],
)
def test_one_unreadable_vpc_does_not_stop_a_sweep_of_three(
    aws: Aws,
    handler_env: pytest.MonkeyPatch,
    faults: FaultLayer,
    lambda_context: LambdaContext,
    three: list[BuiltVpc],
    code: str,
    status: int,
    fails: bool,
) -> None:
    auto_fix(handler_env)
    bad = three[1].vpc_id
    faults.add(Fault("ec2", "DescribeVpcAttribute", status, code, "no", None, _for_vpc(bad)))
    captured: list[dict[str, Any]] = []
    real_run = account_run.run

    def run(*args: Any, **kwargs: Any) -> Any:
        summary = real_run(*args, **kwargs)
        captured.append(summary.as_dict())
        return summary

    handler_env.setattr(account_run, "run", run)

    if fails:
        with pytest.raises(RemediationFailed):
            lambda_handler(load_event("scheduled_sweep"), lambda_context)
    else:
        lambda_handler(load_event("scheduled_sweep"), lambda_context)

    (result,) = captured
    by_id = {v["vpc_id"]: v for v in result["vpcs"]}
    assert by_id[bad]["status"] == ("failed" if fails else "unreadable")
    assert code in by_id[bad]["error"]
    for vpc in (three[0], three[2]):
        assert by_id[vpc.vpc_id]["status"] == "fixed", by_id[vpc.vpc_id]
        assert violations(aws.ec2, vpc.vpc_id, REGION) == []
    assert census(aws.ec2, bad).usable["ecr.api"] == 0  # nothing done blind
    assert result["counts"]["vpcs_unreadable"] == (0 if fails else 1)


@dataclass
class ShortContext(LambdaContext):
    """A context whose time runs out: ``left`` seconds, minus ``spent`` per call."""

    left: float = 300.0
    spent: float = 0.0

    def get_remaining_time_in_millis(self) -> int:
        self.left -= self.spent
        return int(self.left * 1000)


def test_the_deadline_stops_new_vpcs_and_returns_those_not_reached(
    aws: Aws, handler_env: pytest.MonkeyPatch, three: list[BuiltVpc], api_calls: CallLog
) -> None:
    auto_fix(handler_env)
    handler_env.setenv("SWEEP_JITTER_SECONDS", "0")
    # 100 s left, 20 s spent per look at the clock: room for one or two VPCs, not four.
    context = ShortContext(left=100.0, spent=20.0)

    result = lambda_handler(load_event("scheduled_sweep"), context)  # no error

    statuses = [v["status"] for v in result["vpcs"]]
    assert "not-reached" in statuses
    assert statuses.count("not-reached") == result["counts"]["vpcs_not_reached"] >= 1
    assert any("not reached before the deadline" in n for n in result["notes"])
    assert not result["failed"]
    reached = [v["vpc_id"] for v in result["vpcs"] if v["status"] != "not-reached"]
    created = {p["VpcId"] for p in api_calls.params("CreateVpcEndpoint")}
    assert created <= set(reached)


@pytest.mark.parametrize(
    ("jitter", "left", "draw", "expected"),
    [("180", 300.0, 0.5, 85.0), ("180", 200.0, 1.0, 70.0), ("0", 300.0, 1.0, None)],
    ids=["half-of-bounded", "bounded-by-time-left", "disabled"],
)
def test_the_scheduled_sweep_waits_a_random_bounded_delay(
    aws: Aws,
    handler_env: pytest.MonkeyPatch,
    monkeypatch: pytest.MonkeyPatch,
    jitter: str,
    left: float,
    draw: float,
    expected: float | None,
) -> None:
    handler_env.setenv("SWEEP_JITTER_SECONDS", jitter)
    slept: list[float] = []
    monkeypatch.setattr(runtime, "jitter_random", lambda: draw)
    monkeypatch.setattr(runtime, "jitter_sleep", slept.append)

    lambda_handler(load_event("scheduled_sweep"), ShortContext(left=left))
    # Time left is counted less a 10 s margin, and 120 s stay for the work.
    assert slept == ([] if expected is None else [pytest.approx(expected)])
    lambda_handler(create_vpc_event("vpc-0123456789abcdef0"), ShortContext(left=left))
    assert len(slept) == (0 if expected is None else 1)  # events never wait


def test_a_sweep_started_by_hand_does_not_wait(
    aws: Aws, handler_env: pytest.MonkeyPatch, monkeypatch: pytest.MonkeyPatch
) -> None:
    """docs/deploy.md's "run a sweep now" sends a Scheduled Event without a rule in
    ``resources``: it runs at once; the rule's own event still waits."""
    handler_env.setenv("SWEEP_JITTER_SECONDS", "180")
    slept: list[float] = []
    monkeypatch.setattr(runtime, "jitter_random", lambda: 0.5)
    monkeypatch.setattr(runtime, "jitter_sleep", slept.append)
    by_hand = {**load_event("scheduled_sweep"), "id": "manual-sweep", "resources": []}

    result = lambda_handler(by_hand, ShortContext(left=900.0))
    assert slept == [] and result["event"]["sweep"] is True
    lambda_handler(load_event("scheduled_sweep"), ShortContext(left=900.0))
    assert slept == [pytest.approx(90.0)]


@pytest.mark.parametrize(
    ("draw", "tries"),
    [
        (1.0, 5),  # waits 1, 2, 4, 8: 15 s spent when the fifth attempt fails
        (0.5, 6),  # waits 0.5, 1, 2, 4, 8: 15.5 s spent after the sixth
        (0.05, 8),  # waits never reach 10 s: botocore's own 8 attempts end it
    ],
)
def test_one_throttled_call_cannot_eat_the_timeout(
    aws: Aws, faults: FaultLayer, monkeypatch: pytest.MonkeyPatch, draw: float, tries: int
) -> None:
    """botocore retries throttling 8 times; the cap stops it once the call has taken 10 s.

    botocore's backoff draws a random share of 2**attempt seconds; the draw is fixed here,
    so each case is the same on every run (a random draw below about 0.1 reaches the
    eighth attempt within 10 s, which made an unfixed draw fail now and then).
    """
    real_init = botocore.retries.standard.ExponentialBackoff.__init__

    def fixed_draw(backoff: Any, *args: Any, **kwargs: Any) -> None:
        real_init(backoff, *args, **{**kwargs, "random": lambda: draw})

    monkeypatch.setattr(botocore.retries.standard.ExponentialBackoff, "__init__", fixed_draw)
    clock = lambda: sum(faults.sleeps)  # noqa: E731 - botocore's backoff is the only time spent
    faults.add(throttle("ec2", "DescribeVpcs", 20))
    ec2 = cap_retry_time(
        boto3.session.Session().client("ec2", region_name=REGION, config=RETRIES), 10.0, clock
    )
    with pytest.raises(ClientError, match="RequestLimitExceeded"):
        ec2.describe_vpcs()
    assert faults.tried("DescribeVpcs") == tries
    assert faults.sleeps == pytest.approx([draw * min(2**i, 20) for i in range(tries - 1)])
    if tries < 8:  # the cap ended it: the time was spent only at the last attempt
        assert sum(faults.sleeps[:-1]) < 10.0 <= sum(faults.sleeps)
    else:
        assert sum(faults.sleeps) < 10.0


def test_delete_vpc_endpoints_naming_a_forgotten_id_resolves_the_others(
    aws: Aws, handler_env: pytest.MonkeyPatch, three: list[BuiltVpc], lambda_context: Any
) -> None:
    auto_fix(handler_env)
    vpc = three[0]
    lambda_handler(create_vpc_event(vpc.vpc_id), lambda_context)
    dkr = endpoint_of(aws.ec2, vpc.vpc_id, "ecr.dkr")["VpcEndpointId"]
    aws.ec2.delete_vpc_endpoints(VpcEndpointIds=[dkr])
    forgotten = "vpce-0fffffffffffffff0"  # deleted long ago: EC2 no longer knows it
    event = load_event(
        "delete_vpc_endpoints_multi",
        ids={"vpce-0a1b2c3d4e5f60001": forgotten, "vpce-0a1b2c3d4e5f60002": dkr},
    )

    result = lambda_handler(event, lambda_context)

    assert [v["vpc_id"] for v in result["vpcs"]] == [vpc.vpc_id]  # not a region sweep
    assert any(forgotten in n for n in result["notes"])
    assert violations(aws.ec2, vpc.vpc_id, REGION) == []


__all__ = ["html_endpoint"]  # the fixture, imported for the test below


def test_an_endpoint_answering_html_fails_the_run_for_a_retry(
    handler_env: pytest.MonkeyPatch, html_endpoint: str, tmp_path: Any
) -> None:
    """Not an AWS answer (a proxy's HTML page): a transient error, classified as one (the
    run fails and Lambda retries the event), never botocore's parser error escaping."""
    for key, value in {
        "AWS_ENDPOINT_URL": html_endpoint,
        "AWS_ACCESS_KEY_ID": "demo",
        "AWS_SECRET_ACCESS_KEY": "demo",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_CONFIG_FILE": str(tmp_path / "none"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
    }.items():
        handler_env.setenv(key, value)
    runtime.forget_session()
    try:
        with pytest.raises(RemediationFailed, match="not an AWS API response"):
            lambda_handler(create_vpc_event("vpc-0123456789abcdef0"), ShortContext(left=300.0))
    finally:
        runtime.forget_session()  # the next test's session is not this one's
