"""The executor: the only code that writes, and only in auto-fix.

* :mod:`~remediation.executor.core` — sequencing (:class:`Executor`);
* :mod:`~remediation.executor.appliers` — one registered applier per action kind;
* :mod:`~remediation.executor.step` — what an applier may call, with bounded retries;
* :mod:`~remediation.executor.recovery` — fresh reads after a conflict;
* :mod:`~remediation.executor.reader` — the small typed reader those reads go through;
* :mod:`~remediation.executor.errors` — transient or permanent: one classification.
"""

from remediation.executor.core import Executor
from remediation.executor.step import RunContext

__all__ = ["Executor", "RunContext"]
