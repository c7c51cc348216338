"""``python -m monitor`` runs the treatywatch command line."""

import os
import sys

# ``python -m`` puts the working folder first on the import path: a folder named ``state`` or
# ``rules`` there (the default state_dir is one) would stand in for our packages. Take it off,
# as ``-P`` would, before anything else is imported (the ``treatywatch`` command never has it).
if not sys.flags.safe_path and sys.path and sys.path[0] in ("", os.getcwd()):
    del sys.path[0]

from monitor.cli import main

sys.exit(main())
