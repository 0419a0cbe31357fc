"""The chart is drawn by matplotlib and checked by reading the image back, not by bytes."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

from PIL import Image

from hypewatch.bot.chart import MEASURED_LOW, MEASURED_OK, png_chart, svg_chart, verdict_mark
from hypewatch.bot.threads import ChartBar

BARS = [
    ChartBar("mmlu 0-shot", 89.9, 75.9, 61.2, 87.3),
    ChartBar("gsm8k", 99.2, 79.2, 44.4, 96.3),
    ChartBar("ifeval", 50.0, 51.0, 48.0, 54.0),
    ChartBar("humaneval", 91.0),
]


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    value = hex_colour.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def _longest_run(image: Image.Image, colour: tuple[int, int, int]) -> int:
    """The longest horizontal run of pixels within 10 of `colour` (an error bar's line)."""
    pixels = image.load()
    assert pixels is not None
    best = 0
    for y in range(image.height):
        run = 0
        for x in range(image.width):
            r, g, b = pixels[x, y][:3]
            if max(abs(r - colour[0]), abs(g - colour[1]), abs(b - colour[2])) <= 10:
                run += 1
                best = max(best, run)
            else:
                run = 0
    return best


def test_png_has_size_ink_and_error_bars() -> None:
    image = Image.open(io.BytesIO(png_chart(BARS))).convert("RGB")
    assert image.format is None or image.format == "PNG"
    assert image.width == 800 and image.height == 310  # 8 in x (1.1 + 0.5 * 4) in at 100 dpi
    colours = image.getcolors(maxcolors=1_000_000)
    assert colours is not None and len(colours) > 20  # not blank: text, bars, markers
    # the red error bars (mmlu 61–87, gsm8k 44–96) are long horizontal runs of one colour;
    # the plot is 400 px for 0–100, so gsm8k's bar spans some 200 px
    assert _longest_run(image, _rgb(MEASURED_LOW)) > 150
    assert 5 < _longest_run(image, _rgb(MEASURED_OK)) < 60  # ifeval's narrow interval


def test_svg_has_text_labels_and_marks() -> None:
    root = ET.fromstring(svg_chart(BARS))
    texts = " ".join("".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text"))
    for expected in ("mmlu 0-shot", "gsm8k", "score (%)", "benchmark", "✘ below claim",
                     "✔ consistent", "… not measured yet", "61.2–87.3"):  # fmt: skip
        assert expected in texts


def test_marks_read_without_colour() -> None:
    assert verdict_mark(BARS[0])[0] == "✘ below claim"
    assert verdict_mark(BARS[2])[0] == "✔ consistent"
    assert verdict_mark(BARS[3])[0] == "… not measured yet"


def test_untrusted_labels_are_text_not_markup_or_math() -> None:
    bars = [ChartBar("$\\frac{1}{0}$ <b>x</b> &", 50.0, 40.0, 35.0, 45.0)]
    root = ET.fromstring(svg_chart(bars))  # well-formed: the label was escaped
    texts = " ".join("".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text"))
    assert "$\\frac{1}{0}$ <b>x</b> &" in texts
    assert not list(root.iter("{http://www.w3.org/2000/svg}script"))
    assert Image.open(io.BytesIO(png_chart(bars))).width == 800
