"""Cases as data: the published wiring, parsing, validation, inert connections."""
import pytest

from engine.cases import (PUBLISHED_CASES, Case, Connection, DilationSchedule, extra_gradient,
                          inert_connections, parse_connections, resolve_cases)


def test_published_cases_wiring_and_colours():
    wiring = {k: [c.to_text() for c in case.connections] for k, case in PUBLISHED_CASES.items()}
    assert wiring == {"0": [], "1": [], "2": ["1<g3", "0<g2"], "3": ["1<p3", "0<p2"],
                      "4": ["1<g3", "0<g3", "0<g2"], "5": ["1<p3", "0<p3", "0<p2"],
                      "6": ["1<g3", "0<g3", "0<g2", "0<p3"]}
    assert PUBLISHED_CASES["1"].gradient == "auto"
    assert len({c.colour for c in PUBLISHED_CASES.values()}) == 7
    assert PUBLISHED_CASES["6"].colour == "#000000"


def test_dilation_schedule_as_published():
    D = DilationSchedule()
    assert D(0) == 1000 and D(100) == pytest.approx(555.5556, abs=1e-3) and D(800) == pytest.approx(135.135, abs=1e-3)
    assert DilationSchedule(P=0)(5) == 0


def test_extra_gradient_sums_d_times_signals():
    g, p = [1.0, 2.0, 3.0, 4.0], {3: 10.0, 2: 20.0}
    conns = parse_connections("0<g3, 0<p2, 1<g3*0.5")
    assert extra_gradient(0, conns, 2.0, g, p) == 2.0 * 4.0 + 2.0 * 20.0
    assert extra_gradient(1, conns, 2.0, g, p) == 2.0 * 0.5 * 4.0
    assert extra_gradient(2, conns, 2.0, g, p) is None


@pytest.mark.parametrize("text", ["1<x3", "3<g1", "1<g", "garbage"])
def test_bad_connections_refused(text):
    with pytest.raises(ValueError):
        parse_connections(text)


def test_custom_cases_resolve_and_validate():
    mine = Case("mine", "mine", "#123456", "manual", parse_connections("2<p3"))
    assert [c.key for c in resolve_cases(["0", "mine"], [mine])] == ["0", "mine"]
    with pytest.raises(ValueError, match="unknown case"):
        resolve_cases(["9"])
    with pytest.raises(ValueError, match="twice"):
        resolve_cases(["1", "1"])
    with pytest.raises(ValueError, match="timestep"):
        Case("far", "far", "#000", "manual", (Connection(0, "g", 5),)).validate_for(4)
    with pytest.raises(ValueError, match="manual"):
        Case("bad", "bad", "#000", "auto", parse_connections("1<g3"))


def test_inert_connections_are_named():
    # Post B: only the last timestep feeds the head, so g_2 is zero.
    inert = inert_connections(PUBLISHED_CASES["2"], head_timesteps=(3,))
    assert [c.to_text() for c, _ in inert] == ["0<g2"]
    # As published, post A's timestep 0 gets no gradient: everything into it is lost.
    inert = inert_connections(PUBLISHED_CASES["6"], head_timesteps=(0, 1, 2, 3), dead_targets=(0,))
    assert [c.to_text() for c, _ in inert] == ["0<g3", "0<g2", "0<p3"]
