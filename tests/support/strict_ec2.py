"""Make moto as strict as EC2 where this project depends on it (moto 5.2 is lenient).

moto ignores ``ClientToken`` on ``CreateVpcEndpoint``, ignores ``PrivateDnsEnabled``
on ``ModifyVpcEndpoint``, and accepts two subnets in one AZ on an endpoint and a
second private-DNS endpoint for the same service in one VPC — all of which EC2
refuses (see the facts file). It also accepts a repeated ``ClientToken`` with other
parameters (EC2: ``IdempotentParameterMismatch``), creates a security group in a VPC
that does not exist (EC2: ``InvalidVpcID.NotFound``), and puts any string on an
endpoint as a security group id (EC2: ``InvalidGroupId.Malformed`` or
``InvalidGroup.NotFound``). :func:`strict_ec2` patches moto's EC2 responses to behave
as EC2 does, so that tests exercise the code paths real EC2 takes. Each patched
behaviour has a test of its own in ``tests/functional/real_ec2/test_strict_ec2.py``; the
three added for the safety tests in ``tests/functional/handler/test_concurrency.py`` and
``tests/functional/safety/test_faults.py``.

Real EC2 and Route 53 also differ from moto in what a region offers and who may change
what (the yielded :class:`RealEc2` holds the knobs a test turns):

- endpoint services are offered in some AZs only (``service_zones``: service name -> AZ
  IDs; default every zone), and a create or modify naming a subnet elsewhere fails as a
  whole with ``InvalidParameter``;
- Local Zones, Wavelength Zones and Outposts (``local_zones``, ``outposts``) offer no
  interface endpoint;
- a VPC shared through AWS RAM (``vpc_owners``: VPC id -> owner account) reports its
  owner's ``OwnerId``, and the participant's writes to it are refused;
- ``SupportedIpAddressTypes`` per service (``service_ip_types``) and the refusal of a
  dual-stack endpoint in a subnet without IPv6;
- ``ListHostedZonesByVPC`` lists zones of every account and zones owned by AWS services
  (``service_owned_zones``: VPC id -> zone names, ``Owner.OwningService``);
- Route 53 Profiles, which moto does not implement (``profile_associations``,
  ``profile_zones``: profile -> resource ARNs of any kind), Route 53 Resolver's autodefined
  rule and refusals (``resolver_failures``), and Route 53's escaped record names: see
  ``tests/support/strict_dns.py``;
- ``old_botocore``: ``DescribeVpcEndpointServices`` as botocore before 1.40.7 parses it
  (no ``AvailabilityZoneIds``; the Lambda runtime's own SDK may be that old).
- AWS RAM's ``ListResources`` and ``ListPrincipals`` (moto keeps shares but does not list
  them; ``ram_failures``: error codes to answer with) and participants' network interfaces in
  a shared-out VPC (``interface_owners``: interface id -> owner account), in
  :mod:`tests.support.strict_ram`.
- the new Security Hub's ``DescribeSecurityHubV2`` and ``BatchUpdateFindingsV2``, which moto
  does not implement either (``hub_v2``: the (account, region) pairs where it is enabled;
  ``findings_v2``: the OCSF findings it holds; ``findings_v2_updates``: what was asked of it),
  answered at the HTTP level (:mod:`tests.support.securityhub_v2`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

from moto.core.botocore_stubber import BotocoreStubber
from moto.core.responses import ActionResult
from moto.ec2.exceptions import EC2ClientError
from moto.ec2.models.availability_zones_and_regions import RegionsAndZonesBackend, Zone
from moto.ec2.models.elastic_network_interfaces import NetworkInterface
from moto.ec2.models.subnets import Subnet
from moto.ec2.models.vpcs import VPC
from moto.ec2.responses.security_groups import SecurityGroups
from moto.ec2.responses.vpcs import VPCs
from moto.route53.models import route53_backends
from moto.route53.responses import Route53

from remediation.aws.inventory import reset_caches
from tests.support.securityhub_v2 import SECURITY_HUB_V2_PATHS, security_hub_v2
from tests.support.strict_dns import strict_dns
from tests.support.strict_ec2_lz import landing_zone
from tests.support.strict_paths import RealPaths, strict_paths
from tests.support.strict_ram import RAM_LISTS, ram_answer

# https://docs.aws.amazon.com/vpc/latest/privatelink/create-interface-endpoint.html
# ("To create an interface endpoint ... select one subnet per Availability Zone"; a zone the
# service does not support cannot be selected: the API answers InvalidParameter).
ZONE_REFUSED = (
    "The VPC endpoint service {service} does not support the availability zone of the "
    "subnet: {subnet}."
)
# https://docs.aws.amazon.com/vpc/latest/userguide/vpc-sharing.html ("Participants cannot
# ... modify VPC attributes" and cannot create resources the owner alone manages, such as
# VPC endpoints). The exact error code is not documented: modelled as UnauthorizedOperation.
SHARED_REFUSED = "You are not authorized to perform this operation on VPC {vpc} owned by {owner}."


@dataclass
class RealEc2:
    """What the real-EC2 model knows beyond moto (see the module docstring)."""

    tokens: dict[str, Any] = field(default_factory=dict)
    service_zones: dict[str, set[str]] = field(default_factory=dict)
    service_ip_types: dict[str, list[str]] = field(default_factory=dict)
    vpc_owners: dict[str, str] = field(default_factory=dict)
    outposts: dict[str, str] = field(default_factory=dict)
    service_owned_zones: dict[str, list[str]] = field(default_factory=dict)
    profile_associations: dict[str, str] = field(default_factory=dict)  # VPC -> profile id
    profile_zones: dict[str, list[str]] = field(default_factory=dict)  # profile -> zone ARNs
    profile_failures: list[str] = field(default_factory=list)  # error codes to answer with
    paths: RealPaths = field(default_factory=RealPaths)  # tests/support/strict_paths.py
    resolver_failures: list[str] = field(default_factory=list)  # error codes to answer with
    #: Answer DescribeVpcEndpointServices as botocore before 1.40.7 parses it (no zone ids).
    old_botocore: bool = False
    interface_owners: dict[str, str] = field(default_factory=dict)  # ENI id -> owner account
    ram_failures: list[str] = field(default_factory=list)  # RAM error codes to answer with
    # Landing zones (tests/support/strict_ec2_lz.py): regions an account has not enabled,
    # VPCs whose DNS attributes an SCP protects, endpoints a service manages.
    disabled_regions: set[tuple[str, str]] = field(default_factory=set)  # (account, region)
    attribute_refusals: set[str] = field(default_factory=set)  # VPC ids
    requester_managed: set[str] = field(default_factory=set)  # endpoint ids
    hub_v2: set[tuple[str, str]] = field(default_factory=set)  # (account, region) enabled
    #: (account, finding_info.uid, metadata.product.uid) -> the finding's status_id, comment
    findings_v2: dict[tuple[str, str, str], dict[str, Any]] = field(default_factory=dict)
    findings_v2_updates: list[dict[str, Any]] = field(default_factory=list)

    def __getitem__(self, key: str) -> Any:  # the older ``aws.strict["tokens"]`` spelling
        return getattr(self, key)

    def offered(self, service: str, zone_id: str) -> bool:
        zones = self.service_zones.get(service)
        return zones is None or zone_id in zones

    def add_local_zone(self, region: str, name: str, zone_id: str, zone_type: str) -> None:
        """A Local or Wavelength Zone moto can place subnets in (removed on exit)."""
        # https://docs.aws.amazon.com/local-zones/latest/ug/how-local-zones-work.html
        RegionsAndZonesBackend.zones.setdefault(region, []).append(
            Zone(name, region, zone_id, zone_type=zone_type)
        )
        self._added_zones.append((region, name))

    _added_zones: list[tuple[str, str]] = field(default_factory=list)


DNS_CONFLICT = (
    "private-dns-enabled cannot be set because there is already a conflicting DNS domain "
    "for {service} in the VPC {vpc}"
)


def _usable(endpoint: Any) -> bool:
    return str(endpoint.state).lower() in ("pending", "available", "pendingacceptance")


def _check_one_subnet_per_az(backend: Any, subnet_ids: list[str]) -> None:
    zones: dict[str, str] = {}
    for subnet_id in subnet_ids:
        subnet = backend.get_subnet(subnet_id)
        if subnet.availability_zone in zones:
            raise EC2ClientError(
                "DuplicateSubnetsInSameZone",
                f"Found another VPC endpoint subnet in the availability zone of {subnet_id}. "
                "VPC endpoint subnets should be in different availability zones supported by "
                "the VPC endpoint service.",
            )
        zones[subnet.availability_zone] = subnet_id


def _check_private_dns(backend: Any, vpc_id: str, service: str, exclude: str = "") -> None:
    for endpoint in backend.vpc_end_points.values():
        if (
            endpoint.vpc_id == vpc_id
            and endpoint.service_name == service
            and endpoint.id != exclude
            and str(endpoint.vpc_endpoint_type).lower() == "interface"
            and endpoint.private_dns_enabled
            and (_usable(endpoint) or str(endpoint.state).lower() == "deleting")
        ):
            raise EC2ClientError(
                "InvalidParameter", DNS_CONFLICT.format(service=service, vpc=vpc_id)
            )


def _check_zones(real: RealEc2, backend: Any, service: str, subnet_ids: list[str]) -> None:
    """EC2 refuses the whole call when one subnet is in a zone the service does not offer.

    https://docs.aws.amazon.com/vpc/latest/privatelink/create-interface-endpoint.html
    Local Zones, Wavelength Zones and Outposts offer no interface endpoint:
    https://docs.aws.amazon.com/local-zones/latest/ug/local-zones-services.html
    """
    for subnet_id in subnet_ids:
        subnet = backend.get_subnet(subnet_id)
        zone = subnet._availability_zone
        if (
            subnet_id in real.outposts
            or zone.zone_type != "availability-zone"
            or not real.offered(service, zone.zone_id)
        ):
            raise EC2ClientError(
                "InvalidParameter", ZONE_REFUSED.format(service=service, subnet=subnet_id)
            )


def _check_ip_type(
    real: RealEc2, backend: Any, service: str, ip_type: str, subnets: list[str]
) -> None:
    """``IpAddressType`` must be one the service supports and every subnet can carry.

    https://docs.aws.amazon.com/vpc/latest/privatelink/create-interface-endpoint.html
    ("IP address type ... Dualstack: supported only if all selected subnets have IPv4 and
    IPv6 address ranges"; the service must support the type).
    """
    if not ip_type or ip_type == "ipv4":
        return
    supported = real.service_ip_types.get(service, ["ipv4"])
    if "ipv6" not in supported:
        raise EC2ClientError(
            "InvalidParameter", f"The VPC endpoint service {service} does not support {ip_type}."
        )
    for subnet_id in subnets:
        subnet = backend.get_subnet(subnet_id)
        if not subnet.ipv6_cidr_block_associations:
            raise EC2ClientError(
                "InvalidParameter",
                f"The subnet {subnet_id} does not have an IPv6 CIDR block for {ip_type}.",
            )


def _check_owner(real: RealEc2, vpc_id: str) -> None:
    owner = real.vpc_owners.get(vpc_id)
    if owner:
        raise EC2ClientError(
            "UnauthorizedOperation", SHARED_REFUSED.format(vpc=vpc_id, owner=owner)
        )


def _check_groups(backend: Any, group_ids: list[str]) -> None:
    for group_id in group_ids:
        if not re.fullmatch(r"sg-[0-9a-f]{8,17}", group_id):
            raise EC2ClientError("InvalidGroupId.Malformed", f'Invalid id: "{group_id}"')
        if backend.get_security_group_from_id(group_id) is None:
            raise EC2ClientError(
                "InvalidGroup.NotFound", f"The security group '{group_id}' does not exist"
            )


def _request_signature(querystring: dict[str, Any]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Every parameter of a request but the token itself (EC2 compares them on a repeat)."""
    ignored = {"Action", "Version", "ClientToken"}
    return tuple(sorted((k, tuple(v)) for k, v in querystring.items() if k not in ignored))


@contextmanager
def strict_ec2() -> Iterator[RealEc2]:
    """Patch moto's EC2 endpoint calls; yields the model's knobs and what it saw (tokens)."""
    original_create = VPCs.create_vpc_endpoint
    original_modify = VPCs.modify_vpc_endpoint
    original_create_group = SecurityGroups.create_security_group
    original_services = VPCs.describe_vpc_endpoint_services
    original_attribute = VPCs.modify_vpc_attribute
    original_by_vpc = Route53.list_hosted_zones_by_vpc
    original_process = BotocoreStubber.process_request
    original_vpc_owner = VPC.__dict__["owner_id"]
    original_subnet_owner = Subnet.__dict__["owner_id"]
    original_interface_owner = NetworkInterface.__dict__["owner_id"]
    reset_caches()  # region facts and DHCP options read from an earlier moto account
    real = RealEc2()
    tokens = real.tokens  # token -> the endpoint it made (kept after EC2 forgets it)
    signatures: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {}

    def create_vpc_endpoint(self: Any) -> Any:
        token = self._get_param("ClientToken")
        if token and token in tokens:
            if signatures[token] != _request_signature(self.querystring):
                raise EC2ClientError(
                    "IdempotentParameterMismatch",
                    "The client token you have provided is associated with a resource that "
                    "is already deleted or was created with different parameters.",
                )
            endpoint = tokens[token]
            return ActionResult({"VpcEndpoint": endpoint, "ClientToken": token})
        endpoint_type = str(self._get_param("VpcEndpointType") or "Gateway").lower()
        _check_owner(real, self._get_param("VpcId"))
        if endpoint_type == "interface":
            service = self._get_param("ServiceName")
            subnets = self._get_param("SubnetIds", [])
            _check_groups(self.ec2_backend, self._get_param("SecurityGroupIds", []))
            _check_one_subnet_per_az(self.ec2_backend, subnets)
            _check_zones(real, self.ec2_backend, service, subnets)
            _check_ip_type(
                real, self.ec2_backend, service, self._get_param("IpAddressType") or "", subnets
            )
            if self._get_bool_param("PrivateDnsEnabled", if_none=True):
                _check_private_dns(
                    self.ec2_backend, self._get_param("VpcId"), self._get_param("ServiceName")
                )
        before = set(self.ec2_backend.vpc_end_points)
        result = original_create(self)
        if token:
            (created,) = set(self.ec2_backend.vpc_end_points) - before
            tokens[token] = self.ec2_backend.vpc_end_points[created]
            signatures[token] = _request_signature(self.querystring)
        return result

    def create_security_group(self: Any) -> Any:
        vpc_id = self._get_param("VpcId")
        if vpc_id and vpc_id not in self.ec2_backend.vpcs:
            raise EC2ClientError("InvalidVpcID.NotFound", f"The vpc ID '{vpc_id}' does not exist")
        return original_create_group(self)

    def modify_vpc_attribute(self: Any) -> Any:
        _check_owner(real, self._get_param("VpcId"))
        return original_attribute(self)

    def describe_vpc_endpoint_services(self: Any) -> Any:
        """Each service's real AZ list (``AvailabilityZones`` and ``AvailabilityZoneIds``).

        https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ServiceDetail.html
        """
        result: Any = original_services(self)
        zones = {z.name: z.zone_id for z in self.ec2_backend.describe_availability_zones()}
        # moto caches its default services across accounts: answer copies, never edit them.
        result.result["ServiceDetails"] = [dict(d) for d in result.result["ServiceDetails"]]
        for detail in result.result["ServiceDetails"]:
            name = detail["ServiceName"]
            offered = [
                n
                for n in detail.get("AvailabilityZones", [])
                if real.offered(name, zones.get(n, ""))
            ]
            detail["AvailabilityZones"] = offered
            detail["AvailabilityZoneIds"] = [zones[n] for n in offered if n in zones]
            if real.old_botocore:  # its EC2 model has no such member: the parser drops it
                del detail["AvailabilityZoneIds"]
            detail["SupportedIpAddressTypes"] = real.service_ip_types.get(name, ["ipv4"])
        return result

    def list_hosted_zones_by_vpc(self: Any) -> Any:
        """Zones of every account, and zones AWS services own (``Owner.OwningService``).

        https://docs.aws.amazon.com/Route53/latest/APIReference/API_ListHostedZonesByVPC.html
        """
        vpc_id = self._get_param("VPCId")
        summaries = []
        for backends in route53_backends.values():
            summaries += backends["global"].list_hosted_zones_by_vpc(vpc_id)
        summaries = list({z["HostedZoneId"]: z for z in summaries}.values())
        summaries += [
            {
                "HostedZoneId": f"ZSERVICE{i}",
                "Name": f"{name}.",
                "Owner": {"OwningService": "vpce.amazonaws.com"},
            }
            for i, name in enumerate(real.service_owned_zones.get(vpc_id, []))
        ]
        return ActionResult({"HostedZoneSummaries": summaries})

    def process_request(self: Any, request: Any) -> Any:
        """Services moto lacks (Route 53 Profiles, RAM's list calls, the new Security Hub) and
        refusals: see tests/support/strict_dns, tests/support/strict_ram and
        tests/support/securityhub_v2."""
        url = urlparse(request.url)
        if url.netloc.startswith("ram.") and url.path.rstrip("/") in RAM_LISTS:
            return ram_answer(real, request)
        if url.netloc.startswith("securityhub.") and url.path in SECURITY_HUB_V2_PATHS:
            return security_hub_v2(real, request, url)
        return answer_dns(request) or original_process(self, request)

    def modify_vpc_endpoint(self: Any) -> Any:
        endpoint_id = self._get_param("VpcEndpointId")
        if endpoint_id not in self.ec2_backend.vpc_end_points:
            return original_modify(self)  # moto's own InvalidVpcEndpointId.NotFound
        endpoint = self.ec2_backend.vpc_end_points[endpoint_id]
        _check_groups(self.ec2_backend, self._get_param("AddSecurityGroupIds", []))
        add = self._get_param("AddSubnetIds", [])
        _check_owner(real, endpoint.vpc_id)
        if add:
            _check_one_subnet_per_az(self.ec2_backend, [*endpoint.subnet_ids, *add])
            _check_zones(real, self.ec2_backend, endpoint.service_name, add)
        private_dns = self._get_param("PrivateDnsEnabled")
        if private_dns is not None and str(private_dns).lower() == "true":
            _check_private_dns(
                self.ec2_backend, endpoint.vpc_id, endpoint.service_name, exclude=endpoint_id
            )
        result = original_modify(self)
        if private_dns is not None:
            endpoint.private_dns_enabled = str(private_dns).lower() == "true"
        return result

    def vpc_owner(vpc: Any) -> str:
        # https://docs.aws.amazon.com/vpc/latest/userguide/vpc-sharing.html: a participant
        # sees the owner's VPC and shared subnets, with the owner's account as OwnerId.
        return real.vpc_owners.get(vpc.id) or str(vpc.ec2_backend.account_id)

    def subnet_owner(subnet: Any) -> str:
        return real.vpc_owners.get(subnet.vpc_id) or str(subnet.ec2_backend.account_id)

    def interface_owner(interface: Any) -> str:
        return real.interface_owners.get(interface.id) or str(interface.ec2_backend.account_id)

    def outpost_arn(subnet: Any) -> str | None:
        # https://docs.aws.amazon.com/outposts/latest/userguide/outposts-subnets.html
        return real.outposts.get(subnet.id)

    VPCs.create_vpc_endpoint = create_vpc_endpoint  # type: ignore[method-assign]
    VPCs.modify_vpc_endpoint = modify_vpc_endpoint  # type: ignore[method-assign]
    VPCs.modify_vpc_attribute = modify_vpc_attribute  # type: ignore[method-assign]
    VPCs.describe_vpc_endpoint_services = describe_vpc_endpoint_services  # type: ignore[method-assign]
    SecurityGroups.create_security_group = create_security_group  # type: ignore[method-assign]
    Route53.list_hosted_zones_by_vpc = list_hosted_zones_by_vpc  # type: ignore[method-assign]
    BotocoreStubber.process_request = process_request  # type: ignore[method-assign]
    VPC.owner_id = property(vpc_owner)  # type: ignore[method-assign,assignment]
    Subnet.owner_id = property(subnet_owner)  # type: ignore[method-assign,assignment]
    NetworkInterface.owner_id = property(interface_owner)  # type: ignore[method-assign,assignment]
    Subnet.outpost_arn = property(outpost_arn)  # type: ignore[attr-defined]
    try:
        # endpoint DNS options, Block Public Access; Route 53, Resolver and Profiles;
        # landing zones (tests/support/strict_ec2_lz.py)
        with strict_paths(real.paths), strict_dns(real) as answer_dns, landing_zone(real):
            yield real
    finally:
        VPCs.create_vpc_endpoint = original_create  # type: ignore[method-assign]
        VPCs.modify_vpc_endpoint = original_modify  # type: ignore[method-assign]
        VPCs.modify_vpc_attribute = original_attribute  # type: ignore[method-assign]
        VPCs.describe_vpc_endpoint_services = original_services  # type: ignore[method-assign]
        SecurityGroups.create_security_group = original_create_group  # type: ignore[method-assign]
        Route53.list_hosted_zones_by_vpc = original_by_vpc  # type: ignore[method-assign]
        BotocoreStubber.process_request = original_process  # type: ignore[method-assign]
        VPC.owner_id = original_vpc_owner  # type: ignore[method-assign]
        Subnet.owner_id = original_subnet_owner  # type: ignore[method-assign]
        NetworkInterface.owner_id = original_interface_owner  # type: ignore[method-assign]
        del Subnet.outpost_arn  # type: ignore[attr-defined]
        reset_caches()
        for region, name in real._added_zones:
            zones = RegionsAndZonesBackend.zones[region]
            zones[:] = [z for z in zones if z.name != name]
