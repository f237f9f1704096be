"""The strictness ``tests/support/strict_ec2.py`` adds to moto: each behaviour EC2 has and moto
lacks.

(The three behaviours added for the safety tests are tested beside them, in
``test_concurrency.py`` and ``test_faults.py``.)"""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.support.aws import REGION, Aws, client_in
from tests.support.topology import BuiltVpc, build_vpc

API = f"com.amazonaws.{REGION}.ecr.api"


@pytest.fixture
def vpc(aws: Aws) -> BuiltVpc:
    # Both DNS attributes on: EC2 refuses private DNS otherwise (test_strict_ec2_lz.py).
    return build_vpc(aws.ec2, azs=2, private_per_az=2, dns_hostnames=True)


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


# --------------------------------------------------------------------------- real EC2 (issue 10)

DKR = f"com.amazonaws.{REGION}.ecr.dkr"


def zone_id_of(aws: Aws, subnet_id: str) -> str:
    (subnet,) = aws.ec2.describe_subnets(SubnetIds=[subnet_id])["Subnets"]
    return str(subnet["AvailabilityZoneId"])


def test_endpoint_services_answer_their_own_az_lists(aws: Aws, vpc: BuiltVpc) -> None:
    missing = zone_id_of(aws, vpc.private_subnets[f"{REGION}b"][0])
    aws.strict.service_zones[DKR] = {
        z["ZoneId"] for z in aws.ec2.describe_availability_zones()["AvailabilityZones"]
    } - {missing}
    details = aws.ec2.describe_vpc_endpoint_services(ServiceNames=[API, DKR])["ServiceDetails"]
    by_name = {
        d["ServiceName"]: d for d in details if d["ServiceType"][0]["ServiceType"] == "Interface"
    }
    assert missing not in by_name[DKR]["AvailabilityZoneIds"]
    assert f"{REGION}b" not in by_name[DKR]["AvailabilityZones"]
    assert missing in by_name[API]["AvailabilityZoneIds"]  # default: every zone
    assert by_name[DKR]["SupportedIpAddressTypes"] == ["ipv4"]


def test_a_subnet_in_a_zone_the_service_does_not_offer_fails_the_whole_call(
    aws: Aws, vpc: BuiltVpc
) -> None:
    outside = vpc.private_subnets[f"{REGION}b"][0]
    aws.strict.service_zones[API] = {zone_id_of(aws, vpc.private_subnets[f"{REGION}a"][0])}
    with pytest.raises(ClientError) as refused:
        create(aws, vpc, [vpc.private_subnets[f"{REGION}a"][0], outside])
    assert refused.value.response["Error"]["Code"] == "InvalidParameter"
    assert "does not support the availability zone of the subnet" in str(refused.value)
    endpoint = create(aws, vpc, [vpc.private_subnets[f"{REGION}a"][0]])
    with pytest.raises(ClientError, match="does not support the availability zone"):
        aws.ec2.modify_vpc_endpoint(VpcEndpointId=endpoint, AddSubnetIds=[outside])


def test_local_zones_and_outposts_offer_no_interface_endpoint(aws: Aws, vpc: BuiltVpc) -> None:
    aws.strict.add_local_zone(REGION, f"{REGION}-bos-1a", "use1-bos1-az1", "local-zone")
    zones = aws.ec2.describe_availability_zones(AllAvailabilityZones=True)["AvailabilityZones"]
    assert {"ZoneName": f"{REGION}-bos-1a", "ZoneType": "local-zone"}.items() <= next(
        z for z in zones if z["ZoneName"] == f"{REGION}-bos-1a"
    ).items()
    local = aws.ec2.create_subnet(
        VpcId=vpc.vpc_id, CidrBlock="10.0.200.0/24", AvailabilityZone=f"{REGION}-bos-1a"
    )["Subnet"]["SubnetId"]
    with pytest.raises(ClientError, match="does not support the availability zone"):
        create(aws, vpc, [local])
    on_outpost = vpc.private_subnets[f"{REGION}a"][1]
    aws.strict.outposts[on_outpost] = "arn:aws:outposts:us-east-1:123456789012:outpost/op-1"
    (subnet,) = aws.ec2.describe_subnets(SubnetIds=[on_outpost])["Subnets"]
    assert subnet["OutpostArn"].endswith("op-1")
    with pytest.raises(ClientError, match="does not support the availability zone"):
        create(aws, vpc, [on_outpost])


def test_a_shared_vpc_reports_its_owner_and_refuses_the_participant(
    aws: Aws, vpc: BuiltVpc
) -> None:
    aws.strict.vpc_owners[vpc.vpc_id] = "111122223333"
    (listed,) = aws.ec2.describe_vpcs(VpcIds=[vpc.vpc_id])["Vpcs"]
    assert listed["OwnerId"] == "111122223333"
    subnet = vpc.private_subnets[f"{REGION}a"][0]
    assert aws.ec2.describe_subnets(SubnetIds=[subnet])["Subnets"][0]["OwnerId"] == "111122223333"
    with pytest.raises(ClientError) as refused:
        create(aws, vpc, [subnet])
    assert refused.value.response["Error"]["Code"] == "UnauthorizedOperation"
    with pytest.raises(ClientError, match="not authorized"):
        aws.ec2.modify_vpc_attribute(VpcId=vpc.vpc_id, EnableDnsHostnames={"Value": True})


def test_policies_are_returned_as_written(aws: Aws, vpc: BuiltVpc) -> None:
    """EC2 returns the document it was given (moto too: checked, nothing to patch).

    https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_VpcEndpoint.html (PolicyDocument)
    """
    import json

    policy = json.dumps(
        {
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": "*",
                    "Resource": "*",
                    "Condition": {"StringEquals": {"aws:PrincipalAccount": "123456789012"}},
                }
            ]
        }
    )
    endpoint = create(aws, vpc, [vpc.private_subnets[f"{REGION}a"][0]], PolicyDocument=policy)
    (item,) = aws.ec2.describe_vpc_endpoints(VpcEndpointIds=[endpoint])["VpcEndpoints"]
    assert json.loads(item["PolicyDocument"]) == json.loads(policy)


def test_dual_stack_needs_ipv6_subnets_and_a_service_that_supports_it(
    aws: Aws, vpc: BuiltVpc
) -> None:
    subnet = vpc.private_subnets[f"{REGION}a"][0]
    with pytest.raises(ClientError, match="does not support dualstack"):
        create(aws, vpc, [subnet], IpAddressType="dualstack")
    aws.strict.service_ip_types[API] = ["ipv4", "ipv6"]
    with pytest.raises(ClientError, match="IPv6 CIDR block"):
        create(aws, vpc, [subnet], IpAddressType="dualstack")


def test_zones_by_vpc_include_other_accounts_and_service_owned_zones(
    aws: Aws, vpc: BuiltVpc
) -> None:
    hub = client_in("444455556666", "route53", "hub")
    hub.create_hosted_zone(
        Name=f"dkr.ecr.{REGION}.amazonaws.com",
        CallerReference="hub",
        VPC={"VPCRegion": REGION, "VPCId": vpc.vpc_id},
        HostedZoneConfig={"PrivateZone": True},
    )
    aws.strict.service_owned_zones[vpc.vpc_id] = [f"api.ecr.{REGION}.amazonaws.com"]
    assert aws.route53.list_hosted_zones()["HostedZones"] == []  # not the account's own
    summaries = aws.route53.list_hosted_zones_by_vpc(VPCId=vpc.vpc_id, VPCRegion=REGION)[
        "HostedZoneSummaries"
    ]
    owners = {z["Name"]: z["Owner"] for z in summaries}
    assert owners[f"dkr.ecr.{REGION}.amazonaws.com."] == {"OwningAccount": "444455556666"}
    assert owners[f"api.ecr.{REGION}.amazonaws.com."] == {"OwningService": "vpce.amazonaws.com"}


def test_route53_profiles_are_modelled_for_every_client(aws: Aws, vpc: BuiltVpc) -> None:
    """moto 5.2.5 answers Route 53 Profiles with 404 "Not yet implemented": the model answers."""
    import boto3

    aws.strict.profile_associations[vpc.vpc_id] = "rp-1"
    aws.strict.profile_zones["rp-1"] = ["arn:aws:route53:::hostedzone/Z1"]
    profiles = boto3.client("route53profiles", region_name=REGION)
    (association,) = profiles.list_profile_associations(ResourceId=vpc.vpc_id)[
        "ProfileAssociations"
    ]
    assert association["ProfileId"] == "rp-1"
    assert profiles.list_profile_associations(ResourceId="vpc-other")["ProfileAssociations"] == []
    (zone,) = profiles.list_profile_resource_associations(
        ProfileId="rp-1", ResourceType="HostedZone"
    )["ProfileResourceAssociations"]
    assert zone["ResourceArn"].endswith("Z1")
    # The API's own type strings are not documented: the model answers IAM's (see strict_dns).
    assert zone["ResourceType"] == "HostedZone"
    aws.strict.profile_failures.append("AccessDeniedException")
    with pytest.raises(ClientError, match="AccessDenied"):
        profiles.list_profile_associations(ResourceId=vpc.vpc_id)
