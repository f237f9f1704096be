"""Who pulls images through an endpoint, and what a policy does to their pulls. Pure.

The workloads are the account's and, in a VPC the account shares out through AWS RAM, the
participant accounts' (:func:`remediation.topology.consumers.participants`). Each pulls from its own
registry: ``ecr:GetAuthorizationToken`` (no resource), then ``ecr:BatchGetImage``,
``ecr:GetDownloadUrlForLayer`` and ``ecr:BatchCheckLayerAvailability`` on its repositories.
The layers come through the S3 gateway as URLs an ECR service account presigned
(data-perimeter-policy-examples, ECR guidance): a request of an AWS identity, not of the
account's principals. The evaluator (:mod:`remediation.iam_policy`) is imported on use only:
the handler's cold start does not pay for it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from remediation.baseline.policy_documents import (
    ECR_PULL_ACTIONS,
    LAYER_ACTION,
    layer_bucket_objects,
    organisation,
)
from remediation.config import Settings
from remediation.config.services import ServiceSpec
from remediation.model import Endpoint, VpcSnapshot
from remediation.topology.consumers import participants

if TYPE_CHECKING:
    from remediation.iam_policy.terms import Caller, Decision, Request

#: What a policy does to one pull request of one caller.
Blocked = list[tuple["Request", "Decision", "Caller"]]


#: The organisation of an account known to be outside ours (no real id has a hyphen there).
ANOTHER_ORGANIZATION = "o-another-organisation"


def endpoint_owner(snapshot: VpcSnapshot, settings: Settings) -> tuple[str, str]:
    """The account and organisation owning the VPC's endpoints, as every request through them
    carries them (``aws:VpceAccount``, ``aws:VpceOrgID``), whoever makes it.

    The model keeps no endpoint's ``OwnerId``: the tool judges only VPCs of its own account
    (a VPC shared with it is skipped), and reads their endpoints there, so the owner is the
    account. Its organisation is the one the tool knows (:func:`organisation`); ``""``: unknown.
    """
    return snapshot.account_id, organisation(snapshot, settings)


def callers(snapshot: VpcSnapshot, settings: Settings, endpoint: Endpoint) -> list[Caller]:
    """The workloads that pull through the endpoint: the account's, then the participants'
    (those RAM marks ``external`` belong to another organisation)."""
    from remediation.iam_policy.terms import Caller  # noqa: PLC0415

    outside = snapshot.sharing.external
    owner, owner_organization = endpoint_owner(snapshot, settings)
    return [
        Caller(
            account_id=account,
            organization_id=ANOTHER_ORGANIZATION
            if account in outside
            else settings.organization_id,
            vpc_id=snapshot.vpc_id,
            endpoint_id=endpoint.endpoint_id,
            endpoint_account=owner,
            endpoint_organization=owner_organization,
        )
        for account in (snapshot.account_id, *sorted(participants(snapshot)))
    ]


def pull_requests(snapshot: VpcSnapshot, settings: Settings, caller: Caller) -> list[Request]:
    """An image pull by ``caller`` from its own registry, request by request."""
    from remediation.iam_policy.terms import Request  # noqa: PLC0415

    repositories = f"arn:aws:ecr:{snapshot.region}:{caller.account_id}:repository/"
    return [
        Request(action, "*")
        if action == "ecr:GetAuthorizationToken"
        else Request(
            action,
            repositories,
            any_suffix=True,
            resource_account=caller.account_id,
            resource_organization=settings.organization_id,
        )
        for action in ECR_PULL_ACTIONS
    ]


def layer_caller(snapshot: VpcSnapshot, settings: Settings, endpoint: Endpoint) -> Caller:
    from remediation.iam_policy.terms import Caller  # noqa: PLC0415

    owner, owner_organization = endpoint_owner(snapshot, settings)
    return Caller(
        account_id=snapshot.account_id,
        organization_id=settings.organization_id,
        vpc_id=snapshot.vpc_id,
        endpoint_id=endpoint.endpoint_id,
        service_identity=True,
        endpoint_account=owner,
        endpoint_organization=owner_organization,
    )


def layer_request(snapshot: VpcSnapshot) -> Request:
    from remediation.iam_policy.terms import Request  # noqa: PLC0415

    return Request(LAYER_ACTION, layer_bucket_objects(snapshot.region), any_suffix=True)


def judge(
    snapshot: VpcSnapshot, settings: Settings, spec: ServiceSpec, endpoint: Endpoint, policy: str
) -> tuple[Blocked, Blocked]:
    """The pulls ``policy`` would block, and those it leaves to a person, on this endpoint."""
    from remediation.iam_policy.evaluation import evaluate  # noqa: PLC0415
    from remediation.iam_policy.terms import Verdict  # noqa: PLC0415

    if spec.name == "s3":
        asks = [(layer_request(snapshot), layer_caller(snapshot, settings, endpoint))]
    else:
        asks = [
            (r, c)
            for c in callers(snapshot, settings, endpoint)
            for r in pull_requests(snapshot, settings, c)
        ]
    blocked: Blocked = []
    unknown: Blocked = []
    for request, caller in asks:
        decision = evaluate(policy, request, caller)
        if decision.verdict in (Verdict.DENIED, Verdict.NOT_ALLOWED):
            blocked.append((request, decision, caller))
        elif decision.verdict is Verdict.UNKNOWN:
            unknown.append((request, decision, caller))
    return blocked, unknown


def why(decisions: Blocked, *, who: bool = False) -> str:
    from remediation.iam_policy.terms import Verdict  # noqa: PLC0415

    parts = []
    for request, decision, caller in decisions:
        reason = "; ".join(decision.notes) or (
            "explicitly denied" if decision.verdict is Verdict.DENIED else "no statement allows it"
        )
        by = f" by {caller.account_id}" if who and not caller.service_identity else ""
        parts.append(f"{request.action}{by} ({reason})")
    return ", ".join(dict.fromkeys(parts))
