"""Each quirk alone changes what it should and nothing else; presets and the legacy reading."""
import functools

import pytest

from engine import catalog
from engine import quirks as Q
from engine.cases import resolve_cases
from engine.data import load_dataset
from engine.settings import TrainSettings
from engine.trainer import LockstepTrainer, enable_determinism

from .curve_recorder import CurveRecorder

enable_determinism()
DATA = load_dataset("sample", train_limit=40, test_limit=20)


@functools.lru_cache(maxsize=None)
def _curves(arch_key, quirks, cases, epochs):
    return curves_uncached(arch_key, quirks, cases, epochs)


def curves(arch_key, quirks, cases=("0", "1"), epochs=1):
    """Metrics per case; the same run is computed once per session (every run is seeded)."""
    return _curves(arch_key, tuple(quirks), tuple(cases), epochs)


def curves_uncached(arch_key, quirks, cases=("0", "1"), epochs=1, semantics=None):
    """`semantics`: build the settings from that preset name instead of the quirk list."""
    arch = catalog.build(arch_key)
    chosen = {"semantics": semantics} if semantics else {"quirks": quirks}
    s = TrainSettings(epochs=epochs, batch_size=20, seed=4, learning_rate=0.003, **chosen)
    trainer = LockstepTrainer(arch, resolve_cases(list(cases)), s, DATA, catalog.describe(arch_key).default_noise)
    recorder = CurveRecorder()
    trainer.run(recorder)
    return recorder.curves


def test_presets_are_none_and_all():
    assert TrainSettings().quirks == () and TrainSettings().semantics == "corrected"
    full = TrainSettings(semantics="as-published")
    assert full.quirks == Q.NAMES and full.semantics == "as-published"
    one = TrainSettings(quirks=("stale-state",))
    assert one.semantics == "custom" and one.with_(semantics="corrected").quirks == ()
    assert one.with_(epochs=2).quirks == ("stale-state",)
    assert TrainSettings(quirks=["off-by-one", "stale-state"]).quirks == ("off-by-one", "stale-state")


def test_settings_round_trip_and_legacy_manifests():
    s = TrainSettings(quirks=("slot-training", "stale-state"))
    assert TrainSettings.from_dict(s.to_dict()) == s
    legacy = TrainSettings(semantics="as-published").to_dict()
    del legacy["quirks"]
    assert TrainSettings.from_dict(legacy).quirks == Q.LEGACY_AS_PUBLISHED
    assert "stale-state" not in Q.LEGACY_AS_PUBLISHED and "off-by-one" in Q.LEGACY_AS_PUBLISHED


def test_bad_quirk_sets_say_why():
    with pytest.raises(ValueError, match="unknown quirk 'stale'"):
        TrainSettings(quirks=("stale",))
    with pytest.raises(ValueError, match="slot-training needs stale-state"):
        TrainSettings(quirks=("slot-training",))


def test_every_quirk_names_its_section_and_architectures():
    for q in Q.QUIRKS.values():
        assert q.section.startswith("§") and q.effect and q.architectures
        assert set(q.architectures) <= set(catalog.keys())


def test_all_off_is_the_corrected_preset():
    assert curves("post-a", ()) == curves_uncached("post-a", None, semantics="corrected")


def test_off_by_one_alone_reproduces_the_published_identities():
    c = curves("post-a", ("off-by-one",), cases="0123456", epochs=2)
    assert c["2"] == c["4"] == c["6"] and c["3"] == c["5"] and c["2"] != c["3"]
    assert c["1"] == curves("post-a", (), cases="0123456", epochs=2)["1"]     # autodiff untouched


# quirk -> (does case 0 change, does case 1 change) on the architectures it concerns
EXPECTED = {
    "off-by-one": (True, False),
    "adam-per-timestep": (True, False),
    "constant-bias-correction": (True, False),
    "bce-autodiff-loss": (False, True),
    "no-bptt-autodiff": (False, True),
    "stale-state": (True, True),
}


@pytest.mark.parametrize("arch", ["post-a", "vanilla"])
@pytest.mark.parametrize("quirk", list(EXPECTED))
def test_each_quirk_alone_changes_what_it_should_and_nothing_else(arch, quirk):
    base, alone = curves(arch, ()), curves(arch, (quirk,))
    manual, auto = EXPECTED[quirk] if Q.QUIRKS[quirk].concerns(arch) else (False, False)
    assert (alone["0"] != base["0"]) == manual
    assert (alone["1"] != base["1"]) == auto


@pytest.mark.parametrize("arch,concerned", [("vanilla", True), ("post-a", False)])
def test_slot_training_changes_post_b_only(arch, concerned):
    stale, trained = curves(arch, ("stale-state",)), curves(arch, ("stale-state", "slot-training"))
    assert (trained["0"] != stale["0"]) == concerned and (trained["1"] != stale["1"]) == concerned


@pytest.mark.parametrize("arch,concerned", [("multi-stream", True), ("internal-conv", True), ("lag2", False)])
def test_published_wiring_changes_only_the_architectures_it_names(arch, concerned):
    base, wired = curves(arch, ()), curves(arch, ("published-wiring",))
    assert (wired["0"] != base["0"]) == concerned and (wired["1"] != base["1"]) == concerned


def test_all_on_is_the_old_as_published_plus_stale_state_and_slot_training():
    assert set(Q.NAMES) - set(Q.LEGACY_AS_PUBLISHED) == {"stale-state", "slot-training"}
    full = curves("vanilla", Q.NAMES)
    assert full == curves_uncached("vanilla", None, semantics="as-published")
    assert full != curves("vanilla", Q.LEGACY_AS_PUBLISHED)
