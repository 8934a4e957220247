"""`python -m workbench`: the same as the `rcnn-workbench` command."""
import sys

from workbench.entry.launcher import main

sys.exit(main(prog="python -m workbench"))
