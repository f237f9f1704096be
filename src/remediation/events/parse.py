"""Every supported EventBridge event, sent to the parser of its shape.

:func:`parse_event` turns an EventBridge envelope into a :class:`Trigger` (what
to evaluate) or a :class:`Refusal` (why nothing is done). It never raises and
never calls AWS. The schedule's sweep is read here; CloudTrail's API calls by
:mod:`remediation.events.cloudtrail` (where each call's ids are: its table
``EXTRACTORS``), Security Hub's events by :mod:`remediation.events.securityhub`,
loaded on that path only. Every id is validated before it can reach an API.

Examples
--------
>>> event = {
...     "version": "0", "id": "e1", "source": "aws.ec2",
...     "detail-type": "AWS API Call via CloudTrail",
...     "account": "123456789012", "region": "us-east-1",
...     "detail": {
...         "eventName": "ModifyVpcAttribute",
...         "requestParameters": {"vpcId": "vpc-0a1b2c3d4e5f67890",
...                               "enableDnsSupport": {"value": False}},
...     },
... }
>>> parse_event(event).vpc_ids
('vpc-0a1b2c3d4e5f67890',)
>>> parse_event({"hello": "world"}).reason[:38]
'not a CloudTrail EC2 API call: source '
"""

from __future__ import annotations

from typing import Any, Final

from remediation.events.cloudtrail import parse_cloudtrail_event
from remediation.events.fields import Refused, account_and_region, event_id, quote
from remediation.events.triggers import SECURITY_HUB_SOURCE, Refusal, Trigger

SCHEDULE_SOURCE: Final = "aws.events"
SCHEDULE_DETAIL_TYPE: Final = "Scheduled Event"


def scheduled_by_a_rule(event: object) -> bool:
    """True for a Scheduled Event that an EventBridge rule sent: it names the rule in
    ``resources`` (EventBridge User Guide, "Scheduled events": ``"resources": ["arn:aws:events:
    <region>:<account>:rule/<name>"]``). A sweep a person starts by hand (docs/deploy.md sends
    ``"resources": []``) is not one: it skips the random delay that spreads scheduled sweeps.

    >>> scheduled_by_a_rule({"resources": ["arn:aws:events:eu-west-1:1:rule/x"]})
    True
    >>> scheduled_by_a_rule({"resources": []}), scheduled_by_a_rule(None)
    (False, False)
    """
    return isinstance(event, dict) and bool(event.get("resources"))


def _parse(event: object, own_role_arns: frozenset[str]) -> Trigger | Refusal:
    if not isinstance(event, dict):
        return Refusal(f"event is not a JSON object: got {quote(event)}")
    source, detail_type = event.get("source"), event.get("detail-type")
    if source == SECURITY_HUB_SOURCE:
        from remediation.events.securityhub import (  # noqa: PLC0415 - Security Hub's path only
            parse_securityhub_event,
        )

        return parse_securityhub_event(event)
    if source == SCHEDULE_SOURCE and detail_type == SCHEDULE_DETAIL_TYPE:
        raw_detail = event.get("detail")
        detail: dict[str, Any] = raw_detail if isinstance(raw_detail, dict) else {}
        found_id = event_id(event.get("id"))
        try:
            account, region = account_and_region(event, detail)
        except Refused as refused:
            return Refusal(refused.reason, event_id=found_id, event_name=SCHEDULE_DETAIL_TYPE)
        return Trigger(found_id, SCHEDULE_DETAIL_TYPE, account, region, sweep=True)
    return parse_cloudtrail_event(event, own_role_arns)


def parse_event(
    event: object,
    *,
    own_role_arns: frozenset[str] = frozenset(),
) -> Trigger | Refusal:
    """Turn one EventBridge event into a :class:`Trigger` or a :class:`Refusal`.

    Never raises and never calls AWS, whatever ``event`` holds.

    Parameters
    ----------
    event
        The event as the Lambda handler receives it (decoded JSON): a CloudTrail
        ``AWS API Call via CloudTrail`` event from ``aws.ec2``, a ``Scheduled
        Event`` from ``aws.events`` (the periodic sweep), or a Security Hub event
        (:mod:`remediation.events.securityhub`).
    own_role_arns
        IAM role ARNs of the tool itself (``arn:aws:iam::ACCOUNT:role/NAME``):
        a call whose ``userIdentity.sessionContext.sessionIssuer.arn`` is one of
        them is ignored. This is the reliable test.

    Returns
    -------
    Trigger or Refusal
        A ``Trigger`` carries only validated ids (at most
        :data:`~remediation.events.fields.MAX_IDS`, de-duplicated in order). A
        ``Refusal`` has ``ignored=True`` for a failed or dry-run call and for the
        tool's own call, ``ignored=False`` for anything malformed or unsupported;
        its reason quotes at most :data:`~remediation.events.fields.MAX_QUOTE`
        characters of any value from the event.

    Examples
    --------
    >>> delete = {
    ...     "id": "4a894db7-e48f-42b9-aa5d-670af9a3638e", "source": "aws.ec2",
    ...     "detail-type": "AWS API Call via CloudTrail",
    ...     "account": "123456789012", "region": "us-east-1",
    ...     "detail": {"eventName": "DeleteVpcEndpoints", "requestParameters": {
    ...         "DeleteVpcEndpointsRequest": {"VpcEndpointId": [
    ...             {"tag": 1, "content": "vpce-0a1b2c3d4e5f60001"},
    ...             {"tag": 2, "content": "vpce-0a1b2c3d4e5f60002"}]}}},
    ... }
    >>> trigger = parse_event(delete)
    >>> trigger.endpoint_ids, trigger.vpc_ids, trigger.needs_resolution
    (('vpce-0a1b2c3d4e5f60001', 'vpce-0a1b2c3d4e5f60002'), (), True)
    >>> delete["detail"]["errorCode"] = "Client.DryRunOperation"
    >>> refusal = parse_event(delete)
    >>> refusal.ignored, refusal.reason[:55]
    (True, "the call returned errorCode 'Client.DryRunOperation' (f")
    """
    try:
        return _parse(event, frozenset(own_role_arns))
    except Refused as refused:
        return Refusal(refused.reason)
    except Exception as exc:  # the promise is "never raises": a bug must not crash the handler
        return Refusal(f"internal error while parsing the event: {type(exc).__name__}")
