import sys

from tabrl_core.cli import main

sys.exit(main())
