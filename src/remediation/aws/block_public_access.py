"""VPC Block Public Access exclusions: read only when a subnet needs them, then kept a while.

Every subnet carries its ``BlockPublicAccessStates.InternetGatewayBlockMode``
(``DescribeSubnets``), so the account's mode costs no read, and the region's options
(``DescribeVpcBlockPublicAccessOptions``) are not read. Only when a subnet with an internet
or egress-only gateway route reports ``block-bidirectional`` does the tool need to know
whether an exclusion lets that subnet out: ``DescribeVpcBlockPublicAccessExclusions`` (at
most 50 exclusions per account and region: one page), read once per execution environment
and kept for :data:`TTL_SECONDS`, like the region's endpoint-service facts. A region
without BPA costs nothing; one with bidirectional BPA one read in a cold environment.

A refused or failed read is data: the exclusions are *unknown*, the subnets are judged as
if BPA were off (the tool's behaviour before it read BPA), and the baseline says so
(``info``, naming the permission). A refusal no retry fixes (missing permission, operation
unknown to the endpoint) is kept like an answer; any other failure is read again next time.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from remediation.aws.errors import ACCESS_DENIED, error_code, error_text
from remediation.aws.kept import Kept
from remediation.surroundings import ACTIVE_EXCLUSION_STATES, BlockPublicAccess

log = logging.getLogger(__name__)

#: How long a warm environment trusts what it read (seconds).
TTL_SECONDS = 900.0
PERMISSION = "ec2:DescribeVpcBlockPublicAccessExclusions"
#: Refusals no retry fixes: kept like an answer until the TTL runs out.
PERMANENT = ACCESS_DENIED | {"InvalidAction", "UnsupportedOperation", "OptInRequired"}

_CACHE: Kept[BlockPublicAccess] = Kept()


def reset() -> None:
    """Forget what was read (tests: a new moto account must be read afresh)."""
    _CACHE.clear()


def parse_exclusions(items: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """Resource id (``vpc-...``/``subnet-...``) -> exclusion mode, for exclusions in force.

    >>> parse_exclusions([
    ...     {"ResourceArn": "arn:aws:ec2:us-east-1:123456789012:subnet/subnet-1",
    ...      "InternetGatewayExclusionMode": "allow-egress", "State": "create-complete"},
    ...     {"ResourceArn": "arn:aws:ec2:us-east-1:123456789012:vpc/vpc-1",
    ...      "InternetGatewayExclusionMode": "allow-bidirectional", "State": "delete-complete"},
    ... ])
    {'subnet-1': 'allow-egress'}
    """
    found: dict[str, str] = {}
    for item in items:
        if str(item.get("State", "")) not in ACTIVE_EXCLUSION_STATES:
            continue
        resource = str(item.get("ResourceArn", "")).rsplit("/", 1)[-1]
        if resource.startswith(("vpc-", "subnet-")):
            found[resource] = str(item.get("InternetGatewayExclusionMode", ""))
    return found


def _endpoint(ec2: Any) -> str:
    return str(getattr(getattr(ec2, "meta", None), "endpoint_url", "") or "")


def block_public_access(
    ec2: Any, *, account_id: str, region: str, clock: Callable[[], float] = time.monotonic
) -> BlockPublicAccess:
    """The region's exclusions in force, from the cache when fresh (``ec2`` is read-only)."""
    key = (account_id, region, _endpoint(ec2))
    now = clock()
    cached = _CACHE.fresh(key, now, ttl=TTL_SECONDS)
    if cached is not None:
        return cached
    items: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {}
    try:
        while True:
            page = ec2.describe_vpc_block_public_access_exclusions(**kwargs)
            items += page.get("VpcBlockPublicAccessExclusions", [])
            if not page.get("NextToken"):
                break
            kwargs["NextToken"] = page["NextToken"]
    except (ClientError, BotoCoreError) as exc:
        log.warning("could not read the VPC BPA exclusions", extra={"error": str(exc)})
        facts = BlockPublicAccess(unknown=f"{PERMISSION} failed: {error_text(exc)}")
        if error_code(exc) in PERMANENT:
            _CACHE.put(key, now, facts)
        return facts
    facts = BlockPublicAccess(exclusions=MappingProxyType(parse_exclusions(items)))
    _CACHE.put(key, now, facts)
    return facts
