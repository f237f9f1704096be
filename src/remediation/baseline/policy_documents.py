"""The policies the tool writes on the endpoints it creates, chosen per VPC. Pure.

``ENDPOINT_POLICY`` (interface endpoints) and ``S3_GATEWAY_POLICY`` (the S3 gateway) name
the policy; the VPC can make it narrower or decide it:

* ``account``: ``aws:PrincipalAccount`` = the account (the seed article's policy). In a VPC
  the account shares out through AWS RAM the participants' workloads pull through the same
  endpoints, so there the tool never writes it: it writes ``organization`` when the
  organisation is known (``ORGANIZATION_ID``, or the organisation RAM shares with), else
  names the participant accounts (RAM's principals, and the owners of the participants'
  network interfaces), else leaves full access and says so (:attr:`Choice.warning`).
* ``organization``: ``aws:PrincipalOrgID``.
* ``perimeter``: AWS's data-perimeter endpoint policies (aws-samples/
  data-perimeter-policy-examples, ``vpc_endpoint_policies``): the organisation's principals
  to the organisation's resources, AWS service principals, and, on ECR, the organisation's
  principals to the AWS-owned registries named in ``AWS_REGISTRY_ACCOUNTS`` (EKS add-on
  images, for example) and to ``ecr:GetAuthorizationToken`` (which names no resource). On the
  S3 gateway, the organisation's buckets and ECR's layer bucket
  (``prod-<region>-starport-layer-bucket``, whose presigned URLs an ECR service account signs).
* In a VPC whose egress is inspected (``INSPECTED_EGRESS=repair``), whatever the tool creates
  carries the perimeter policy, never full access.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from remediation.baseline.inspected_egress import repair_allowed
from remediation.config import Settings
from remediation.model import Endpoint, VpcSnapshot
from remediation.topology.consumers import participants
from remediation.topology.inspection import inspected_egress

ECR_PULL_ACTIONS = (
    "ecr:GetAuthorizationToken",
    "ecr:BatchGetImage",
    "ecr:GetDownloadUrlForLayer",
    "ecr:BatchCheckLayerAvailability",
)
LAYER_ACTION = "s3:GetObject"
FULL_ACCESS = {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}
ANY_AWS = {"AWS": "*"}


def layer_bucket_objects(region: str) -> str:
    """The ARN prefix of ECR's layer objects in a region (followed by ``*``)."""
    return f"arn:aws:s3:::prod-{region}-starport-layer-bucket/"


def document(*statements: Mapping[str, object]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


#: The kind of a :class:`Choice` that cannot be made: whether the VPC is shared is unknown.
UNKNOWN = "unknown"


@dataclass(frozen=True)
class Choice:
    """The policy for the VPC's interface endpoints: its name, its document (``""``: EC2's
    default, full access) and, for a shared VPC left at full access or a VPC whose sharing is
    unknown (:data:`UNKNOWN`: nothing is created), why."""

    kind: str
    document: str = ""
    warning: str = ""


def inspected_repair(snapshot: VpcSnapshot, settings: Settings) -> bool:
    """True when the VPC's egress is inspected and the tool may repair there."""
    return repair_allowed(snapshot, settings) and bool(inspected_egress(snapshot))


def organisation(snapshot: VpcSnapshot, settings: Settings) -> str:
    """The organisation id: configured, else the one organisation RAM shares the VPC with."""
    if settings.organization_id:
        return settings.organization_id
    found = snapshot.sharing.organization_ids
    return next(iter(found)) if len(found) == 1 else ""


def _principals(key: str, value: str | list[str], sid: str) -> str:
    return document({"Sid": sid, **FULL_ACCESS, "Condition": {"StringEquals": {key: value}}})


def _organisation(snapshot: VpcSnapshot, organization_id: str) -> str:
    """The organisation's principals, and a shared-out VPC's participants outside it (RAM
    marks them ``external``): their pulls go through these endpoints too."""
    statement = {
        "Sid": "AllowThisOrganizationsPrincipals",
        **FULL_ACCESS,
        "Condition": {"StringEquals": {"aws:PrincipalOrgID": organization_id}},
    }
    outside = sorted(snapshot.sharing.external - {snapshot.account_id})
    if not outside:
        return document(statement)
    return document(
        statement,
        {
            "Sid": "AllowTheSharedVpcsAccountsOutsideTheOrganization",
            **FULL_ACCESS,
            "Condition": {"StringEquals": {"aws:PrincipalAccount": outside}},
        },
    )


def _perimeter_core(organization_id: str) -> list[Mapping[str, object]]:
    """The statements every perimeter policy opens with: the organisation's principals to the
    organisation's resources, and AWS service principals."""
    return [
        {
            "Sid": "AllowRequestsByOrgsIdentitiesToOrgsResources",
            "Effect": "Allow",
            "Principal": ANY_AWS,
            "Action": "*",
            "Resource": "*",
            "Condition": {
                "StringEquals": {
                    "aws:PrincipalOrgID": organization_id,
                    "aws:ResourceOrgID": organization_id,
                }
            },
        },
        {
            "Sid": "AllowRequestsByAWSServicePrincipals",
            "Effect": "Allow",
            "Principal": ANY_AWS,
            "Action": "*",
            "Resource": "*",
            "Condition": {"Bool": {"aws:PrincipalIsAWSService": "true"}},
        },
    ]


def perimeter_interface(organization_id: str, registries: tuple[str, ...]) -> str:
    """AWS's data-perimeter policy for the ECR endpoints (see the module docstring)."""
    statements = _perimeter_core(organization_id)
    statements.append(
        {
            "Sid": "AllowOrgsIdentitiesToGetAuthorizationTokens",
            "Effect": "Allow",
            "Principal": ANY_AWS,
            "Action": "ecr:GetAuthorizationToken",
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:PrincipalOrgID": organization_id}},
        }
    )
    if registries:
        statements.append(
            {
                "Sid": "AllowRequestsByOrgsIdentitiesToAWSResources",
                "Effect": "Allow",
                "Principal": ANY_AWS,
                "Action": list(ECR_PULL_ACTIONS[1:]),
                "Resource": "*",
                "Condition": {
                    "StringEquals": {
                        "aws:PrincipalOrgID": organization_id,
                        "aws:ResourceAccount": list(registries),
                    }
                },
            }
        )
    return document(*statements)


def perimeter_gateway(region: str, organization_id: str) -> str:
    """AWS's data-perimeter policy for the S3 gateway, with ECR's layer bucket."""
    return document(
        *_perimeter_core(organization_id),
        {
            "Sid": "AllowEcrImageLayers",
            "Effect": "Allow",
            "Principal": ANY_AWS,
            "Action": LAYER_ACTION,
            "Resource": layer_bucket_objects(region) + "*",
        },
    )


def interface_choice(snapshot: VpcSnapshot, settings: Settings) -> Choice:
    """The policy the tool gives the interface endpoints it creates in this VPC."""
    setting = settings.endpoint_policy
    perimeter = inspected_repair(snapshot, settings) or setting == "perimeter"
    if perimeter and settings.organization_id:
        return Choice(
            "perimeter",
            perimeter_interface(settings.organization_id, settings.aws_registry_accounts),
        )
    if setting == "organization" and settings.organization_id:
        return Choice("organization", _organisation(snapshot, settings.organization_id))
    if setting != "account":
        return Choice("full-access")
    shared = participants(snapshot)
    if snapshot.sharing.unread and not organisation(snapshot, settings):
        return Choice(
            UNKNOWN,
            warning=(
                f"whether the VPC's subnets are shared out, and with whom, is not known "
                f"({snapshot.sharing.unread}): no interface endpoint is created until it is "
                "(an account-only policy would block a participant's pulls). The next run "
                "reads it again; ORGANIZATION_ID would settle it"
            ),
        )
    if not snapshot.sharing.shared and not shared:
        return Choice(
            "account",
            _principals("aws:PrincipalAccount", snapshot.account_id, "AllowThisAccountsPrincipals"),
        )
    org = organisation(snapshot, settings)
    if org:
        return Choice("organization", _organisation(snapshot, org))
    if shared:
        accounts = sorted({snapshot.account_id, *shared})
        return Choice(
            "participants",
            _principals("aws:PrincipalAccount", accounts, "AllowTheSharedVpcsAccounts"),
        )
    why = snapshot.sharing.unknown or "RAM names no participant account"
    return Choice(
        "full-access",
        warning=(
            f"the VPC's subnets are shared out through AWS RAM and its participants cannot be "
            f"named ({why}): an account-only policy would block their image pulls, so the "
            "endpoints keep full access. Set ORGANIZATION_ID to give them the organisation's "
            "policy"
        ),
    )


def interface_policy(snapshot: VpcSnapshot, settings: Settings) -> str:
    """The policy document of :func:`interface_choice`; ``""``: EC2's default."""
    return interface_choice(snapshot, settings).document


def gateway_policy(snapshot: VpcSnapshot, settings: Settings, *, inspected: bool = False) -> str:
    """The policy the tool gives the S3 gateway endpoints it creates; ``""``: EC2's default.

    ``inspected``: for route tables whose egress is inspected (``INSPECTED_EGRESS=repair``):
    always the perimeter policy.
    """
    if (inspected or settings.s3_gateway_policy == "perimeter") and settings.organization_id:
        return perimeter_gateway(snapshot.region, settings.organization_id)
    if settings.s3_gateway_policy != "ecr-layers-only":
        return ""
    return document(
        {
            "Sid": "AllowEcrImageLayersOnly",
            "Effect": "Allow",
            "Principal": "*",
            "Action": LAYER_ACTION,
            "Resource": layer_bucket_objects(snapshot.region) + "*",
        }
    )


def wanted_gateway_policy(snapshot: VpcSnapshot, settings: Settings, endpoint: Endpoint) -> str:
    """The policy the settings give one of the tool's gateway endpoints: the perimeter
    policy when every route table it serves is inspected (repair), else the setting's."""
    inspected = {i.route_table_id for i in inspected_egress(snapshot)}
    tables = set(endpoint.route_table_ids)
    only_inspected = bool(tables) and tables <= inspected
    return gateway_policy(
        snapshot, settings, inspected=only_inspected and inspected_repair(snapshot, settings)
    )
