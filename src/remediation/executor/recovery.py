"""Recovery after a conflict: what a fresh read says when EC2 refused or answered oddly.

When EC2 says that what an action wanted exists already (someone else made it
meanwhile, or a retried token), a fresh read decides: present means
``already-done``, never a second resource. A refusal of private DNS because a hub's
private hosted zone serves the VPC is done too (served centrally). Reads go
through :class:`~remediation.executor.reader.FreshReader` only.

"Present" is what the action wanted, not any endpoint of its service:

* a gateway (:class:`~remediation.actions.CreateGatewayEndpoint`): a usable gateway
  endpoint of the service whose route tables include every route table of the action.
  A VPC may hold several gateways of one service (the perimeter gateway for inspected
  route tables beside a full-access one), so another gateway on other tables, or on
  some of the action's tables only, explains nothing: the refusal (a quota, a tag
  policy, a route table EC2 refuses) is then classified as it is and reaches a person.
  Its policy need not be the action's: a gateway someone else put on those tables is
  their choice, and the next run's rules judge it (``egress-inspected`` names an
  inspected table routed through it, ``gateway-policy-blocks-ecr-layers`` a policy
  that blocks pulls); a retried token's endpoint carries the action's policy anyway.
* an interface endpoint (:class:`~remediation.actions.CreateInterfaceEndpoint`): a
  usable *interface* endpoint of the service, wherever it is. The plan creates one only
  when the VPC has no usable interface endpoint of the service
  (:mod:`remediation.baseline.interface_endpoints`), and the next run repairs one found
  here in place (its zones, private DNS, groups). A gateway of the same service name
  (``s3``, ``dynamodb``: both kinds share it) is not one.
"""

from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError

from remediation.actions import CreateGatewayEndpoint, CreateInterfaceEndpoint
from remediation.aws.errors import error_code, error_message
from remediation.config.services import ServiceSpec
from remediation.executor.reader import FreshReader
from remediation.executor.step import Timing
from remediation.outcomes import Outcome, OutcomeStatus
from remediation.vocabulary import EndpointType

POLL_SECONDS = 5.0

Create = CreateInterfaceEndpoint | CreateGatewayEndpoint


def present(reader: FreshReader, action: Create) -> str:
    """The lowest id of a usable endpoint that is what the action wanted, or ``""``.

    Of the action's kind and service in its VPC; for a gateway, on every route table of
    the action (see the module's text).
    """
    if isinstance(action, CreateGatewayEndpoint):
        kind, wanted = EndpointType.GATEWAY, set(action.route_table_ids)
    else:
        kind, wanted = EndpointType.INTERFACE, set()
    found = [
        e
        for e in reader.endpoints_of(action.vpc_id, action.service_name)
        if e.usable and e.endpoint_type is kind and wanted <= set(e.route_table_ids)
    ]
    return min((e.endpoint_id for e in found), default="")


def after_conflict(reader: FreshReader, action: Create, exc: ClientError) -> Outcome | None:
    """EC2 refused a create: present on a fresh read (another actor, a token) is fine.

    ``None`` when the fresh read explains nothing: the error is then classified as is.
    """
    code = error_code(exc)
    found = present(reader, action)
    if found:
        return Outcome(
            action,
            OutcomeStatus.ALREADY_DONE,
            f"{found} exists on a fresh read (EC2 said {code})",
            resource_id=found,
            error_code=code,
        )
    zone = hub_zone(reader, action, exc)
    if zone:
        return Outcome(
            action,
            OutcomeStatus.ALREADY_DONE,
            f"served by a centralised endpoint: the VPC is associated with the private "
            f"hosted zone {zone} (EC2 refused a local endpoint's private DNS)",
            resource_id=zone,
            error_code=code,
        )
    return None


def hub_zone(reader: FreshReader, action: Create, exc: ClientError) -> str:
    """After EC2's conflicting-DNS refusal: the hub's zone that caused it, if any.

    A sweep lists only the account's own zones; a hub in a network account shows
    up here, through the one call that sees zones of every owner.
    """
    if not isinstance(action, CreateInterfaceEndpoint):
        return ""
    if "conflicting DNS" not in error_message(exc) or not reader.has_route53:
        return ""
    short = action.service_name.removeprefix(f"com.amazonaws.{reader.region}.")
    wanted = ServiceSpec(short, EndpointType.INTERFACE).private_dns_zones(reader.region)
    try:
        found = reader.zones_of(action.vpc_id)
    except (ClientError, BotoCoreError):
        return ""
    return next((z for z in wanted if z in found), "")


def wait_for_deletion(reader: FreshReader, endpoint_ids: tuple[str, ...], timing: Timing) -> bool:
    """Poll until none of ``endpoint_ids`` is ``deleting`` (bounded by ``wait_seconds``)."""
    deadline = timing.clock() + timing.wait_seconds
    while True:
        states = reader.endpoint_states(endpoint_ids)
        if states is None or "deleting" not in states.values():
            return True  # gone, or EC2 has forgotten them
        if timing.clock() >= deadline:
            return False
        if timing.time_left is not None and timing.time_left() < POLL_SECONDS + 5.0:
            return False
        timing.sleep(min(POLL_SECONDS, max(0.0, deadline - timing.clock())))
