"""One applier per action kind, registered by kind: the EC2 calls each repair makes.

Each registration declares the client methods the applier calls and the IAM
permissions its parameters imply (tags at creation, private DNS); a test proves
that together they are exactly the kind's ``PERMISSIONS``, and
:meth:`~remediation.executor.step.Step.call` refuses any method not declared.
Adding a repair kind: an action in :mod:`remediation.actions`, an applier here.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from botocore.exceptions import ClientError

from remediation.actions import (
    HTTPS_RULE_DESCRIPTION,
    TOOL_GROUP_DESCRIPTION,
    Action,
    AuthorizeIngress,
    CreateGatewayEndpoint,
    CreateInterfaceEndpoint,
    CreateSecurityGroup,
    EnableVpcAttribute,
    ModifyEndpoint,
    RevokeIngress,
)
from remediation.aws.errors import error_code, error_message
from remediation.executor import recovery
from remediation.executor.errors import DENIED
from remediation.executor.reader import VPC_GONE
from remediation.executor.step import Step
from remediation.model import IngressRule
from remediation.outcomes import Outcome, OutcomeStatus
from remediation.tokens import is_repeat, next_token
from remediation.vocabulary import GONE_ENDPOINT_STATES

A = TypeVar("A", bound=Action)


class Refused(Exception):
    """An applier's own verdict that the action cannot be done (code and words)."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code, self.detail = code, detail


@dataclass(frozen=True)
class Applier:
    kind: type[Action]
    apply: Callable[[Step, Any], Outcome]
    #: EC2 client methods the applier calls (snake_case).
    calls: frozenset[str]
    #: IAM permissions the call's parameters imply (tags at creation, private DNS).
    implied: frozenset[str] = frozenset()

    def permissions(self) -> frozenset[str]:
        """The IAM permissions this applier needs: one per call, plus the implied ones."""
        return frozenset(f"ec2:{_pascal(c)}" for c in self.calls) | self.implied


REGISTRY: dict[type[Action], Applier] = {}


def registers(
    kind: type[A], calls: tuple[str, ...], implied: tuple[str, ...] = ()
) -> Callable[[Callable[[Step, A], Outcome]], Callable[[Step, A], Outcome]]:
    def register(fn: Callable[[Step, A], Outcome]) -> Callable[[Step, A], Outcome]:
        REGISTRY[kind] = Applier(kind, fn, frozenset(calls), frozenset(implied))
        return fn

    return register


def _pascal(method: str) -> str:
    return "".join(part.capitalize() for part in method.split("_"))


# ---------------------------------------------------------------------------------- VPC


@registers(EnableVpcAttribute, calls=("modify_vpc_attribute",))
def enable_attribute(step: Step, action: EnableVpcAttribute) -> Outcome:
    parameter = action.attribute[:1].upper() + action.attribute[1:]  # EnableDnsSupport
    step.call("modify_vpc_attribute", VpcId=action.vpc_id, **{parameter: {"Value": True}})
    step.state.dns_enabled = True  # private DNS may be refused for a moment after this
    return Outcome(action, OutcomeStatus.APPLIED, f"{action.attribute} is on")


# ---------------------------------------------------------------------------------- groups


def _ip_permission(rule: IngressRule) -> dict[str, Any]:
    perm: dict[str, Any] = {"IpProtocol": rule.protocol}
    if rule.protocol != "-1":
        perm["FromPort"] = rule.from_port if rule.from_port is not None else -1
        perm["ToPort"] = rule.to_port if rule.to_port is not None else -1
    if rule.cidr_ipv4:
        perm["IpRanges"] = [{"CidrIp": rule.cidr_ipv4}]
    elif rule.cidr_ipv6:
        perm["Ipv6Ranges"] = [{"CidrIpv6": rule.cidr_ipv6}]
    elif rule.source_group_id:
        perm["UserIdGroupPairs"] = [{"GroupId": rule.source_group_id}]
    elif rule.prefix_list_id:
        perm["PrefixListIds"] = [{"PrefixListId": rule.prefix_list_id}]
    return perm


def https_from(cidrs: tuple[str, ...]) -> list[dict[str, Any]]:
    """TCP 443 from each CIDR, IPv4 blocks in ``IpRanges`` and IPv6 ones in ``Ipv6Ranges``."""
    description = HTTPS_RULE_DESCRIPTION
    perm: dict[str, Any] = {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443}
    v4 = [{"CidrIp": c, "Description": description} for c in cidrs if ":" not in c]
    v6 = [{"CidrIpv6": c, "Description": description} for c in cidrs if ":" in c]
    if v4:
        perm["IpRanges"] = v4
    if v6:
        perm["Ipv6Ranges"] = v6
    return [perm]


def allow_https(step: Step, group_id: str, cidrs: tuple[str, ...]) -> bool:
    """TCP 443 from each CIDR on the tool's own group; True when a rule was added.

    EC2 refuses the whole call (``InvalidPermission.Duplicate``) when any one rule exists
    already (a retried call whose answer was lost, a concurrent run): then each CIDR is
    added on its own, and those present are left as they are.
    """
    method = "authorize_security_group_ingress"
    try:
        step.call(method, GroupId=group_id, IpPermissions=https_from(cidrs))
        return True
    except ClientError as exc:
        if error_code(exc) != "InvalidPermission.Duplicate":
            raise
    added = False
    for cidr in cidrs if len(cidrs) > 1 else ():
        try:
            step.call(method, GroupId=group_id, IpPermissions=https_from((cidr,)))
            added = True
        except ClientError as exc:
            if error_code(exc) != "InvalidPermission.Duplicate":
                raise
    return added


@registers(
    CreateSecurityGroup,
    calls=("create_security_group", "authorize_security_group_ingress"),
    implied=("ec2:CreateTags",),
)
def create_group(step: Step, action: CreateSecurityGroup) -> Outcome:
    """Create the tool's group, or find it (made by a concurrent run, or by a create whose
    answer was lost); either way make sure it admits TCP 443 from the VPC's blocks: the
    run that created it may have stopped before its rules were added."""
    try:
        group_id = step.call(
            "create_security_group",
            GroupName=action.group_name,
            Description=TOOL_GROUP_DESCRIPTION,
            VpcId=action.vpc_id,
            TagSpecifications=step.tags("security-group"),
        )["GroupId"]
    except ClientError as exc:
        if error_code(exc) != "InvalidGroup.Duplicate":
            raise
        group_id = step.reader.tool_group_by_name(action.vpc_id, action.group_name)
        if not group_id:
            raise Refused(
                "InvalidGroup.Duplicate",
                f"a group named {action.group_name} exists in {action.vpc_id} but was not "
                "made by this tool; rename it or tag it",
            ) from exc
        added = allow_https(step, group_id, action.cidr_blocks)
        detail = "found on a fresh read" + ("; its missing rules added" if added else "")
        return Outcome(action, OutcomeStatus.ALREADY_DONE, detail, resource_id=group_id)
    step.state.created_groups.add(str(group_id))
    allow_https(step, str(group_id), action.cidr_blocks)
    return Outcome(action, OutcomeStatus.APPLIED, "created", resource_id=str(group_id))


@registers(AuthorizeIngress, calls=("authorize_security_group_ingress",))
def authorize(step: Step, action: AuthorizeIngress) -> Outcome:
    if allow_https(step, action.group_id, action.cidr_blocks):
        return Outcome(action, OutcomeStatus.APPLIED, "rules added", resource_id=action.group_id)
    return Outcome(action, OutcomeStatus.ALREADY_DONE, "rules present", resource_id=action.group_id)


@registers(RevokeIngress, calls=("revoke_security_group_ingress",))
def revoke(step: Step, action: RevokeIngress) -> Outcome:
    step.call(
        "revoke_security_group_ingress",
        GroupId=action.group_id,
        IpPermissions=[_ip_permission(r) for r in action.rules],
    )
    return Outcome(action, OutcomeStatus.APPLIED, "rules revoked", resource_id=action.group_id)


# ---------------------------------------------------------------------------------- endpoints


def _create(step: Step, action: recovery.Create, **kwargs: Any) -> Outcome:
    """One ``CreateVpcEndpoint``; a refusal is first explained by a fresh read."""
    try:
        response = step.call(
            "create_vpc_endpoint",
            VpcId=action.vpc_id,
            ServiceName=action.service_name,
            ClientToken=action.client_token,
            TagSpecifications=step.tags("vpc-endpoint"),
            **kwargs,
        )
    except ClientError as exc:
        code = error_code(exc)
        if code in VPC_GONE or code in DENIED or code.startswith("AccessDenied"):
            raise
        outcome = recovery.after_conflict(step.reader, action, exc)
        if outcome is not None:
            return outcome
        if code == "RouteAlreadyExists":
            # Done, for a route added twice; not for a create that the fresh read has just
            # shown is not there: a route table of the action is another gateway's.
            raise Refused(
                code,
                f"{error_message(exc)[:200]} (no usable endpoint covers all of "
                f"{', '.join(getattr(action, 'route_table_ids', ()))} on a fresh read: "
                "the next run plans from the gateways that are there)",
            ) from exc
        raise
    return _created(step, action, response["VpcEndpoint"], kwargs)


def _created(
    step: Step, action: recovery.Create, endpoint: dict[str, Any], kwargs: dict[str, Any]
) -> Outcome:
    """The outcome of a create, unless EC2 answered with the token's *earlier* endpoint.

    A token repeats when EC2 has forgotten a deleted endpoint on the day it was made
    (see :mod:`remediation.tokens`); EC2 then returns that endpoint, deleted. The create
    is made once more with the next token, so two runs in this situation still send one.
    """
    endpoint_id = str(endpoint["VpcEndpointId"])
    state = str(endpoint.get("State", "")).lower()
    if state not in GONE_ENDPOINT_STATES:
        return Outcome(action, OutcomeStatus.APPLIED, "created", resource_id=endpoint_id)
    if is_repeat(action.client_token):  # made once more already: report it
        raise Refused("TokenReused", f"EC2 answered with {endpoint_id}, {state}, twice")
    again = dataclasses.replace(action, client_token=next_token(action.client_token, endpoint_id))
    step.action = again
    return _create(step, again, **kwargs)


@registers(
    CreateInterfaceEndpoint,
    calls=("create_vpc_endpoint",),
    implied=("ec2:CreateTags", "route53:AssociateVPCWithHostedZone"),
)
def create_interface(step: Step, action: CreateInterfaceEndpoint) -> Outcome:
    if action.wait_for_deletion:
        if not recovery.wait_for_deletion(step.reader, action.wait_for_deletion, step.timing):
            return Outcome(
                action,
                OutcomeStatus.DEFERRED,
                f"{', '.join(action.wait_for_deletion)} still deleting after "
                f"{step.timing.wait_seconds:.0f}s; left to Lambda's retry",
            )
        step.state.deleting = action.wait_for_deletion
    optional: dict[str, Any] = {}
    if action.policy_document:
        optional["PolicyDocument"] = action.policy_document
    if action.ip_address_type:
        optional["IpAddressType"] = action.ip_address_type
    if action.dns_record_ip_type:
        optional["DnsOptions"] = {"DnsRecordIpType": action.dns_record_ip_type}
    return _create(
        step,
        action,
        VpcEndpointType="Interface",
        SubnetIds=list(action.subnet_ids),
        SecurityGroupIds=list(action.group_ids),
        PrivateDnsEnabled=True,
        **optional,
    )


@registers(CreateGatewayEndpoint, calls=("create_vpc_endpoint",), implied=("ec2:CreateTags",))
def create_gateway(step: Step, action: CreateGatewayEndpoint) -> Outcome:
    optional: dict[str, Any] = {}
    if action.policy_document:
        optional["PolicyDocument"] = action.policy_document
    return _create(
        step,
        action,
        VpcEndpointType="Gateway",
        RouteTableIds=list(action.route_table_ids),
        **optional,
    )


@registers(
    ModifyEndpoint,
    calls=("modify_vpc_endpoint",),
    implied=("route53:AssociateVPCWithHostedZone",),
)
def modify_endpoint(step: Step, action: ModifyEndpoint) -> Outcome:
    kwargs: dict[str, Any] = {"VpcEndpointId": action.endpoint_id}
    if action.enable_private_dns:
        kwargs["PrivateDnsEnabled"] = True
    if action.policy_document:
        kwargs["PolicyDocument"] = action.policy_document
    for key, values in (
        ("AddSubnetIds", action.add_subnet_ids),
        ("AddSecurityGroupIds", action.add_group_ids),
        ("RemoveSecurityGroupIds", action.remove_group_ids),
        ("AddRouteTableIds", action.add_route_table_ids),
    ):
        if values:
            kwargs[key] = list(values)
    step.call("modify_vpc_endpoint", **kwargs)
    return Outcome(action, OutcomeStatus.APPLIED, "modified", resource_id=action.endpoint_id)
