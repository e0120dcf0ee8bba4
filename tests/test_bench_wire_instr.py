"""``bench/wire_instr.py --cache-sim`` reads every event of a callgrind dump
and turns it into the per-request table (no valgrind needed here)."""

from __future__ import annotations

import functools
from pathlib import Path
from types import ModuleType

import pytest
from scripts import load_script


@functools.cache
def _wire_instr() -> ModuleType:
    # Loaded once; its bench siblings (wire, endpoints, venvs) come with it.
    return load_script("bench/wire_instr.py", "bench_wire_instr")


DUMP = """version: 1
creator: callgrind-3.19.0
events: Ir Dr Dw I1mr D1mr D1mw ILmr DLmr DLmw Bc Bcm Bi Bim
summary: 0 0 0 0 0 0 0 0 0 0 0 0 0
totals: 3000 900 600 20 10 5 1 1 1 400 30 100 40
"""


def test_read_events_names_every_total(tmp_path: Path) -> None:
    wire_instr = _wire_instr()
    dump = tmp_path / "uvicorn-ours.1.1"
    dump.write_text(DUMP)
    events = wire_instr.read_events(dump)
    assert events["Ir"] == 3000
    assert events["D1mr"] == 10
    assert events["Bim"] == 40
    assert wire_instr.read_totals(dump) == 3000


def test_a_dump_without_totals_is_an_error(tmp_path: Path) -> None:
    wire_instr = _wire_instr()
    dump = tmp_path / "broken"
    dump.write_text("events: Ir\n")
    with pytest.raises(wire_instr.WireError):
        wire_instr.read_events(dump)


def test_render_events_shows_misses_and_the_estimate() -> None:
    wire_instr = _wire_instr()
    events = {"Ir": 3000.0, "I1mr": 20.0, "D1mr": 10.0, "D1mw": 5.0, "Bcm": 30.0, "Bim": 40.0}
    # 3000/3 + 10 x 35 + 15 x 70
    assert wire_instr.estimate_cycles(events) == pytest.approx(2400.0)
    table = wire_instr.render_events({"uvicorn": {"ours": {"plaintext": events}}})
    row = next(line for line in table.splitlines() if line.startswith("| plaintext"))
    assert row.split(" | ")[1:] == ["ours", "3.0", "20", "10", "5", "30", "40", "2.4 |"]
