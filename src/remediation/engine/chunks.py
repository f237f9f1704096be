"""Many VPCs in chunks: :func:`~remediation.engine.runs.run` over a list, a chunk at a time.

Chunks let a face (the CLI's scan) show progress on accounts with many VPCs; their summaries
are merged into one (:func:`merge`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from remediation.aws.inventory import Inventory
from remediation.config import Settings
from remediation.engine.not_evaluated import INTERRUPTED_NOTE
from remediation.engine.runs import run
from remediation.events.triggers import Trigger
from remediation.report.notify import Notifier
from remediation.report.results import Summary, VpcResult, VpcStatus, tally

if TYPE_CHECKING:  # the executor's module is loaded only when auto-fix builds one
    from remediation.executor import Executor

#: VPCs per engine run in :func:`run_chunks` (a face reports progress between chunks).
CHUNK = 50


def merge(parts: Sequence[Summary]) -> Summary:
    """One summary from the summaries of several chunks of the same run.

    >>> from remediation.modes import Mode
    >>> merge([Summary(Mode.DRY_RUN, notes=("a",)), Summary(Mode.DRY_RUN, notes=("b",))]).notes
    ('a', 'b')
    """
    if len(parts) == 1:
        return parts[0]
    vpcs = tuple(v for p in parts for v in p.vpcs)
    # the run fails when any chunk's error may pass on a retry, whatever came before it
    failing = next((p for p in parts if p.error and not p.refused_for_good), None) or next(
        (p for p in parts if p.error), None
    )
    return Summary(
        mode=parts[0].mode,
        trigger=parts[0].trigger,
        vpcs=vpcs,
        problems=parts[0].problems,
        notes=tuple(n for p in parts for n in p.notes),
        error=failing.error if failing else "",
        counts=tally(vpcs),
        refused_for_good=failing.refused_for_good if failing else False,
    )


def run_chunks(
    trigger: Trigger,
    settings: Settings,
    inventory: Inventory,
    vpc_ids: Sequence[str],
    *,
    executor: Executor | None = None,
    notifier: Notifier | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    chunk: int | None = None,
    stopped: Callable[[], bool] | None = None,
) -> Summary:
    """:func:`run` over ``vpc_ids``, ``chunk`` VPCs (default :data:`CHUNK`) at a time.

    Chunks let a face show progress on accounts with many VPCs (``on_progress(done,
    total)`` after each); each chunk is read with filtered calls, as for an event. A
    chunk whose read fails ends the run: the error is in the merged summary. Once
    ``stopped()`` (see :func:`run`), no VPC is started: those left are ``not-reached``.

    >>> run_chunks(trigger, settings, inventory, ["vpc-1", "vpc-2"], chunk=1,
    ...            on_progress=print)  # doctest: +SKIP
    1 2
    2 2
    """
    size = chunk or CHUNK
    chunks = [list(vpc_ids[i : i + size]) for i in range(0, len(vpc_ids), size)] or [[]]
    parts: list[Summary] = []
    for number, ids in enumerate(chunks, start=1):
        if stopped is not None and stopped() and ids:
            left = [i for c in chunks[number - 1 :] for i in c]
            parts.append(_not_read(trigger, settings, left))
            break
        parts.append(
            run(
                trigger,
                settings,
                inventory,
                executor=executor,
                notifier=notifier,
                vpc_ids=ids,
                stopped=stopped,
            )
        )
        if on_progress is not None:
            on_progress(min(number * size, len(vpc_ids)), len(vpc_ids))
        if parts[-1].error:
            break
    return merge(parts)


def _not_read(trigger: Trigger, settings: Settings, vpc_ids: Sequence[str]) -> Summary:
    """The VPCs of the chunks an interrupted run did not read: ``not-reached``."""
    vpcs = tuple(
        VpcResult(
            vpc_id=vpc_id,
            account_id=trigger.account_id,
            region=trigger.region,
            mode=settings.mode,
            status=VpcStatus.NOT_REACHED,
            mode_note=INTERRUPTED_NOTE,
        )
        for vpc_id in vpc_ids
    )
    return Summary(
        mode=settings.mode,
        trigger=trigger,
        vpcs=vpcs,
        problems=settings.problems,
        notes=(f"not started: the run was interrupted: {', '.join(vpc_ids)}",),
        counts=tally(vpcs),
    )
