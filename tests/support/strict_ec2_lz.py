"""Real EC2 where landing zones differ from moto (issue 20 items 4 and 9), on top of
:func:`tests.support.strict_ec2.strict_ec2`, which enters :func:`landing_zone` for every test.

Each behaviour cites the AWS documentation it models, and has a test of its own in
``tests/functional/real_ec2/test_strict_ec2_lz.py``:

- routes to a Cloud WAN core network (``CoreNetworkArn``) and to an Outpost's local gateway
  (``LocalGatewayId``) are kept and described, as EC2 does (moto accepts and drops them);
- a region the account has not enabled answers every EC2 call with ``AuthFailure``
  (``disabled_regions``: (account, region) pairs);
- private DNS on an interface endpoint is refused while the VPC's ``enableDnsSupport`` or
  ``enableDnsHostnames`` is off, with EC2's words;
- a service control policy can deny ``ModifyVpcAttribute`` for a VPC (``attribute_refusals``);
- endpoints a service manages for the account (``requester_managed``) are described with
  ``RequesterManaged: true`` and refuse every change;
- a route whose target is no longer available is described ``State: blackhole`` (moto always
  says ``active``): an internet gateway no longer attached to the VPC, a terminated instance,
  a deleted network interface or NAT gateway.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from moto.core.botocore_stubber import BotocoreStubber
from moto.ec2.exceptions import EC2ClientError
from moto.ec2.models.route_tables import Route
from moto.ec2.responses.route_tables import RouteTables
from moto.ec2.responses.vpcs import VPCs
from moto.iam.models import get_account_id_from

from tests.support.aws_faults import error_body

if TYPE_CHECKING:
    from tests.support.strict_ec2 import RealEc2

# https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html ("AuthFailure:
# The provided credentials could not be validated"); a region that is not enabled answers so
# (https://docs.aws.amazon.com/accounts/latest/reference/manage-acct-regions.html: "you can't
# ... access resources in a Region that is disabled"; field reports in ../shared/aws-facts.md).
REGION_DISABLED = "AWS was not able to validate the provided access credentials"
# https://docs.aws.amazon.com/vpc/latest/privatelink/create-interface-endpoint.html
# (prerequisites: "To use private DNS, you must enable DNS hostnames and DNS resolution for
# your VPC"); the refusal's text as EC2 words it (../shared/aws-facts.md, "Error texts").
DNS_ATTRIBUTES_REFUSED = (
    "Enabling private DNS requires both enableDnsSupport and enableDnsHostnames VPC attributes "
    "set to true for {vpc}"
)
# https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html
# (an SCP's deny applies to every principal of the account); EC2 answers UnauthorizedOperation.
SCP_DENIED = (
    "You are not authorized to perform this operation. User: {arn} is not authorized to "
    "perform: ec2:ModifyVpcAttribute with an explicit deny in a service control policy"
)
# https://docs.aws.amazon.com/vpc/latest/privatelink/concepts.html ("requester-managed": a
# service creates and manages the endpoint for you); EC2's refusal, field reports in
# ../shared/aws-facts.md ("Error texts").
REQUESTER_MANAGED_REFUSED = (
    "Operation is not allowed for requester-managed VPC endpoints for the service {service}."
)
_CREDENTIAL = re.compile(r"Credential=([A-Z0-9]+)/[0-9]{8}/([a-z0-9-]+)/ec2/")


def _on(value: Any) -> bool:
    return str(value).lower() == "true"


def _all_routes(table: Any) -> list[Any]:
    routes = table.routes
    return list(routes.values() if isinstance(routes, dict) else routes)


def _check_dns_attributes(backend: Any, vpc_id: str) -> None:
    vpc = backend.vpcs.get(vpc_id)
    if vpc is not None and not (_on(vpc.enable_dns_support) and _on(vpc.enable_dns_hostnames)):
        raise EC2ClientError("InvalidParameter", DNS_ATTRIBUTES_REFUSED.format(vpc=vpc_id))


def route_state(route: Any) -> str:
    """A route's state as EC2 describes it.

    https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_Route.html (``state``): "The
    blackhole state indicates that the route's target isn't available (for example, the
    specified gateway isn't attached to the VPC, or the specified NAT instance has been
    terminated)". A deleted network interface or NAT gateway is such a target too.
    """
    table = route.route_table
    gateway = route.gateway
    detached = (
        gateway is not None
        and hasattr(gateway, "vpc")
        and (gateway.vpc is None or gateway.vpc.id != table.vpc_id)
    )
    gone = (
        (route.instance is not None and route.instance.state == "terminated")
        or (route.interface is not None and route.interface.id not in table.ec2_backend.enis)
        or (route.nat_gateway is not None and route.nat_gateway.state == "deleted")
    )
    return "blackhole" if detached or gone else "active"


@contextmanager
def landing_zone(real: RealEc2) -> Iterator[None]:
    """Patch moto further for the knobs of ``real`` named in the module docstring."""
    original_route = RouteTables.create_route
    original_create = VPCs.create_vpc_endpoint
    original_modify = VPCs.modify_vpc_endpoint
    original_describe = VPCs.describe_vpc_endpoints
    original_attribute = VPCs.modify_vpc_attribute
    original_process = BotocoreStubber.process_request
    original_state = Route.__dict__["state"]

    def create_route(self: Any) -> Any:
        """Keep ``CoreNetworkArn`` and ``LocalGatewayId`` on the route (moto drops them).

        https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateRoute.html
        https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_Route.html
        """
        result = original_route(self)
        table = self.ec2_backend.get_route_table(self._get_param("RouteTableId"))
        cidr = self._get_param("DestinationCidrBlock")
        ipv6 = self._get_param("DestinationIpv6CidrBlock")
        for route in _all_routes(table):
            if (route.destination_cidr_block, route.destination_ipv6_cidr_block) == (cidr, ipv6):
                route.core_network_arn = self._get_param("CoreNetworkArn")
                route.local_gateway_id = self._get_param("LocalGatewayId")
        return result

    def create_vpc_endpoint(self: Any) -> Any:
        token = self._get_param("ClientToken")
        interface = str(self._get_param("VpcEndpointType") or "").lower() == "interface"
        if (
            interface
            and not (token and token in real.tokens)
            and self._get_bool_param("PrivateDnsEnabled", if_none=True)
        ):
            _check_dns_attributes(self.ec2_backend, self._get_param("VpcId"))
        return original_create(self)

    def modify_vpc_endpoint(self: Any) -> Any:
        endpoint = self.ec2_backend.vpc_end_points.get(self._get_param("VpcEndpointId"))
        if endpoint is not None and endpoint.id in real.requester_managed:
            raise EC2ClientError(
                "InvalidParameter", REQUESTER_MANAGED_REFUSED.format(service=endpoint.service_name)
            )
        if endpoint is not None and _on(self._get_param("PrivateDnsEnabled")):
            _check_dns_attributes(self.ec2_backend, endpoint.vpc_id)
        return original_modify(self)

    def describe_vpc_endpoints(self: Any) -> Any:
        """``RequesterManaged`` as EC2 reports it (moto never sets it).

        https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_VpcEndpoint.html
        """
        for endpoint in self.ec2_backend.vpc_end_points.values():
            endpoint.requester_managed = endpoint.id in real.requester_managed
        return original_describe(self)

    def modify_vpc_attribute(self: Any) -> Any:
        if self._get_param("VpcId") in real.attribute_refusals:
            arn = f"arn:aws:sts::{self.current_account}:assumed-role/caller/session"
            raise EC2ClientError("UnauthorizedOperation", SCP_DENIED.format(arn=arn))
        return original_attribute(self)

    def process_request(self: Any, request: Any) -> Any:
        match = _CREDENTIAL.search(str(request.headers.get("Authorization", b""), "utf-8"))
        if match is not None and real.disabled_regions:
            account = get_account_id_from(match.group(1))
            if (account, match.group(2)) in real.disabled_regions:
                return 401, {}, error_body("ec2", "AuthFailure", REGION_DISABLED)
        return original_process(self, request)

    RouteTables.create_route = create_route  # type: ignore[method-assign]
    VPCs.create_vpc_endpoint = create_vpc_endpoint  # type: ignore[method-assign]
    VPCs.modify_vpc_endpoint = modify_vpc_endpoint  # type: ignore[method-assign]
    VPCs.describe_vpc_endpoints = describe_vpc_endpoints  # type: ignore[method-assign]
    VPCs.modify_vpc_attribute = modify_vpc_attribute  # type: ignore[method-assign]
    BotocoreStubber.process_request = process_request  # type: ignore[method-assign]
    Route.state = property(route_state)  # type: ignore[method-assign,assignment]
    try:
        yield
    finally:
        RouteTables.create_route = original_route  # type: ignore[method-assign]
        VPCs.create_vpc_endpoint = original_create  # type: ignore[method-assign]
        VPCs.modify_vpc_endpoint = original_modify  # type: ignore[method-assign]
        VPCs.describe_vpc_endpoints = original_describe  # type: ignore[method-assign]
        VPCs.modify_vpc_attribute = original_attribute  # type: ignore[method-assign]
        BotocoreStubber.process_request = original_process  # type: ignore[method-assign]
        Route.state = original_state  # type: ignore[method-assign]
