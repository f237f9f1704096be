"""Endpoint policies: do ECR image pulls get through the endpoints?

An endpoint policy is an IAM resource policy on the endpoint; a narrow one silently
breaks pulls while every endpoint looks present. Pulling an image needs, through the
``ecr.api`` and ``ecr.dkr`` endpoints, ``ecr:GetAuthorizationToken``,
``ecr:BatchGetImage``, ``ecr:GetDownloadUrlForLayer`` and
``ecr:BatchCheckLayerAvailability`` for the workloads' principals (ECR user guide,
"Create an endpoint policy for your Amazon ECR VPC endpoints" and the
``AmazonEC2ContainerRegistryReadOnly`` managed policy), and, through the S3 gateway,
``s3:GetObject`` on ``arn:aws:s3:::prod-<region>-starport-layer-bucket/*`` (ECR user
guide, "Minimum Amazon S3 bucket permissions for Amazon ECR"); an S3 *interface* endpoint
whose private DNS answers the VPC's own clients carries the layers instead of the gateway,
and its policy is judged the same way. The layer download is
an S3 URL presigned by an ECR service account (data-perimeter-policy-examples, ECR
guidance), so on the gateway it is *not* a request of the account's principals.

The workloads are the account's, and in a VPC the account shares out through AWS RAM, the
participant accounts' too (:func:`remediation.topology.consumers.participants`): a policy
admitting the owner only blocks them.

The tool never rewrites a policy it did not write: a blocking policy is a warning for a
person, with what to add. It never loosens one either. On an endpoint the tool created (tag
``ecr-endpoint-guard/managed=true``) whose policy differs from the settings
(``ENDPOINT_POLICY``, ``S3_GATEWAY_POLICY``; :mod:`remediation.baseline.policy_documents`):

* a policy that still admits the pulls is kept (a person changed it, or an earlier setting
  wrote it): ``info``;
* a policy that blocks them is restored to the settings' policy, the reason in the message —
  unless the settings' policy would admit more than the pulls it restores
  (:mod:`remediation.baseline.policy_breadth`): then a person decides (``manual``).
"""

from __future__ import annotations

import json

from remediation.actions import ModifyEndpoint
from remediation.baseline.inspected_egress import held_by_outsiders
from remediation.baseline.policy_documents import (
    ECR_PULL_ACTIONS,
    FULL_ACCESS,
    LAYER_ACTION,
    UNKNOWN,
    document,
    gateway_policy,
    interface_choice,
    interface_policy,
    layer_bucket_objects,
    wanted_gateway_policy,
)
from remediation.baseline.pulls import Blocked, judge, why
from remediation.config import Settings
from remediation.config.services import ServiceSpec
from remediation.findings import Finding, Severity
from remediation.model import Endpoint, VpcSnapshot
from remediation.topology.endpoints import serving_interface
from remediation.topology.routes import private_route_tables
from remediation.vocabulary import EndpointType

__all__ = ["ECR_PULL_ACTIONS", "gateway_policy", "interface_policy", "layer_bucket_objects"]

ENDPOINT_POLICY_BLOCKS_PULLS = "endpoint-policy-blocks-pulls"
ENDPOINT_POLICY_BLOCKS_PARTICIPANTS = "endpoint-policy-blocks-participants"
GATEWAY_POLICY_BLOCKS_LAYERS = "gateway-policy-blocks-ecr-layers"
POLICY_NEEDS_REVIEW = "endpoint-policy-needs-review"
POLICY_DRIFT = "endpoint-policy-drift"
POLICY_DRIFT_KEPT = "endpoint-policy-drift-kept"
POLICY_CHANGED_KEPT = "endpoint-policy-changed-kept"
POLICY_RESTORE_WIDER = "endpoint-policy-restore-would-widen"
SHARED_FULL_ACCESS = "endpoint-policy-shared-vpc-full-access"
SHARES_UNREADABLE = "vpc-shares-unreadable"
SHARES_UNKNOWN = "vpc-shares-unknown"

ECR_SERVICES = ("ecr.api", "ecr.dkr")


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
    choice = interface_choice(snapshot, settings)
    if choice.warning and settings.interface_services:
        code = SHARES_UNKNOWN if choice.kind == UNKNOWN else SHARED_FULL_ACCESS
        findings.append(Finding(code=code, resource_id=snapshot.vpc_id, message=choice.warning))
    if snapshot.sharing.unknown and not snapshot.sharing.shared:
        findings.append(
            Finding(
                code=SHARES_UNREADABLE,
                severity=Severity.INFO,
                resource_id=snapshot.vpc_id,
                message=(
                    f"whether the VPC's subnets are shared out is not known "
                    f"({snapshot.sharing.unknown}): judged not shared. Grant ram:ListResources "
                    "and ram:ListPrincipals to let the tool see participant accounts"
                ),
            )
        )
    return findings


def _review(spec: ServiceSpec, endpoint: Endpoint, unknown: Blocked) -> Finding:
    return Finding(
        code=POLICY_NEEDS_REVIEW,
        severity=Severity.INFO,
        service=spec.name,
        resource_id=endpoint.endpoint_id,
        message=(
            f"check by hand that the policy of {endpoint.endpoint_id} lets image pulls through: "
            f"the tool cannot judge {why(unknown)}"
        ),
    )


# --------------------------------------------------------------------------- the tool's own


def _wanted(
    snapshot: VpcSnapshot, settings: Settings, spec: ServiceSpec, endpoint: Endpoint
) -> tuple[str, str]:
    """The policy the settings give one of the tool's endpoints, and its name for people."""
    if spec.endpoint_type is EndpointType.GATEWAY:
        wanted = wanted_gateway_policy(snapshot, settings, endpoint)
        inspected = wanted and wanted != gateway_policy(snapshot, settings)
        return wanted, "perimeter" if inspected else settings.s3_gateway_policy
    choice = interface_choice(snapshot, settings)
    return choice.document, choice.kind


def _drift(
    snapshot: VpcSnapshot, settings: Settings, spec: ServiceSpec, endpoint: Endpoint
) -> list[Finding]:
    from remediation.iam_policy.evaluation import canonical, is_full_access  # noqa: PLC0415

    wanted, setting = _wanted(snapshot, settings, spec, endpoint)
    if setting == UNKNOWN:
        return []  # nothing is judged against a policy the run could not choose
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
    judged = spec.name in ECR_SERVICES or spec.name == "s3"
    blocked, unknown = judge(snapshot, settings, spec, endpoint, current) if judged else ([], [])
    if not blocked:
        kept = Finding(
            code=POLICY_CHANGED_KEPT,
            severity=Severity.INFO,
            service=spec.name,
            resource_id=endpoint.endpoint_id,
            message=(
                f"the policy of {endpoint.endpoint_id}, which the tool created, differs from the "
                f"{setting} policy of the settings: changed by a person; kept"
                + (": it still admits the image pulls" if judged and not unknown else "")
                + " (an endpoint created under an earlier setting keeps its policy too: the "
                "tool never replaces a policy that lets pulls through)"
            ),
        )
        return [kept, _review(spec, endpoint, unknown)] if unknown else [kept]
    restored = wanted or document(FULL_ACCESS)
    if held_by_outsiders(snapshot, settings):
        kept_because = (
            "The VPC's egress is inspected and it is shared with accounts outside the "
            f"organisation (egress-inspected): the {setting} policy of the settings would widen "
            "what reaches ECR off the inspected path, so it is not restored. A person decides"
        )
    else:
        from remediation.baseline.policy_breadth import widening  # noqa: PLC0415

        wider = widening(
            snapshot, settings, spec, endpoint, before=current, after=restored, blocked=blocked
        )
        kept_because = (
            f"Restoring the {setting} policy of the settings would also admit {wider}: not "
            "restored (the tool never replaces a policy by a wider one). Add the pull actions "
            "to it by hand"
            if wider
            else ""
        )
    if kept_because:
        return [
            Finding(
                code=POLICY_RESTORE_WIDER,
                severity=Severity.MANUAL,
                service=spec.name,
                resource_id=endpoint.endpoint_id,
                message=(
                    f"the policy of {endpoint.endpoint_id} (created by the tool) blocks image "
                    f"pulls: {why(blocked, who=True)}. {kept_because}"
                ),
            )
        ]
    return [
        Finding(
            code=POLICY_DRIFT,
            service=spec.name,
            resource_id=endpoint.endpoint_id,
            message=(
                f"the policy of {endpoint.endpoint_id}, which the tool created, was changed and "
                f"blocks image pulls: {why(blocked, who=True)}. Restoring the {setting} policy "
                "of the settings (it admits nothing else the changed policy did not)"
            ),
            repairs=(
                ModifyEndpoint(
                    vpc_id=snapshot.vpc_id,
                    reason=POLICY_DRIFT,
                    endpoint_id=endpoint.endpoint_id,
                    service_name=endpoint.service_name,
                    policy_document=restored,
                ),
            ),
        )
    ]


# --------------------------------------------------------------------------- others' endpoints


def _ecr(
    snapshot: VpcSnapshot, settings: Settings, spec: ServiceSpec, endpoint: Endpoint
) -> list[Finding]:
    blocked, unknown = judge(snapshot, settings, spec, endpoint, endpoint.policy_document)
    own = [b for b in blocked if b[2].account_id == snapshot.account_id]
    others = [b for b in blocked if b[2].account_id != snapshot.account_id]
    findings: list[Finding] = []
    if own:
        example = json.dumps(
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": list(ECR_PULL_ACTIONS),
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:PrincipalAccount": snapshot.account_id}},
            }
        )
        findings.append(
            Finding(
                code=ENDPOINT_POLICY_BLOCKS_PULLS,
                service=spec.name,
                resource_id=endpoint.endpoint_id,
                message=(
                    f"the policy of {endpoint.endpoint_id} blocks image pulls by the account's "
                    f"workloads: {why(own)}. Add a statement such as {example} and remove "
                    "any Deny of these actions (the tool never rewrites a policy it did not write)"
                ),
            )
        )
    if others:
        accounts = sorted({b[2].account_id for b in others})
        findings.append(
            Finding(
                code=ENDPOINT_POLICY_BLOCKS_PARTICIPANTS,
                service=spec.name,
                resource_id=endpoint.endpoint_id,
                message=(
                    f"the VPC's subnets are shared out (AWS RAM), and the policy of "
                    f"{endpoint.endpoint_id} blocks image pulls by the participant accounts "
                    f"{', '.join(accounts)}: {why(others, who=True)}. Admit them (for example "
                    "aws:PrincipalOrgID, or aws:PrincipalAccount naming them); the tool never "
                    "rewrites a policy it did not write"
                ),
            )
        )
    if unknown and not blocked:
        findings.append(_review(spec, endpoint, unknown))
    return findings


def _layers(
    snapshot: VpcSnapshot, settings: Settings, spec: ServiceSpec, endpoint: Endpoint
) -> list[Finding]:
    blocked, unknown = judge(snapshot, settings, spec, endpoint, endpoint.policy_document)
    objects = layer_bucket_objects(snapshot.region)
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
                    f"({objects}*): {why(blocked)}. Add a statement such as {example}, without "
                    "an account or organisation condition: ECR's layer URLs are presigned by an "
                    "ECR service account (the tool never rewrites a policy it did not write)"
                ),
            )
        ]
    return [_review(spec, endpoint, unknown)] if unknown else []
