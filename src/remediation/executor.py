"""Applies a plan in auto-fix: one outcome per action, never stopping at the first failure.

Only auto-fix runs build an :class:`Executor`; dry-run runs have none, and
hold only read-only clients. Every create is tagged at creation (who made it,
why, for which event) and carries an idempotency token. When EC2 says that
what an action wanted exists already (someone else made it meanwhile, or a
retried token), a fresh read decides: present means ``already-done``, never a
second resource.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from remediation import __version__
from remediation.actions import (
    TOOL_GROUP,
    Action,
    AuthorizeIngress,
    CreateGatewayEndpoint,
    CreateInterfaceEndpoint,
    CreateSecurityGroup,
    EnableVpcAttribute,
    ModifyEndpoint,
    RevokeIngress,
    uses_tool_group,
)
from remediation.aws_errors import error_code, error_message
from remediation.config import ServiceSpec
from remediation.inventory import Inventory
from remediation.model import (
    GONE_ENDPOINT_STATES,
    MANAGED_TAG,
    TAG_PREFIX,
    EndpointType,
    IngressRule,
)
from remediation.outcomes import Outcome, OutcomeStatus

log = logging.getLogger(__name__)

VPC_GONE = frozenset({"InvalidVpcID.NotFound", "InvalidVpcId.NotFound"})
DENIED = frozenset({"UnauthorizedOperation", "AccessDenied", "AccessDeniedException"})
ALREADY = frozenset(
    {"InvalidPermission.Duplicate", "InvalidPermission.NotFound", "RouteAlreadyExists"}
)
POLL_SECONDS = 5.0


class _Failed(Exception):
    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code, self.detail = code, detail


@dataclass(frozen=True)
class RunContext:
    """What the tags of created resources say about the run that made them."""

    event_id: str = ""
    event_name: str = ""


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


def _https_from(cidrs: tuple[str, ...]) -> list[dict[str, Any]]:
    """TCP 443 from each CIDR, IPv4 blocks in ``IpRanges`` and IPv6 ones in ``Ipv6Ranges``."""
    description = "HTTPS to VPC endpoints from the VPC"
    perm: dict[str, Any] = {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443}
    v4 = [{"CidrIp": c, "Description": description} for c in cidrs if ":" not in c]
    v6 = [{"CidrIpv6": c, "Description": description} for c in cidrs if ":" in c]
    if v4:
        perm["IpRanges"] = v4
    if v6:
        perm["Ipv6Ranges"] = v6
    return [perm]


class Executor:
    """Turns actions into EC2 calls.

    Parameters
    ----------
    ec2
        A boto3 EC2 client that may write (made by the face, with retries configured).
    inventory
        For fresh reads when EC2 reports a conflict.
    wait_seconds
        How long to wait for an endpoint of the same service to finish deleting.
    sleep, clock
        Injected so that tests need not wait.
    """

    def __init__(
        self,
        ec2: Any,
        inventory: Inventory,
        *,
        wait_seconds: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ec2 = ec2
        self.inventory = inventory
        self.wait_seconds = wait_seconds
        self.sleep = sleep
        self.clock = clock

    def apply(self, actions: tuple[Action, ...], context: RunContext) -> tuple[Outcome, ...]:
        outcomes: list[Outcome] = []
        tool_group: str | None = None
        group_failed = ""
        vpc_gone = False
        for planned in actions:
            action = planned
            if vpc_gone:
                outcomes.append(Outcome(action, OutcomeStatus.SKIPPED, "the VPC no longer exists"))
                continue
            if uses_tool_group(action):
                if group_failed:
                    outcomes.append(
                        Outcome(
                            action,
                            OutcomeStatus.FAILED,
                            f"the tool's security group could not be created: {group_failed}",
                            error_code="DependencyFailed",
                        )
                    )
                    continue
                if tool_group:
                    action = _with_group(action, tool_group)
            outcome = self._apply_one(action, context)
            if isinstance(action, CreateSecurityGroup):
                if outcome.failed:
                    group_failed = outcome.detail
                else:
                    tool_group = outcome.resource_id
            if outcome.status is OutcomeStatus.SKIPPED:
                vpc_gone = True
            outcomes.append(outcome)
            log.info(
                "action %s",
                outcome.status.value,
                extra={
                    "vpc_id": action.vpc_id,
                    "endpoint_service": action.service,
                    "action": action.kind,
                    "outcome": outcome.status.value,
                    "detail": outcome.detail,
                    "resource_id": outcome.resource_id,
                    "error_code": outcome.error_code,
                },
            )
        return tuple(outcomes)

    # ------------------------------------------------------------------ dispatch

    def _apply_one(self, action: Action, context: RunContext) -> Outcome:
        handlers: dict[type[Action], Callable[[Any, RunContext], Outcome]] = {
            EnableVpcAttribute: self._enable_attribute,
            CreateSecurityGroup: self._create_group,
            AuthorizeIngress: self._authorize,
            RevokeIngress: self._revoke,
            CreateInterfaceEndpoint: self._create_interface,
            CreateGatewayEndpoint: self._create_gateway,
            ModifyEndpoint: self._modify_endpoint,
        }
        try:
            return handlers[type(action)](action, context)
        except _Failed as exc:
            return Outcome(action, OutcomeStatus.FAILED, exc.detail, error_code=exc.code)
        except ClientError as exc:
            code, message = error_code(exc), error_message(exc)
            if code in VPC_GONE:
                return Outcome(
                    action, OutcomeStatus.SKIPPED, "the VPC no longer exists", error_code=code
                )
            if code in ALREADY:
                return Outcome(action, OutcomeStatus.ALREADY_DONE, message, error_code=code)
            if code.endswith(".NotFound") and self._vpc_gone(action.vpc_id):
                # An endpoint, subnet or group went away with the whole VPC.
                return Outcome(
                    action, OutcomeStatus.SKIPPED, "the VPC no longer exists", error_code=code
                )
            if code in DENIED:
                needed = ", ".join(action.PERMISSIONS)
                return Outcome(
                    action,
                    OutcomeStatus.FAILED,
                    f"access denied: the function's role needs {needed} ({message[:200]})",
                    error_code=code,
                )
            return Outcome(
                action, OutcomeStatus.FAILED, f"{code}: {message[:300]}", error_code=code
            )
        except BotoCoreError as exc:
            return Outcome(
                action, OutcomeStatus.FAILED, str(exc)[:300], error_code=type(exc).__name__
            )

    def _vpc_gone(self, vpc_id: str) -> bool:
        """After a ``*.NotFound`` error: was the whole VPC deleted meanwhile? (A fresh read.)"""
        try:
            vpcs = self.inventory.ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"]
        except ClientError as exc:
            return error_code(exc) in VPC_GONE
        except BotoCoreError:
            return False
        return not vpcs

    def _tags(
        self, action: Action, context: RunContext, resource_type: str
    ) -> list[dict[str, Any]]:
        tags = {
            MANAGED_TAG: "true",
            f"{TAG_PREFIX}/version": __version__,
            f"{TAG_PREFIX}/reason": action.reason[:255],
            f"{TAG_PREFIX}/event-id": (context.event_id or "manual")[:255],
        }
        if action.service:
            tags["Name"] = f"{TAG_PREFIX} {action.service}"
        return [
            {
                "ResourceType": resource_type,
                "Tags": [{"Key": k, "Value": v} for k, v in tags.items()],
            }
        ]

    def _enable_attribute(self, action: EnableVpcAttribute, context: RunContext) -> Outcome:
        parameter = action.attribute[:1].upper() + action.attribute[1:]  # EnableDnsSupport
        self.ec2.modify_vpc_attribute(VpcId=action.vpc_id, **{parameter: {"Value": True}})
        return Outcome(action, OutcomeStatus.APPLIED, f"{action.attribute} is on")

    def _create_group(self, action: CreateSecurityGroup, context: RunContext) -> Outcome:
        """Create the tool's group, or find it (made by a concurrent run, or by a create whose
        answer was lost); either way make sure it admits TCP 443 from the VPC's blocks: the
        run that created it may have stopped before its rules were added."""
        try:
            group_id = self.ec2.create_security_group(
                GroupName=action.group_name,
                Description="ecr-endpoint-guard: HTTPS to VPC endpoints from the VPC only",
                VpcId=action.vpc_id,
                TagSpecifications=self._tags(action, context, "security-group"),
            )["GroupId"]
        except ClientError as exc:
            if error_code(exc) != "InvalidGroup.Duplicate":
                raise
            found = self.inventory.ec2.describe_security_groups(
                Filters=[
                    {"Name": "vpc-id", "Values": [action.vpc_id]},
                    {"Name": "group-name", "Values": [action.group_name]},
                    {"Name": f"tag:{MANAGED_TAG}", "Values": ["true"]},
                ]
            )["SecurityGroups"]
            if not found:
                raise _Failed(
                    "InvalidGroup.Duplicate",
                    f"a group named {action.group_name} exists in {action.vpc_id} but was not "
                    "made by this tool; rename it or tag it",
                ) from exc
            group_id = str(found[0]["GroupId"])
            added = self._allow_https(group_id, action.cidr_blocks)
            detail = "found on a fresh read" + ("; its missing rules added" if added else "")
            return Outcome(action, OutcomeStatus.ALREADY_DONE, detail, resource_id=group_id)
        self._allow_https(group_id, action.cidr_blocks)
        return Outcome(action, OutcomeStatus.APPLIED, "created", resource_id=group_id)

    def _allow_https(self, group_id: str, cidrs: tuple[str, ...]) -> bool:
        """TCP 443 from each CIDR on the tool's own group; True when a rule was added.

        EC2 refuses the whole call (``InvalidPermission.Duplicate``) when any one rule exists
        already (a retried call whose answer was lost, a concurrent run): then each CIDR is
        added on its own, and those present are left as they are.
        """
        try:
            self.ec2.authorize_security_group_ingress(
                GroupId=group_id, IpPermissions=_https_from(cidrs)
            )
            return True
        except ClientError as exc:
            if error_code(exc) != "InvalidPermission.Duplicate":
                raise
        added = False
        for cidr in cidrs if len(cidrs) > 1 else ():
            try:
                self.ec2.authorize_security_group_ingress(
                    GroupId=group_id, IpPermissions=_https_from((cidr,))
                )
                added = True
            except ClientError as exc:
                if error_code(exc) != "InvalidPermission.Duplicate":
                    raise
        return added

    def _authorize(self, action: AuthorizeIngress, context: RunContext) -> Outcome:
        if self._allow_https(action.group_id, action.cidr_blocks):
            return Outcome(
                action, OutcomeStatus.APPLIED, "rules added", resource_id=action.group_id
            )
        return Outcome(
            action, OutcomeStatus.ALREADY_DONE, "rules present", resource_id=action.group_id
        )

    def _revoke(self, action: RevokeIngress, context: RunContext) -> Outcome:
        self.ec2.revoke_security_group_ingress(
            GroupId=action.group_id, IpPermissions=[_ip_permission(r) for r in action.rules]
        )
        return Outcome(action, OutcomeStatus.APPLIED, "rules revoked", resource_id=action.group_id)

    def _wait_for_deletion(self, endpoint_ids: tuple[str, ...]) -> bool:
        deadline = self.clock() + self.wait_seconds
        while True:
            try:
                items = self.inventory.ec2.describe_vpc_endpoints(
                    VpcEndpointIds=list(endpoint_ids)
                )["VpcEndpoints"]
            except ClientError as exc:
                if error_code(exc) != "InvalidVpcEndpointId.NotFound":
                    raise
                return True  # EC2 has forgotten them: gone
            if not any(str(i.get("State", "")).lower() == "deleting" for i in items):
                return True
            if self.clock() >= deadline:
                return False
            self.sleep(min(POLL_SECONDS, max(0.0, deadline - self.clock())))

    def _present(self, action: CreateInterfaceEndpoint | CreateGatewayEndpoint) -> str:
        usable = [
            e for e in self.inventory.endpoints_of(action.vpc_id, action.service_name) if e.usable
        ]
        return min((e.endpoint_id for e in usable), default="")

    def _create_interface(self, action: CreateInterfaceEndpoint, context: RunContext) -> Outcome:
        if action.wait_for_deletion and not self._wait_for_deletion(action.wait_for_deletion):
            return Outcome(
                action,
                OutcomeStatus.DEFERRED,
                f"{', '.join(action.wait_for_deletion)} still deleting after "
                f"{self.wait_seconds:.0f}s; left to Lambda's retry",
            )
        optional: dict[str, Any] = {}
        if action.policy_document:
            optional["PolicyDocument"] = action.policy_document
        if action.ip_address_type:
            optional["IpAddressType"] = action.ip_address_type
        if action.dns_record_ip_type:
            optional["DnsOptions"] = {"DnsRecordIpType": action.dns_record_ip_type}
        try:
            response = self.ec2.create_vpc_endpoint(
                VpcEndpointType="Interface",
                VpcId=action.vpc_id,
                ServiceName=action.service_name,
                SubnetIds=list(action.subnet_ids),
                SecurityGroupIds=list(action.group_ids),
                PrivateDnsEnabled=True,
                ClientToken=action.client_token,
                TagSpecifications=self._tags(action, context, "vpc-endpoint"),
                **optional,
            )
        except ClientError as exc:
            return self._after_conflict(action, exc)
        return self._created(action, response["VpcEndpoint"], context)

    def _create_gateway(self, action: CreateGatewayEndpoint, context: RunContext) -> Outcome:
        optional: dict[str, Any] = {}
        if action.policy_document:
            optional["PolicyDocument"] = action.policy_document
        try:
            response = self.ec2.create_vpc_endpoint(
                VpcEndpointType="Gateway",
                VpcId=action.vpc_id,
                ServiceName=action.service_name,
                RouteTableIds=list(action.route_table_ids),
                ClientToken=action.client_token,
                TagSpecifications=self._tags(action, context, "vpc-endpoint"),
                **optional,
            )
        except ClientError as exc:
            return self._after_conflict(action, exc)
        return self._created(action, response["VpcEndpoint"], context)

    def _created(
        self,
        action: CreateInterfaceEndpoint | CreateGatewayEndpoint,
        endpoint: dict[str, Any],
        context: RunContext,
    ) -> Outcome:
        """The outcome of a create, unless EC2 answered with the token's *earlier* endpoint.

        A token repeats when EC2 has forgotten a deleted endpoint on the day it was made
        (see :mod:`remediation.plan`); EC2 then returns that endpoint, deleted. The create
        is made once more with the next token, derived from that endpoint's id, so two
        runs in this situation still send one token.
        """
        endpoint_id = str(endpoint["VpcEndpointId"])
        state = str(endpoint.get("State", "")).lower()
        if state not in GONE_ENDPOINT_STATES:
            return Outcome(action, OutcomeStatus.APPLIED, "created", resource_id=endpoint_id)
        if action.client_token.startswith("eeg-2-"):  # made once more already: report it
            return Outcome(
                action,
                OutcomeStatus.FAILED,
                f"EC2 answered with {endpoint_id}, {state}, twice; left to the next run",
                resource_id=endpoint_id,
                error_code="TokenReused",
            )
        retry = dataclasses.replace(
            action, client_token=_next_token(action.client_token, endpoint_id)
        )
        return self._apply_one(retry, context)

    def _after_conflict(
        self, action: CreateInterfaceEndpoint | CreateGatewayEndpoint, exc: ClientError
    ) -> Outcome:
        """EC2 refused a create: present on a fresh read (another actor, a token) is fine."""
        code = error_code(exc)
        if code in VPC_GONE or code in DENIED:
            raise exc
        present = self._present(action)
        if present:
            return Outcome(
                action,
                OutcomeStatus.ALREADY_DONE,
                f"{present} exists on a fresh read (EC2 said {code})",
                resource_id=present,
                error_code=code,
            )
        zone = self._hub_zone(action, exc)
        if zone:
            return Outcome(
                action,
                OutcomeStatus.ALREADY_DONE,
                f"served by a centralised endpoint: the VPC is associated with the private "
                f"hosted zone {zone} (EC2 refused a local endpoint's private DNS)",
                resource_id=zone,
                error_code=code,
            )
        raise exc

    def _hub_zone(
        self, action: CreateInterfaceEndpoint | CreateGatewayEndpoint, exc: ClientError
    ) -> str:
        """After EC2's conflicting-DNS refusal: the hub's zone that caused it, if any.

        A sweep lists only the account's own zones; a hub in a network account shows
        up here, through the one call that sees zones of every owner.
        """
        message = error_message(exc)
        if not isinstance(action, CreateInterfaceEndpoint) or "conflicting DNS" not in message:
            return ""
        if self.inventory.route53 is None:
            return ""
        region = self.inventory.region
        short = action.service_name.removeprefix(f"com.amazonaws.{region}.")
        wanted = ServiceSpec(short, EndpointType.INTERFACE).private_dns_zones(region)
        try:
            found = self.inventory.zones_of(action.vpc_id)
        except (ClientError, BotoCoreError):
            return ""
        return next((z for z in wanted if z in found), "")

    def _modify_endpoint(self, action: ModifyEndpoint, context: RunContext) -> Outcome:
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
        self.ec2.modify_vpc_endpoint(**kwargs)
        return Outcome(action, OutcomeStatus.APPLIED, "modified", resource_id=action.endpoint_id)


def _next_token(token: str, returned_id: str) -> str:
    """The token to use after ``token`` returned an endpoint that is gone (64 chars max).

    >>> _next_token("eeg-abc", "vpce-1")[:6]
    'eeg-2-'
    """
    material = f"{token}|{returned_id}"
    return "eeg-2-" + hashlib.sha256(material.encode()).hexdigest()[:40]


def _with_group(action: Action, group_id: str) -> Action:
    def swap(ids: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(group_id if i == TOOL_GROUP else i for i in ids)

    if isinstance(action, CreateInterfaceEndpoint):
        return dataclasses.replace(action, group_ids=swap(action.group_ids))
    if isinstance(action, ModifyEndpoint):
        return dataclasses.replace(action, add_group_ids=swap(action.add_group_ids))
    return action
