"""``python -m remediation.cli``: the same as the ``ecr-endpoint-guard`` console script."""

from remediation.cli.app import main

raise SystemExit(main())
