"""The mypyc-compiled engine is model.py compiled: the same spells to the last bit, and never stale.

`pip install` compiles simulator/engine/model.py (setup.py). These tests check that the install did
compile it, that the compiled and the plain-Python engine record identical trajectories on every
feature of the engine, and that an edited model.py is not shadowed by an old compiled module.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import simulator.engine
from tests.support import ROOT, forecast_fingerprint, spell_fingerprint

pytestmark = pytest.mark.end_to_end
PURE = os.environ.get("SIMULATOR_PURE_PYTHON") == "1"

# Every path of the engine: Poisson intake, a Weibull exit, exponential, Weibull, lognormal and
# fixed clocks, hazard ratios that change mid-sojourn and one that pauses a clock (HR = 0), an
# attribute, one-unit resources with queues, and random on_enter jumps.
EVERYTHING = """
    name: every engine feature
    horizon: 36
    attributes: {risk: {low: 0.6, high: 0.4}}
    intake: {poisson: {rate: 6, from: 0, until: 24}}
    exit: {time: {weibull: {shape: 1.5, median: 30}}}
    tracks:
      support:
        states: [none, active, ended]
        initial: {none: 1.0}
        transitions:
          none->active: {time: {exponential: {mean: 2}}}
          active->ended: {time: {lognormal: {median: 6, sigma: 0.8}}}
      housing:
        states: [street, shelter, flat]
        initial: {street: 1.0}
        holds: {flat: flats, shelter: beds}
        transitions:
          street->shelter: {time: {exponential: {mean: 1}}}
          shelter->street: {time: {weibull: {shape: 0.8, median: 3}}}
          shelter->flat:
            time: {fixed: {months: 2}}
            modifiers: [{when: {support: none}, hazard_ratio: 0}]
          flat->street:
            time: {weibull: {shape: 2, scale: 12}}
            modifiers:
              - {when: {support: active}, hazard_ratio: 0.4}
              - {when: {risk: high, health: crisis}, hazard_ratio: 3}
      health:
        states: [stable, crisis]
        initial: {stable: 1.0}
        transitions:
          stable->crisis:
            time: {exponential: {mean: 10}}
            modifiers: [{when: {housing: street}, hazard_ratio: 2}]
          crisis->stable: {time: {exponential: {mean: 2}}}
        on_enter:
          crisis:
            - {track: support, from: active, to: ended, probability: 0.5}
            - {track: housing, from: flat, to: street, probability: 0.3}
    resources: {flats: {capacity: 3}, beds: {capacity: 4}}
    arms: {only: {}}
    """


@pytest.mark.skipif(PURE, reason="SIMULATOR_PURE_PYTHON=1 asks for the plain-Python engine")
def test_the_installed_engine_is_compiled():
    """Fails when the install fell back to plain Python: runs would silently be half as fast."""
    assert simulator.engine.engine_is_compiled(), simulator.engine.model.__file__


def test_compiled_and_plain_python_engines_record_identical_trajectories(tmp_path):
    """Bit for bit: one differing float anywhere in the spells, waits or departures fails it."""
    everything = tmp_path / "everything.yaml"
    everything.write_text(textwrap.dedent(EVERYTHING), encoding="utf-8")
    scenarios = [(str(everything), 6), (str(ROOT / "scenarios/aarhus.yaml"), 3),
                 (str(ROOT / "scenarios/research/housing-first-vs-shelter.yaml"), 2)]
    here = spell_fingerprint(scenarios)
    plain = subprocess.run(
        [sys.executable, "-c", "import sys; from tests.support import spell_fingerprint; "
                               f"print(spell_fingerprint({scenarios!r}))"],
        cwd=ROOT, env={**os.environ, "SIMULATOR_PURE_PYTHON": "1"}, capture_output=True, text=True,
        check=True)
    assert plain.stdout.strip() == here


def test_compiled_and_plain_python_engines_continue_observed_youths_identically(tmp_path):
    """A forecast's continuation (clocks with spent hazard, units held at the cut-off, queues,
    jumps, a continued exit clock), bit for bit."""
    everything = tmp_path / "everything.yaml"
    everything.write_text(textwrap.dedent(EVERYTHING), encoding="utf-8")
    here = forecast_fingerprint(str(everything), 18.0, 4)
    plain = subprocess.run(
        [sys.executable, "-c", "from tests.support import forecast_fingerprint; "
                               f"print(forecast_fingerprint({str(everything)!r}, 18.0, 4))"],
        cwd=ROOT, env={**os.environ, "SIMULATOR_PURE_PYTHON": "1"}, capture_output=True, text=True,
        check=True)
    assert plain.stdout.strip() == here


@pytest.mark.skipif(PURE, reason="needs the compiled engine")
def test_an_edited_model_runs_as_plain_python_not_as_the_old_compiled_module(tmp_path):
    package = tmp_path / "simulator"
    shutil.copytree(Path(simulator.__file__).parent, package,
                    ignore=shutil.ignore_patterns("__pycache__"))
    command = [sys.executable, "-c", "import simulator, simulator.engine.model as m; print(m.__file__)"]
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    env.pop("SIMULATOR_PURE_PYTHON", None)
    unchanged = subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True,
                               check=True)
    assert not unchanged.stdout.strip().endswith(".py") and unchanged.stderr == ""

    with open(package / "engine" / "model.py", "a", encoding="utf-8") as source:
        source.write("\n# an edit after the install\n")
    edited = subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True,
                            check=True)
    assert edited.stdout.strip() == str(package / "engine" / "model.py")
    assert "has changed since it was compiled" in edited.stderr
