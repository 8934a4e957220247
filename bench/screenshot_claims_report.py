"""The claims report screenshot (docs/screenshots/claims-report.png): the top of a report.html as a browser shows it.

The report is a plain HTML page with inline SVG, which Qt's widgets cannot render
faithfully, so headless Chromium takes the picture (Debian: `apt-get install chromium`);
the PNG is then reduced to 8 bits with the adaptive palette the other screenshots use.

    python bench/screenshot_claims_report.py CLAIMS_DIR [--out docs/screenshots] [--size 1280x1500]
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

BROWSERS = ("chromium", "chromium-browser", "google-chrome")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("claims_dir", type=Path, help="a claims folder (holds report.html)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--size", default="1280x1500", help="browser window WxH (default 1280x1500)")
    args = parser.parse_args()
    report = args.claims_dir / "report.html"
    if not report.is_file():
        print(f"screenshot_claims_report: no report.html in {args.claims_dir}", file=sys.stderr)
        return 2
    browser = next((b for b in map(shutil.which, BROWSERS) if b), None)
    if browser is None:
        print("screenshot_claims_report: no Chromium found (apt-get install chromium)", file=sys.stderr)
        return 1
    width, height = (int(v) for v in args.size.lower().split("x"))
    with tempfile.TemporaryDirectory(prefix="rcnn-claims-shot-") as tmp:
        raw = Path(tmp) / "raw.png"
        subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                        f"--user-data-dir={tmp}/profile", f"--window-size={width},{height}",
                        f"--screenshot={raw}", report.resolve().as_uri()],
                       check=True, capture_output=True, timeout=120)
        from PySide6.QtGui import QGuiApplication, QImage
        app = QGuiApplication.instance() or QGuiApplication([])   # noqa: F841 (QImage needs an application)
        from bench.screenshots import quantize
        image = QImage(str(raw))
        if image.isNull():
            print("screenshot_claims_report: Chromium wrote no picture", file=sys.stderr)
            return 1
        args.out.mkdir(parents=True, exist_ok=True)
        path = args.out / "claims-report.png"
        quantize(image).save(str(path), "PNG", 9)
    print(f"{path}  {width}×{height}  {path.stat().st_size // 1024} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
