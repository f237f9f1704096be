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
behaviour has a test of its own in ``tests/test_strict_ec2.py``; the three added for
the safety tests in ``tests/test_concurrency.py`` and ``tests/test_faults.py``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from moto.core.responses import ActionResult
from moto.ec2.exceptions import EC2ClientError
from moto.ec2.responses.security_groups import SecurityGroups
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
def strict_ec2() -> Iterator[dict[str, Any]]:
    """Patch moto's EC2 endpoint calls; yields a dict of what the patch saw (tokens)."""
    original_create = VPCs.create_vpc_endpoint
    original_modify = VPCs.modify_vpc_endpoint
    original_create_group = SecurityGroups.create_security_group
    tokens: dict[str, Any] = {}  # token -> the endpoint it made (kept after EC2 forgets it)
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
        if endpoint_type == "interface":
            _check_groups(self.ec2_backend, self._get_param("SecurityGroupIds", []))
            _check_one_subnet_per_az(self.ec2_backend, self._get_param("SubnetIds", []))
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

    def modify_vpc_endpoint(self: Any) -> Any:
        endpoint_id = self._get_param("VpcEndpointId")
        if endpoint_id not in self.ec2_backend.vpc_end_points:
            return original_modify(self)  # moto's own InvalidVpcEndpointId.NotFound
        endpoint = self.ec2_backend.vpc_end_points[endpoint_id]
        _check_groups(self.ec2_backend, self._get_param("AddSecurityGroupIds", []))
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
    SecurityGroups.create_security_group = create_security_group  # type: ignore[method-assign]
    try:
        yield {"tokens": tokens}
    finally:
        VPCs.create_vpc_endpoint = original_create  # type: ignore[method-assign]
        VPCs.modify_vpc_endpoint = original_modify  # type: ignore[method-assign]
        SecurityGroups.create_security_group = original_create_group  # type: ignore[method-assign]
