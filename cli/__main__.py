"""``python -m prozchain.cli ...``: the ``prozchain`` command without the installed script."""

import sys

from prozchain.cli import main

sys.exit(main())
