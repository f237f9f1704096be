"""What a scan found, region by region, and the exit code it makes.

The engine's decisions arrive as values on each :class:`~remediation.report.results.VpcResult`
(``mode_reason``, ``status``): this module reads those, never the text of a note.

Exit codes
----------
0
    Every VPC is compliant, fixed or skipped.
1
    Something is left non-compliant: found by a read-only scan, left by a declined or
    partial ``--fix``, or a repair failed or was deferred.
2
    Usage or AWS error: one line on standard error, never a traceback.

>>> exit_code_for([VpcStatus.COMPLIANT, VpcStatus.SKIPPED], errors=[])
0
>>> exit_code_for([VpcStatus.NON_COMPLIANT], errors=[])
1
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from remediation.cli.errors import one_line, summary_error
from remediation.model import VpcSnapshot
from remediation.modes import ModeReason
from remediation.report.results import Summary, VpcResult, VpcStatus

EXIT_OK = 0
EXIT_NON_COMPLIANT = 1
EXIT_ERROR = 2
EXIT_INTERRUPTED = 130

#: Statuses that leave nothing to do.
SETTLED = frozenset({VpcStatus.COMPLIANT, VpcStatus.FIXED, VpcStatus.SKIPPED})
#: Reasons that come from the VPC's own tags, mode and until (the person's choice, shown
#: in the plan).
TAG_REASONS = frozenset(
    {
        ModeReason.TAG,
        ModeReason.TAG_INVALID,
        ModeReason.EXCEPTION_EXPIRED,
        ModeReason.EXCEPTION_DATE_INVALID,
        ModeReason.RELEASED,
    }
)


@dataclass(frozen=True)
class RegionScan:
    """One region's result: the engine's summary, and which VPCs were asked for."""

    region: str
    summary: Summary
    requested: tuple[str, ...] = ()  # --vpc-id values (empty: every VPC)
    account: str = ""  # with --account/--organization: the account scanned ("" otherwise)
    #: The VPCs as read, kept only when code is asked for (``--format terraform``...).
    snapshots: tuple[VpcSnapshot, ...] = ()

    @property
    def where(self) -> str:
        """``<region>``, or ``<account>: <region>`` in a scan across accounts."""
        return f"{self.account}: {self.region}" if self.account else self.region

    @property
    def missing(self) -> tuple[str, ...]:
        """Requested VPCs that do not exist (absent, or reported as gone)."""
        found = {v.vpc_id for v in self.summary.vpcs if not gone(v)}
        return tuple(i for i in self.requested if i not in found)


@dataclass(frozen=True)
class AccountScan:
    """One account of a scan: its regions, or why it could not be scanned.

    An account whose member role cannot be assumed (or whose regions cannot be listed) has
    an ``error`` and no regions: it is reported, and the other accounts go on.
    """

    account_id: str
    role_arn: str = ""  # the member role assumed; "" for the caller's own credentials
    scans: tuple[RegionScan, ...] = ()
    error: str = ""
    #: Its name (organizations:DescribeAccount, one plain line), ``""`` when not readable.
    account_name: str = ""

    @property
    def label(self) -> str:
        """``<account>``, or ``<account> (<name>)`` when its name is known."""
        return f"{self.account_id} ({self.account_name})" if self.account_name else self.account_id

    def as_dict(self) -> dict[str, Any]:
        return {
            "account_id": self.account_id,
            **({"account_name": self.account_name} if self.account_name else {}),
            "role_arn": self.role_arn or None,
            "regions": [s.region for s in self.scans],
            "error": self.error,
        }


def gone(result: VpcResult) -> bool:
    """True for a VPC skipped because it does not exist (not because of its mode tag).

    >>> import dataclasses
    >>> from remediation.modes import Mode
    >>> r = VpcResult("vpc-1", "123456789012", "us-east-1", Mode.OFF, VpcStatus.SKIPPED)
    >>> gone(r), gone(dataclasses.replace(r, mode_reason=ModeReason.NOT_FOUND))
    (False, True)
    """
    return result.mode_reason is ModeReason.NOT_FOUND


def would_fix(result: VpcResult) -> bool:
    """True when ``--fix`` will change this VPC of the read-only pass.

    The read-only pass runs with auto-fix settings and no executor, so the engine
    keeps every VPC dry-run and says why: ``no-executor`` for the VPCs that the
    auto-fix pass will change; a VPC that its own mode tag keeps dry-run (or off)
    has the tag as its reason.

    >>> import dataclasses
    >>> from remediation.actions import EnableVpcAttribute
    >>> from remediation.modes import Mode
    >>> from remediation.outcomes import Outcome, OutcomeStatus
    >>> action = EnableVpcAttribute(vpc_id="vpc-1", reason="r", attribute="enableDnsHostnames")
    >>> r = VpcResult("vpc-1", "123456789012", "us-east-1", Mode.DRY_RUN,
    ...               VpcStatus.NON_COMPLIANT, mode_reason=ModeReason.NO_EXECUTOR,
    ...               outcomes=(Outcome(action, OutcomeStatus.PLANNED),))
    >>> would_fix(r), would_fix(dataclasses.replace(r, mode_reason=ModeReason.TAG))
    (True, False)
    """
    return (
        result.status is VpcStatus.NON_COMPLIANT
        and bool(result.outcomes)
        and result.mode_reason is ModeReason.NO_EXECUTOR
    )


def tag_note(result: VpcResult) -> str:
    """The VPC's mode note when its tag set the mode (other notes are the CLI's plumbing)."""
    return result.mode_note if result.mode_reason in TAG_REASONS else ""


def errors_of(scans: Iterable[RegionScan], accounts: Iterable[AccountScan] = ()) -> list[str]:
    """The exit-2 errors of a scan, one line each: ``<region>: ...``, and across accounts
    ``<account>: <region>: ...`` or ``<account>: ...`` for an account not scanned."""
    errors = [f"{a.account_id}: {one_line(a.error)}" for a in accounts if a.error]
    for scan in scans:
        if scan.summary.error:
            errors.append(f"{scan.where}: {summary_error(scan.summary.error)}")
        errors += [f"{scan.where}: {vpc_id} not found" for vpc_id in scan.missing]
    return errors


def exit_code_for(statuses: Iterable[VpcStatus], *, errors: Sequence[str]) -> int:
    """2 on any error, else 0 when every VPC is settled (compliant, fixed, skipped), else 1.

    >>> exit_code_for([VpcStatus.FIXED, VpcStatus.INCOMPLETE], errors=[])
    1
    >>> exit_code_for([], errors=["us-east-1: vpc-12345678 not found"])
    2
    """
    if errors:
        return EXIT_ERROR
    return EXIT_OK if all(s in SETTLED for s in statuses) else EXIT_NON_COMPLIANT
