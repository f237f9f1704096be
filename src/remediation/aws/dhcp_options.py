"""The DNS servers a VPC's DHCP options set gives its instances (``domain-name-servers``).

A DHCP options set cannot be changed once created (a VPC is given another set instead), so
what was read for an id stays true: it is cached for the execution environment.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from remediation.aws.paging import pages

log = logging.getLogger(__name__)

#: DHCP options sets by (account, region, endpoint) then id: immutable, so cached for good.
_DHCP_CACHE: dict[tuple[str, str, str], dict[str, tuple[str, ...]]] = {}


def reset() -> None:
    """Forget the DHCP options sets read (tests: each moto account is new)."""
    _DHCP_CACHE.clear()


def dns_servers(
    ec2: Any, vpcs: Sequence[Mapping[str, Any]], *, account_id: str, region: str
) -> dict[str, tuple[str, ...]]:
    """``domain-name-servers`` of each DHCP options set the VPCs use (one read, cached).

    A DHCP options set cannot be changed once created (a VPC is given another set
    instead), so what was read for an id stays true: :data:`_DHCP_CACHE` keeps it for
    the execution environment. A failed read is logged and means "not known".
    """
    ids = sorted({str(v.get("DhcpOptionsId") or "") for v in vpcs} - {"", "default"})
    key = (account_id, region, str(getattr(ec2.meta, "endpoint_url", "")))
    cache = _DHCP_CACHE.setdefault(key, {})
    missing = [i for i in ids if i not in cache]
    if missing:
        try:
            for item in pages(ec2, "describe_dhcp_options", "DhcpOptions", DhcpOptionsIds=missing):
                servers: tuple[str, ...] = ()
                for conf in item.get("DhcpConfigurations", []):
                    if conf.get("Key") == "domain-name-servers":
                        servers = tuple(str(v.get("Value", "")) for v in conf.get("Values", []))
                cache[str(item.get("DhcpOptionsId", ""))] = servers
        except (ClientError, BotoCoreError) as exc:
            log.warning("could not read DHCP options", extra={"error": str(exc)})
    return {i: cache[i] for i in ids if i in cache}
