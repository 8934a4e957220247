"""TensorFlow never loads in the window's process: a run, a study (with gradient flow, whose event files the
study driver writes there) and a claims study, each driven as the window drives it, then sys.modules."""
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

SCRIPT = r'''
import json, sys
from pathlib import Path
from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication

app = QApplication([])
import resources
from tests.workbench.cli.test_claims_cli import write_tiny_scales
from tests.workbench.conftest import tiny_run
from ui.studies.claims_dialog import ClaimsDialog
from workbench.app.study_bridge import StudyController
from workbench.claims.claim_set import load_claims
from workbench.execution import engine_process
from workbench.studies.spec import StudyOptions, StudySpec

out = Path(sys.argv[1])
tiny_scales = write_tiny_scales(out / "claim_scales.json")
resources.claim_scales = lambda: tiny_scales


def until_finished(controller, start):
    """Start, then wait for the controller's finished signal; its outcome's status."""
    ended, loop = [], QEventLoop()
    controller.finished.connect(lambda outcome: (ended.append(outcome.status), loop.quit()))
    start()
    loop.exec()
    return ended[0]


controller = StudyController()
statuses = {"run": until_finished(controller, lambda: controller.start(tiny_run(), out / "run"))}
spec = StudySpec(bases=(tiny_run().with_train(gradient_flow=True),), seeds=(0, 1))
statuses["study"] = until_finished(controller, lambda: controller.start_study(spec, out / "study", StudyOptions()))
dialog = ClaimsDialog()
dialog.claims = load_claims().select(["A-dense2-beats-autodiff"])
dialog.seeds.setValue(3)
dialog.as_published.setChecked(False)
dialog.out.setText(str(out / "claims"))
dialog._update_summary()
statuses["claims"] = until_finished(dialog.controller, dialog.start_button.click)
controller.shutdown()
engine_process.close_spare()
print(json.dumps({"statuses": statuses, "tensorflow": "tensorflow" in sys.modules}))
'''


def test_a_run_a_study_and_a_claims_study_leave_tensorflow_out_of_the_window(tmp_path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "RCNN_WORKBENCH_RUNS": str(tmp_path / "runs"),
           "RCNN_WORKBENCH_SETTINGS": str(tmp_path / "settings.ini")}
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path)], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=1200)       # only so that a hang ends the test; no duration asserted
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["statuses"] == {"run": "completed", "study": "completed", "claims": "completed"}
    assert (tmp_path / "study" / "trial-0" / "tensorboard" / "gradients").is_dir()
    assert (tmp_path / "claims" / "report.html").is_file()
    assert result["tensorflow"] is False
