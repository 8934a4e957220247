"""The repository's launcher: `python main.py` opens the window, `python main.py run ...` trains headless.

The same entry point as the installed `rcnn-workbench` command (workbench/entry/launcher.py).
"""
import sys

from workbench.entry.launcher import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:], prog="main.py"))
