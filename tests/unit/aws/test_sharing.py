"""The RAM reader (``remediation.aws.sharing``) on answers shaped as RAM returns them (botocore's
``ListResources``/``ListPrincipals`` output shapes), from a fake client: one read per run, a
refusal judged "not shared", any other error "unknown", read once per run. Pure."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from remediation.aws.sharing import Shares

SHARE = "arn:aws:ram:us-east-1:123456789012:resource-share/0a1b2c3d-aaaa-bbbb-cccc-0123456789ab"
OTHER = "arn:aws:ram:us-east-1:123456789012:resource-share/0a1b2c3d-dddd-eeee-ffff-0123456789ab"
OU = "arn:aws:organizations::999988887777:ou/o-a1b2c3d4e5/ou-ab12-cd34ef56"


def subnet(subnet_id: str, share: str = SHARE, status: str = "AVAILABLE") -> dict[str, Any]:
    return {
        "arn": f"arn:aws:ec2:us-east-1:123456789012:subnet/{subnet_id}",
        "type": "ec2:Subnet",
        "resourceShareArn": share,
        "status": status,
        "resourceRegionScope": "REGIONAL",
    }


class FakeRam:
    """Pages of RAM's answers by operation; an error code makes the operation fail."""

    def __init__(self, pages: dict[str, list[dict[str, Any]]], fail: dict[str, str] | None = None):
        self.pages, self.fail, self.calls = pages, fail or {}, list[str]()

    def get_paginator(self, operation: str) -> Any:
        fake = self

        class Paginator:
            def paginate(self, **kwargs: Any) -> Iterator[dict[str, Any]]:
                assert kwargs == {"resourceOwner": "SELF", "resourceType": "ec2:Subnet"}
                for page in fake.pages.get(operation, [{}]):
                    fake.calls.append(operation)
                    if operation in fake.fail:
                        error = {"Error": {"Code": fake.fail[operation], "Message": "no"}}
                        raise ClientError(error, operation)  # type: ignore[arg-type]
                    yield page

        return Paginator()


def test_one_read_names_the_participants_of_each_vpc_by_its_subnets() -> None:
    ram = FakeRam(
        {
            "list_resources": [
                {"resources": [subnet("subnet-a"), subnet("subnet-b", OTHER)], "nextToken": "t"},
                {"resources": [subnet("subnet-gone", status="UNAVAILABLE")]},
            ],
            "list_principals": [
                {
                    "principals": [
                        {"id": "111122223333", "resourceShareArn": SHARE, "external": True},
                        {"id": OU, "resourceShareArn": OTHER, "external": False},
                        {"id": "arn:aws:iam::444455556666:role/ci", "resourceShareArn": SHARE},
                    ]
                }
            ],
        }
    )
    shares = Shares(ram, "123456789012")

    first = shares.of_vpc(["subnet-a", "subnet-x"])
    second = shares.of_vpc(["subnet-b"])
    alone = shares.of_vpc(["subnet-gone", "subnet-y"])

    assert first.subnet_ids == {"subnet-a"}
    assert first.accounts == {"111122223333", "444455556666"} and not first.organization_ids
    assert first.external == {"111122223333"}  # RAM's "external": outside the organisation
    assert second.organization_ids == {"o-a1b2c3d4e5"} and not second.accounts
    assert not alone.shared
    assert ram.calls == ["list_resources", "list_resources", "list_principals"]  # two pages


def test_a_vpc_not_shared_costs_no_principals_read() -> None:
    ram = FakeRam({"list_resources": [{"resources": [subnet("subnet-a")]}]})
    shares = Shares(ram, "123456789012")
    assert not shares.of_vpc(["subnet-z"]).shared
    assert ram.calls == ["list_resources"]


@pytest.mark.parametrize("code", ["AccessDeniedException", "AccessDenied"])
def test_a_refused_read_is_judged_not_shared_and_says_why(code: str) -> None:
    ram = FakeRam({}, fail={"list_resources": code})
    shares = Shares(ram, "123456789012")
    sharing = shares.of_vpc(["subnet-a"])
    assert not sharing.shared and code in sharing.unknown
    assert shares.of_vpc(["subnet-b"]).unknown == sharing.unknown
    assert ram.calls == ["list_resources"]


def test_a_refused_principals_read_leaves_the_participants_unknown() -> None:
    ram = FakeRam(
        {"list_resources": [{"resources": [subnet("subnet-a")]}]},
        fail={"list_principals": "AccessDeniedException"},
    )
    sharing = Shares(ram, "123456789012").of_vpc(["subnet-a"])
    assert sharing.shared and not sharing.accounts and "ListPrincipals" in sharing.unknown


def test_any_other_error_leaves_the_sharing_unknown_read_once_per_run() -> None:
    ram = FakeRam({}, fail={"list_resources": "ServiceUnavailableException"})
    shares = Shares(ram, "123456789012")
    for subnet_id in ("subnet-a", "subnet-b", "subnet-c"):
        sharing = shares.of_vpc([subnet_id])
        assert not sharing.shared and not sharing.unknown
        assert "ServiceUnavailableException" in sharing.unread
    assert ram.calls == ["list_resources"]


def test_a_failed_principals_read_leaves_the_participants_unknown() -> None:
    ram = FakeRam(
        {"list_resources": [{"resources": [subnet("subnet-a")]}]},
        fail={"list_principals": "InternalServerException"},
    )
    sharing = Shares(ram, "123456789012").of_vpc(["subnet-a"])
    assert sharing.shared and not sharing.accounts and "ListPrincipals" in sharing.unread


def test_without_a_client_nothing_is_read_and_nothing_is_shared() -> None:
    sharing = Shares(None, "123456789012").of_vpc(["subnet-a"])
    assert not sharing.shared and not sharing.unknown
