"""The tool's performance, measured: AWS API calls per evaluation, per sweep and per repair,
and the handler's cold start. ``python bench/run.py`` prints the table; the budget tests
(``tests/functional/handler/test_budget.py``, ``tests/slow/test_cold_start.py``) enforce the
same figures."""
