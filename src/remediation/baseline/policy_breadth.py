"""How much wider one endpoint policy is than another: the tool never loosens a policy.

Breadth is measured with the policy evaluator (:mod:`remediation.iam_policy`) over a fixed
set of *probes*: requests by the VPC's workloads (the account, the participants of a shared
VPC), by another account of the organisation, by an account outside it, and by the AWS
service identity that signs ECR's layer URLs — pulls, pushes, deletes, and, on S3, reads and
writes of the organisation's buckets, of a bucket outside it and of ECR's layer bucket.

A restored policy *widens* the policy it replaces when it may allow a probe (allowed, or not
decidable) that the replaced one surely did not allow — except the probes the restore is
for: the pulls the replaced policy blocked, and every probe of a workload of the VPC whose
pulls it blocked (the settings' policy is what those workloads are meant to get).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from remediation.baseline.policy_documents import ECR_PULL_ACTIONS
from remediation.baseline.pulls import (
    ANOTHER_ORGANIZATION,
    Blocked,
    callers,
    endpoint_owner,
    layer_caller,
    layer_request,
    pull_requests,
)
from remediation.config import Settings
from remediation.config.services import ServiceSpec
from remediation.iam_policy.evaluation import evaluate
from remediation.iam_policy.terms import Caller, Request, Verdict
from remediation.model import Endpoint, VpcSnapshot

#: Accounts and an organisation that stand for "someone else" in the probes (never real).
MEMBER = "000000000001"
OUTSIDER = "000000000002"
OUTSIDE_ORGANIZATION = ANOTHER_ORGANIZATION


@dataclass(frozen=True)
class Probe:
    caller: Caller
    request: Request

    def describe(self) -> str:
        who = "the ECR service" if self.caller.service_identity else self.caller.account_id
        return f"{self.request.describe()} by {who}"


def probes(
    snapshot: VpcSnapshot, settings: Settings, spec: ServiceSpec, endpoint: Endpoint
) -> list[Probe]:
    """Every probe for one endpoint (see the module docstring)."""
    org = settings.organization_id
    people = [*callers(snapshot, settings, endpoint)]
    # Someone else's request through this endpoint still carries its owner (aws:VpceAccount).
    owner, owner_organization = endpoint_owner(snapshot, settings)

    def through_here(account: str, organization: str) -> Caller:
        return Caller(
            account,
            organization,
            snapshot.vpc_id,
            endpoint.endpoint_id,
            endpoint_account=owner,
            endpoint_organization=owner_organization,
        )

    if org:
        people.append(through_here(MEMBER, org))
    people.append(through_here(OUTSIDER, OUTSIDE_ORGANIZATION))
    found: list[Probe] = []
    if spec.name == "s3":
        found.append(Probe(layer_caller(snapshot, settings, endpoint), layer_request(snapshot)))
        own = ("arn:aws:s3:::the-organisations-bucket/", snapshot.account_id, org)
        foreign = ("arn:aws:s3:::someone-elses-bucket/", OUTSIDER, OUTSIDE_ORGANIZATION)
        for caller in people:
            for bucket, account, organization in (own, foreign):
                for action in ("s3:GetObject", "s3:PutObject"):
                    request = Request(action, bucket, True, account, organization)
                    found.append(Probe(caller, request))
        return found
    for caller in people:
        found += [Probe(caller, r) for r in pull_requests(snapshot, settings, caller)]
        mine = f"arn:aws:ecr:{snapshot.region}:{caller.account_id}:repository/"
        theirs = f"arn:aws:ecr:{snapshot.region}:{OUTSIDER}:repository/"
        for action in ("ecr:PutImage", "ecr:DeleteRepository"):
            found.append(Probe(caller, Request(action, mine, True, caller.account_id, org)))
        found.append(
            Probe(
                caller,
                Request("ecr:BatchGetImage", theirs, True, OUTSIDER, OUTSIDE_ORGANIZATION),
            )
        )
    return found


def widened(before: str, after: str, candidates: Iterable[Probe]) -> list[Probe]:
    """The probes ``after`` may allow (allowed or undecidable) that ``before`` surely does not."""
    maybe = (Verdict.ALLOWED, Verdict.UNKNOWN)
    return [
        p
        for p in candidates
        if evaluate(after, p.request, p.caller).verdict in maybe
        and evaluate(before, p.request, p.caller).verdict is not Verdict.ALLOWED
    ]


def widening(
    snapshot: VpcSnapshot,
    settings: Settings,
    spec: ServiceSpec,
    endpoint: Endpoint,
    *,
    before: str,
    after: str,
    blocked: Blocked,
) -> str:
    """What restoring ``after`` over ``before`` would admit beyond what the restore is for
    (``""``: nothing), in words for a person.

    Exempt: every pull (an ECR pull action, or ECR's layer download), and every probe of a
    workload of the VPC whose pulls ``before`` blocks (``blocked``).
    """
    workloads = {c.account_id for _, _, c in blocked if not c.service_identity}
    layers = layer_request(snapshot)

    def exempt(probe: Probe) -> bool:
        request, caller = probe.request, probe.caller
        return (
            request.action in ECR_PULL_ACTIONS
            or request == layers
            or (caller.account_id in workloads and not caller.service_identity)
        )

    candidates = [p for p in probes(snapshot, settings, spec, endpoint) if not exempt(p)]
    wider = widened(before, after, candidates)
    text = "; ".join(p.describe() for p in wider[:4])
    return text + ("; ..." if len(wider) > 4 else "")
