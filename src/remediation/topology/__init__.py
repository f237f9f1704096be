"""Derived facts of a snapshot: which subnets and route tables are private, by AZ, which of
them are on an inspected path, and which accounts besides the owner use the VPC.

A subnet is *private* when the route table in effect for it (its explicit
association, else the VPC's main route table) has no default route
(``0.0.0.0/0`` or ``::/0``) to an internet gateway (``igw-``) or to a carrier gateway
(``cagw-``, a Wavelength Zone's way out to the carrier network and the internet); only
active routes count (a blackhole route to an internet gateway leads nowhere now). An
egress-only internet gateway (``eigw-``) or a local gateway (``lgw-``, an Outpost's way to
the on-premises network) does not make a subnet public. Neither does an internet gateway
that VPC Block Public Access blocks for the subnet (mode ``block-bidirectional`` and no
exclusion in force: :func:`egress_blocked`): such a subnet is private for the S3 route and
for endpoint placement. A route table counts as private only when no public subnet uses it.

A private route table is *inspected* when its default route leads to inspection (a transit
gateway, a Gateway Load Balancer or firewall endpoint, an appliance, Cloud WAN), even while
that route is blackhole (its target unavailable now), or when a subnet using it holds a
transit interface
(:func:`~remediation.topology.inspection.inspected_route_tables`): the one place every rule
learns where an S3 route or an endpoint would take traffic off an inspected path.

A private subnet can hold an interface endpoint of a service only when it is not on an
Outpost, in a zone where the service is offered (compared by AZ **ID**, or by name when EC2
gives no IDs; Local and Wavelength Zones are never in an AWS service's list), and not
IPv6-only (:func:`~remediation.topology.endpoints.endpoint_subnets`).

Modules: :mod:`~remediation.topology.routes` (private subnets and route tables, VPC Block
Public Access), :mod:`~remediation.topology.endpoints` (where an interface endpoint can go,
the AZs it covers, the tool's group, what already serves a gateway service),
:mod:`~remediation.topology.inspection` (inspected paths) and
:mod:`~remediation.topology.consumers` (who else uses the VPC's endpoints).
"""
