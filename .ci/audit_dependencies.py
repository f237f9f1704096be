# ruff: noqa: PLC0415 - imports that may be missing are made inside main(), to report it
"""Vulnerability audit of the installed dependencies, with pip-audit's PyPI service (`make audit`).

Run it with the project's virtual environment's Python: it audits that environment (the
resolved dependencies of ``.[dev]``, the function's own among them), not the project.

Outcomes, decided so that the audit never makes CI flaky and never passes silently:

* a known vulnerability in an installed dependency: exit 1, the build fails;
* audited, nothing found: exit 0, with how many dependencies were audited;
* the vulnerability service cannot be reached, or audits nothing: a loud warning and
  exit 0 (a network problem is not a property of the code), or exit 2 when
  ``AUDIT_REQUIRED=1`` (for a run that must have an audit, e.g. before a release).

pip-audit asks the package index for each release's JSON (which carries that release's
known vulnerabilities). Some index mirrors, such as the one this project's CI reaches,
do not serve per-release JSON, only each project's JSON, which carries the
vulnerabilities of the project's *latest* release. A dependency whose release pip-audit
cannot find is therefore audited from its project's JSON when it is installed at the
latest release (the usual case right after a fresh install); otherwise it is listed as
not audited. ``AUDIT_IGNORE`` takes a comma list of vulnerability ids accepted for now.
"""

from __future__ import annotations

import os
import re
import sys
from importlib import metadata
from typing import Any

PROJECT = "ecr-endpoint-guard"


def _installed() -> list[tuple[str, str]]:
    seen: dict[str, str] = {}
    for dist in metadata.distributions():
        name = dist.metadata["Name"]
        if name and name.lower() != PROJECT:
            seen.setdefault(name.lower(), dist.version)
    return sorted(seen.items())


class _LatestReleaseSession:
    """Answers a per-release query from the project's JSON, when that release is the latest."""

    def __init__(self, session: Any) -> None:
        self._session = session

    def get(self, url: str, timeout: float | None = None) -> Any:
        from packaging.version import Version

        match = re.fullmatch(r"(?P<project>.+/pypi/[^/]+)/(?P<version>[^/]+)/json", url)
        if match is None:
            return self._session.get(url=url, timeout=timeout)
        response = self._session.get(url=f"{match['project']}/json", timeout=timeout)
        if response.ok:
            latest = Version(str(response.json().get("info", {}).get("version", "0")))
            if latest != Version(match["version"]):
                response.status_code = 404  # not the latest release: unknown from here
        return response


def main() -> int:
    try:
        from packaging.version import Version
        from pip_audit._service import PyPIService, ServiceError
        from pip_audit._service.interface import ResolvedDependency
        from requests import RequestException
    except ImportError as exc:
        return _unavailable(f"pip-audit is not installed ({exc})")

    ignored = {v.strip() for v in os.environ.get("AUDIT_IGNORE", "").split(",") if v.strip()}
    service = PyPIService(timeout=15)
    fallback = PyPIService(timeout=15)
    fallback.session = _LatestReleaseSession(fallback.session)  # type: ignore[assignment]
    audited, via_fallback, unaudited, found = 0, 0, [], []
    packages = _installed()
    for name, version in packages:
        dependency = ResolvedDependency(name=name, version=Version(version))
        try:
            result, vulns = service.query(dependency)
            if result.is_skipped():
                result, vulns = fallback.query(dependency)
                via_fallback += 0 if result.is_skipped() else 1
        except (ServiceError, RequestException, OSError) as exc:
            return _unavailable(f"the vulnerability service failed: {type(exc).__name__}: {exc}")
        if result.is_skipped():
            unaudited.append(f"{name} {version}")
            continue
        audited += 1
        for vuln in vulns:
            if not set(vuln.aliases | {vuln.id}) & ignored:
                fixes = ", ".join(str(v) for v in vuln.fix_versions) or "none yet"
                found.append(f"{name} {version}: {vuln.id} (fixed in {fixes}) {vuln.description}")
    print(
        f"audit: {audited} of {len(packages)} installed dependencies audited "
        f"({via_fallback} from their latest release's data)"
    )
    if unaudited:
        print(f"audit: not audited here (not at their latest release): {', '.join(unaudited)}")
    if found:
        print("audit: KNOWN VULNERABILITIES:\n  " + "\n  ".join(found))
        return 1
    if audited == 0:
        return _unavailable("the vulnerability service audited nothing")
    return 0


def _unavailable(why: str) -> int:
    required = os.environ.get("AUDIT_REQUIRED", "") == "1"
    print(f"audit: WARNING: no vulnerability audit was possible: {why}", file=sys.stderr)
    if required:
        print("audit: AUDIT_REQUIRED=1: failing", file=sys.stderr)
        return 2
    print("audit: continuing (set AUDIT_REQUIRED=1 to fail instead)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
