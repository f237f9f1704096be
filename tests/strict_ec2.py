"""Make moto as strict as EC2 where this project depends on it (moto 5.2 is lenient).

moto ignores ``ClientToken`` on ``CreateVpcEndpoint``, ignores ``PrivateDnsEnabled``
on ``ModifyVpcEndpoint``, and accepts two subnets in one AZ on an endpoint and a
second private-DNS endpoint for the same service in one VPC — all of which EC2
refuses (see the facts file). :func:`strict_ec2` patches moto's EC2 responses
to behave as EC2 does, so that tests exercise the code paths real EC2 takes.
Each patched behaviour has a test of its own in ``tests/test_strict_ec2.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from moto.core.responses import ActionResult
from moto.ec2.exceptions import EC2ClientError
from moto.ec2.responses.vpcs import VPCs

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


@contextmanager
def strict_ec2() -> Iterator[dict[str, Any]]:
    """Patch moto's EC2 endpoint calls; yields a dict of what the patch saw (tokens)."""
    original_create = VPCs.create_vpc_endpoint
    original_modify = VPCs.modify_vpc_endpoint
    tokens: dict[str, str] = {}

    def create_vpc_endpoint(self: Any) -> Any:
        token = self._get_param("ClientToken")
        if token and token in tokens:
            endpoint = self.ec2_backend.vpc_end_points[tokens[token]]
            return ActionResult({"VpcEndpoint": endpoint, "ClientToken": token})
        endpoint_type = str(self._get_param("VpcEndpointType") or "Gateway").lower()
        if endpoint_type == "interface":
            _check_one_subnet_per_az(self.ec2_backend, self._get_param("SubnetIds", []))
            if self._get_bool_param("PrivateDnsEnabled", if_none=True):
                _check_private_dns(
                    self.ec2_backend, self._get_param("VpcId"), self._get_param("ServiceName")
                )
        before = set(self.ec2_backend.vpc_end_points)
        result = original_create(self)
        if token:
            (created,) = set(self.ec2_backend.vpc_end_points) - before
            tokens[token] = created
        return result

    def modify_vpc_endpoint(self: Any) -> Any:
        endpoint_id = self._get_param("VpcEndpointId")
        endpoint = self.ec2_backend.vpc_end_points[endpoint_id]
        add = self._get_param("AddSubnetIds", [])
        if add:
            _check_one_subnet_per_az(self.ec2_backend, [*endpoint.subnet_ids, *add])
        private_dns = self._get_param("PrivateDnsEnabled")
        if private_dns is not None and str(private_dns).lower() == "true":
            _check_private_dns(
                self.ec2_backend, endpoint.vpc_id, endpoint.service_name, exclude=endpoint_id
            )
        result = original_modify(self)
        if private_dns is not None:
            endpoint.private_dns_enabled = str(private_dns).lower() == "true"
        return result

    VPCs.create_vpc_endpoint = create_vpc_endpoint  # type: ignore[method-assign]
    VPCs.modify_vpc_endpoint = modify_vpc_endpoint  # type: ignore[method-assign]
    try:
        yield {"tokens": tokens}
    finally:
        VPCs.create_vpc_endpoint = original_create  # type: ignore[method-assign]
        VPCs.modify_vpc_endpoint = original_modify  # type: ignore[method-assign]
