"""The evaluator's terms: three-valued truth (:class:`Tri`), the request and who makes it,
and the answer (:class:`Decision`, :class:`Verdict`)."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass


class Tri(enum.Enum):
    TRUE = "true"
    FALSE = "false"
    UNKNOWN = "unknown"

    @staticmethod
    def of(value: bool) -> Tri:
        return Tri.TRUE if value else Tri.FALSE

    def negate(self) -> Tri:
        return {Tri.TRUE: Tri.FALSE, Tri.FALSE: Tri.TRUE}.get(self, Tri.UNKNOWN)


def all_of(values: Iterable[Tri]) -> Tri:
    seen = set(values)
    if Tri.FALSE in seen:
        return Tri.FALSE
    return Tri.UNKNOWN if Tri.UNKNOWN in seen else Tri.TRUE


def any_of(values: Iterable[Tri]) -> Tri:
    seen = set(values)
    if Tri.TRUE in seen:
        return Tri.TRUE
    return Tri.UNKNOWN if Tri.UNKNOWN in seen else Tri.FALSE


class Verdict(enum.Enum):
    ALLOWED = "allowed"
    DENIED = "denied"  # an explicit Deny applies
    NOT_ALLOWED = "not-allowed"  # no Allow applies (implicit deny)
    UNKNOWN = "unknown"  # depends on something the tool cannot know


@dataclass(frozen=True)
class Caller:
    """Who sends the request through the endpoint, as far as policies can tell.

    ``account_id`` is the account whose IAM principals make the request. With
    ``service_identity`` the request is made by an identity AWS owns instead (ECR's
    layer downloads are S3 URLs presigned by an ECR service account): it is then
    known *not* to be of ``account_id`` or its organisation, and nothing more.
    ``organization_id`` is ``""`` when unknown.

    ``endpoint_account`` and ``endpoint_organization`` are the account and organisation that
    own the VPC endpoint the request goes through (``aws:VpceAccount``, ``aws:VpceOrgID``:
    IAM user guide, "AWS global condition context keys"), not the caller's: a participant
    of a VPC shared through AWS RAM pulls through the owner's endpoint and its request
    carries the owner's account. ``""``: unknown.
    """

    account_id: str
    organization_id: str = ""
    vpc_id: str = ""
    endpoint_id: str = ""
    service_identity: bool = False
    endpoint_account: str = ""
    endpoint_organization: str = ""


@dataclass(frozen=True)
class Request:
    """An action on a resource: ``resource`` exactly, or with ``any_suffix`` every
    resource whose ARN starts with it (every repository, every object of a bucket)."""

    action: str
    resource: str
    any_suffix: bool = False
    #: The account and organisation owning the resource (``aws:ResourceAccount``,
    #: ``aws:ResourceOrgID``); ``""``: unknown.
    resource_account: str = ""
    resource_organization: str = ""

    def describe(self) -> str:
        return f"{self.action} on {self.resource}{'*' if self.any_suffix else ''}"


@dataclass(frozen=True)
class Decision:
    """How a policy answers one request, and why."""

    verdict: Verdict
    #: Why: denying statements, or what the tool could not judge.
    notes: tuple[str, ...] = ()
