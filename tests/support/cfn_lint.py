"""cfn-lint as the tests run it: errors, warnings and informational checks, on a template's text,
with cfn-lint's rules loaded once per test process.

``cfnlint.api.lint`` builds a ``Runner``, which loads every rule module (and the IAM and
resource specifications they read), on each call: 0.4 s, more than linting one of the
generated templates takes. cfn-lint's own command line loads them once for all the templates
it is given, and so does :func:`cfn_lint`: it is ``lint``'s code with the ``Rules`` a
``Runner`` loads kept. The collection only holds the rules; which of them run (``I``:
informational too), in which regions and with which settings is decided per template by its
configuration (``Rules.run`` configures each rule for the run).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

from cfnlint.config import ConfigMixIn
from cfnlint.decode.decode import decode_str
from cfnlint.rules import Rules
from cfnlint.runner import Runner, run_template_by_data


@cache
def _rules() -> Rules:
    """cfn-lint's built-in rules, as ``lint``'s ``Runner`` loads them for a configuration
    without ``append_rules`` or ``custom_rules`` (the tests give neither)."""
    return Runner(ConfigMixIn()).rules


def cfn_lint(text: str, regions: Sequence[str]) -> list[str]:
    """cfn-lint's findings on a template (errors, warnings, informational), in ``regions``."""
    template, errors = decode_str(text)
    if errors:
        return [str(m) for m in errors]
    assert template is not None, "an empty template"
    config = ConfigMixIn(include_checks=["I"], regions=list(regions))
    return [str(m) for m in run_template_by_data(template, config, _rules())]
