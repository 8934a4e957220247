"""steps.csv: the step reports a run folder's writer was sent, read back as they came, cut back on resume."""
from engine.events import Progress, StepEvent
from workbench.records.run_folder import RunFolder, read_manifest
from workbench.records.run_lock import FolderLock
from workbench.records.steps import StepRow, read_steps, step_events

from tests.workbench.records.test_records import event, result, small


def step(epoch, s, trial=0, wall=None):
    running = {"0": (2.0 - epoch - s / 10, 0.1 * s), "1": (3.0 - s / 8, 0.05 * s)}
    return StepEvent(trial, epoch, s, 4, running, Progress(s, 10, wall if wall is not None else epoch + s / 4, None))


def test_step_reports_are_kept_in_order_and_read_back_as_the_events_that_were_sent(tmp_path):
    folder = RunFolder(tmp_path / "run", small(epochs=2))
    folder.start_trial(0, 0)
    sent = [step(0, 2), step(0, 4), step(1, 1), step(1, 4)]
    for e in (0, 1):
        for s in (x for x in sent if x.epoch == e):
            folder.step(s)
        folder.epoch(event(e))
    folder.end_trial(result(epochs=2))
    folder.finish("completed")
    back = step_events(read_steps(tmp_path / "run" / "steps.csv"))
    assert [(b.trial, b.epoch, b.step, b.steps_per_epoch, b.wall_time_s, b.running) for b in back] == \
        [(s.trial, s.epoch, s.step, s.steps_per_epoch, s.progress.elapsed_s, s.running) for s in sent]


def test_a_line_cut_off_by_a_kill_is_dropped_and_a_folder_without_steps_reads_as_none(tmp_path):
    folder = RunFolder(tmp_path / "run", small())
    folder.start_trial(0, 0)
    folder.step(step(0, 2))
    folder.finish("stopped")
    path = tmp_path / "run" / "steps.csv"
    whole = read_steps(path)
    path.write_text(path.read_text() + "0,0,3,4,0.7")             # no line ending: a write cut off
    assert read_steps(path) == whole and whole[0] == StepRow(0, 0, 2, 4, 0.5, "0", 1.8, 0.2)
    assert read_steps(tmp_path / "older-run" / "steps.csv") == []


def test_a_resume_cuts_the_steps_back_to_its_checkpoint_and_appends_after_them(tmp_path):
    run = tmp_path / "run"
    folder = RunFolder(run, small(epochs=3))
    folder.start_trial(0, 0)
    for e in (0, 1):
        folder.step(step(e, 4))
        folder.epoch(event(e))
    folder.step(step(2, 2))                    # epoch 2 under way when the run is killed
    folder.lock.release()                      # (a kill leaves the lock to be taken over)
    lock = FolderLock(run)
    lock.acquire()
    again = RunFolder.reopen(run, small(epochs=3), lock, read_manifest(run), {0: 1}, {"from_epoch": {"0": 1}})
    assert [(r.epoch, r.step) for r in read_steps(run / "steps.csv")][::2] == [(0, 4)]     # epoch 1 on: trained again
    again.step(step(1, 4, wall=9.0))
    again.finish("stopped")
    assert [(e.epoch, e.step, e.wall_time_s) for e in step_events(read_steps(run / "steps.csv"))] == \
        [(0, 4, 1.0), (1, 4, 9.0)]
