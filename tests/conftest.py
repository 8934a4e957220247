"""Test-wide settings: headless Qt, quiet TensorFlow, CPU only.

Set before anything imports Qt or TensorFlow, so every test runs the same
way on a developer's machine and on CI.
"""
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
