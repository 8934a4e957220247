"""Test-wide settings: headless Qt, quiet TensorFlow, CPU only.

Set before anything imports Qt or TensorFlow, so every test runs the same
way on a developer's machine and on CI.
"""
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
# What engine/__init__.py asks for before TensorFlow loads, here too: a test module may import
# TensorFlow before the engine.
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")
# Runs write no checkpoint unless a test asks for one (post A's are hundreds of MB each).
os.environ.setdefault("RCNN_WORKBENCH_CHECKPOINT_EVERY", "off")


import gc  # noqa: E402

import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _garbage_collected_in_the_gui_thread(request):
    """Tests with Qt objects: no automatic collection during the test, one in the main thread after.

    As in the app (ui.window.app.collect_garbage_in_the_gui_thread): a collection that starts in a worker
    thread can destroy a previous test's Qt objects there while the GUI thread deletes others, and
    the two threads deadlock (seen: test_rerun_reports_a_match hung the suite).
    """
    if "qtbot" not in request.fixturenames and "qapp" not in request.fixturenames:
        yield
        return
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.collect()
        if was_enabled:
            gc.enable()
