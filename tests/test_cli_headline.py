"""What `simulator run` prints when it finishes: each contract's headline, in plain sentences."""
from __future__ import annotations

import json

import pytest

from simulator.cli import main
from tests.support import SMALL_RUN

pytestmark = pytest.mark.end_to_end


def test_the_console_says_what_a_programme_with_no_effect_would_be_paid(tmp_path, capsys):
    path = tmp_path / "small.yaml"
    path.write_text(SMALL_RUN, encoding="utf-8")
    assert main(["run", str(path), "--runs", "8", "--workers", "1", "--out", str(tmp_path / "out"),
                 "--no-report"]) == 0
    printed = capsys.readouterr().out
    contract = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))["contracts"]["deal"]
    null, share = contract["null_effect_payments"], contract["deadweight_share"]["mean"]
    line = next(line for line in printed.splitlines() if "a programme with no effect" in line)
    assert line.strip().startswith("a programme with no effect would be paid ")
    assert (f"{null['mean']:,.0f} DKK" in line or f"median {null['p50']:,.0f} DKK" in line
            or f"{null['p50']:,.0f} DKK in at least 90 % of runs" in line)
    assert f"{share:.0%} of what is paid would have been earned without the programme" in line
