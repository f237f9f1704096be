"""Which VPCs of a region a scan takes: ``--exclude-vpc`` and ``--tag``, applied to the
region's listing (one paginated DescribeVpcs, which gives each VPC's tags)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from remediation.aws.read_only import ReadOnlyClient


@dataclass(frozen=True)
class VpcFilter:
    """``--exclude-vpc`` and ``--tag``: which VPCs of a region's listing a scan takes."""

    exclude: frozenset[str] = frozenset()
    #: ``(key, value)``: the VPC has the tag with that value; ``(key, None)``: any value.
    tags: tuple[tuple[str, str | None], ...] = ()

    def takes(self, vpc: dict[str, Any]) -> bool:
        """True for a VPC (as DescribeVpcs lists it) the scan takes.

        >>> VpcFilter(tags=(("team", "a"),)).takes({"VpcId": "vpc-1", "Tags": []})
        False
        """
        if str(vpc.get("VpcId")) in self.exclude:
            return False
        tags = {str(t.get("Key")): str(t.get("Value", "")) for t in vpc.get("Tags") or ()}
        return all(k in tags and (v is None or tags[k] == v) for k, v in self.tags)


def list_vpc_ids(ec2: Any, vpc_filter: VpcFilter | None = None) -> list[str]:
    """Every VPC id of the region the filter takes, in the order EC2 lists them (one paginated
    read: DescribeVpcs gives each VPC's tags)."""
    reader = ReadOnlyClient(ec2)
    takes = (vpc_filter or VpcFilter()).takes
    return [
        str(v["VpcId"])
        for page in reader.get_paginator("describe_vpcs").paginate()
        for v in page.get("Vpcs", [])
        if takes(v)
    ]
