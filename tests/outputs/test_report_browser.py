"""The Aarhus report, English and Danish, as a reader's browser lays it out and prints it.

A small run of scenarios/aarhus.yaml (40 replications) with its reports; headless Chromium
measures every element at 800 and 1280 px (a copy of the page with a measuring script: the
report itself runs none), reads the visible text and the images' alt texts, and prints the page
to PDF, whose pages show whether a figure was cut across a page break.
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from html import unescape
from pathlib import Path

import pytest

from simulator.cli import main
from simulator.outputs import metrics

pytestmark = pytest.mark.end_to_end

AARHUS = Path(__file__).resolve().parents[2] / "scenarios" / "aarhus.yaml"
CHROMIUM = shutil.which("chromium")
needs_chromium = pytest.mark.skipif(CHROMIUM is None,
                                    reason="chromium is not installed (Debian: apt-get install -y chromium)")

MEASURE = """<script>
window.addEventListener("load", () => {
  const width = document.documentElement.clientWidth;
  const wide = [];
  for (const element of document.body.querySelectorAll("*")) {
    if (element.parentElement.closest("div.table")) continue;  // scrolls in its box
    const box = element.getBoundingClientRect();
    if (box.width && (box.right > width + 0.5 || box.left < -0.5))
      wide.push(`${element.tagName}.${element.className}: ${Math.round(box.left)}–${Math.round(box.right)}`);
  }
  const out = document.createElement("pre");
  out.id = "measured";
  out.textContent = JSON.stringify({width, scrollWidth: document.documentElement.scrollWidth, wide,
    text: document.body.innerText, alts: [...document.images].map(image => image.alt)});
  document.body.appendChild(out);
});
</script>"""


@pytest.fixture(scope="module")
def aarhus(tmp_path_factory) -> Path:
    """`simulator run` of the Aarhus scenario: it has Danish labels, so both reports are written."""
    out = tmp_path_factory.mktemp("aarhus") / "aarhus"
    assert main(["run", str(AARHUS), "--runs", "40", "--workers", "1", "--out", str(out)]) == 0
    return out


def chromium(profile: Path, *arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                           "--no-first-run", "--disable-background-networking", "--disable-component-update",
                           "--disable-sync", f"--user-data-dir={profile}", *arguments],
                          capture_output=True, text=True, timeout=180, check=True)


def measured(report: Path, width: int, tmp_path: Path) -> dict:
    """What the measuring script saw in `report` laid out in a window `width` px wide."""
    page = tmp_path / f"measured-{width}.html"
    page.write_text(report.read_text(encoding="utf-8").replace("</body>", MEASURE + "</body>"),
                    encoding="utf-8")
    dom = chromium(tmp_path / "profile", f"--window-size={width},1000", "--virtual-time-budget=5000",
                   "--dump-dom", page.as_uri()).stdout
    found = re.search(r'<pre id="measured">(.*?)</pre>', dom, re.S)
    assert found, "the measuring script did not run"
    return json.loads(unescape(found[1]))


def labelled_ids(resolved: dict) -> list[str]:
    """The department, contract and arm ids of the scenario that have a label, and the metric ids."""
    ids = [name for section in (resolved["economics"]["departments"], resolved["contracts"], resolved["arms"])
           for name, spec in section.items() if isinstance(spec, dict) and spec.get("label")]
    return ids + [name for metric in metrics.METRICS for name in (metric.key, metric.name)
                  if "_" in name or name == "irr"]  # plain words (cost, principal) are words too


def test_run_writes_both_languages_beside_each_other(aarhus):
    for name in ("report.html", "report.da.html", "summary.xlsx", "summary.da.xlsx"):
        assert (aarhus / name).exists(), name
    assert '<html lang="da">' in (aarhus / "report.da.html").read_text(encoding="utf-8")


@needs_chromium
@pytest.mark.parametrize("width", [480, 800, 1280])  # 480: a phone (headless Chromium's narrowest)
@pytest.mark.parametrize("report", ["report.html", "report.da.html"])
def test_no_element_is_wider_than_the_page_and_no_id_shows(aarhus, report, width, tmp_path):
    seen = measured(aarhus / report, width, tmp_path)
    assert seen["wide"] == [] and seen["scrollWidth"] <= seen["width"], seen["wide"]
    resolved = json.loads((aarhus / "manifest.json").read_text(encoding="utf-8"))["resolved"]
    for name in labelled_ids(resolved):
        assert not re.search(rf"(?<![\w.]){re.escape(name)}(?![\w.])", seen["text"]), name
    assert seen["alts"] and all(alt.strip() for alt in seen["alts"])


def image_placements(pdf: bytes) -> tuple[int, list[int]]:
    """The page count of a PDF Chromium wrote, and for each page the images drawn on it.

    An image cut by a page break is drawn on both pages, so the placements then outnumber the
    figures."""
    objects = {number: body for number, body in
               re.findall(rb"(?m)^(\d+) 0 obj\s*(.*?)endobj", pdf, re.S)}
    images = {number for number, body in objects.items() if re.search(rb"/Subtype\s*/Image", body)}
    pages = [body for body in objects.values() if re.search(rb"/Type\s*/Page\b(?!s)", body)]
    placed = []
    for body in pages:
        xobjects = re.search(rb"/XObject\s*<<(.*?)>>", body, re.S)
        references = re.findall(rb"(\d+) 0 R", xobjects[1]) if xobjects else []
        placed.append(sum(reference in images for reference in references))
    return len(pages), placed


@needs_chromium
@pytest.mark.parametrize("report", ["report.html", "report.da.html"])
def test_printing_to_pdf_cuts_no_figure(aarhus, report, tmp_path):
    pdf = tmp_path / "report.pdf"
    chromium(tmp_path / "profile", "--no-pdf-header-footer", f"--print-to-pdf={pdf}",
             (aarhus / report).as_uri())
    data = pdf.read_bytes()
    figures = (aarhus / report).read_text(encoding="utf-8").count("<img ")
    pages, placed = image_placements(data)
    assert pages >= 3 and figures >= 5
    assert sum(placed) == figures, f"{figures} figures drawn {sum(placed)} times on {pages} pages: {placed}"
    assert re.search(rb"/MediaBox\s*\[0 0 59[45]\.\d* 841\.\d*\]", data)  # A4: 210 × 297 mm
