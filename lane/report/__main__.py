"""`python -m lane.report`: `lane report` without the `lane` front end (lane/cli.py wires the same code)."""

import sys

from lane.report.cli import main

sys.exit(main())
