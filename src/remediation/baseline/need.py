"""Whether a VPC needs interface endpoints at all (``ENDPOINT_NEED``): workloads and isolation.

Interface endpoints cost money per hour and AZ; the S3 gateway endpoint is free. The setting
decides where the tool puts interface endpoints (the gateway rule is the same in every mode):

``always`` (default)
    every VPC with private subnets;
``workloads``
    VPCs where container workloads run (a network interface with one of the
    :data:`SIGNATURES` below), and VPCs with a private subnet that has no route out;
``isolated``
    only VPCs with a private subnet that has no route out (pulls fail there without
    endpoints).

A private subnet *has a route out* when its route table has an active IPv4 default route
(``0.0.0.0/0``) to any target: a NAT gateway, a transit gateway (centralised egress), an
appliance or a firewall endpoint. The tool cannot see beyond that hop, so a default route
counts as a way out; a subnet without one cannot reach ECR's public names and needs the
endpoints. One such subnet is enough to make the VPC need them (the cautious reading).

Workloads are recognised from ``DescribeNetworkInterfaces`` alone (read once per VPC batch by
the inventory, no extra call), by strings, never by EC2's ``InterfaceType`` enum (real answers
carry values the enum lacks). Sources and what is unconfirmed: ``docs/cost.md``.

>>> from remediation.model import NetworkInterface
>>> workload_kind(NetworkInterface("eni-1", "subnet-1", "interface",
...     "arn:aws:ecs:us-east-1:123456789012:attachment/0a1b2c3d-aaaa-bbbb-cccc-0123456789ab"))
'an ECS task (awsvpc)'
>>> workload_kind(NetworkInterface("eni-2", "subnet-1", "nat_gateway", "Interface for NAT Gateway"))
''
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import NamedTuple

from remediation.model import NetworkInterface, Subnet, VpcSnapshot
from remediation.topology.routes import private_subnets, route_table_for

ALWAYS = "always"
WORKLOADS = "workloads"
ISOLATED = "isolated"

#: An ECS task's ENI (awsvpc network mode, EC2 or Fargate; AWS Batch on Fargate too):
#: ``Description`` "arn:aws:ecs:<region>:<account>:attachment/<uuid>".
_ECS_ATTACHMENT = re.compile(r"^arn:aws[a-z-]*:ecs:[a-z0-9-]+:[0-9]{12}:attachment/")
#: Tags the Amazon VPC CNI and the EKS VPC resource controller put on the ENIs they create.
_EKS_TAG_KEYS = ("node.k8s.amazonaws.com/instance_id", "cluster.k8s.amazonaws.com/name")
_EKS_OWNERS = frozenset({"amazon-vpc-cni", "eks-vpc-resource-controller"})
#: Node tags (``eks:cluster-name``...), when the launch template propagates them to the ENI.
_NODE_TAG_PREFIXES = ("eks:cluster-name", "eks:nodegroup-name", "kubernetes.io/cluster/")


def _ecs(i: NetworkInterface) -> bool:
    return bool(_ECS_ATTACHMENT.match(i.description))


def _eks_control_plane(i: NetworkInterface) -> bool:
    return i.description.startswith("Amazon EKS ")


def _eks_pods(i: NetworkInterface) -> bool:
    return (
        i.description.startswith(("aws-K8S-", "aws-k8s-branch-eni", "aws-k8s-trunk-eni"))
        or i.interface_type in ("branch", "trunk")
        or any(key in i.tags for key in _EKS_TAG_KEYS)
        or i.tags.get("eks:eni:owner", "") in _EKS_OWNERS
    )


def _eks_nodes(i: NetworkInterface) -> bool:
    return any(key.startswith(_NODE_TAG_PREFIXES) for key in i.tags)


#: (what it is, how it is recognised), in the order a message names them.
SIGNATURES: tuple[tuple[str, Callable[[NetworkInterface], bool]], ...] = (
    ("an ECS task (awsvpc)", _ecs),
    ("an EKS cluster's control plane", _eks_control_plane),
    ("EKS pods (VPC CNI or security groups for pods)", _eks_pods),
    ("an EKS node", _eks_nodes),
)


def workload_kind(interface: NetworkInterface) -> str:
    """What container workload the interface belongs to, or ``""`` for none."""
    return next((kind for kind, matches in SIGNATURES if matches(interface)), "")


def has_route_out(snapshot: VpcSnapshot, subnet: Subnet) -> bool:
    """True when the subnet's route table sends ``0.0.0.0/0`` somewhere (NAT, TGW, ...)."""
    table = route_table_for(snapshot, subnet.subnet_id)
    return table is not None and any(
        r.destination == "0.0.0.0/0" and r.target for r in table.routes
    )


def isolated_subnets(snapshot: VpcSnapshot) -> tuple[Subnet, ...]:
    """Private subnets with no IPv4 route out: ECR's public names are out of their reach."""
    return tuple(s for s in private_subnets(snapshot) if not has_route_out(snapshot, s))


class Need(NamedTuple):
    """The verdict: are interface endpoints needed in the VPC, why, what would change it.

    A named tuple: the handler imports this module (a dataclass costs more at a cold start).
    """

    needed: bool
    setting: str
    why: str = ""
    would_change: str = ""
    isolated: tuple[str, ...] = ()


def need(snapshot: VpcSnapshot, setting: str) -> Need:
    """The verdict for one VPC under ``setting`` (``always``, ``workloads`` or ``isolated``).

    An unknown setting counts as ``always`` (config reports it; the cautious reading is to
    protect pulls, as before the setting existed).
    """
    if setting not in (WORKLOADS, ISOLATED):
        return Need(True, ALWAYS)
    isolated = tuple(s.subnet_id for s in isolated_subnets(snapshot))
    if isolated:
        return Need(
            True,
            setting,
            why=f"private subnet(s) {', '.join(isolated)} have no route out (0.0.0.0/0): "
            "pulls fail there without endpoints",
            isolated=isolated,
        )
    found = tuple(
        (i.interface_id, kind) for i in snapshot.network_interfaces if (kind := workload_kind(i))
    )
    if setting == WORKLOADS and found:
        kinds = sorted({kind for _, kind in found})
        return Need(
            True,
            setting,
            why=f"container workloads run here: {', '.join(kinds)} "
            f"({len(found)} network interface(s), e.g. {found[0][0]})",
        )
    routes = sorted(
        {
            r.target
            for s in private_subnets(snapshot)
            if (t := route_table_for(snapshot, s.subnet_id)) is not None
            for r in t.routes
            if r.destination == "0.0.0.0/0" and r.target
        }
    )
    out = f"every private subnet has a route out (0.0.0.0/0 via {', '.join(routes)})"
    if setting == WORKLOADS:
        why = (
            f"ENDPOINT_NEED=workloads: no container workload's network interface among the "
            f"{len(snapshot.network_interfaces)} read (ECS tasks, EKS, Fargate, AWS Batch), and "
            f"{out}: pulls take that path"
        )
        change = (
            "a container workload's network interface in the VPC (an ECS service or task, an "
            "EKS node group or Fargate profile, a Batch compute environment: their events "
            "re-evaluate the VPC), a private subnet without a route out, or ENDPOINT_NEED=always"
        )
    else:
        why = f"ENDPOINT_NEED=isolated: {out}: pulls take that path"
        change = (
            "a private subnet without a route out, ENDPOINT_NEED=workloads with a container "
            "workload in the VPC, or ENDPOINT_NEED=always"
        )
    return Need(False, setting, why=why, would_change=change)
