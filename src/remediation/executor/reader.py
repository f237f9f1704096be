"""The executor's fresh reads: a small, typed reader over the inventory's read-only client.

The executor never reads through ``inventory.ec2`` itself: recovery after a conflict,
the wait for a deleting endpoint and the wait for a new group to become visible read
through these few methods only, so what recovery may look at is written down here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from remediation.aws.errors import error_code
from remediation.model import Endpoint
from remediation.vocabulary import MANAGED_TAG

if TYPE_CHECKING:
    from remediation.aws.inventory import Inventory

VPC_GONE = frozenset({"InvalidVpcID.NotFound", "InvalidVpcId.NotFound"})
GROUP_UNKNOWN = frozenset({"InvalidGroup.NotFound", "InvalidGroupId.NotFound"})


class FreshReader:
    """Just the reads recovery needs, through a client that cannot write."""

    def __init__(self, inventory: Inventory) -> None:
        self._inventory = inventory
        self._ec2: Any = inventory.ec2  # a ReadOnlyClient
        self.region: str = inventory.region
        self.has_route53: bool = inventory.route53 is not None

    def vpc_exists(self, vpc_id: str) -> bool:
        """False only when EC2 says the VPC is gone (a failed read counts as present)."""
        try:
            return bool(self._ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"])
        except ClientError as exc:
            return error_code(exc) not in VPC_GONE
        except BotoCoreError:
            return True

    def endpoints_of(self, vpc_id: str, service_name: str) -> list[Endpoint]:
        """One service's endpoints in one VPC, any state."""
        return self._inventory.endpoints_of(vpc_id, service_name)

    def endpoint_states(self, endpoint_ids: tuple[str, ...]) -> dict[str, str] | None:
        """State by endpoint id (lower case); ``None`` when EC2 has forgotten them all."""
        try:
            items = self._ec2.describe_vpc_endpoints(VpcEndpointIds=list(endpoint_ids))
        except ClientError as exc:
            if error_code(exc) != "InvalidVpcEndpointId.NotFound":
                raise
            return None
        return {
            str(i["VpcEndpointId"]): str(i.get("State", "")).lower()
            for i in items.get("VpcEndpoints", [])
        }

    def tool_group_by_name(self, vpc_id: str, group_name: str) -> str:
        """The id of the group named ``group_name`` that carries the tool's tag, or ``""``."""
        found = self._ec2.describe_security_groups(
            Filters=[
                {"Name": "vpc-id", "Values": [vpc_id]},
                {"Name": "group-name", "Values": [group_name]},
                {"Name": f"tag:{MANAGED_TAG}", "Values": ["true"]},
            ]
        )["SecurityGroups"]
        return str(found[0]["GroupId"]) if found else ""

    def group_visible(self, group_id: str) -> bool:
        """Whether EC2 answers for the group yet (it is eventually consistent after a create)."""
        try:
            return bool(self._ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"])
        except ClientError as exc:
            if error_code(exc) in GROUP_UNKNOWN:
                return False
            raise

    def zones_of(self, vpc_id: str) -> set[str]:
        """Private hosted zones associated with the VPC, of any owner."""
        return self._inventory.zones_of(vpc_id)
