"""Cases as data: the published wiring, parsing, validation, inert connections."""
import numpy as np
import pytest

from engine.cases import (PUBLISHED_CASES, Case, Connection, DilationSchedule, dilation_coefficients,
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


def test_dilation_coefficients_hold_every_members_connections():
    """[member, target, source, signal]: member 0 has none (case 0), member 1 three connections."""
    conns = parse_connections("0<g3, 0<p2, 1<g3*0.5")
    coef = dilation_coefficients([(), conns], 4)
    assert coef.shape == (2, 4, 4, 2) and not coef[0].any()
    assert coef[1, 0, 3, 0] == 1.0 and coef[1, 0, 2, 1] == 1.0 and coef[1, 1, 3, 0] == 0.5
    assert np.count_nonzero(coef) == 3


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
