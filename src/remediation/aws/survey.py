"""The reads of one evaluation, in two steps: what is read for all the VPCs at once, then what is
read per VPC.

:meth:`remediation.aws.inventory.Inventory.survey` makes a :class:`Survey` (the VPCs, their
subnets, route tables, endpoints and interfaces, the DHCP options, and for a sweep the groups and
the region's facts); :meth:`Survey.snapshots` reads the rest for the VPCs asked (two DNS
attributes each, the hosted zones and DNS paths of those that need them, and for named VPCs the
groups and facts their judgement needs) and builds their snapshots, through the inventory.
A sweep asks for its VPCs slice by slice, stopping when its deadline comes
(:mod:`remediation.coverage`): the read phase keeps the deadline too.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from remediation.config import Settings
from remediation.model import VpcSnapshot
from remediation.surroundings import RegionFacts

Grouped = Mapping[str, list[dict[str, Any]]]


def _name(vpc: Mapping[str, Any]) -> str:
    for tag in vpc.get("Tags") or ():
        if tag.get("Key") == "Name":
            return str(tag.get("Value", ""))
    return ""


@dataclass
class Survey:
    """What was read for all the VPCs at once; :meth:`snapshots` reads and builds the rest."""

    vpcs: dict[str, dict[str, Any]]
    sweep: bool
    #: ``(survey, vpc_ids) -> snapshots``: the inventory's per-VPC reads and assembly.
    build: Callable[[Survey, Sequence[str]], list[VpcSnapshot]]
    settings: Settings | None = None
    #: The VPC ids of a read of named VPCs; ``None`` for a sweep (every VPC of the region).
    scope: list[str] | None = None
    subnets: Grouped = field(default_factory=dict)
    tables: Grouped = field(default_factory=dict)
    endpoints: Grouped = field(default_factory=dict)
    #: ``None``: not read with the rest (named VPCs: read per VPC when needed, with the facts).
    groups: Grouped | None = None
    interfaces: Grouped = field(default_factory=dict)
    facts: RegionFacts | None = None
    #: DHCP options set id -> its DNS servers; ``None``: not read with the rest (named VPCs:
    #: read for the VPCs something answers ECR's names for, in the inventory's build).
    dns_servers: Mapping[str, tuple[str, ...]] | None = None

    @property
    def vpc_ids(self) -> tuple[str, ...]:
        """Every VPC read, in the order EC2 listed them."""
        return tuple(self.vpcs)

    def name(self, vpc_id: str) -> str:
        """The VPC's ``Name`` tag (for a VPC not reached: its result still names it)."""
        return _name(self.vpcs.get(vpc_id, {}))

    def snapshots(self, vpc_ids: Sequence[str]) -> list[VpcSnapshot]:
        """The snapshots of these VPCs (of this survey; a VPC gone since is left out)."""
        return self.build(self, [v for v in vpc_ids if v in self.vpcs])
