"""Endpoint policies: do ECR image pulls get through the endpoints?

An endpoint policy is an IAM resource policy on the endpoint; a narrow one silently
breaks pulls while every endpoint looks present. Pulling an image needs, through the
``ecr.api`` and ``ecr.dkr`` endpoints, ``ecr:GetAuthorizationToken``,
``ecr:BatchGetImage``, ``ecr:GetDownloadUrlForLayer`` and
``ecr:BatchCheckLayerAvailability`` for the account's principals (ECR user guide,
"Create an endpoint policy for your Amazon ECR VPC endpoints" and the
``AmazonEC2ContainerRegistryReadOnly`` managed policy), and, through the S3 gateway,
``s3:GetObject`` on ``arn:aws:s3:::prod-<region>-starport-layer-bucket/*`` (ECR user
guide, "Minimum Amazon S3 bucket permissions for Amazon ECR"); an S3 *interface* endpoint
whose private DNS answers the VPC's own clients carries the layers instead of the gateway,
and its policy is judged the same way. The layer download is
an S3 URL presigned by an ECR service account (data-perimeter-policy-examples, ECR
guidance), so on the gateway it is *not* a request of the account's principals.

The tool never rewrites a policy it did not write: a blocking policy is a warning for a
person, with what to add. Only an endpoint the tool created (tag
``ecr-endpoint-guard/managed=true``) whose policy drifted from the settings
(``ENDPOINT_POLICY``, ``S3_GATEWAY_POLICY``) is put back.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING

from remediation.actions import ModifyEndpoint
from remediation.config import ServiceSpec, Settings
from remediation.findings import Finding, Severity
from remediation.model import Endpoint, VpcSnapshot
from remediation.topology import private_route_tables, serving_interface
from remediation.vocabulary import EndpointType

if TYPE_CHECKING:  # the evaluator loads only for VPCs with endpoints to judge (cold start)
    from remediation.iam_policy import Caller, Decision, Request

ENDPOINT_POLICY_BLOCKS_PULLS = "endpoint-policy-blocks-pulls"
GATEWAY_POLICY_BLOCKS_LAYERS = "gateway-policy-blocks-ecr-layers"
POLICY_NEEDS_REVIEW = "endpoint-policy-needs-review"
POLICY_DRIFT = "endpoint-policy-drift"
POLICY_DRIFT_KEPT = "endpoint-policy-drift-kept"

ECR_SERVICES = ("ecr.api", "ecr.dkr")
ECR_PULL_ACTIONS = (
    "ecr:GetAuthorizationToken",
    "ecr:BatchGetImage",
    "ecr:GetDownloadUrlForLayer",
    "ecr:BatchCheckLayerAvailability",
)
LAYER_ACTION = "s3:GetObject"
FULL_ACCESS = {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}


def layer_bucket_objects(region: str) -> str:
    """The ARN prefix of ECR's layer objects in a region (followed by ``*``)."""
    return f"arn:aws:s3:::prod-{region}-starport-layer-bucket/"


def _document(*statements: Mapping[str, object]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def interface_policy(snapshot: VpcSnapshot, settings: Settings) -> str:
    """The policy the tool gives the interface endpoints it creates; ``""``: EC2's default."""
    if settings.endpoint_policy == "account":
        key, value = "aws:PrincipalAccount", snapshot.account_id
    elif settings.endpoint_policy == "organization" and settings.organization_id:
        key, value = "aws:PrincipalOrgID", settings.organization_id
    else:
        return ""
    return _document(
        {
            "Sid": "AllowThisAccountsPrincipals"
            if key == "aws:PrincipalAccount"
            else "AllowThisOrganizationsPrincipals",
            **FULL_ACCESS,
            "Condition": {"StringEquals": {key: value}},
        }
    )


def gateway_policy(snapshot: VpcSnapshot, settings: Settings) -> str:
    """The policy the tool gives the S3 gateway endpoints it creates; ``""``: EC2's default."""
    if settings.s3_gateway_policy != "ecr-layers-only":
        return ""
    return _document(
        {
            "Sid": "AllowEcrImageLayersOnly",
            "Effect": "Allow",
            "Principal": "*",
            "Action": LAYER_ACTION,
            "Resource": layer_bucket_objects(snapshot.region) + "*",
        }
    )


def check(snapshot: VpcSnapshot, settings: Settings) -> list[Finding]:
    findings: list[Finding] = []
    private = {t.route_table_id for t in private_route_tables(snapshot)}
    for spec in settings.services:
        service = spec.service_name(snapshot.region)
        for endpoint in snapshot.endpoints:
            if endpoint.service_name != service or not endpoint.usable:
                continue
            if endpoint.endpoint_type is not spec.endpoint_type:
                if spec.name == "s3" and endpoint.answers_vpc_names:
                    # An S3 interface endpoint answering the VPC's names carries the layers.
                    findings += _layers(snapshot, settings, spec, endpoint)
                continue
            if endpoint.owned:
                findings += _drift(snapshot, settings, spec, endpoint)
            elif spec.endpoint_type is EndpointType.INTERFACE and spec.name in ECR_SERVICES:
                findings += _ecr(snapshot, settings, spec, endpoint)
            elif (
                spec.name == "s3"
                and private & set(endpoint.route_table_ids)
                and serving_interface(snapshot, service) is None  # else the gateway is unused
            ):
                findings += _layers(snapshot, settings, spec, endpoint)
    return findings


def _drift(
    snapshot: VpcSnapshot, settings: Settings, spec: ServiceSpec, endpoint: Endpoint
) -> list[Finding]:
    from remediation.iam_policy import canonical, is_full_access  # noqa: PLC0415

    gateway = spec.endpoint_type is EndpointType.GATEWAY
    wanted = (gateway_policy if gateway else interface_policy)(snapshot, settings)
    setting = settings.s3_gateway_policy if gateway else settings.endpoint_policy
    current = endpoint.policy_document
    if wanted:
        drifted = canonical(current) != canonical(wanted)
    else:
        drifted = not is_full_access(current, spec.name.split(".")[0])
    if not drifted:
        return []
    if not settings.policy_settings_valid:
        return [
            Finding(
                code=POLICY_DRIFT_KEPT,
                severity=Severity.INFO,
                service=spec.name,
                resource_id=endpoint.endpoint_id,
                message=(
                    f"the policy of {endpoint.endpoint_id} (created by the tool) differs from "
                    "the policy setting, but a policy setting could not be read: left as it is"
                ),
            )
        ]
    return [
        Finding(
            code=POLICY_DRIFT,
            service=spec.name,
            resource_id=endpoint.endpoint_id,
            message=(
                f"the policy of {endpoint.endpoint_id}, which the tool created, was changed: "
                f"restoring the {setting} policy of the settings"
            ),
            repairs=(
                ModifyEndpoint(
                    vpc_id=snapshot.vpc_id,
                    reason=POLICY_DRIFT,
                    endpoint_id=endpoint.endpoint_id,
                    service_name=endpoint.service_name,
                    policy_document=wanted or _document(FULL_ACCESS),
                ),
            ),
        )
    ]


def _verdicts(
    endpoint: Endpoint, requests: list[Request], caller: Caller
) -> tuple[list[tuple[Request, Decision]], list[tuple[Request, Decision]]]:
    from remediation.iam_policy import Verdict, evaluate  # noqa: PLC0415

    decisions = [(r, evaluate(endpoint.policy_document, r, caller)) for r in requests]
    blocked = [(r, d) for r, d in decisions if d.verdict in (Verdict.DENIED, Verdict.NOT_ALLOWED)]
    unknown = [(r, d) for r, d in decisions if d.verdict is Verdict.UNKNOWN]
    return blocked, unknown


def _why(decisions: list[tuple[Request, Decision]]) -> str:
    from remediation.iam_policy import Verdict  # noqa: PLC0415

    parts = []
    for request, decision in decisions:
        reason = "; ".join(decision.notes) or (
            "explicitly denied" if decision.verdict is Verdict.DENIED else "no statement allows it"
        )
        parts.append(f"{request.action} ({reason})")
    return ", ".join(parts)


def _review(
    spec: ServiceSpec, endpoint: Endpoint, unknown: list[tuple[Request, Decision]]
) -> Finding:
    return Finding(
        code=POLICY_NEEDS_REVIEW,
        severity=Severity.INFO,
        service=spec.name,
        resource_id=endpoint.endpoint_id,
        message=(
            f"check by hand that the policy of {endpoint.endpoint_id} lets image pulls through: "
            f"the tool cannot judge {_why(unknown)}"
        ),
    )


def _ecr(
    snapshot: VpcSnapshot, settings: Settings, spec: ServiceSpec, endpoint: Endpoint
) -> list[Finding]:
    from remediation.iam_policy import Caller, Request  # noqa: PLC0415

    caller = Caller(
        account_id=snapshot.account_id,
        organization_id=settings.organization_id,
        vpc_id=snapshot.vpc_id,
        endpoint_id=endpoint.endpoint_id,
    )
    repositories = f"arn:aws:ecr:{snapshot.region}:{snapshot.account_id}:repository/"
    requests = [
        Request(action, "*")
        if action == "ecr:GetAuthorizationToken"
        else Request(action, repositories, any_suffix=True)
        for action in ECR_PULL_ACTIONS
    ]
    blocked, unknown = _verdicts(endpoint, requests, caller)
    if blocked:
        example = json.dumps(
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": list(ECR_PULL_ACTIONS),
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:PrincipalAccount": snapshot.account_id}},
            }
        )
        return [
            Finding(
                code=ENDPOINT_POLICY_BLOCKS_PULLS,
                service=spec.name,
                resource_id=endpoint.endpoint_id,
                message=(
                    f"the policy of {endpoint.endpoint_id} blocks image pulls by the account's "
                    f"workloads: {_why(blocked)}. Add a statement such as {example} and remove "
                    "any Deny of these actions (the tool never rewrites a policy it did not write)"
                ),
            )
        ]
    return [_review(spec, endpoint, unknown)] if unknown else []


def _layers(
    snapshot: VpcSnapshot, settings: Settings, spec: ServiceSpec, endpoint: Endpoint
) -> list[Finding]:
    from remediation.iam_policy import Caller, Request  # noqa: PLC0415

    caller = Caller(
        account_id=snapshot.account_id,
        organization_id=settings.organization_id,
        vpc_id=snapshot.vpc_id,
        endpoint_id=endpoint.endpoint_id,
        service_identity=True,
    )
    objects = layer_bucket_objects(snapshot.region)
    blocked, unknown = _verdicts(
        endpoint, [Request(LAYER_ACTION, objects, any_suffix=True)], caller
    )
    if blocked:
        example = json.dumps(
            {"Effect": "Allow", "Principal": "*", "Action": LAYER_ACTION, "Resource": objects + "*"}
        )
        return [
            Finding(
                code=GATEWAY_POLICY_BLOCKS_LAYERS,
                service=spec.name,
                resource_id=endpoint.endpoint_id,
                message=(
                    f"the policy of {endpoint.endpoint_id} blocks ECR image layers "
                    f"({objects}*): {_why(blocked)}. Add a statement such as {example}, without "
                    "an account or organisation condition: ECR's layer URLs are presigned by an "
                    "ECR service account (the tool never rewrites a policy it did not write)"
                ),
            )
        ]
    return [_review(spec, endpoint, unknown)] if unknown else []
