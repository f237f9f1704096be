"""Write the parse tables of checkov's JSONPath parser once, into the tools environment.

checkov evaluates CloudFormation references with ``bc_jsonpath_ng``, whose parser asks PLY to
build its LALR tables on every ``parse`` call and not to keep them (``write_tables=0``): about
0.1 s a call, and checkov makes dozens per template, most of a CloudFormation scan's time
(checkov on ``template.yaml`` and ``member.yaml``: 14 s, of which 10 s building the same tables).
PLY loads tables from the module it is told to (``<package>.parser_jsonpath_parsetab``) when
their signature matches the grammar, and builds them otherwise. This writes that module for
both parsers (the base grammar and checkov's extended one), so a scan reads them instead; the
parser, its grammar and checkov's findings are unchanged (a grammar that changes no longer
matches the signature, and PLY builds the tables again as before).

Run by ``make tools`` with the tools environment's Python. Only a speed-up: where the parser
is not there (another checkov), it says so and changes nothing.
"""

from __future__ import annotations

import importlib
import logging
import os
import sys
from typing import Any

PARSERS = (
    ("bc_jsonpath_ng.parser", "JsonPathParser"),
    ("bc_jsonpath_ng.ext.parser", "ExtentedJsonPathParser"),  # checkov's spelling
)
TABLES = "parser_jsonpath_parsetab"  # the name bc_jsonpath_ng gives PLY
START = "jsonpath"
QUIET = logging.getLogger("ply")  # PLY's warnings about checkov's grammar, not shown


def main() -> int:
    try:
        yacc = importlib.import_module("ply.yacc")
    except ImportError:
        print("no PLY in this environment: nothing to do")
        return 0
    for module_name, class_name in PARSERS:
        try:
            module = importlib.import_module(module_name)
            parser = getattr(module, class_name)()
        except (ImportError, AttributeError) as exc:
            print(f"{module_name}.{class_name} not found ({exc}): its tables are not written")
            continue
        folder = os.path.dirname(module.__file__ or "")
        yacc.yacc(
            module=parser,
            debug=False,
            tabmodule=TABLES,
            outputdir=folder,
            write_tables=True,
            start=START,
            errorlog=QUIET,
        )
        if not _tables_match(yacc, parser, f"{module.__package__}.{TABLES}"):
            print(f"the tables written for {module_name} do not load: PLY will build them")
            return 1
        print(f"parse tables written for {module_name}")
    return 0


def _tables_match(yacc: Any, parser: object, tabmodule: str) -> bool:
    """The check PLY makes before it uses tables: the module's signature is the grammar's."""
    grammar = {name: getattr(parser, name) for name in dir(parser)}
    grammar["start"] = START
    reflect = yacc.ParserReflect(grammar, log=QUIET)
    reflect.get_all()
    table = yacc.LRTable()
    return bool(table.read_table(tabmodule) == reflect.signature())


if __name__ == "__main__":
    sys.exit(main())
