"""RCNN Workbench: `python main.py` opens the window; `python main.py run ...` trains headless."""
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")   # keep TensorFlow's start-up chatter (and its CUDA probe on CPU-only machines) off the console


def main(argv: list[str]) -> int:
    if argv and not argv[0].startswith("-") or argv[:1] in (["-h"], ["--help"]):
        from workbench.cli import main as cli_main
        return cli_main(argv)
    from ui.app import main as gui_main
    return gui_main(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
