"""`python -m simulator` is the same as the `simulator` command."""
import sys

from simulator.cli import main

sys.exit(main())
