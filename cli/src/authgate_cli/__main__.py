"""`python -m authgate_cli` runs the same command as the `authgate` console script."""

import sys

from authgate_cli.main import main

sys.exit(main())
