"""Findings: the ways in which a VPC departs from the baseline, each with the repairs it asks for.

Built by the rules in :mod:`remediation.baseline`; planned by :mod:`remediation.plan`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from remediation.actions import Action


class Severity(enum.StrEnum):
    INFO = "info"  # compliant in a way worth saying (e.g. centralised endpoint)
    WARNING = "warning"  # needs a repair the tool can make
    MANUAL = "manual"  # needs a person: the tool will not change it


@dataclass(frozen=True)
class Finding:
    """One way in which a VPC departs from the baseline.

    ``repairs`` are the actions that would fix it; a finding with none is
    reported only (for a person, or because it resolves itself).
    """

    code: str
    message: str
    severity: Severity = Severity.WARNING
    service: str = ""
    resource_id: str = ""
    repairs: tuple[Action, ...] = ()

    @property
    def compliant(self) -> bool:
        return self.severity is Severity.INFO

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity.value,
            "service": self.service,
            "resource_id": self.resource_id,
            "message": self.message,
        }
