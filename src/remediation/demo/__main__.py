"""``python -m remediation.demo``: see :mod:`remediation.demo.story`."""

import sys

from remediation.demo.emulator import collect_less
from remediation.demo.story import main

collect_less()  # the emulator and the tool in this one process
sys.exit(main())
