"""AWS RAM's list calls and participants' network interfaces, for the real-EC2 model.

moto 5.2 keeps resource shares (``CreateResourceShare``) but answers ``ListResources`` and
``ListPrincipals`` with 404 "Not yet implemented", and makes every network interface its
creator's. :func:`ram_answer` answers the two calls from moto's shares, shaped as RAM
returns them; :mod:`tests.support.strict_ec2` routes RAM's requests here and gives an
interface the owner ``RealEc2.interface_owners`` names (a participant's interface in a VPC
the account shares out carries the participant's ``OwnerId``:
https://docs.aws.amazon.com/vpc/latest/userguide/vpc-sharing.html, "VPC owners can view the
details for all the network interfaces ... attached to the participant resources").
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from moto.iam.models import get_account_id_from
from moto.ram.models import ram_backends

if TYPE_CHECKING:
    from tests.support.strict_ec2 import RealEc2

RAM_LISTS = ("/listresources", "/listprincipals")
#: RAM refusals answer 403 (``AccessDeniedException``); other modelled failures 400.
DENIED_STATUS = 403


def _ram_type(arn: str) -> str:
    """``ec2:Subnet`` from ``arn:aws:ec2:<region>:<account>:subnet/subnet-…`` (RAM's
    ``Resource.type``, ``<service>:<Type>``; matched case-insensitively)."""
    parts = arn.split(":", 5)
    if len(parts) < 6:
        return ""
    kind = parts[5].split("/", 1)[0]
    return f"{parts[2]}:{kind[:1].upper()}{kind[1:]}"


def ram_answer(real: RealEc2, request: Any) -> tuple[int, dict[str, str], str]:
    """RAM's ``ListResources`` and ``ListPrincipals`` from moto's resource shares (moto 5.2
    answers 404 "Not yet implemented"); ``resourceOwner=SELF`` only.

    https://docs.aws.amazon.com/ram/latest/APIReference/API_ListResources.html
    https://docs.aws.amazon.com/ram/latest/APIReference/API_ListPrincipals.html
    A principal is ``external`` when it is outside the owner's organisation
    (https://docs.aws.amazon.com/ram/latest/APIReference/API_Principal.html); moto's accounts
    belong to no organisation, so an account principal is external, an organisation's or OU's
    is not.
    """
    if real.ram_failures:
        code = real.ram_failures[0]
        body = json.dumps({"message": f"{code} (modelled)"})
        status = DENIED_STATUS if code.startswith("AccessDenied") else 400
        return status, {"x-amzn-errortype": code}, body
    url = urlparse(request.url)
    region = url.netloc.split(".")[1]
    header = str(request.headers.get("Authorization", ""))
    key = header.split("Credential=", 1)[-1].split("/", 1)[0]
    backend = ram_backends[get_account_id_from(key)][region]
    query = json.loads(request.body or b"{}")
    wanted = str(query.get("resourceType", "")).lower()
    shares = [s for s in backend.resource_shares if s.status == "ACTIVE"]

    def typed(share: Any) -> list[str]:
        return [a for a in share.resource_arns if not wanted or _ram_type(a).lower() == wanted]

    if url.path.rstrip("/").endswith("listresources"):
        items = [
            {
                "arn": arn,
                "type": _ram_type(arn),
                "resourceShareArn": share.arn,
                "status": "AVAILABLE",
                "resourceRegionScope": "REGIONAL",
            }
            for share in shares
            for arn in typed(share)
        ]
        return 200, {}, json.dumps({"resources": items})
    principals: list[dict[str, object]] = [
        {
            "id": principal,
            "resourceShareArn": share.arn,
            "external": not principal.startswith("arn:aws:organizations"),
        }
        for share in shares
        if typed(share)
        for principal in share.principals
    ]
    return 200, {}, json.dumps({"principals": principals})
