"""VPC DNS attributes: private DNS for endpoints needs both support and hostnames.

EC2 refuses ``enableDnsHostnames`` while ``enableDnsSupport`` is off, so the
repairs come in that order (the planner keeps it).
"""

from __future__ import annotations

from remediation.actions import EnableVpcAttribute
from remediation.config import Settings
from remediation.findings import Finding
from remediation.model import VpcSnapshot

DNS_SUPPORT_DISABLED = "dns-support-disabled"
DNS_HOSTNAMES_DISABLED = "dns-hostnames-disabled"


def check(snapshot: VpcSnapshot, settings: Settings) -> list[Finding]:
    findings = []
    for enabled, code, attribute in (
        (snapshot.dns_support, DNS_SUPPORT_DISABLED, "enableDnsSupport"),
        (snapshot.dns_hostnames, DNS_HOSTNAMES_DISABLED, "enableDnsHostnames"),
    ):
        if not enabled:
            findings.append(
                Finding(
                    code=code,
                    message=f"{attribute} is off: endpoint private DNS names will not resolve",
                    resource_id=snapshot.vpc_id,
                    repairs=(
                        EnableVpcAttribute(
                            vpc_id=snapshot.vpc_id, reason=code, attribute=attribute
                        ),
                    ),
                )
            )
    return findings
