"""report.html, figures/ and summary.xlsx: built by `simulator run` and rebuilt from the saved files alone.

Two kinds of folder: a real run of a small scenario (money and a contract included), and copies
of it in which the test writes summary.json, money.csv, contracts.csv and sensitivity.csv by hand,
so that the numbers the report must show are known exactly. Both share the run, so each test
says its kind: the real run's are end_to_end, the hand-made files' golden.
"""
from __future__ import annotations

import base64
import csv
import json
import re
import shutil
import subprocess
import sys
import textwrap
from html import unescape
from pathlib import Path

import numpy as np
import openpyxl
import pytest

from simulator.outputs.folder import ResultsFolder
from simulator.cli import main
from simulator.language.loading import load_scenario
from simulator.outputs.report import write_readable
from tests.support import assert_png_with_content

SCENARIO = """
    name: Small – Housing First for young homeless
    description: "A test scenario: hjemløse unge i Århus, with æ, ø and å."
    horizon: 24
    start: 2022-01
    parameters:
      effect: {dist: {pert: {min: 1.5, mode: 2.5, max: 4}}, label: Housing First effect, source: a trial}
      job_hr: {dist: {uniform: {min: 1.0, max: 2.0}}, label: Job effect, unit: hazard ratio}
      shelter_cost: {value: 27000, label: Herberg pr. måned, source: Socialstyrelsen, unit: DKK per month}
    intake: {poisson: {rate: 2, from: 0, until: 12}}
    tracks:
      housing:
        states: [shelter, housed]
        initial: {shelter: 1.0}
        transitions:
          shelter->housed: {time: {exponential: {mean: 12}}}
          housed->shelter: {time: {exponential: {mean: 30}}}
      activity:
        states: [none, job]
        initial: {none: 1.0}
        transitions:
          none->job: {time: {exponential: {mean: 24}}}
    arms:
      usual: {label: Som vanligt}
      housing_first:
        label: Housing First
        patch:
          tracks:
            housing: {transitions: {shelter->housed: {time: {exponential: {mean: 12}},
                                                      modifiers: [{when: {}, hazard_ratio: $effect}]}}}
            activity: {transitions: {none->job: {time: {exponential: {mean: 24}},
                                                 modifiers: [{when: {}, hazard_ratio: $job_hr}]}}}
          flows:
            team: {fixed: {per_month: 40000, from: 0, until: 24}, pays: municipality.social}
    economics:
      currency: DKK
      discount_rate: 0.035
      departments: [municipality.social, state.benefits]
    flows:
      shelter_stay: {per_month_in: {housing: shelter}, amount: $shelter_cost, pays: municipality.social}
      benefits: {per_month_in: {activity: none}, amount: 6000, pays: state.benefits}
    contracts:
      bond:
        arm: housing_first
        payer: municipality.social
        investor: {principal: 1000000, disbursed: [{at: 0, amount: 1000000}]}
        window: {from: 0, until: 24}
        settlement: yearly
        outcomes:
          housed_6m: {achieved: {in: {housing: housed}, for_months: 6}, price: 60000}
    """


@pytest.fixture(scope="module")
def scenario_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("scenario") / "small.yaml"
    path.write_text(textwrap.dedent(SCENARIO), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def run_folder(scenario_file, tmp_path_factory) -> Path:
    """`simulator run` with its report (English)."""
    out = tmp_path_factory.mktemp("run") / "small"
    assert main(["run", str(scenario_file), "--runs", "20", "--workers", "1", "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def danish_folder(run_folder, tmp_path_factory) -> Path:
    """A copy of the run without its chunks or scenario file, reported in Danish by the installed command."""
    out = tmp_path_factory.mktemp("danish") / "small"
    shutil.copytree(run_folder, out, ignore=shutil.ignore_patterns("chunks", "report.html", "figures"))
    completed = subprocess.run([sys.executable, "-m", "simulator", "report", str(out), "--lang", "da"],
                               capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0, completed.stderr
    assert "glyph" not in completed.stderr.lower(), completed.stderr  # a letter the font lacks
    return out


def html_of(folder: Path, lang: str = "en") -> str:
    return (folder / ("report.html" if lang == "en" else f"report.{lang}.html")).read_text(encoding="utf-8")


def section(html: str, heading: str) -> str:
    """The HTML from the <h2> with `heading` to the next <h2>."""
    start = html.index(f"<h2>{heading}</h2>")
    end = html.find("<h2>", start + 4)
    return html[start:end if end >= 0 else len(html)]


# --- A real run ---------------------------------------------------------------------------------


@pytest.mark.end_to_end
def test_a_run_writes_the_report_with_every_section(run_folder):
    html = html_of(run_folder)
    for heading in ("Headline", "Who pays and who gains", "Cash flow over time",
                    "Youths in each state over time", "Outcome payments and the investor&#x27;s return",
                    "Assumptions", "Provenance"):
        assert f"<h2>{heading}</h2>" in html, heading
    headline = section(html, "Headline")
    assert "The investor is repaid in full in" in headline
    assert "Where each public body stands when everything is paid" in headline
    assert (run_folder / "summary.xlsx").exists()


@pytest.mark.end_to_end
def test_the_report_is_rebuilt_from_the_saved_files_alone(danish_folder):
    html = html_of(danish_folder, "da")
    assert not (danish_folder / "chunks").exists()
    assert '<html lang="da">' in html and "<h2>Hovedtal</h2>" in html
    assert sorted(p.name for p in (danish_folder / "figures").glob("*.png")) == [
        "cash_flow_bond.da.png", "irr_bond.da.png", "payments_bond.da.png", "states_housing_first.da.png",
        "states_usual.da.png", "who_gains.da.png"]


@pytest.mark.end_to_end
def test_the_danish_report_is_written_beside_the_english_one(run_folder, danish_folder):
    """`report --lang da` writes report.da.html and summary.da.xlsx and overwrites nothing English."""
    assert (danish_folder / "summary.da.xlsx").exists() and (danish_folder / "summary.xlsx").exists()
    assert (danish_folder / "summary.xlsx").read_bytes() == (run_folder / "summary.xlsx").read_bytes()
    assert not (danish_folder / "report.html").exists()  # the copy left it out; Danish did not make it
    assert openpyxl.load_workbook(danish_folder / "summary.da.xlsx").sheetnames[0] == "Hovedtal"


@pytest.mark.end_to_end
def test_every_figure_is_a_png_that_is_not_blank(run_folder):
    figures = sorted((run_folder / "figures").glob("*.png"))
    assert len(figures) == 6
    for path in figures:
        assert_png_with_content(path.read_bytes(), path.name)
    embedded = re.findall(r'src="data:image/png;base64,([^"]+)"', html_of(run_folder))
    assert len(embedded) == len(figures)
    for i, data in enumerate(embedded):
        assert_png_with_content(base64.b64decode(data), f"embedded image {i}")


@pytest.mark.end_to_end
def test_every_parameter_is_in_the_assumptions_table(run_folder, scenario_file):
    table = section(html_of(run_folder), "Assumptions")
    for name, parameter in load_scenario(scenario_file).parameters().items():
        assert f"<td>{name}</td>" in table, name
        assert parameter.label.given() in table, parameter.label
    assert "pert(min 1.5; mode 2.5; max 4)" in table
    assert "Socialstyrelsen" in table and "DKK per month" in table


@pytest.mark.end_to_end
def test_the_report_needs_nothing_from_outside(run_folder, danish_folder):
    for html in (html_of(run_folder), html_of(danish_folder, "da")):
        assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", html, re.IGNORECASE)
        assert "<script" not in html.lower()
        assert "<link" not in html.lower()


@pytest.mark.end_to_end
def test_the_danish_report_writes_aeoeaa(danish_folder):
    """In the report's own words: the scenario's description and the assumptions are taken out."""
    html = html_of(danish_folder, "da")
    own_words = re.sub(r'<p class="lead">.*?</p>', "", html.replace(section(html, "Antagelser"), ""))
    for letter in "æøå":
        assert letter in own_words, letter
    assert "Investor får hele beløbet tilbage i" in own_words


@pytest.mark.end_to_end
def test_the_workbook_holds_numbers_with_units(run_folder):
    workbook = openpyxl.load_workbook(run_folder / "summary.xlsx")
    assert workbook.sheetnames == ["Headline", "Who pays and gains", "Money by year", "Contract metrics"]
    money = workbook["Money by year"]
    header = [cell.value for cell in money[1]]
    assert header[:6] == ["Arm", "Department", "Year", "Discounted", "Measure", "Mean (DKK)"]
    measures = set()
    for row in money.iter_rows(min_row=2):
        assert all(cell.data_type in ("n", "s", "b") for cell in row)
        assert isinstance(row[5].value, (int, float))
        measures.add(row[4].value)
    assert measures == {"Cost", "Position when everything is paid"}


@pytest.mark.end_to_end
def test_a_folder_without_results_exits_2(tmp_path, capsys):
    assert main(["report", str(tmp_path)]) == 2
    assert "summary.json" in capsys.readouterr().err


# --- Hand-made files: the numbers the report must show are known -----------------------------------


def stat(mean: float, p05: float, p95: float) -> dict:
    return {"mean": mean, "se": abs(mean) / 100, "sd": abs(mean) / 10, "p05": p05, "p50": mean, "p95": p95}


def hand_made_summary() -> dict:
    months = list(range(25))
    return {
        "runs": 20, "seed": 0, "complete": True, "baseline": "usual", "currency": "DKK",
        "arms": {
            "usual": {"label": "Som vanligt", "youths": {"mean": 24.0, "se": 1.0},
                      "cost": {"municipality.social": stat(8e6, 7e6, 9e6),
                               "state.benefits": stat(2e6, 1.5e6, 2.5e6), "total": stat(10e6, 9e6, 11e6)}},
            "housing_first": {
                "label": "Housing First", "youths": {"mean": 24.0, "se": 1.0},
                "cost": {"municipality.social": stat(5e6, 4e6, 6e6),
                         "state.benefits": stat(1.6e6, 1.2e6, 2e6), "total": stat(6.6e6, 5.5e6, 7.7e6)},
                "net_gain_vs_baseline": {"municipality.social": stat(3e6, 1.5e6, 4.5e6),
                                         "state.benefits": stat(4e5, 1e5, 7e5),
                                         "total": stat(3.4e6, 2e6, 5e6)},
                "net_gain_by_level": {"municipality": stat(3e6, 1.5e6, 4.5e6),
                                      "state": stat(4e5, 1e5, 7e5)},
                "position_after_contracts": {
                    "municipality.social": {**stat(1.8e6, 0.5e6, 3e6), "p_negative": 0.1},
                    "state.benefits": {**stat(4e5, 1e5, 7e5), "p_negative": 0.0},
                    "total": {**stat(2.2e6, 0.7e6, 3.5e6), "p_negative": 0.05}}}},
        "contracts": {"bond": {
            "arm": "housing_first", "principal": 1e6, "payers": {"municipality.social": 1.0},
            "payments_discounted": stat(1.2e6, 0.8e6, 1.6e6), "payments": stat(1.2e6, 0.8e6, 1.6e6),
            "p_full_repayment": 0.35, "irr": stat(0.04, -0.2, 0.12),
            "multiple": stat(1.2, 0.8, 1.6), "expected_loss": stat(1e5, 0, 3e5),
            "outcome_fund_draw": stat(0, 0, 0), "p_fund_exhausted": 0.05,
            "payer_net": stat(1.8e6, 0.5e6, 3e6),
            "null_effect_payments": stat(4e5, 2e5, 6e5), "deadweight_share": stat(0.3, 0.1, 0.5),
            "break_even_month": stat(30, 20, 40), "p_break_even": 0.8,
            "payments_by_payer": {"municipality.social": stat(1.2e6, 0.8e6, 1.6e6)},
            "cash_flow": {"month": months,
                          "payers_net_cumulative": {q: [k * m * 5e4 for m in months]
                                                    for q, k in (("p05", 0.5), ("p50", 1), ("p95", 1.5))},
                          "investor_cumulative": {q: [-1e6 + k * m * 4e4 for m in months]
                                                  for q, k in (("p05", 0.5), ("p50", 1), ("p95", 1.5))}}}},
    }


def write_rows(path: Path, header: list[str], rows: list[list]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


@pytest.fixture(scope="module")
def hand_made(run_folder, tmp_path_factory) -> Path:
    """The run's folder with summary.json, money.csv, contracts.csv, replications.csv and
    sensitivity.csv replaced by files whose numbers are chosen here."""
    out = tmp_path_factory.mktemp("hand_made") / "small"
    shutil.copytree(run_folder, out, ignore=shutil.ignore_patterns("chunks", "figures", "report.html"))
    (out / "summary.json").write_text(json.dumps(hand_made_summary()), encoding="utf-8")
    write_rows(out / "money.csv",
               ["arm", "department", "year", "discounted", "mean", "sd", "p05", "p50", "p95"],
               [[arm, department, year, discounted, mean, 1, mean - 1, mean, mean + 1]
                for arm, scale in (("usual", 1.0), ("housing_first", 0.6))
                for department, base in (("municipality.social", 4e6), ("state.benefits", 1e6))
                for year in (1, 2) for discounted in ("false", "true") for mean in [base * scale]])
    write_rows(out / "contracts.csv", ["contract", "metric", "mean", "sd", "p05", "p50", "p95"],
               [["bond", "payments", 1.2e6, 2e5, 0.8e6, 1.2e6, 1.6e6],
                ["bond", "irr", 0.04, 0.1, -0.2, 0.05, 0.12],
                ["bond", "full_repayment", 0.35, 0.48, 0, 0, 1]])
    rng = np.random.default_rng(1)
    write_rows(out / "replications.csv", ["replication", "bond@payments", "bond@irr"],
               [[r, p, i] for r, p, i in zip(range(20), rng.normal(1.2e6, 2e5, 20),
                                             rng.normal(0.04, 0.1, 20))])
    write_rows(out / "sensitivity.csv",
               ["parameter", "label", "low_value", "high_value", "target", "contract", "target_at_medians",
                "target_at_low", "target_at_high", "swing", "switching_value"],
               [["effect", "Housing First effect", 1.8, 3.5, "payer_net", "bond", 1.8e6, -2e5, 3e6, 3.2e6,
                 2.1],
                ["job_hr", "Job effect", 1.05, 1.95, "payer_net", "bond", 1.8e6, 1.7e6, 1.9e6, 2e5, ""]])
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    resolved = manifest["resolved"]
    resolved["economics"]["departments"] = {
        "municipality.social": {"label": {"en": "Social services", "da": "Socialforvaltningen"}},
        "state.benefits": {"label": {"en": "The state", "da": "Staten"}}}
    resolved["contracts"]["bond"].update(label={"en": "Housing bond", "da": "Boligobligation"},
                                         outcome_fund={"reserve": 500000})
    resolved["parameters"]["effect"]["label"] = {"en": "Housing First effect", "da": "Effekt af Housing First"}
    (out / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    write_readable(out, lang="en")
    write_readable(out, lang="da")
    return out


def visible_text(html: str) -> str:
    """The text a reader sees in an HTML fragment: one line per heading, paragraph and list item."""
    text = re.sub(r"<(h2|h3|p|li)>", "\n", html)
    return "\n".join(line.strip() for line in unescape(re.sub(r"<[^>]+>", "", text)).splitlines()
                     if line.strip())


FIRST_PAGE = {"en": """\
Headline
What the programme costs and who pays
Housing bond: the investors put in 1.0 million DKK, provided by investors outside the public accounts; \
the outcome payments are expected to come to 1.2 million DKK (90 %: 0.8 million DKK to 1.6 million DKK; \
discounted), paid by Social services.
Where each public body stands when everything is paid: Housing First
Each body's savings against Som vanligt, minus its share of every contract's outcome payments, plus, \
for a body that provides the investment, what it put in and got back; discounted, over the whole \
horizon. Positive: the body gains.
In 9 of 10 runs, Social services ends between 0.5 million DKK and 3.0 million DKK (on average \
1.8 million DKK); it ends below zero in 10% of runs.
In 9 of 10 runs, The state ends between 100,000 DKK and 700,000 DKK (on average 400,000 DKK); it ends \
below zero in no run.
In 9 of 10 runs, all public bodies together end between 0.7 million DKK and 3.5 million DKK (on average \
2.2 million DKK); it ends below zero in 5% of runs.
Housing bond
The investor is repaid in full in 35% of runs.
The outcome payments, which repay the investor, come to 1.2 million DKK on average (90 %: 0.8 million DKK \
to 1.6 million DKK; discounted).
The outcome fund (a reserve of 500,000 DKK) is expected to pay out 0 DKK, more than 0 DKK in 5 % of runs; \
it runs out in 5% of runs.
A programme with no effect would be paid 400,000 DKK on average (90 %: 200,000 DKK to 600,000 DKK), the \
contract priced on the same youths' lives without the programme; 30% of what is paid would have been \
earned without the programme.
What matters most
The uncertain assumptions that move Payers' expected net gain on the contract's youths, after its \
payments, Housing bond most, each from its 5th to its 95th percentile with the others at their medians:
Housing First effect: from 1.8 to 3.5 moves it from −200,000 DKK to 3.0 million DKK.
Job effect: from 1.05 to 1.95 moves it from 1.7 million DKK to 1.9 million DKK.""",
              "da": """\
Hovedtal
Hvad programmet koster, og hvem der betaler
Boligobligation: investorerne skyder 1,0 mio. DKK ind, stillet af investorer uden for de offentlige \
regnskaber; resultatbetalingerne ventes at blive 1,2 mio. DKK (90 %: 0,8 mio. DKK til 1,6 mio. DKK; \
tilbagediskonteret), betalt af Socialforvaltningen.
Hvor hver offentlig part står, når alt er betalt: Housing First
Hver parts besparelse i forhold til Som vanligt, minus dens andel af alle kontrakters \
resultatbetalinger, plus, for en part der stiller investeringen, hvad den har skudt ind og fået \
tilbage; tilbagediskonteret, over hele perioden. Positiv: parten vinder.
I 9 af 10 kørsler ender Socialforvaltningen mellem 0,5 mio. DKK og 3,0 mio. DKK (i gennemsnit \
1,8 mio. DKK); under nul i 10 % af kørslerne.
I 9 af 10 kørsler ender Staten mellem 100.000 DKK og 700.000 DKK (i gennemsnit 400.000 DKK); under nul \
i ingen kørsel.
I 9 af 10 kørsler ender alle offentlige parter samlet mellem 0,7 mio. DKK og 3,5 mio. DKK (i gennemsnit \
2,2 mio. DKK); under nul i 5 % af kørslerne.
Boligobligation
Investor får hele beløbet tilbage i 35 % af kørslerne.
Resultatbetalingerne, som betaler investor tilbage, er i gennemsnit 1,2 mio. DKK (90 %: 0,8 mio. DKK \
til 1,6 mio. DKK; tilbagediskonteret).
Resultatfonden (en reserve på 500.000 DKK) ventes at udbetale 0 DKK, mere end 0 DKK i 5 % af \
kørslerne; den bliver brugt op i 5 % af kørslerne.
Et program uden effekt ville i gennemsnit få 400.000 DKK udbetalt (90 %: 200.000 DKK til 600.000 DKK), \
kontrakten beregnet på de samme unges forløb uden programmet; 30 % af det udbetalte ville være \
optjent uden programmet.
Hvad betyder mest
De usikre antagelser, der flytter Betalernes forventede nettogevinst på kontraktens unge efter dens \
betalinger, Boligobligation mest, hver fra sin 5. til sin 95. percentil med de øvrige på deres median:
Effekt af Housing First: fra 1,8 til 3,5 flytter det fra −200.000 DKK til 3,0 mio. DKK.
Job effect: fra 1,05 til 1,95 flytter det fra 1,7 mio. DKK til 1,9 mio. DKK."""}


@pytest.mark.golden
@pytest.mark.parametrize("lang", ["en", "da"])
def test_the_first_page_answers_the_councils_questions(hand_made, lang):
    """The hand-made numbers in sentences, in order, with labels (the manifest's) and no ids."""
    html = html_of(hand_made, lang)
    first_page = html[html.index('<section class="headline">'):html.index("</section>")]
    assert visible_text(first_page) == FIRST_PAGE[lang].replace("\\\n", "")


@pytest.mark.golden
def test_who_pays_shows_departments_levels_and_years(hand_made):
    who = section(html_of(hand_made), "Who pays and who gains")
    assert "<td>Social services</td>" in who and "<td>state</td>" in who  # a department's label
    assert "municipality.social" not in who
    # money.csv: per year the baseline's 4.0 million minus the arm's 2.4 million
    assert '<td class="n">1.6 million DKK</td>' in who


@pytest.mark.golden
def test_the_tornado_and_its_switching_values_are_reported(hand_made):
    tornado = section(html_of(hand_made), "What matters most: one parameter at a time")
    assert "<td>Housing First effect</td>" in tornado and '<td class="n">2.1</td>' in tornado
    assert "no crossing in range" in tornado
    assert_png_with_content((hand_made / "figures" / "tornado.png").read_bytes(), "tornado.png")


@pytest.mark.golden
def test_the_hand_made_workbook_has_the_headline_numbers(hand_made):
    """Ids are shown by their labels, metrics by theirs (the hand-made folder's scenario labels
    its contract, arms and departments)."""
    sheet = openpyxl.load_workbook(hand_made / "summary.xlsx")["Headline"]
    rows = {(row[0], row[1]): row for row in sheet.iter_rows(min_row=2, values_only=True)}
    folder = ResultsFolder(hand_made)
    bond, arm = folder.label("contract", "bond", "en"), folder.label("arm", "housing_first", "en")
    social = folder.label("department", "municipality.social", "en")
    assert rows[(bond, "Chance the investor is repaid in full")][2:4] == ("probability", 0.35)
    assert rows[(bond, "Expected outcome payments")][2:7] == ("DKK", 1.2e6, 0.8e6, 1.2e6, 1.6e6)
    assert rows[(arm, f"Position when everything is paid: {social}")][3] == 1.8e6
    assert rows[(arm, f"Chance of ending below zero: {social}")][2:4] == ("probability", 0.1)
    assert rows[(arm, "Net gain: municipality")][3] == 3e6
    assert not any(cell in ("bond", "municipality.social", "payments_discounted") for row in rows for cell in row)


@pytest.mark.golden
def test_sections_without_data_are_left_out(run_folder, tmp_path):
    """The files of a pure simulation (no money, no contracts, no sensitivity), from an unfinished run."""
    out = tmp_path / "small"
    shutil.copytree(run_folder, out, ignore=shutil.ignore_patterns("chunks", "figures", "report.html",
                                                                   "money.csv", "contracts.csv"))
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    summary.pop("contracts")
    summary["complete"] = False
    for arm in summary["arms"].values():
        for key in ("cost", "net_gain_vs_baseline", "net_gain_by_level"):
            arm.pop(key)
    (out / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    write_rows(out / "replications.csv", ["replication", "youths@usual"], [[r, 24] for r in range(20)])
    report, _ = write_readable(out)
    html = report.read_text(encoding="utf-8")
    assert '<p class="warning">Incomplete run' in html
    assert "<h2>Who pays and who gains</h2>" not in html and "<h2>Cash flow over time</h2>" not in html
    assert "This scenario has no money or contracts" in html
    assert "<h2>Youths in each state over time</h2>" in html
    assert openpyxl.load_workbook(out / "summary.xlsx").sheetnames == ["Headline"]


# --- In a real browser -----------------------------------------------------------------------------


@pytest.mark.end_to_end
def test_a_headless_browser_renders_the_report(hand_made, tmp_path):
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.skip("chromium is not installed (Debian: apt-get install -y chromium)")
    screenshot = tmp_path / "report.png"
    subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--no-first-run", "--disable-background-networking", "--disable-component-update",
                    "--disable-sync",
                    f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={screenshot}",
                    "--window-size=1200,2000", (hand_made / "report.html").as_uri()],
                   capture_output=True, timeout=120, check=True)
    assert_png_with_content(screenshot.read_bytes(), "the browser's screenshot")


@pytest.mark.golden
def test_what_matters_most_comes_from_the_stored_runs_when_nothing_was_re_run(hand_made, tmp_path):
    """Without sensitivity.csv, the first page names the largest variance shares of metamodel.csv
    (parameters with no share left out), widest first."""
    out = tmp_path / "shares"
    shutil.copytree(hand_made, out)
    (out / "sensitivity.csv").unlink()
    write_rows(out / "metamodel.csv",
               ["parameter", "label", "target", "contract", "runs", "target_mean", "share", "se", "low_value",
                "high_value", "target_at_low", "target_at_high", "swing", "r2", "edf", "residual_z"],
               [["job_hr", "Job effect", "payer_net", "bond", 20, 1.8e6, 0.05, 0.02, 1.05, 1.95, 1.7e6, 1.9e6,
                 2e5, 0.05, 3.0, 0.5],
                ["effect", "Housing First effect", "payer_net", "bond", 20, 1.8e6, 0.4, 0.05, 1.8, 3.5, -2e5,
                 3e6, 3.2e6, 0.4, 4.0, 0.8],
                ["idle", "Nothing", "payer_net", "bond", 20, 1.8e6, 0.0, 0.01, 1, 2, 1.8e6, 1.8e6, 0, 0, 1, 0]])
    write_readable(out, lang="en")
    first = section(html_of(out), "Headline")
    shares = first[first.index("What matters most"):]
    assert "explain most of the spread" in shares and "over the 20 runs" in shares
    assert shares.index("40% of the spread") < shares.index("5% of the spread")
    assert "Nothing" not in shares


@pytest.mark.golden
def test_a_guarantee_by_a_party_outside_the_accounts_is_named_with_its_label(hand_made, tmp_path):
    out = tmp_path / "guaranteed"
    shutil.copytree(hand_made, out)
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    summary["contracts"]["bond"]["guarantee_paid"] = stat(250000, 0, 1e6)
    (out / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    manifest["resolved"]["economics"]["outside"] = {"foundation.x": {"label": {"en": "A foundation", "da": "En fond"}}}
    manifest["resolved"]["contracts"]["bond"]["guarantee"] = {"by": "foundation.x", "covers": "investor_loss",
                                                              "up_to": 1000000}
    (out / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    write_readable(out, lang="en")
    write_readable(out, lang="da")
    assert ("A foundation guarantees the investors' loss up to 1.0 million DKK; the guarantees are expected to "
            "pay 250,000 DKK (nominal).") in visible_text(html_of(out))
    assert ("En fond garanterer investorernes tab op til 1,0 mio. DKK; garantierne ventes at udbetale "
            "250.000 DKK (nominelt).") in visible_text(html_of(out, "da"))


STANDS = {"en": """\
Where the contracts stand in 2023-01
A forecast from the 14 youths of Housing First observed up to 2023-01. What was settled by then is \
fixed; the rest is forecast from where these youths are now, how long they have been there, and the \
assumptions as their histories so far have updated them (their weight rests on 57 effective prior draws \
of 2,000).
Few effective draws: the updated assumptions rest on a handful of prior draws, so the intervals below \
are rough.
Housing bond
Settled so far: 300,000 DKK paid to the investor (nominal).
Still to come: 0.9 million DKK (90 %: 0.5 million DKK to 1.3 million DKK; nominal).
The investor gets the principal back in 35% of runs now, against 60% in the plan at signing.""",
          "da": """\
Hvor kontrakterne står i 2023-01
En fremskrivning ud fra de 14 unge i Housing First, som er fulgt frem til 2023-01. Det, der var \
afregnet til da, ligger fast; resten fremskrives ud fra, hvor de unge er nu, hvor længe de har været \
der, og antagelserne, som de unges forløb indtil nu har opdateret dem (vægten hviler på 57 effektive \
trækninger af 2.000 fra forhåndsfordelingen).
Få effektive trækninger: de opdaterede antagelser hviler på en håndfuld trækninger, så intervallerne \
nedenfor er grove.
Boligobligation
Afregnet indtil nu: 300.000 DKK udbetalt til investor (nominelt).
Mangler endnu: 0,9 mio. DKK (90 %: 0,5 mio. DKK til 1,3 mio. DKK; nominelt).
Investor får hovedstolen tilbage i 35 % af kørslerne nu, mod 60 % i planen ved underskrivelsen."""}


@pytest.mark.golden
@pytest.mark.parametrize("lang", ["en", "da"])
def test_a_forecast_says_first_where_the_contracts_stand(hand_made, tmp_path, lang):
    """summary.json of `simulator forecast` (observed_until 12 months after 2022-01, settled_to_date,
    the plan's P(full repayment)) in sentences, before the headline; a run has no such section."""
    out = tmp_path / "forecast"
    shutil.copytree(hand_made, out)
    summary = hand_made_summary()
    summary.update(observed_until=12.0, forecast={
        "arm": "housing_first", "observed_youths": 14,
        "parameter_update": {"method": "importance sampling", "prior_draws": 2000, "effective_sample_size": 57.2}})
    summary["contracts"]["bond"].update(settled_to_date=300000.0, settled_to_date_fixed=True,
                                        remaining_payments_nominal=stat(9e5, 5e5, 1.3e6),
                                        p_full_repayment_at_signing=0.6)
    (out / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    write_readable(out, lang=lang)
    html = html_of(out, lang)
    first = html[html.index('<section class="headline">'):html.index("</section>")]
    assert visible_text(first) == STANDS[lang].replace("\\\n", "")
    assert "observed" not in visible_text(html_of(hand_made, "en")).split("Headline")[0]
