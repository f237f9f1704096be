"""The run's settings as one typed record, and the one function that reads them.

:func:`load_settings` reads every variable (in its siblings: services, endpoints,
deployment) and decides the mode: a problem that could make the run wider makes it dry-run.
The variables are listed in :mod:`remediation.config`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from remediation.config.deployment import (
    read_deployment,
    read_notification_format,
    read_route53_profiles,
)
from remediation.config.endpoints import (
    read_deletion_wait,
    read_extra_tags,
    read_max_azs,
    read_policies,
)
from remediation.config.readers import read_account_ids, read_flag
from remediation.config.services import (
    DEFAULT_SERVICES,
    ServiceSpec,
    parse_services,
    read_need_and_profile,
    read_services,
)
from remediation.modes import Mode, ModeReason
from remediation.vocabulary import EndpointType


@dataclass(frozen=True)
class Settings:
    """A run's settings, read from the environment by :func:`load_settings`."""

    mode: Mode = Mode.DRY_RUN
    services: tuple[ServiceSpec, ...] = field(
        default_factory=lambda: parse_services(DEFAULT_SERVICES)
    )
    topic_arn: str = ""
    auto_fix_account_ids: frozenset[str] = frozenset()
    deletion_wait_seconds: float = 60.0
    max_azs_per_endpoint: int | None = None
    gateway_report_only: bool = False
    require_local_endpoints: bool = False
    #: Read Route 53 Profiles (``ROUTE53_PROFILES=on``, the default); ``off`` skips the read.
    route53_profiles: bool = True
    #: Policy of the interface endpoints the tool creates (see ENDPOINT_POLICY).
    endpoint_policy: str = "account"
    #: ``o-...`` or ``""`` when not configured.
    organization_id: str = ""
    #: Policy of the S3 gateway endpoints the tool creates (see S3_GATEWAY_POLICY).
    s3_gateway_policy: str = "full-access"
    #: False when a policy setting could not be read: the tool's endpoints keep their policy.
    policy_settings_valid: bool = True
    #: ``report`` or ``repair``: what the tool adds where egress is inspected (INSPECTED_EGRESS).
    inspected_egress: str = "report"
    #: AWS-owned registries the perimeter policy admits (AWS_REGISTRY_ACCOUNTS).
    aws_registry_accounts: tuple[str, ...] = ()
    #: What was wrong with the environment; each one made the run more cautious.
    problems: tuple[str, ...] = ()
    #: Why ``mode`` is what it is (a requested auto-fix that became dry-run says why).
    mode_reason: ModeReason = ModeReason.DEPLOYMENT
    #: The problems that hold the run in dry-run whatever ``REMEDIATION_MODE`` says (an
    #: unreadable ``REMEDIATION_MODE``, ``SERVICES``, ``ENDPOINT_NEED`` or ``EXTRA_TAGS``), in a
    #: dry-run deployment too, where ``mode_reason`` stays ``deployment``: a person's approval
    #: never lifts them (:func:`remediation.modes.approved_mode`).
    dry_run_holds: tuple[str, ...] = ()
    #: ``text`` or ``chatbot`` (see NOTIFICATION_FORMAT).
    notification_format: str = "text"
    #: The member role's name (``MEMBER_ROLE_NAME``; organisation mode), ``""`` without one:
    #: a dry-run message's command reaches a member account's VPC through it.
    member_role_name: str = ""
    #: The accounts organisation mode serves (``MEMBER_ACCOUNT_IDS``); empty: the organisation's,
    #: unless ``member_accounts_listed`` (ask :meth:`serves_member`, :attr:`lists_organisation`).
    member_account_ids: frozenset[str] = frozenset()
    #: ``MEMBER_ACCOUNT_IDS`` lists the accounts, readable or not: only ``member_account_ids``
    #: are served, none when nothing in it could be read (never the whole organisation).
    member_accounts_listed: bool = False
    #: Regions the organisation's sweep covers (``ORGANISATION_REGIONS``); empty: the event's.
    organisation_regions: tuple[str, ...] = ()
    #: The organisation sweep's work queue (``WORK_QUEUE_URL``), ``""`` without one.
    work_queue_url: str = ""
    #: The function's own role (``TOOL_ROLE_ARN``): its CloudTrail events are its own.
    tool_role_arn: str = ""
    #: A person's approval in Security Hub repairs the selected VPCs (``FIX_ON_APPROVAL``).
    fix_on_approval: bool = False
    #: Each run imports its findings into Security Hub (``SECURITY_HUB_FINDINGS``).
    security_hub_findings: bool = False
    #: The most a scheduled sweep waits before it starts (``SWEEP_JITTER_SECONDS``; 0: none).
    sweep_jitter_seconds: float = 0.0
    #: ``always``, ``workloads`` or ``isolated`` (see ENDPOINT_NEED).
    endpoint_need: str = "always"
    #: ``ecr``, ``ecs``, ``ecs-fargate`` or ``eks`` (see ENDPOINT_PROFILE).
    endpoint_profile: str = "ecr"
    #: Companions of the profile are repaired, not only reported (PROFILE_REPAIR).
    profile_repair: bool = False
    #: Tags added to everything the tool creates (``EXTRA_TAGS``), in the order given.
    extra_tags: tuple[tuple[str, str], ...] = ()

    @property
    def organisation_mode(self) -> bool:
        """Events of other accounts are served, through their member role."""
        return bool(self.member_role_name)

    @property
    def lists_organisation(self) -> bool:
        """Organisation mode serves and sweeps the organisation's active accounts: no
        ``MEMBER_ACCOUNT_IDS`` (an unreadable one lists no account instead, never them all).

        >>> Settings(member_role_name="m").lists_organisation
        True
        >>> Settings(member_role_name="m", member_accounts_listed=True).lists_organisation
        False
        """
        return not (self.member_account_ids or self.member_accounts_listed)

    def serves_member(self, account_id: str) -> bool:
        """Organisation mode serves this other account: ``MEMBER_ACCOUNT_IDS`` lists it, or
        is unset (the organisation's accounts).

        >>> s = Settings(member_role_name="m", member_account_ids=frozenset({"111122223333"}))
        >>> s.serves_member("111122223333"), s.serves_member("444455556666")
        (True, False)
        >>> Settings(member_role_name="m", member_accounts_listed=True).serves_member("1" * 12)
        False
        """
        return self.organisation_mode and (
            self.lists_organisation or account_id in self.member_account_ids
        )

    @property
    def interface_services(self) -> tuple[ServiceSpec, ...]:
        return tuple(s for s in self.services if s.endpoint_type is EndpointType.INTERFACE)

    @property
    def gateway_services(self) -> tuple[ServiceSpec, ...]:
        return tuple(s for s in self.services if s.endpoint_type is EndpointType.GATEWAY)


def cli_settings(env: Mapping[str, str], account_id: str, *, fix: bool) -> Settings:
    """The CLI's settings: the environment's, the mode from the command line.

    ``--fix`` is the user's explicit authorisation. ``AUTO_FIX_ACCOUNT_IDS``, the Lambda
    deployment's second key, is not needed here; when it is set in the environment it still
    restricts ``--fix`` to the accounts it lists. ``REMEDIATION_MODE`` is ignored: the flags
    decide.

    >>> cli_settings({}, "111122223333", fix=True).mode.label
    'auto-fix'
    >>> cli_settings({"AUTO_FIX_ACCOUNT_IDS": "444455556666"}, "111122223333", fix=True).mode.label
    'dry-run'
    """
    allowed = env.get("AUTO_FIX_ACCOUNT_IDS", "").strip() or account_id
    effective = dict(env)
    effective["REMEDIATION_MODE"] = Mode.AUTO_FIX.label if fix else Mode.DRY_RUN.label
    effective["AUTO_FIX_ACCOUNT_IDS"] = allowed
    return load_settings(effective, account_id=account_id)


def load_settings(env: Mapping[str, str], account_id: str = "") -> Settings:
    """Build settings from an environment mapping (``os.environ`` or a dict in tests).

    ``account_id`` is the account the run acts in; auto-fix needs it to be in
    ``AUTO_FIX_ACCOUNT_IDS``.
    """
    problems: list[str] = []
    held: list[str] = []  # the problems that make the run dry-run whatever its mode
    reason = ModeReason.DEPLOYMENT

    try:
        mode = Mode.parse(env.get("REMEDIATION_MODE", "").strip() or Mode.DRY_RUN.label)
    except ValueError as exc:
        held.append(f"REMEDIATION_MODE: {exc}; running dry-run")
        mode, reason = Mode.DRY_RUN, ModeReason.CONFIGURATION
    if mode is Mode.OFF:
        held.append("REMEDIATION_MODE=off is not a deployment mode; running dry-run")
        mode, reason = Mode.DRY_RUN, ModeReason.CONFIGURATION
    problems += held

    accounts = read_account_ids(env, "AUTO_FIX_ACCOUNT_IDS", problems)

    start = len(problems)
    services, unreadable = read_services(env, problems)
    if unreadable:  # a typo or a left-out service: the check is not weakened, the run is dry-run
        held += problems[start:]  # each of them made it so
        reason = ModeReason.CONFIGURATION if mode is Mode.AUTO_FIX else reason
        mode = Mode.DRY_RUN

    wait = read_deletion_wait(env, problems)
    max_azs = read_max_azs(env, problems)

    gateway_report_only = read_flag(env, "GATEWAY_REPORT_ONLY", problems)
    require_local = read_flag(env, "REQUIRE_LOCAL_ENDPOINTS", problems)
    profiles = read_route53_profiles(env, problems)

    policies = read_policies(env, problems)
    notification_format = read_notification_format(env, problems)
    need, profile, services, profile_repair, mode, reason = read_need_and_profile(
        env, services, mode, reason, problems, held=held
    )

    deployment = read_deployment(env, problems)
    extra_tags, mode, reason = read_extra_tags(env, mode, reason, problems, held=held)

    if mode is Mode.AUTO_FIX and account_id not in accounts:
        problems.append(
            f"auto-fix requested but account {account_id or '(unknown)'} is not in "
            "AUTO_FIX_ACCOUNT_IDS; running dry-run"
        )
        mode, reason = Mode.DRY_RUN, ModeReason.ACCOUNT_NOT_ALLOWED

    return Settings(
        mode=mode,
        services=services,
        topic_arn=env.get("NOTIFICATION_TOPIC_ARN", "").strip(),
        auto_fix_account_ids=frozenset(accounts),
        deletion_wait_seconds=wait,
        max_azs_per_endpoint=max_azs,
        gateway_report_only=gateway_report_only,
        require_local_endpoints=require_local,
        route53_profiles=profiles,
        endpoint_policy=policies.endpoint_policy,
        organization_id=policies.organization_id,
        s3_gateway_policy=policies.s3_gateway_policy,
        policy_settings_valid=policies.valid,
        inspected_egress=policies.inspected_egress,
        aws_registry_accounts=policies.registries,
        problems=tuple(problems),
        mode_reason=reason,
        dry_run_holds=tuple(held),
        notification_format=notification_format,
        member_role_name=env.get("MEMBER_ROLE_NAME", "").strip(),
        member_account_ids=deployment.member_account_ids,
        member_accounts_listed=deployment.member_accounts_listed,
        organisation_regions=deployment.organisation_regions,
        work_queue_url=deployment.work_queue_url,
        tool_role_arn=deployment.tool_role_arn,
        fix_on_approval=deployment.fix_on_approval,
        security_hub_findings=deployment.security_hub_findings,
        sweep_jitter_seconds=deployment.sweep_jitter_seconds,
        endpoint_need=need,
        endpoint_profile=profile,
        profile_repair=profile_repair,
        extra_tags=extra_tags,
    )
