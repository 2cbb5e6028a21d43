"""The words of the report and the workbook: both languages complete, and every word used exists.

Exact tests of words.toml and of the `Words` formatting of numbers.
"""
from __future__ import annotations

import math
import re
import string
from pathlib import Path

import pytest

from simulator.language.errors import ScenarioError
from simulator.outputs import metrics
from simulator.outputs.words import LANGUAGES, Words, words_file

pytestmark = pytest.mark.exact

OUTPUTS = Path(metrics.__file__).parent


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_word_is_in_both_languages_with_the_same_placeholders():
    words = dict(words_file())
    levels = words.pop("levels")
    for key, texts in [*words.items(), *levels.items()]:
        assert set(texts) == set(LANGUAGES), key
        assert all(isinstance(text, str) and text.strip() for text in texts.values()), key
        assert placeholders(texts["en"]) == placeholders(texts["da"]), key


def test_every_word_the_report_and_the_workbook_ask_for_exists():
    asked = set()
    for name in ("report.py", "spreadsheet.py"):
        source = (OUTPUTS / name).read_text(encoding="utf-8")
        asked |= set(re.findall(r"""\b(?:t|words)\(["'](\w+)["']""", source))
        asked |= set(re.findall(r"""["'](sheet_\w+)["']""", source))
    assert len(asked) > 50
    assert asked - set(words_file()) == set()


def test_numbers_are_written_as_each_language_writes_them():
    english, danish = Words("en", "DKK"), Words("da", "DKK")
    assert english.number(-1234567.891, 2) == "−1,234,567.89"
    assert danish.number(-1234567.891, 2) == "−1.234.567,89"
    assert english.number(-0.001) == "0" and english.number(math.nan) == "–"
    assert english.percent(0.125, 1) == "12.5%" and danish.percent(0.125, 1) == "12,5 %"
    assert english.money(2.5e6) == "2.5 million DKK" and danish.money(2.5e6) == "2,5 mio. DKK"


def test_a_value_is_shown_by_its_unit():
    words = Words("en", "EUR")
    assert words.value(metrics.PROBABILITY, 0.35) == "35.0%"
    assert words.value(metrics.ANNUAL_RATE, -0.2) == "−20.0%"
    assert words.value(metrics.RATIO, 1.234) == "1.23"
    assert words.value(metrics.MONTHS, 30) == "30.0"
    assert words.value(metrics.CURRENCY, 1500) == "1,500 EUR"
    assert words.unit(metrics.CURRENCY) == "EUR" and words.unit(metrics.MONTHS) == "months"


def test_labels_come_from_the_registry():
    assert Words("da", "DKK").label("p_full_repayment") == metrics.by_name("p_full_repayment").da
    assert Words("en", "DKK").level("municipality") == "municipality"
    assert Words("da", "DKK").level("municipality") == "kommune"
    assert Words("da", "DKK").level("ministry") == "ministry"  # unknown: as given


def test_an_unknown_language_is_a_clear_error():
    with pytest.raises(ScenarioError, match="--lang"):
        Words("fr", "DKK")
