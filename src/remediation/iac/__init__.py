"""Infrastructure as code from a VPC's plan: Terraform and CloudFormation. Pure.

:mod:`remediation.iac.spec` turns a snapshot and its plan (the actions auto-fix would take)
into the resources the VPC's code should hold (:mod:`remediation.iac.resources`, named by
:mod:`remediation.iac.names`); :mod:`remediation.iac.terraform` and
:mod:`remediation.iac.cloudformation` write them. Loaded only where code is asked for (the
CLI's ``--format terraform``/``cloudformation``, a dry-run notification): never at import of
the handler.
"""

from __future__ import annotations

from collections.abc import Sequence

from remediation.actions import Action
from remediation.model import VpcSnapshot


def terraform_for(snapshot: VpcSnapshot, actions: Sequence[Action], *, label: str = "") -> str:
    """The Terraform of one VPC: what its plan creates, adopts and asks of the user's code."""
    from remediation.iac import spec, terraform  # noqa: PLC0415 - light package import

    return terraform.render(spec.describe(snapshot, actions, label=label))
