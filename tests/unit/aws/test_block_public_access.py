"""The BPA exclusions read (``src/remediation/aws/block_public_access.py``) against a fake client
answering as EC2 does: pages, the cache and its TTL, refusals kept and failures not."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from remediation.aws import block_public_access as bpa

ARN = "arn:aws:ec2:us-east-1:123456789012"


class FakeEc2:
    """Answers ``DescribeVpcBlockPublicAccessExclusions`` from a list of pages or an error."""

    def __init__(self, pages: list[dict[str, Any]] | None = None, error: str = "") -> None:
        self.pages = pages or [{"VpcBlockPublicAccessExclusions": []}]
        self.error = error
        self.calls: list[dict[str, Any]] = []

    def describe_vpc_block_public_access_exclusions(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(kwargs)
        if self.error:
            raise ClientError({"Error": {"Code": self.error, "Message": "no"}}, "Describe")
        index = int(kwargs.get("NextToken", "0"))
        return self.pages[index]


@pytest.fixture(autouse=True)
def empty_cache() -> Iterator[None]:
    bpa.reset()
    yield
    bpa.reset()


def read(ec2: FakeEc2, now: float = 0.0) -> Any:
    return bpa.block_public_access(ec2, account_id="1", region="us-east-1", clock=lambda: now)


def test_every_page_is_read_and_only_exclusions_in_force_count() -> None:
    ec2 = FakeEc2(
        [
            {
                "VpcBlockPublicAccessExclusions": [
                    {
                        "ResourceArn": f"{ARN}:vpc/vpc-1",
                        "InternetGatewayExclusionMode": "allow-bidirectional",
                        "State": "update-complete",
                    }
                ],
                "NextToken": "1",
            },
            {
                "VpcBlockPublicAccessExclusions": [
                    {
                        "ResourceArn": f"{ARN}:subnet/subnet-1",
                        "InternetGatewayExclusionMode": "allow-egress",
                        "State": "disable-complete",
                    }
                ]
            },
        ]
    )
    facts = read(ec2)
    assert dict(facts.exclusions) == {"vpc-1": "allow-bidirectional"}
    assert facts.excluded("vpc-1", "subnet-9") and not facts.excluded("vpc-2", "subnet-1")
    assert ec2.calls == [{}, {"NextToken": "1"}]


def test_what_was_read_is_kept_until_the_ttl_runs_out() -> None:
    ec2 = FakeEc2()
    read(ec2, 0.0)
    read(ec2, bpa.TTL_SECONDS - 1)
    assert len(ec2.calls) == 1
    read(ec2, bpa.TTL_SECONDS + 1)
    assert len(ec2.calls) == 2


@pytest.mark.parametrize(("code", "kept"), [("UnauthorizedOperation", True), ("Throttling", False)])
def test_a_refusal_is_kept_like_an_answer_and_a_failure_is_read_again(
    code: str, kept: bool
) -> None:
    ec2 = FakeEc2(error=code)
    facts = read(ec2)
    assert bpa.PERMISSION in facts.unknown and code in facts.unknown
    assert not facts.exclusions
    read(ec2, 1.0)
    assert len(ec2.calls) == (1 if kept else 2)
