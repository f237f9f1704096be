"""The tests build their VPCs on moto's backend (``tests/support/topology.py``), not through
the API: set-up, about 20 calls a VPC. These tests prove the two ways build the same VPC, as
every read the tool makes of it answers (ids aside, which moto draws at random)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests.support.aws import Aws, client_in
from tests.support.topology import BuiltVpc, _InMoto, _ThroughApi, build_vpc, builder

SHAPES: dict[str, dict[str, Any]] = {
    "three zones, public and private": {},
    "two private subnets a zone, no public": {"public": False, "private_per_az": 2, "azs": 2},
    "DNS support off": {"dns_support": False, "azs": 1},
    "DNS hostnames on, tagged": {"dns_hostnames": True, "tags": {"Name": "a <b> & 'c'"}},
    "another range": {"cidr": "172.31.0.0/16", "azs": 6},
}

IDS = re.compile(r"\b([a-z]+(?:-[a-z]+)*)-[0-9a-f]{8,17}\b")


def _view(ec2: Any, vpc_id: str) -> str:
    """Every answer the tool reads about the VPC, its ids numbered in order of appearance."""
    vpc = [{"Name": "vpc-id", "Values": [vpc_id]}]
    attached = [{"Name": "attachment.vpc-id", "Values": [vpc_id]}]
    answers = [
        ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"],
        ec2.describe_subnets(Filters=vpc)["Subnets"],
        ec2.describe_route_tables(Filters=vpc)["RouteTables"],
        ec2.describe_internet_gateways(Filters=attached)["InternetGateways"],
        ec2.describe_network_acls(Filters=vpc)["NetworkAcls"],
        ec2.describe_security_groups(Filters=vpc)["SecurityGroups"],
        [
            ec2.describe_vpc_attribute(VpcId=vpc_id, Attribute=name)
            for name in ("enableDnsSupport", "enableDnsHostnames")
        ],
    ]
    for answer in answers[-1]:
        answer.pop("ResponseMetadata")
    return _numbered(json.dumps(answers, sort_keys=True, default=str))


def _numbered(text: str) -> str:
    """``text`` with each id replaced by its kind and its place in order of appearance."""
    numbers: dict[str, str] = {}
    return IDS.sub(lambda m: numbers.setdefault(m.group(0), f"{m.group(1)}-#{len(numbers)}"), text)


def _ids(built: BuiltVpc) -> list[Any]:
    return [
        built.public_subnets,
        built.private_subnets,
        built.public_route_table,
        built.private_route_tables,
        built.igw,
    ]


@pytest.mark.parametrize("shape", SHAPES)
def test_moto_and_the_api_build_the_same_vpc(aws: Aws, shape: str) -> None:
    assert isinstance(builder(aws.ec2), _InMoto)
    in_moto = build_vpc(aws.ec2, **SHAPES[shape])
    through_api = build_vpc(aws.ec2, through=_ThroughApi(aws.ec2), **SHAPES[shape])

    assert _view(aws.ec2, in_moto.vpc_id) == _view(aws.ec2, through_api.vpc_id)
    # the ids it returns name what it built, in the same places
    assert json.dumps(_ids(in_moto)).count("-") == json.dumps(_ids(through_api)).count("-")
    for zone, table in in_moto.private_route_tables.items():
        tables = aws.ec2.describe_route_tables(RouteTableIds=[table])["RouteTables"]
        associated = {a.get("SubnetId") for a in tables[0]["Associations"]}
        assert associated == set(in_moto.private_subnets[zone])


def test_a_member_accounts_vpc_is_built_in_that_account_and_region(aws: Aws) -> None:
    member = client_in("222222222222", "ec2", region="eu-west-1")
    built = build_vpc(member, region="eu-west-1", azs=2)

    (vpc,) = member.describe_vpcs(VpcIds=[built.vpc_id])["Vpcs"]
    assert vpc["OwnerId"] == "222222222222"
    assert built.vpc_id not in {v["VpcId"] for v in aws.ec2.describe_vpcs()["Vpcs"]}
    reference = build_vpc(member, region="eu-west-1", azs=2, through=_ThroughApi(member))
    assert _view(member, built.vpc_id) == _view(member, reference.vpc_id)


def test_a_client_of_an_emulator_elsewhere_builds_through_the_api(aws: Aws) -> None:
    import boto3

    remote = boto3.client("ec2", region_name="us-east-1", endpoint_url="http://127.0.0.1:1")
    assert isinstance(builder(remote), _ThroughApi)


def _account_view(ec2: Any, account: str) -> str:
    """The account's VPCs and everything in them, ids numbered and the account id blanked."""
    text = json.dumps(
        [
            ec2.describe_vpcs()["Vpcs"],
            ec2.describe_subnets()["Subnets"],
            ec2.describe_internet_gateways()["InternetGateways"],
            ec2.describe_route_tables()["RouteTables"],
            ec2.describe_security_groups()["SecurityGroups"],
            ec2.describe_network_acls()["NetworkAcls"],
        ],
        sort_keys=True,
    ).replace(account, "<account>")
    return _numbered(text)


def test_moto_and_the_api_delete_the_default_vpc_alike(aws: Aws) -> None:
    member = client_in("222222222222", "ec2")
    built, reference = build_vpc(aws.ec2, azs=2), build_vpc(member, azs=2)
    assert [v["IsDefault"] for v in aws.ec2.describe_vpcs()["Vpcs"]].count(True) == 1

    builder(aws.ec2).delete_default_vpcs()
    _ThroughApi(member).delete_default_vpcs()

    assert [v["VpcId"] for v in aws.ec2.describe_vpcs()["Vpcs"]] == [built.vpc_id]
    assert [v["VpcId"] for v in member.describe_vpcs()["Vpcs"]] == [reference.vpc_id]
    assert _account_view(aws.ec2, "123456789012") == _account_view(member, "222222222222")
