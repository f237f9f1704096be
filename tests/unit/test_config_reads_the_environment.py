"""Every environment variable the code acts on is read in ``src/remediation/config/``.

Faces pass the environment (``os.environ``) to :func:`remediation.config.load_settings` and
its siblings; nothing else looks a variable up by name, so that every setting has one reading,
one problem message and one place in the docs. Powertools' own variables
(``POWERTOOLS_*``) are read by Powertools. The demo sets variables for the emulator and
restores them (it reads none by name).
"""

from __future__ import annotations

import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"
#: The settings package: the only code that may look a variable up by name.
CONFIG = SRC / "remediation" / "config"
#: A variable looked up by its name: os.environ["X"], os.environ.get("X"), os.getenv("X"),
#: env["X"], env.get("X") (any mapping called env or environ).
READ = re.compile(r"""(?:environ|env|getenv)(?:\.get)?\s*[\[(]\s*["']([A-Z][A-Z0-9_]*)["']""")


def reads(text: str) -> list[str]:
    """>>> reads('os.environ.get("A_B") + env["C"] + os.getenv("D") + other["E"]')
    ['A_B', 'C', 'D']
    """
    return READ.findall(text)


def in_config(path: Path) -> bool:
    """>>> in_config(CONFIG / "services.py"), in_config(SRC / "remediation" / "configs.py")
    (True, False)
    """
    return path.is_relative_to(CONFIG)


def test_only_config_reads_variables_by_name() -> None:
    found = {
        f"{path.relative_to(SRC)}: {name}"
        for path in SRC.rglob("*.py")
        if not in_config(path)
        for name in reads(path.read_text(encoding="utf-8"))
    }
    assert sorted(found) == [], "read it in remediation/config/ (Settings), not here"


def test_the_check_sees_a_read() -> None:
    assert reads('x = os.environ.get("SERVICES", "")') == ["SERVICES"]
    assert reads("y = env['MEMBER_ROLE_NAME'].strip()") == ["MEMBER_ROLE_NAME"]
    assert CONFIG.is_dir()  # the exemption names the package that exists, and no more
    assert not in_config(SRC / "handlers" / "remediate.py")
    assert not in_config(SRC / "remediation" / "configuration.py")
    assert reads("\n".join(p.read_text(encoding="utf-8") for p in CONFIG.rglob("*.py")))
