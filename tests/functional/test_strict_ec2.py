"""The strictness ``tests/strict_ec2.py`` adds to moto: each behaviour EC2 has and moto lacks.

(The three behaviours added for the safety tests are tested beside them, in
``test_concurrency.py`` and ``test_faults.py``.)"""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.conftest import REGION, Aws
from tests.topology import BuiltVpc, build_vpc

API = f"com.amazonaws.{REGION}.ecr.api"


@pytest.fixture
def vpc(aws: Aws) -> BuiltVpc:
    return build_vpc(aws.ec2, azs=2, private_per_az=2)


def create(aws: Aws, vpc: BuiltVpc, subnets: list[str], **kwargs: object) -> str:
    return str(
        aws.ec2.create_vpc_endpoint(
            VpcId=vpc.vpc_id,
            ServiceName=API,
            VpcEndpointType="Interface",
            SubnetIds=subnets,
            **kwargs,
        )["VpcEndpoint"]["VpcEndpointId"]
    )


def test_the_same_client_token_returns_the_same_endpoint(aws: Aws, vpc: BuiltVpc) -> None:
    subnets = [vpc.private_subnets[f"{REGION}a"][0]]
    first = create(aws, vpc, subnets, ClientToken="token-1", PrivateDnsEnabled=False)
    again = create(aws, vpc, subnets, ClientToken="token-1", PrivateDnsEnabled=False)
    assert again == first
    listed = aws.ec2.describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": [vpc.vpc_id]}])
    assert len(listed["VpcEndpoints"]) == 1


def test_private_dns_on_modify_is_honoured(aws: Aws, vpc: BuiltVpc) -> None:
    endpoint = create(aws, vpc, [vpc.private_subnets[f"{REGION}a"][0]], PrivateDnsEnabled=False)
    aws.ec2.modify_vpc_endpoint(VpcEndpointId=endpoint, PrivateDnsEnabled=True)
    item = aws.ec2.describe_vpc_endpoints(VpcEndpointIds=[endpoint])["VpcEndpoints"][0]
    assert item["PrivateDnsEnabled"] is True


def test_two_subnets_in_one_az_are_refused(aws: Aws, vpc: BuiltVpc) -> None:
    same_az = vpc.private_subnets[f"{REGION}a"]
    with pytest.raises(ClientError, match="DuplicateSubnetsInSameZone"):
        create(aws, vpc, same_az)
    endpoint = create(aws, vpc, same_az[:1], PrivateDnsEnabled=False)
    with pytest.raises(ClientError, match="DuplicateSubnetsInSameZone"):
        aws.ec2.modify_vpc_endpoint(VpcEndpointId=endpoint, AddSubnetIds=same_az[1:])


def test_a_second_private_dns_endpoint_for_one_service_is_refused(aws: Aws, vpc: BuiltVpc) -> None:
    create(aws, vpc, [vpc.private_subnets[f"{REGION}a"][0]], PrivateDnsEnabled=True)
    with pytest.raises(ClientError, match="conflicting DNS domain"):
        create(aws, vpc, [vpc.private_subnets[f"{REGION}b"][0]], PrivateDnsEnabled=True)
    second = create(aws, vpc, [vpc.private_subnets[f"{REGION}b"][0]], PrivateDnsEnabled=False)
    with pytest.raises(ClientError, match="conflicting DNS domain"):
        aws.ec2.modify_vpc_endpoint(VpcEndpointId=second, PrivateDnsEnabled=True)
