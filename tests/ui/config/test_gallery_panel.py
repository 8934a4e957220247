"""Architecture gallery: one card per catalog architecture, drawn from its description; click selects."""
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from engine import catalog
from engine.description import ArchitectureDescription, Block, Edge
from engine.noise import POST_B_SCHEDULE
from workbench.core.config import ExperimentConfig
from ui.config.diagram import EDGE_STYLES, DiagramScene, layer_depths, shape_text
from ui.config.gallery_panel import ArchitectureGallery

ROOT = Path(__file__).resolve().parents[3]


def _extra() -> ArchitectureDescription:
    """A made-up architecture with shared streams, a skip edge and an inert edge."""
    blocks = [Block("x", "x", "input", (28, 28, 1)),
              Block("s", "stream", "stream", (26, 26, 1), weights=("S",)),
              Block("dead", "unused stream", "stream", (26, 26, 1), weights=("D",))]
    edges = [Edge("x", "s"), Edge("x", "dead", "inert", "built, unused")]
    for t in range(3):
        blocks.append(Block(f"h{t}", f"h{t}", "recurrent", (26, 26, 2), t, ("W", "H")))
        edges.append(Edge("s", f"h{t}"))
        if t:
            edges.append(Edge(f"h{t - 1}", f"h{t}", "recurrent", "H"))
    edges.append(Edge("h0", "h2", "skip", "lag 2"))
    blocks += [Block("fc", "FC", "head", (10,), weights=("F",)), Block("out", "softmax", "output", (10,))]
    edges += [Edge("h2", "fc"), Edge("fc", "out")]
    return ArchitectureDescription(
        key="zz-test", title="Test architecture", summary="Only for the gallery test.", post="B",
        timesteps=3, blocks=tuple(blocks), edges=tuple(edges),
        weights={"S": (3, 3, 1, 1), "D": (3, 3, 1, 1), "W": (3, 3, 1, 2), "H": (1, 1, 2, 2), "F": (1352, 10)},
        head_timesteps=(2,), default_noise=POST_B_SCHEDULE[:3])


@pytest.fixture
def extra_arch(monkeypatch):
    monkeypatch.setitem(catalog._DESCRIBERS, "zz-test", _extra)
    return "zz-test"


@pytest.fixture
def gallery(qtbot, extra_arch):
    w = ArchitectureGallery()
    qtbot.addWidget(w)
    w.resize(1400, 900)
    w.show()
    return w


def test_one_card_per_catalog_architecture(gallery):
    assert list(gallery.cards) == list(catalog.keys())
    assert "post-a" in gallery.cards and "zz-test" in gallery.cards
    for key, card in gallery.cards.items():
        desc = catalog.describe(key)
        scene = card.thumbnail.diagram()
        assert set(scene.block_items) == {b.key for b in desc.blocks}
        texts = [l.text() for l in card.findChildren(type(card.selected_mark))]
        assert any(f"{desc.parameter_count:,} parameters" in t for t in texts)
        assert any(desc.summary in t for t in texts)


def test_boxes_show_shape_and_parameters_and_role_colour(gallery):
    desc = catalog.describe("post-a")
    scene = DiagramScene(desc)
    for block in desc.blocks:
        box = scene.block_items[block.key]
        text = box.childItems()[0].toPlainText()
        assert shape_text(block.shape_out) in text
        params = desc.block_parameters(block)
        assert (f"{params:,} params" in text) if params else ("no weights" in text)
    colours = {scene.block_items[b.key].brush().color().name() for b in desc.blocks}
    assert len(colours) == len({b.role for b in desc.blocks})
    # per-timestep columns: every x_t above its h_t, the head below every timestep
    rects = scene.block_rects
    for t in range(desc.timesteps):
        assert rects[f"x{t}"].bottom() < rects[f"h{t}"].top()
        assert rects[f"h{t}"].bottom() < rects["concat"].top()
    assert rects["h0"].center().x() < rects["h1"].center().x() < rects["h3"].center().x()
    kinds = [e.kind for e, _ in scene.edge_items]
    assert kinds.count("recurrent") == desc.timesteps - 1


def test_inert_edges_are_dashed_grey_and_skip_edges_drawn(extra_arch):
    scene = DiagramScene(catalog.describe(extra_arch))
    inert = [item for e, item in scene.edge_items if e.kind == "inert"]
    assert inert and all(i.pen().style() == Qt.DashLine for i in inert)
    assert all(i.pen().color().name() == EDGE_STYLES["inert"][0] for i in inert)
    assert any(e.kind == "skip" for e, _ in scene.edge_items)
    depth = layer_depths(catalog.describe(extra_arch))
    assert depth["fc"] > max(depth[f"h{t}"] for t in range(3))


def test_clicking_a_card_selects_it_and_changes_the_architecture(gallery, qtbot):
    assert gallery.selected() == catalog.keys()[0]
    card = gallery.cards["zz-test"]
    chosen = []
    gallery.architecture_selected.connect(chosen.append)
    with qtbot.waitSignal(gallery.changed, timeout=1000):
        qtbot.mouseClick(card, Qt.LeftButton)
    assert chosen == ["zz-test"]
    assert card.selected and not gallery.cards["post-a"].selected
    assert gallery.apply(ExperimentConfig()).arch == "zz-test"
    assert gallery.title.text() == "Test architecture"
    assert gallery.large.diagram().desc.key == "zz-test"


def test_load_apply_round_trip_for_every_architecture(gallery):
    events = []
    gallery.changed.connect(lambda: events.append("changed"))
    gallery.architecture_selected.connect(events.append)
    for key in catalog.keys():
        config = ExperimentConfig(arch=key)
        gallery.load(config)
        assert gallery.apply(ExperimentConfig(arch="elsewhere")) == config
        assert gallery.cards[key].selected
        assert gallery.problem() is None
    assert events == []


def test_unknown_architecture_is_reported(gallery):
    gallery.load(ExperimentConfig(arch="post-z"))
    assert "post-z" in gallery.problem()
    assert gallery.problem_label.isVisibleTo(gallery)
    gallery.cards["post-a"].clicked.emit("post-a")
    assert gallery.problem() is None


def test_importing_the_gallery_does_not_import_tensorflow():
    code = "import sys; import ui.config.diagram, ui.config.gallery_panel; print('tensorflow' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"}, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"
