"""The documentation names only what exists.

Every page (the README and ``docs/``) is read for what it writes in
backticks and for its relative links. A name that does not exist fails the test: a file
path, an environment variable, a template parameter, a CLI option, a ``make`` target, a
Python name (``remediation.…``, ``handlers.…``), a test (``test_x.py::test_y``). The tables
of environment variables and template parameters are also checked the other way: every
variable the template gives the function, and every parameter, is documented. Code that
points at a page (``docs/….md`` in a comment) must point at one that exists.

Pure: reads files, imports the project, builds the CLI's parser; no AWS, no network.
"""

from __future__ import annotations

import argparse
import importlib
import json
import re
import typing
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest
from botocore import configprovider
from botocore.credentials import EnvProvider

from remediation.actions import READ_PERMISSIONS
from remediation.cli import build_parser
from remediation.cli.options import option_strings

REPO = Path(__file__).resolve().parents[2]
PAGES = sorted([REPO / "README.md", *(REPO / "docs").glob("*.md")])
#: Code and configuration that may point at a page of ``docs/``.
POINTERS = ("src", "tests", "bench", ".ci", "Makefile", "samconfig.toml", "template.yaml")
#: Generated, git-ignored locations a page may name although a clean checkout lacks them.
GENERATED = (".venv", ".venv-tools", ".aws-sam", "bench/results")
#: Top-level folders whose paths a page names (``remediation/`` and ``handlers/`` live in src/).
ROOTS = ("src", "tests", "bench", "events", "docs", ".ci", "remediation", "handlers")
#: CloudFormation identifiers that look like environment variables.
NOT_VARIABLES = frozenset(
    {"CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND", "CAPABILITY_NAMED_IAM", "DELEGATED_ADMIN"}
)

FENCE = re.compile(r"^(```|~~~).*?^\1", re.S | re.M)
SPAN = re.compile(r"`([^`\n]+)`")
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)")
VARIABLE = re.compile(r"^([A-Z][A-Z0-9]*_[A-Z0-9_]+)(?:=\S*)?$")
OPTION = re.compile(r"(?<![\w-])(--?[a-z][a-z-]*)")
PARAMETER = re.compile(r"^([A-Z][a-z0-9]+(?:[A-Z][a-z0-9]*)*)=")
MAKE = re.compile(r"^make ([a-z][a-z-]*)")
PYTHON_NAME = re.compile(r"^(?:remediation|handlers)(?:\.\w+)+$")
TEST = re.compile(r"^((?:tests/(?:\w+/)*)?test_\w+\.py)(?:::(\w+))?$")
FILE = re.compile(r"^[\w.-]+\.(?:py|md|yaml|yml|toml|json|cfg|txt)$")


def _prose(text: str) -> str:
    return FENCE.sub("", text)


def spans(page: Path) -> Iterator[str]:
    """Inline code of a page (outside fenced blocks), without surrounding blanks."""
    for span in SPAN.findall(_prose(page.read_text(encoding="utf-8"))):
        yield span.strip()


def command_lines(page: Path) -> Iterator[str]:
    """Lines of fenced blocks that run the CLI."""
    for block in FENCE.finditer(page.read_text(encoding="utf-8")):
        for line in block.group(0).splitlines():
            if line.strip().startswith("ecr-endpoint-guard "):
                yield line.split("#", 1)[0]


@cache
def template_text() -> str:
    return (REPO / "template.yaml").read_text(encoding="utf-8")


def _section(name: str) -> str:
    """One top-level section of template.yaml (its lines up to the next top-level key)."""
    match = re.search(rf"^{name}:\n(.*?)(?=^\S)", template_text(), re.S | re.M)
    assert match, f"template.yaml has no {name} section"
    return match.group(1)


@cache
def template_parameters() -> frozenset[str]:
    return frozenset(re.findall(r"^  ([A-Za-z0-9]+):", _section("Parameters"), re.M))


@cache
def template_names() -> frozenset[str]:
    """Parameters, resources and outputs: every logical name a page may quote."""
    return frozenset(
        name
        for section in ("Parameters", "Resources", "Outputs")
        for name in re.findall(r"^  ([A-Za-z0-9]+):", _section(section), re.M)
    )


@cache
def function_environment() -> frozenset[str]:
    """The variables the template gives the function."""
    match = re.search(
        r"^        Variables:\n(.*?)(?=^      \S|^    \S)", template_text(), re.S | re.M
    )
    assert match, "template.yaml: no Environment Variables for the function"
    return frozenset(re.findall(r"^          ([A-Z][A-Z0-9_]+):", match.group(1), re.M))


@cache
def known_variables() -> frozenset[str]:
    """Every environment variable something in the repository (or the AWS SDK) reads."""
    names = set(function_environment())
    code = [
        *(REPO / "src").rglob("*.py"),
        *(REPO / "tests").rglob("*.py"),
        *(REPO / "bench").glob("*.py"),
        *(REPO / ".ci").glob("*.py"),
    ]
    for path in code:
        text = path.read_text(encoding="utf-8")
        names.update(re.findall(r"environ(?:\.get)?[\[(]\s*\"([A-Z][A-Z0-9_]+)\"", text))
        names.update(re.findall(r"env(?:\.get)?[\[(]\s*\"([A-Z][A-Z0-9_]+)\"", text))
        names.update(re.findall(r"_flag\(env, \"([A-Z][A-Z0-9_]+)\"", text))
        names.update(re.findall(r"getenv\(\s*\"([A-Z][A-Z0-9_]+)\"", text))
        names.update(re.findall(r"\"(AWS_[A-Z0-9_]+)\"", text))  # AWS variables set or read
    for script in (p for p in (REPO / ".ci").iterdir() if p.is_file() and not p.suffix):
        # shell: ${NAME:-default}, ${NAME-default}
        names.update(re.findall(r"\$\{([A-Z][A-Z0-9_]+):?-", script.read_text(encoding="utf-8")))
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    names.update(re.findall(r"^([A-Z][A-Z0-9_]*) \?=", makefile, re.M))
    names.update(re.findall(r"\$\(([A-Z][A-Z0-9_]+)\)", makefile))
    names.update(re.findall(r"\b([A-Z][A-Z0-9_]+)=\$", makefile))
    for _, env_names, *_ in configprovider.BOTOCORE_DEFAUT_SESSION_VARIABLES.values():
        names.update([env_names] if isinstance(env_names, str) else env_names or ())
    names.update(
        str(value)
        for key, value in vars(EnvProvider).items()
        if key.isupper() and isinstance(value, str) and value.startswith("AWS_")
    )
    return frozenset(names)


@cache
def python_constants() -> frozenset[str]:
    """Upper-case names the project's code defines (``READ_PERMISSIONS``, ``MODE_TAG``…)."""
    return frozenset(
        name
        for path in (REPO / "src").rglob("*.py")
        for name in re.findall(
            r"^\s*([A-Z][A-Z0-9_]+)\s*[:=]", path.read_text(encoding="utf-8"), re.M
        )
    )


@cache
def cli_options() -> dict[str, frozenset[str]]:
    """Options by command ("" for the main parser's own), from the parser itself."""
    found: dict[str, set[str]] = {}
    for command, flag in option_strings(build_parser()):
        found.setdefault(command, set()).add(flag)
    return {command: frozenset(flags) for command, flags in found.items()}


@cache
def make_targets() -> frozenset[str]:
    text = (REPO / "Makefile").read_text(encoding="utf-8")
    return frozenset(re.findall(r"^([a-z][a-z-]*):", text, re.M))


def _test_files(named: str) -> list[Path]:
    """The test file a page names: by its exact path under tests/, or by a file name that
    only one test file has."""
    if named.startswith("tests/"):
        return [REPO / named] if (REPO / named).is_file() else []
    return sorted((REPO / "tests").rglob(named))


@cache
def _test_names(path: Path | None = None) -> frozenset[str]:
    """The tests of one file, or of every test file."""
    paths = [path] if path is not None else list((REPO / "tests").rglob("test_*.py"))
    return frozenset(
        name
        for path in paths
        for name in re.findall(r"^def (test_\w+)", path.read_text(encoding="utf-8"), re.M)
    )


def path_exists(text: str, here: Path = REPO) -> bool:
    """A repository path (``remediation/…`` and ``handlers/…`` are under src/), or a file
    beside the page; a module ``x.py`` may also be a package ``x/``."""
    candidates = [REPO / text, here / text]
    if text.startswith(("remediation/", "handlers/")):
        candidates.append(REPO / "src" / text)
    for candidate in list(candidates):
        if candidate.suffix == ".py":
            candidates.append(candidate.with_suffix("") / "__init__.py")
    return any(c.exists() for c in candidates)


def is_path(text: str) -> bool:
    first = text.split("/", 1)[0]
    return bool(re.fullmatch(r"[\w./-]+", text)) and (
        ("/" in text and first in ROOTS) or bool(FILE.fullmatch(text))
    )


def python_name_exists(dotted: str) -> bool:
    """A module, or an attribute chain of the longest importable module prefix."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            target: object = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for attribute in parts[cut:]:
            if not hasattr(target, attribute):
                return False
            target = getattr(target, attribute)
        return True
    return False


def problems(page: Path) -> Iterator[str]:
    """What ``page`` names that does not exist."""
    all_options = frozenset().union(*cli_options().values())
    for span in spans(page):
        if span.startswith(GENERATED) or "<" in span or "…" in span:
            continue
        if (test := TEST.fullmatch(span)) is not None:
            files = _test_files(test.group(1))
            if len(files) != 1:
                yield f"test file {span!r}" + (" (ambiguous: give its path)" if files else "")
            elif test.group(2) and test.group(2) not in _test_names(files[0]):
                yield f"test {span!r}"
        elif re.fullmatch(r"::test_\w+", span):
            if span[2:] not in _test_names():
                yield f"test {span!r}"
        elif is_path(span):
            if not path_exists(span.rstrip("/"), page.parent):
                yield f"file {span!r}"
        elif (variable := VARIABLE.fullmatch(span)) is not None:
            name = variable.group(1)
            known = known_variables() | python_constants() | NOT_VARIABLES
            if name not in known and not hasattr(typing, name):
                yield f"environment variable {name!r}"
        elif span.startswith("-"):
            flag = OPTION.match(span)
            if flag is None or flag.group(1) not in all_options:
                yield f"CLI option {span!r}"
        elif (parameter := PARAMETER.match(span)) is not None:
            if parameter.group(1) not in template_parameters():
                yield f"template parameter {span!r}"
        elif (target := MAKE.match(span)) is not None:
            if target.group(1) not in make_targets():
                yield f"make target {span!r}"
        elif PYTHON_NAME.fullmatch(span) and not python_name_exists(span):
            yield f"Python name {span!r}"
    for line in command_lines(page):
        words = line.split()
        command = words[1] if len(words) > 1 and not words[1].startswith("-") else ""
        known = cli_options().get(command, frozenset()) | cli_options()[""]
        for flag in OPTION.findall(" ".join(words[2:] if command else words[1:])):
            if flag not in known:
                yield f"option {flag!r} of {' '.join(words[:2])!r}"


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, blanks to hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(page: Path) -> frozenset[str]:
    text = _prose(page.read_text(encoding="utf-8"))
    return frozenset(slug(h) for h in re.findall(r"^#{1,6} (.+)$", text, re.M))


def broken_links(page: Path) -> Iterator[str]:
    for target in LINK.findall(_prose(page.read_text(encoding="utf-8"))):
        if re.match(r"^[a-z]+:", target):
            continue  # http(s), mailto
        path, _, anchor = target.partition("#")
        linked = (page.parent / path).resolve() if path else page
        if not linked.exists():
            yield f"link {target!r}: no such file"
        elif anchor and linked.suffix == ".md" and anchor not in anchors(linked):
            yield f"link {target!r}: no such heading"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(REPO)))
def test_a_page_names_only_what_exists(page: Path) -> None:
    assert list(problems(page)) == []


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(REPO)))
def test_relative_links_land_on_a_file_and_heading(page: Path) -> None:
    assert list(broken_links(page)) == []


def test_every_function_variable_and_template_parameter_is_documented() -> None:
    documented = set(spans(REPO / "docs" / "configuration.md"))
    names = {n for s in documented for n in re.split(r"[=, ]", s)}
    assert sorted(function_environment() - names) == []
    assert sorted(template_parameters() - names) == []


def test_every_cli_option_and_read_permission_is_in_the_cli_page() -> None:
    page = REPO / "docs" / "cli.md"
    named = {
        word
        for span in [*spans(page), *command_lines(page)]
        for word in re.split(r"[\s,\[\]]+", span)
    }
    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    undocumented = [
        f"{name} {flag}"
        for name, sub in commands.choices.items()
        for action in sub._actions
        if action.help != argparse.SUPPRESS and not isinstance(action, argparse._HelpAction)
        for flag in action.option_strings
        if flag not in named
    ]
    assert undocumented == []
    assert sorted(set(READ_PERMISSIONS) - named) == []


def test_the_readme_is_a_front_door() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= 200
    for command in ("make demo", "make test"):
        assert command in readme


def test_code_points_only_at_pages_that_exist() -> None:
    dangling = []
    for root in POINTERS:
        base = REPO / root
        files = [base] if base.is_file() else [p for p in base.rglob("*") if p.is_file()]
        for path in files:
            if "__pycache__" in path.parts or path.suffix not in ("", ".py", ".toml", ".yaml"):
                continue
            for page in re.findall(r"\bdocs/[\w./-]+\.md\b", path.read_text(encoding="utf-8")):
                if not (REPO / page).is_file():
                    dangling.append(f"{path.relative_to(REPO)}: {page}")
    assert dangling == []


def test_the_checks_catch_what_does_not_exist(tmp_path: Path) -> None:
    """The checker itself: each kind of name that does not exist is caught."""
    page = tmp_path / "page.md"
    page.write_text(
        "`src/remediation/nothing.py` `NO_SUCH_VARIABLE` `--no-such-option` `NoSuchParameter=1` "
        "`make nothing` `remediation.engine.nothing` `test_cli.py::test_nothing` "
        "`tests/unit/test_cli.py` `tests/functional/cli/test_cli.py::test_the_parser_builds` "
        "[gone](missing.md) [here](#nowhere)\n\n# Title\n\n```sh\n"
        "ecr-endpoint-guard scan --frobnicate\n```\n",
        encoding="utf-8",
    )
    found = list(problems(page))
    for kind in (
        "file",
        "environment variable",
        "CLI option",
        "template parameter",
        "make target",
        "Python name",
        "test",
        "option '--frobnicate'",
    ):
        assert any(p.startswith(kind) for p in found), (kind, found)
    assert len(list(broken_links(page))) == 2
    real = tmp_path / "real.md"
    real.write_text(
        "`src/remediation/engine/runs.py` `remediation/executor.py` `SERVICES` `--fix` "
        "`Mode=auto-fix` `make demo` `remediation.engine.chunks.run_chunks` `test_cli.py` "
        "[title](#title)\n\n# Title\n",
        encoding="utf-8",
    )
    assert list(problems(real)) == []
    assert list(broken_links(real)) == []


def test_the_cli_json_schema_names_every_status_and_count() -> None:
    """docs/cli.md's JSON schema lists every VPC status, every count key and every top-level
    key the document has: a reader of the schema misses none."""
    from remediation.cli.formats.registry import Report, _json
    from remediation.report.results import VpcStatus, tally

    page = (REPO / "docs" / "cli.md").read_text(encoding="utf-8")
    schema = page.split("## JSON output", 1)[1].split("\n## ", 1)[0]
    missing = [f"status {s.value!r}" for s in VpcStatus if f'"{s.value}"' not in schema]
    missing += [f"status {s.value!r} (vpcs[].status)" for s in VpcStatus if s.value not in schema]
    missing += [f"count {key!r}" for key in tally(()) if f'"{key}"' not in schema]
    document = json.loads(
        _json(Report((), (), None, "123456789012", False, False, False, exit_code=0))
    )
    missing += [f"key {key!r}" for key in document if f'"{key}"' not in schema]
    assert missing == []


def test_the_architecture_page_names_every_module() -> None:
    """Issue 19: ``docs/architecture.md`` places every module of ``src/`` (package ``__init__``
    files aside), by its path."""
    page = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")
    unnamed = [
        str(p.relative_to(REPO))
        for p in sorted((REPO / "src").rglob("*.py"))
        if p.name != "__init__.py" and f"`{p.relative_to(REPO)}`" not in page
    ]
    assert unnamed == [], "say in docs/architecture.md what these hold"
