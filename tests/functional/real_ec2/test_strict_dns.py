"""The real Route 53 / Resolver / Profiles model (``tests/support/strict_dns.py``): each
modelled behaviour, against moto, through ordinary boto3 clients."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.support.aws import REGION, Aws, shared_client
from tests.support.topology import build_vpc


def test_resolver_rules_carry_their_trailing_dot_and_every_vpc_its_autodefined_rule(
    aws: Aws,
) -> None:
    """API reference ResolverRule.DomainName; Route 53 DG "autodefined rules"."""
    first = build_vpc(aws.ec2, azs=1)
    second = build_vpc(aws.ec2, cidr="10.1.0.0/16", azs=1)
    resolver = shared_client("route53resolver")
    rule = resolver.create_resolver_rule(
        CreatorRequestId="r1", Name="aws", RuleType="SYSTEM", DomainName="amazonaws.com"
    )["ResolverRule"]["Id"]
    resolver.associate_resolver_rule(ResolverRuleId=rule, VPCId=first.vpc_id, Name="aws")

    rules = {r["Id"]: r for r in resolver.list_resolver_rules()["ResolverRules"]}
    assert rules[rule]["DomainName"] == "amazonaws.com."
    autodefined = rules["rslvr-autodefined-rr-internet-resolver"]
    assert (autodefined["DomainName"], autodefined["RuleType"]) == (".", "RECURSIVE")
    listed = resolver.list_resolver_rule_associations(
        Filters=[{"Name": "VPCId", "Values": [first.vpc_id]}]
    )["ResolverRuleAssociations"]
    assert {a["ResolverRuleId"] for a in listed} == {rule, autodefined["Id"]}
    assert {a["VPCId"] for a in listed} == {first.vpc_id}
    everything = resolver.list_resolver_rule_associations()["ResolverRuleAssociations"]
    assert {first.vpc_id, second.vpc_id} <= {a["VPCId"] for a in everything}


def test_resolver_refusals_are_modelled(aws: Aws) -> None:
    aws.strict.resolver_failures.append("AccessDeniedException")
    with pytest.raises(ClientError, match="AccessDenied"):
        shared_client("route53resolver").list_resolver_rule_associations()


def test_a_wildcard_record_comes_back_escaped(aws: Aws) -> None:
    """Route 53 DG DomainNameFormat: ``*`` is returned as ``\\052``."""
    vpc = build_vpc(aws.ec2, azs=1)
    zone = aws.route53.create_hosted_zone(
        Name="example.internal",
        CallerReference="wild",
        VPC={"VPCRegion": REGION, "VPCId": vpc.vpc_id},
        HostedZoneConfig={"PrivateZone": True},
    )["HostedZone"]["Id"]
    aws.route53.change_resource_record_sets(
        HostedZoneId=zone,
        ChangeBatch={
            "Changes": [
                {
                    "Action": "UPSERT",
                    "ResourceRecordSet": {
                        "Name": "*.example.internal",
                        "Type": "A",
                        "TTL": 60,
                        "ResourceRecords": [{"Value": "10.0.0.1"}],
                    },
                }
            ]
        },
    )
    names = [
        r["Name"]
        for r in aws.route53.list_resource_record_sets(HostedZoneId=zone)["ResourceRecordSets"]
    ]
    assert "\\052.example.internal." in names


def test_a_profile_lists_resources_of_every_kind(aws: Aws) -> None:
    """ListProfileResourceAssociations: zones, rules, endpoints, firewall groups (by ARN)."""
    vpc = build_vpc(aws.ec2, azs=1)
    aws.strict.profile_associations[vpc.vpc_id] = "rp-1"
    arns = [
        "arn:aws:route53:::hostedzone/Z1",
        f"arn:aws:route53resolver:{REGION}:123456789012:resolver-rule/rslvr-rr-1",
        f"arn:aws:ec2:{REGION}:123456789012:vpc-endpoint/vpce-0123456789abcdef0",
        f"arn:aws:route53resolver:{REGION}:123456789012:firewall-rule-group/rslvr-frg-1",
    ]
    aws.strict.profile_zones["rp-1"] = arns
    profiles = shared_client("route53profiles")
    listed = profiles.list_profile_resource_associations(ProfileId="rp-1")[
        "ProfileResourceAssociations"
    ]
    assert [r["ResourceArn"] for r in listed] == arns
    (endpoint,) = profiles.list_profile_resource_associations(
        ProfileId="rp-1", ResourceType="VPCEndpoint"
    )["ProfileResourceAssociations"]
    assert endpoint["ResourceArn"].endswith("vpce-0123456789abcdef0")


@pytest.mark.parametrize("old_botocore", [False, True])
def test_endpoint_services_as_an_older_botocore_parses_them(aws: Aws, old_botocore: bool) -> None:
    """botocore < 1.40.7 has no ``AvailabilityZoneIds`` member: its parser drops the field."""
    aws.strict.old_botocore = old_botocore
    (detail,) = aws.ec2.describe_vpc_endpoint_services(
        ServiceNames=[f"com.amazonaws.{REGION}.ecr.dkr"]
    )["ServiceDetails"]
    assert detail["AvailabilityZones"]
    assert ("AvailabilityZoneIds" in detail) is not old_botocore
