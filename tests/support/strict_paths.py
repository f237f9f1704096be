"""Real EC2 for the paths a pull can take (issue 21, items 5-7), layered on the strict model.

moto 5.2 has no ``DnsOptions`` on VPC endpoints, no ``IpAddressType`` in its answers, and
no VPC Block Public Access at all (``DescribeVpcBlockPublicAccess*`` raise
``NotImplementedError``; VPCs and subnets carry no ``BlockPublicAccessStates``).
:func:`strict_paths` adds what EC2 does, each behaviour with its source, and is entered by
:func:`tests.support.strict_ec2.strict_ec2` (its knobs are ``aws.strict.paths``):

- ``DnsOptions`` on interface endpoints: ``DnsRecordIpType`` (default: the endpoint's IP
  address type) and, for the services that also have gateway endpoints (S3, DynamoDB) with
  private DNS, ``PrivateDnsOnlyForInboundResolverEndpoint``, which defaults to ``true`` and
  needs a gateway endpoint of the service in the VPC;
- ``IpAddressType`` in the endpoint's description (``ipv4`` unless asked otherwise);
- Block Public Access: the account's mode in the region (``bpa_mode``) reported on every
  VPC and subnet as ``BlockPublicAccessStates``, ``DescribeVpcBlockPublicAccessOptions``,
  and the exclusions (``bpa_exclusions``) in ``DescribeVpcBlockPublicAccessExclusions``;
  ``bpa_failures`` makes both reads answer with an error code.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from moto.core.responses import ActionResult
from moto.ec2.exceptions import EC2ClientError
from moto.ec2.models.subnets import Subnet
from moto.ec2.models.vpcs import VPC
from moto.ec2.responses.vpcs import VPCs

#: Services that have both gateway and interface endpoints: only they take
#: ``PrivateDnsOnlyForInboundResolverEndpoint``.
# https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DnsOptionsSpecification.html
# ("This option is available only for services that support both gateway and interface
# endpoints.")
GATEWAY_SERVICES = ("s3", "dynamodb")
# https://docs.aws.amazon.com/AmazonS3/latest/userguide/privatelink-interface-endpoints.html
# ("Private DNS", "Using the AWS CLI": the option defaults to true; without a gateway
# endpoint in the VPC the call fails with this message). The error code is not documented:
# modelled as InvalidParameter.
NEEDS_GATEWAY = (
    "To set PrivateDnsOnlyForInboundResolverEndpoint to true, the VPC {vpc} must have a "
    "gateway endpoint for the service."
)
NOT_A_GATEWAY_SERVICE = (
    "PrivateDnsOnlyForInboundResolverEndpoint is available only for services that support "
    "both gateway and interface endpoints."
)


@dataclass
class RealPaths:
    """The knobs of this layer (see the module docstring)."""

    #: ``InternetGatewayBlockMode`` of the account in the region.
    bpa_mode: str = "off"
    #: Resource id (``vpc-...``/``subnet-...``) -> ``allow-bidirectional`` | ``allow-egress``.
    bpa_exclusions: dict[str, str] = field(default_factory=dict)
    #: Resource id -> exclusion ``State`` (default ``create-complete``).
    bpa_exclusion_states: dict[str, str] = field(default_factory=dict)
    #: ``ExclusionsAllowed`` (``not-allowed`` under an organisation's declarative policy).
    bpa_exclusions_allowed: str = "allowed"
    #: Error codes the BPA reads answer with (the first one), e.g. ``UnauthorizedOperation``.
    bpa_failures: list[str] = field(default_factory=list)


def _gateway_service(service: str) -> bool:
    return service.rsplit(".", 1)[-1] in GATEWAY_SERVICES


def _has_gateway(backend: Any, vpc_id: str, service: str) -> bool:
    return any(
        e.vpc_id == vpc_id
        and e.service_name == service
        and str(e.vpc_endpoint_type).lower() == "gateway"
        and str(e.state).lower() in ("pending", "available")
        for e in backend.vpc_end_points.values()
    )


def _dns_options(self: Any) -> dict[str, Any]:
    """The ``DnsOptions`` EC2 gives an interface endpoint being created, or refuses them.

    https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DnsOptions.html
    https://docs.aws.amazon.com/vpc/latest/privatelink/create-interface-endpoint.html
    ("DNS record IP type": by default the records match the endpoint's IP address type)
    """
    service = str(self._get_param("ServiceName"))
    vpc_id = str(self._get_param("VpcId"))
    asked = dict(self._get_param("DnsOptions") or {})
    ip_type = str(self._get_param("IpAddressType") or "ipv4")
    options: dict[str, Any] = {"DnsRecordIpType": asked.get("DnsRecordIpType") or ip_type}
    inbound = asked.get("PrivateDnsOnlyForInboundResolverEndpoint")
    if not _gateway_service(service):
        if inbound is not None:
            raise EC2ClientError("InvalidParameter", NOT_A_GATEWAY_SERVICE)
        return options
    if not self._get_bool_param("PrivateDnsEnabled", if_none=True):
        return options
    inbound = True if inbound is None else bool(inbound)
    if inbound and not _has_gateway(self.ec2_backend, vpc_id, service):
        raise EC2ClientError("InvalidParameter", NEEDS_GATEWAY.format(vpc=vpc_id))
    options["PrivateDnsOnlyForInboundResolverEndpoint"] = inbound
    return options


def _refuse(paths: RealPaths, operation: str) -> None:
    if paths.bpa_failures:
        code = paths.bpa_failures[0]
        raise EC2ClientError(code, f"You are not authorized to perform: ec2:{operation} (modelled)")


@contextmanager
def strict_paths(paths: RealPaths) -> Iterator[RealPaths]:
    """Patch moto's endpoint creation, VPCs and subnets, and add the BPA reads."""
    original_create = VPCs.create_vpc_endpoint

    def create_vpc_endpoint(self: Any) -> Any:
        interface = str(self._get_param("VpcEndpointType") or "Gateway").lower() == "interface"
        options = _dns_options(self) if interface else {}
        result: Any = original_create(self)
        endpoint = result.result["VpcEndpoint"]
        if interface and not getattr(endpoint, "dns_options", None):
            endpoint.dns_options = options
            endpoint.ip_address_type = str(self._get_param("IpAddressType") or "ipv4")
        return result

    def block_public_access_states(resource: Any) -> dict[str, str]:
        # https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_BlockPublicAccessStates.html
        # ("The mode of VPC BPA ... in this Region (except for excluded VPCs and subnets)").
        # Real answers carry it even when off (a recorded describe-vpcs, "off"). Whether EC2
        # reports an excluded subnet's own mode here is not documented: modelled as the
        # region's mode, the reading under which the tool needs the exclusions.
        return {"InternetGatewayBlockMode": paths.bpa_mode}

    def describe_options(self: Any) -> Any:
        # https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_VpcBlockPublicAccessOptions.html
        _refuse(paths, "DescribeVpcBlockPublicAccessOptions")
        return ActionResult(
            {
                "VpcBlockPublicAccessOptions": {
                    "AwsAccountId": self.current_account,
                    "AwsRegion": self.region,
                    "State": "default-state" if paths.bpa_mode == "off" else "update-complete",
                    "InternetGatewayBlockMode": paths.bpa_mode,
                    "ManagedBy": "account",
                    "ExclusionsAllowed": paths.bpa_exclusions_allowed,
                }
            }
        )

    def describe_exclusions(self: Any) -> Any:
        # https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeVpcBlockPublicAccessExclusions.html
        # (at most 50 exclusions per account and region: one page; filters not modelled).
        _refuse(paths, "DescribeVpcBlockPublicAccessExclusions")
        if self._get_param("Filters") or self._get_param("ExclusionIds"):
            raise NotImplementedError("the model answers unfiltered exclusion reads only")
        items = [
            {
                "ExclusionId": f"vpcbpa-exclude-{n:017x}",
                "InternetGatewayExclusionMode": mode,
                "ResourceArn": (
                    f"arn:aws:ec2:{self.region}:{self.current_account}:"
                    f"{'vpc' if resource.startswith('vpc-') else 'subnet'}/{resource}"
                ),
                "State": paths.bpa_exclusion_states.get(resource, "create-complete"),
            }
            for n, (resource, mode) in enumerate(sorted(paths.bpa_exclusions.items()))
        ]
        return ActionResult({"VpcBlockPublicAccessExclusions": items})

    VPCs.create_vpc_endpoint = create_vpc_endpoint  # type: ignore[method-assign]
    VPCs.describe_vpc_block_public_access_options = describe_options  # type: ignore[attr-defined]
    VPCs.describe_vpc_block_public_access_exclusions = describe_exclusions  # type: ignore[attr-defined]
    VPC.block_public_access_states = property(block_public_access_states)  # type: ignore[attr-defined]
    Subnet.block_public_access_states = property(block_public_access_states)  # type: ignore[attr-defined]
    try:
        yield paths
    finally:
        VPCs.create_vpc_endpoint = original_create  # type: ignore[method-assign]
        del VPCs.describe_vpc_block_public_access_options  # type: ignore[attr-defined]
        del VPCs.describe_vpc_block_public_access_exclusions  # type: ignore[attr-defined]
        del VPC.block_public_access_states  # type: ignore[attr-defined]
        del Subnet.block_public_access_states  # type: ignore[attr-defined]
