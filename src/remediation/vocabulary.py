"""The words every layer shares: endpoint types and states, the account-id pattern, the tool's
tags.

The bottom floor, below :mod:`remediation.model`: settings, events and modes read these
without loading the snapshot's types (a refused event, the handler's commonest, needs none).
"""

from __future__ import annotations

import enum
import re

#: An AWS account id: twelve ASCII digits (use ``fullmatch``; ``\d`` would admit other scripts'
#: digits). The one definition every reader of account ids uses.
ACCOUNT_ID = re.compile(r"[0-9]{12}")

#: Tag prefix shared by everything the tool reads or writes.
TAG_PREFIX = "ecr-endpoint-guard"
#: Tag the tool puts on every resource it creates; its value is "true".
MANAGED_TAG = f"{TAG_PREFIX}/managed"

#: A VPC endpoint's ``State`` (lower case) while it serves or is about to, and once it is gone.
USABLE_ENDPOINT_STATES = frozenset({"pending", "pendingacceptance", "available"})
GONE_ENDPOINT_STATES = frozenset({"deleted", "rejected", "failed", "expired"})


class EndpointType(enum.StrEnum):
    """A VPC endpoint's type, as EC2 spells it."""

    INTERFACE = "Interface"
    GATEWAY = "Gateway"
    #: A Gateway Load Balancer endpoint (a firewall's or an appliance's; Network Firewall's
    #: endpoints are such endpoints): never one of the tool's, a route's target.
    GATEWAY_LOAD_BALANCER = "GatewayLoadBalancer"
