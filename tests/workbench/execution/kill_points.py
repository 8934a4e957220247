"""`python -m tests.workbench.execution.kill_points ARGS...`: the command line (workbench.cli.main)
with one point where the process announces itself and waits to be killed.

KILL_AT names the point: "step:N" (the N-th noisy batch drawn, inside a training step's input),
"checkpoint:N" (the N-th checkpoint's arrays written to their temporary file, not yet synced
or renamed), "truncation" (a resume's records cut back: metrics.csv done, the TensorBoard files
not yet). KILL_MARKER is the file created at that point; the test waits for it, then SIGKILLs.
"""
import os
import sys
import time


def _hold(marker: str) -> None:
    """Announce the point and wait for the SIGKILL; end quietly if the test that would send it is gone."""
    parent = os.getppid()
    with open(marker, "w") as handle:
        handle.write(str(os.getpid()))
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(3)


def _install(point: str, marker: str) -> None:
    name, _, count = point.partition(":")
    calls = {"n": 0}

    def reached() -> bool:
        calls["n"] += 1
        return calls["n"] == int(count or 1)

    if name == "step":
        from engine import noise
        real_call = noise.NoiseStream.__call__

        def call(self, x):
            if reached():
                _hold(marker)
            return real_call(self, x)
        noise.NoiseStream.__call__ = call
    elif name == "checkpoint":
        import numpy

        from workbench.records import checkpoint_store
        real_savez = checkpoint_store.np.savez

        class Numpy:
            """numpy as the store sees it, but for savez."""
            def __getattr__(self, attr):
                return getattr(numpy, attr)

            @staticmethod
            def savez(handle, **arrays):
                real_savez(handle, **arrays)
                if reached():
                    handle.flush()
                    _hold(marker)
        checkpoint_store.np = Numpy()
    elif name == "truncation":
        from workbench.records import tensorboard_export
        real_clear = tensorboard_export.clear_event_tree

        def clear(path):
            if reached():
                _hold(marker)
            return real_clear(path)
        tensorboard_export.clear_event_tree = clear
    else:
        raise SystemExit(f"unknown kill point {point!r}")


if __name__ == "__main__":
    if os.environ.get("KILL_AT"):
        _install(os.environ["KILL_AT"], os.environ["KILL_MARKER"])
    from workbench.cli.main import main
    sys.exit(main(sys.argv[1:], prog="main.py"))
