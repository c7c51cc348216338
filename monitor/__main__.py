"""``python -m monitor`` runs the treatywatch command line."""

import sys

from monitor.cli import main

sys.exit(main())
