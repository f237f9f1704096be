"""Which of the account's subnets it shares out through AWS RAM, read once per region and run.

A VPC owner that shares subnets with participant accounts (a landing zone's network account)
must not give the VPC's endpoints a policy that admits its own principals only: every
participant's image pulls would fail. :class:`Shares` reads, for the whole region,

* ``ram:ListResources`` (``resourceOwner=SELF``, ``resourceType=ec2:Subnet``): the subnets
  the account shares and the share each is in — one call per region and run, whatever the
  number of VPCs (paginated: more only past a page of shared subnets);
* ``ram:ListPrincipals`` (same filters), once more only when a VPC of the run is shared out:
  the principals of those shares (the participants whose pulls the endpoints must admit),
  joined to the subnets by share ARN.

RAM's answers (RAM API reference, ``ListResources``, ``ListPrincipals``; botocore's model):
``resources[]{arn, type, resourceShareArn, status, ...}`` and
``principals[]{id, resourceShareArn, external, ...}``, where a principal ``id`` is an account
id, an organisation ARN (``arn:aws:organizations::<mgmt>:organization/o-…``) or an OU ARN
(``…:ou/o-…/ou-…``), or an IAM role/user ARN.

A refusal no retry fixes (``AccessDenied``: the role lacks the permission, or an SCP) is
*not* a failure: the subnets are judged not shared and every VPC of the run carries the
reason (an ``info`` finding). Any other error (after the SDK's retries) is not a failure
either, and is read once per run: whether a VPC is shared is then *unknown*
(``Sharing.unread``), and the rules plan no interface endpoint whose policy would depend on
it (a warning), as they do while a VPC's hosted zones are unknown.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from remediation.aws.errors import ACCESS_DENIED, error_code, error_text
from remediation.aws.paging import pages
from remediation.surroundings import Sharing
from remediation.vocabulary import ACCOUNT_ID

SUBNET_TYPE = "ec2:Subnet"
ORGANIZATION = re.compile(
    r"^arn:aws[a-z-]*:organizations::[0-9]{12}:(?:organization|ou)/(o-[a-z0-9]+)"
)
IAM_PRINCIPAL = re.compile(r"^arn:aws[a-z-]*:iam::([0-9]{12}):")


def subnet_id_of(arn: str) -> str:
    """``subnet-…`` from a subnet's ARN (``arn:aws:ec2:<region>:<account>:subnet/subnet-…``)."""
    return arn.rsplit("/", 1)[-1] if ":subnet/" in arn else ""


@dataclass(frozen=True)
class Principal:
    """One RAM principal, read as what an endpoint policy can name."""

    accounts: frozenset[str] = frozenset()
    organization_ids: frozenset[str] = frozenset()
    unnamed: tuple[str, ...] = ()

    @classmethod
    def parse(cls, text: str) -> Principal:
        """An account id, an IAM principal's account, an organisation or OU's organisation.

        >>> Principal.parse("111122223333").accounts
        frozenset({'111122223333'})
        >>> Principal.parse("arn:aws:organizations::999988887777:ou/o-abc123def4/ou-ab12-cd34ef56")
        Principal(accounts=frozenset(), organization_ids=frozenset({'o-abc123def4'}), unnamed=())
        """
        if ACCOUNT_ID.fullmatch(text):
            return cls(accounts=frozenset({text}))
        org = ORGANIZATION.match(text)
        if org:
            return cls(organization_ids=frozenset({org.group(1)}))
        iam = IAM_PRINCIPAL.match(text)
        if iam:
            return cls(accounts=frozenset({iam.group(1)}))
        return cls(unnamed=(text,))


@dataclass
class Shares:
    """The region's shared-out subnets, read at most once (see the module docstring)."""

    ram: Any | None
    account_id: str
    _subnets: dict[str, str] | None = None  # subnet id -> share ARN
    _principals: dict[str, list[tuple[str, bool]]] | None = None  # share -> (id, external)
    _refused: str = ""
    _unread: str = ""
    _principals_refused: str = ""
    _principals_unread: str = ""

    def _read_subnets(self) -> dict[str, str]:
        if self._subnets is not None:
            return self._subnets
        self._subnets = {}
        if self.ram is None:
            return self._subnets
        try:
            for item in pages(
                self.ram,
                "list_resources",
                "resources",
                resourceOwner="SELF",
                resourceType=SUBNET_TYPE,
            ):
                subnet = subnet_id_of(str(item.get("arn", "")))
                if subnet and str(item.get("status", "AVAILABLE")).upper() == "AVAILABLE":
                    self._subnets[subnet] = str(item.get("resourceShareArn", ""))
        except (ClientError, BotoCoreError) as exc:
            if error_code(exc) in ACCESS_DENIED:
                self._refused = f"ram:ListResources was refused ({error_text(exc)})"
            else:
                self._unread = f"ram:ListResources failed ({error_text(exc)})"
            self._subnets.clear()
        return self._subnets

    def _read_principals(self) -> dict[str, list[tuple[str, bool]]]:
        if self._principals is not None:
            return self._principals
        self._principals = defaultdict(list)
        if self.ram is None:
            return self._principals
        try:
            for item in pages(
                self.ram,
                "list_principals",
                "principals",
                resourceOwner="SELF",
                resourceType=SUBNET_TYPE,
            ):
                self._principals[str(item.get("resourceShareArn", ""))].append(
                    (str(item.get("id", "")), bool(item.get("external")))
                )
        except (ClientError, BotoCoreError) as exc:
            self._principals.clear()
            if error_code(exc) in ACCESS_DENIED:
                self._principals_refused = f"ram:ListPrincipals was refused ({error_text(exc)})"
            else:
                self._principals_unread = f"ram:ListPrincipals failed ({error_text(exc)})"
        return self._principals

    def of_vpc(self, subnet_ids: Iterable[str]) -> Sharing:
        """How one VPC (by its subnets) is shared, and with whom."""
        shared = self._read_subnets()
        mine = frozenset(s for s in subnet_ids if s in shared)
        if not mine:
            return Sharing(unknown=self._refused, unread=self._unread)
        by_share = self._read_principals()
        found = [(Principal.parse(p), out) for s in sorted(mine) for p, out in by_share[shared[s]]]
        parsed = [p for p, _ in found]
        return Sharing(
            subnet_ids=mine,
            accounts=frozenset(a for p in parsed for a in p.accounts) - {self.account_id},
            external=frozenset(a for p, out in found if out for a in p.accounts),
            organization_ids=frozenset(o for p in parsed for o in p.organization_ids),
            unnamed=tuple(sorted({u for p in parsed for u in p.unnamed})),
            unknown=self._principals_refused,
            unread=self._principals_unread,
        )
