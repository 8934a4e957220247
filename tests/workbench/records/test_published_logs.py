"""Importing the published logs: exact values from the real files, and every known kind of damage."""
import json
import math
import re
from pathlib import Path

import pytest

from workbench.records.metrics import read_metrics
from workbench.records.published_logs import (
    LogFormatError, detect_layout, guess_architecture, import_log, parse_log,
)

LOGS = Path(__file__).resolve().parents[3] / "resources" / "published_logs"
TRANSPARCY2 = LOGS / "Transparcy2.txt"
CASEA = LOGS / "casea.txt"


def by_key(imported):
    return {(r.case, r.epoch, r.split): r for r in imported.rows}


# --------------------------------------------------------------------------- the real files

def test_transparcy2_complete_grid_and_exact_values():
    log = parse_log(TRANSPARCY2)
    assert log.layout == "post-a"
    assert log.cases == [str(k) for k in range(7)]
    assert log.notes == []          # the file is whole; first-line junk is not damage worth a note
    rows = by_key(log)
    assert len(log.rows) == 7 * 9 * 2
    assert set(rows) == {(str(c), e, s) for c in range(7) for e in range(0, 801, 100)
                         for s in ("train", "test")}
    assert all(r.trial == 0 and math.isnan(r.wall_time_s) for r in log.rows)

    first = rows[("0", 0, "train")]
    assert first.cost == 3094.260371907552 and first.accuracy == 0.2733666659643253
    assert rows[("0", 0, "test")].accuracy == 0.4043999969959259
    assert rows[("0", 0, "test")].cost == 2947.3206298828127
    last = rows[("6", 800, "train")]
    assert (last.cost, last.accuracy) == (2312.3892618815103, 0.9515166680018107)
    last = rows[("6", 800, "test")]
    assert (last.cost, last.accuracy) == (2316.05146484375, 0.9488999903202057)


def test_transparcy2_matches_spec_final_table():
    # Spec 2.2, trial 2 (Transparcy2), epoch 800: train cost, train acc, test cost, test acc.
    table = {"0": (2477.03, 0.7908, 2486.93, 0.7835), "1": (2433.96, 0.8292, 2434.97, 0.8326),
             "2": (2403.79, 0.8564, 2396.01, 0.8618), "3": (2493.42, 0.7516, 2486.62, 0.7548),
             "4": (2348.68, 0.9117, 2346.80, 0.9135), "5": (2319.49, 0.9446, 2322.80, 0.9406),
             "6": (2312.39, 0.9515, 2316.05, 0.9489)}
    rows = by_key(parse_log(TRANSPARCY2))
    for case, (tr_c, tr_a, te_c, te_a) in table.items():
        train, test = rows[(case, 800, "train")], rows[(case, 800, "test")]
        assert (round(train.cost, 2), round(train.accuracy, 4)) == (tr_c, tr_a), case
        assert (round(test.cost, 2), round(test.accuracy, 4)) == (te_c, te_a), case


def test_transparcy2_every_value_in_the_file_is_imported_in_order():
    # Independent reading: every "Current Avg <split> <field> :  v" line, in file order.
    text = TRANSPARCY2.read_text()
    found = re.findall(r"^Current Avg (Train|Test) (Cost|Acc) :  (\S+)$", text, re.M)
    assert len(found) == 7 * 9 * 4
    imported = []
    for row in parse_log(TRANSPARCY2).rows:
        imported += [(row.split, "Cost", row.cost), (row.split, "Acc", row.accuracy)]
    assert [(s.lower(), f, float(v)) for s, f, v in found] == imported


def test_casea_31_epochs_and_spec_numbers():
    log = parse_log(CASEA)
    assert log.layout == "post-b" and log.cases == ["1"] and log.notes == []
    assert log.architecture == "vanilla"
    rows = by_key(log)
    assert len(log.rows) == 62
    assert sorted({r.epoch for r in log.rows}) == list(range(31))
    tr, te = rows[("1", 30, "train")], rows[("1", 30, "test")]
    assert (tr.cost, tr.accuracy) == (0.17724852771921593, 0.9457818196036599)
    assert (te.cost, te.accuracy) == (0.17274428420700133, 0.9453000038862228)
    # Spec 3.5: 0.17725 / 0.9458 / 0.17274 / 0.9453, best test 0.9527 at 29, epoch-0 test 0.2890.
    assert (round(tr.cost, 5), round(tr.accuracy, 4), round(te.cost, 5), round(te.accuracy, 4)) == \
        (0.17725, 0.9458, 0.17274, 0.9453)
    best = max((r for r in log.rows if r.split == "test"), key=lambda r: r.accuracy)
    assert (best.epoch, round(best.accuracy, 4)) == (29, 0.9527)
    assert round(rows[("1", 0, "test")].accuracy, 4) == 0.2890
    # Independent reading of every value line.
    found = re.findall(r"^(Train|Test) Current cost:  (\S+)  Current Acc:  (\S+)$", CASEA.read_text(), re.M)
    assert [(s.lower(), float(c), float(a)) for s, c, a in found] == \
        [(r.split, r.cost, r.accuracy) for r in log.rows]


def test_post_b_case_key_and_post_a_case_filter():
    assert {r.case for r in parse_log(CASEA, case="a").rows} == {"a"}
    only5 = parse_log(TRANSPARCY2, case="5")
    assert only5.cases == ["5"] and {r.case for r in only5.rows} == {"5"} and len(only5.rows) == 18
    with pytest.raises(LogFormatError, match="no case '9'"):
        parse_log(TRANSPARCY2, case="9")


def test_import_log_writes_metrics_and_manifest(tmp_path):
    out = tmp_path / "imported"
    log = import_log(CASEA, out)
    back = read_metrics(out / "metrics.csv")
    strip = lambda rows: [(r.trial, r.case, r.epoch, r.split, r.cost, r.accuracy) for r in rows]
    assert strip(back) == strip(log.rows)
    assert all(math.isnan(r.wall_time_s) for r in back)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["kind"] == "imported-log" and manifest["layout"] == "post-b"
    assert manifest["architecture"] == "vanilla" and manifest["cases"] == ["1"]
    assert manifest["notes"] == [] and manifest["status"] == "completed"
    assert manifest["schema_version"] == 1 and manifest["source_file"].endswith("casea.txt")
    assert manifest["imported_at"][:2] == "20" and "T" in manifest["imported_at"]

    import_log(TRANSPARCY2, tmp_path / "a")
    manifest_a = json.loads((tmp_path / "a" / "manifest.json").read_text())
    assert manifest_a["architecture"] == "post-a" and manifest_a["cases"] == [str(k) for k in range(7)]


# --------------------------------------------------------------------------- damaged post-A logs

POST_A_DAMAGED = """C:\\Users\\JDSeo\\Anaconda3\\lib\\site-packages\\h5py\\__init__.py:34: FutureWarning: blah
Extracting ../../MNIST_data\\train-images-idx3-ubyte.gz
----- Case 0 -------
2018-03-17 04:51:53.035931: I C:\\tf_jenkins\\workspace\\core\\platform\\cpu_feature_guard.cc:140] AVX2
====== Current iter:  0 ======== 2936.5833  current Accuracy:  0.41285847
Current Avg Train Cost :  3094.25
Current Avg Train Acc :  0.25
Current Avg Test Cost :  2947.5
Current Avg Test Acc :  0.5
====== Current iter:  0 ========
====== Current iter:  100 ======== 2548.399  current Accuracy:  0.9.727
Current Avg Train Cost :  5.0e17
Current Avg Train Acc :  0.125
Current Avg Test Cost :  nan
Current Avg Test Acc :  0.0625
====== Current iter:  200 ========junk 12.5  current Accuracy:  0.20.269
Current Avg Train Cost :  inf
Current Avg Train Acc :  0.75
Current Avg Test Cost :  -inf
Current Avg Test Acc :  0.7.5
====== Current iter:  200 ========


----- Case 6 -------
====== Current iter:  800 ======== 2316.4907  current Accuracy:  0.947
Current Avg Train Cost :  2312.5
Current Avg Train Acc :  0.9515
"""


def write(tmp_path, name, text, newline="\n"):
    path = tmp_path / name
    path.write_bytes(text.replace("\n", newline).encode())
    return path


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_post_a_damage(tmp_path, newline):
    log = parse_log(write(tmp_path, "LocalCMD_Results.txt", POST_A_DAMAGED, newline))
    rows = by_key(log)
    assert log.layout == "post-a" and log.cases == ["0", "6"]
    # Garbled first lines ("0.41285847", "0.9.727", junk after E) do not matter; E is read.
    assert (rows[("0", 0, "train")].cost, rows[("0", 0, "train")].accuracy) == (3094.25, 0.25)
    assert (rows[("0", 0, "test")].cost, rows[("0", 0, "test")].accuracy) == (2947.5, 0.5)
    # Huge and non-finite values are taken as written.
    assert rows[("0", 100, "train")].cost == 5.0e17
    assert math.isnan(rows[("0", 100, "test")].cost) and rows[("0", 100, "test")].accuracy == 0.0625
    assert rows[("0", 200, "train")].cost == math.inf and rows[("0", 200, "train")].accuracy == 0.75
    # Garbled test accuracy "0.7.5": the row is skipped, never guessed.
    assert ("0", 200, "test") not in rows
    # Truncated final block: train row kept, no test row.
    assert (rows[("6", 800, "train")].cost, rows[("6", 800, "train")].accuracy) == (2312.5, 0.9515)
    assert ("6", 800, "test") not in rows
    assert len(log.rows) == 6
    assert log.notes == [
        "case 0 epoch 100: accuracy field garbled in first line ('0.9.727', ignored)",
        "case 0 epoch 100: closing banner missing",
        "case 0 epoch 200: accuracy field garbled in first line ('0.20.269', ignored)",
        "case 0 epoch 200: test accuracy garbled ('0.7.5', test row skipped)",
        "case 6: truncated at epoch 800 (no test values)",
    ]


def test_post_a_cut_mid_line(tmp_path):
    # The file stops in the middle of a number: that number cannot be trusted.
    text = POST_A_DAMAGED + "Current Avg Test Cost :  2316.0"
    log = parse_log(write(tmp_path, "cut.txt", text))
    rows = by_key(log)
    assert ("6", 800, "train") in rows and ("6", 800, "test") not in rows
    assert "case 6 epoch 800: test cost line cut off at end of file ('2316.0', ignored)" in log.notes
    assert "case 6: truncated at epoch 800 (no test accuracy)" in log.notes
    # Cut inside the label.
    log = parse_log(write(tmp_path, "cut2.txt", POST_A_DAMAGED + "Current Avg Test Co"))
    assert "case 6 epoch 800: unreadable line 'Current Avg Test Co' (ignored)" in log.notes
    assert ("6", 800, "test") not in by_key(log)


def test_post_a_raw_console_capture_with_carriage_returns(tmp_path):
    # Per-batch "\r" progress lines before the banner, as a raw capture would hold them.
    text = ("----- Case 3 -------\n"
            "Current Iter:  0  Current Cost:  3300.5  current Accuracy:  0.1\r"
            "Current Iter:  0  Current Cost:  3248.466  current Accuracy:  0.1047\r"
            "====== Current iter:  0 ======== 3248.466  current Accuracy:  0.1047\n"
            "Current Avg Train Cost :  3292.936893717448\n"
            "Current Avg Train Acc :  0.11118333327273527\r\n"
            "Current Avg Test Cost :  3247.6918212890623\n"
            "Current Avg Test Acc :  0.1160999983549118\n"
            "====== Current iter:  0 ========\n")
    log = parse_log(write(tmp_path, "raw.txt", text))
    assert log.notes == []
    assert [(r.split, r.cost, r.accuracy) for r in log.rows] == [
        ("train", 3292.936893717448, 0.11118333327273527),
        ("test", 3247.6918212890623, 0.1160999983549118)]


# --------------------------------------------------------------------------- damaged post-B logs

POST_B_DAMAGED = """Current Iter :  0  current batch:  9900  Current cost:  5.0e17  Current Acc:  0.0958
----------
Train Current cost:  5.0e17  Current Acc:  0.09854545454545
Test Current cost:  30.94118  Current Acc:  0.0958
----------
Current Iter :  1  current batch:  9900  Current cost:  nan  Current Acc:  0.9.727
----------
Train Current cost:  nan  Current Acc:  0.0985
Test Current cost:  inf  Current Acc:  0.1
----------
Current Iter :  2  current batch:  9900  Current cost:  0.5  Current Acc:  0.128064 0.13
----------
Train Current cost:  -inf  Current Acc:  0.9.727
Test Current cost:  0.25  Current Acc:  0.85847
----------
Current Iter :  3  current batch:  9900  Current cost:  0.5  Current Acc:  0.20.269
----------
Train Current cost:  0.5  Current Acc:  0.875
"""


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_post_b_damage(tmp_path, newline):
    log = parse_log(write(tmp_path, "casec.txt", POST_B_DAMAGED, newline), case="c")
    assert log.layout == "post-b" and log.cases == ["c"] and log.architecture == "concat"
    rows = by_key(log)
    assert rows[("c", 0, "train")].cost == 5.0e17 and rows[("c", 0, "train")].accuracy == 0.09854545454545
    assert rows[("c", 0, "test")].cost == 30.94118
    assert math.isnan(rows[("c", 1, "train")].cost)
    assert rows[("c", 1, "test")].cost == math.inf
    assert ("c", 2, "train") not in rows                 # "0.9.727": skipped, not guessed
    assert rows[("c", 2, "test")].accuracy == 0.85847
    assert rows[("c", 3, "train")].accuracy == 0.875 and ("c", 3, "test") not in rows
    assert len(log.rows) == 6
    assert log.notes == [
        "epoch 1: accuracy field garbled in first line ('0.9.727', ignored)",
        "epoch 2: accuracy field garbled in first line ('0.128064 0.13', ignored)",
        "epoch 2: train accuracy field garbled ('0.9.727'); train row skipped",
        "epoch 3: accuracy field garbled in first line ('0.20.269', ignored)",
        "truncated at epoch 3 (no test values)",
    ]


def test_post_b_cut_mid_line_and_default_case(tmp_path):
    text = POST_B_DAMAGED + "Test Current cost:  0.17  Current Acc:  0.94"
    log = parse_log(write(tmp_path, "something.txt", text))
    assert log.cases == ["1"] and log.architecture == "unknown"
    assert ("1", 3, "test") not in by_key(log)
    assert "epoch 3: test line cut off at end of file (test row skipped)" in log.notes
    log = parse_log(write(tmp_path, "other.txt", POST_B_DAMAGED + "Test Current cost:  0.17  Curr"))
    assert ("1", 3, "test") not in by_key(log)
    assert "epoch 3: test line cut off ('Test Current cost:  0.17  Curr', test row skipped)" in log.notes


# --------------------------------------------------------------------------- not a log

def test_empty_and_foreign_files(tmp_path):
    empty = write(tmp_path, "empty.txt", "")
    with pytest.raises(LogFormatError, match=r"empty\.txt: file is empty"):
        parse_log(empty)
    csv_file = write(tmp_path, "metrics.csv", "trial,case,epoch,split,cost,accuracy,wall_time_s\n"
                                              "0,1,0,train,1.0,0.5,nan\n")
    with pytest.raises(LogFormatError, match=r"metrics\.csv: not a published log"):
        parse_log(csv_file)
    mixed = write(tmp_path, "mixed.txt", POST_A_DAMAGED + POST_B_DAMAGED)
    with pytest.raises(LogFormatError, match="mixes post-A lines"):
        parse_log(mixed)
    headers_only = write(tmp_path, "headers.txt", "----- Case 0 -------\n----- Case 1 -------\n")
    with pytest.raises(LogFormatError, match="no epoch with both cost and accuracy"):
        parse_log(headers_only)
    with pytest.raises(LogFormatError, match="cannot open"):
        parse_log(tmp_path / "missing.txt")
    # Nothing is written when the import fails.
    with pytest.raises(LogFormatError):
        import_log(csv_file, tmp_path / "out")
    assert not (tmp_path / "out").exists()
    # The message is one line.
    try:
        parse_log(csv_file)
    except LogFormatError as exc:
        assert "\n" not in str(exc)


def test_detect_layout_and_architecture_names():
    assert detect_layout("----- Case 0 -------\n") == "post-a"
    assert detect_layout("Train Current cost:  1.0  Current Acc:  0.5\n") == "post-b"
    with pytest.raises(LogFormatError, match="file is empty"):
        detect_layout("  \n\r\n")
    assert [guess_architecture(n) for n in
            ("casea.txt", "caseb.txt", "case_c.log", "dir/cased.txt", "CASEE.TXT", "cases.txt", "x.txt")] == \
        ["vanilla", "multi-stream", "concat", "internal-conv", "lag2", "unknown", "unknown"]


def test_post_a_repeated_opening_banner_and_nul_padding(tmp_path):
    # A banner printed twice before its values is still an opening banner, not a closing one;
    # a crash can leave NUL padding, which is never read as a value.
    text = ("----- Case 2 -------\n"
            "====== Current iter:  300 ======== 2534.9824  current Accuracy:  0.714\n"
            "====== Current iter:  300 ========\n"
            "Current Avg Train Cost :  2534.5\n"
            "Current Avg Train Acc :  0.75\n"
            "Current Avg Test Cost :  2530.25\n"
            "Current Avg Test Acc :  0.5\n"
            "====== Current iter:  300 ========\n"
            "====== Current iter:  400 ======== 2472.9883  current Accuracy:  0.799\n"
            "Current Avg Train Cost :  2472.5\x00\x00\x00\n")
    log = parse_log(write(tmp_path, "nul.txt", text))
    assert [(r.epoch, r.split, r.cost, r.accuracy) for r in log.rows] == [
        (300, "train", 2534.5, 0.75), (300, "test", 2530.25, 0.5)]
    assert log.notes == ["case 2 epoch 300: banner without values (ignored)",
                         "line 10: NUL bytes (ignored)",
                         "case 2: truncated at epoch 400 (no values)"]


def test_post_a_costs_rescale_to_another_batch_size_and_post_b_costs_do_not():
    from workbench.records.published_logs import cost_at_batch
    log = parse_log(TRANSPARCY2)
    rows, note = cost_at_batch(log, 50)
    first = by_key(log)[("0", 0, "train")]
    scaled = {(r.case, r.epoch, r.split): r for r in rows}[("0", 0, "train")]
    assert scaled.cost == first.cost * 50 / 1000 and scaled.accuracy == first.accuracy
    assert note == "cost × 50/1000"
    assert cost_at_batch(log, 1000) == (list(log.rows), "")
    b = parse_log(CASEA)
    assert cost_at_batch(b, 50) == (list(b.rows), "")
