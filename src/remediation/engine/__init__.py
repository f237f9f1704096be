"""Orchestration only: event -> VPCs -> snapshots -> findings -> plan -> outcomes -> messages.

The handler and the CLI are two thin faces of :func:`remediation.engine.runs.run`. They build
the settings, the clients, the :class:`~remediation.aws.inventory.Inventory`, an
:class:`~remediation.executor.Executor` only when auto-fix is possible, and a notifier; the
engine decides nothing about processes or exit codes. Errors come back as values in the
:class:`~remediation.report.results.Summary`.

One run (:mod:`remediation.engine.runs`: an event's VPCs, or a sweep against its deadline), one
VPC (:mod:`remediation.engine.vpc`), many VPCs in chunks (:mod:`remediation.engine.chunks`), and
the results of what was not evaluated (:mod:`remediation.engine.not_evaluated`).
"""
