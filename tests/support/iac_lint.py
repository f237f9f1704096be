"""What the CloudFormation lint tests share with the unit tests: resources left undescribed."""

from __future__ import annotations

from dataclasses import replace

from tests.support.iac_scenarios import SCENARIOS, Scenario


def undescribed() -> Scenario:
    """The tool's group with a rule that lost its description (edited by hand, say)."""
    scenario = SCENARIOS["tool_created"]()
    groups = tuple(
        replace(g, ingress=tuple(replace(r, description="") for r in g.ingress))
        for g in scenario.snapshot.security_groups
    )
    snapshot = replace(scenario.snapshot, security_groups=groups)
    return replace(scenario, name="undescribed", snapshot=snapshot)
