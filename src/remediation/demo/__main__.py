"""``python -m remediation.demo``: see :mod:`remediation.demo.story`."""

import sys

from remediation.demo.story import main

sys.exit(main())
