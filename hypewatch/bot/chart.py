"""Claimed vs measured, drawn two ways with no plotting dependency.

`text_chart` is a monospace bar chart for chat code blocks and the console;
`png_chart` is a small PNG (written with zlib, a built-in 3x5 pixel font)
for the email digest, where it travels as an inline `cid:` image.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence

from hypewatch.bot.threads import ChartBar, fmt_num

BAR_WIDTH = 20


def _scale(bars: Sequence[ChartBar]) -> float:
    values = [b.claimed for b in bars] + [b.measured for b in bars if b.measured is not None]
    top = max(values, default=1.0)
    return 100.0 if 0 <= top <= 100 else max(top, 1e-9)


def _bar(value: float, top: float) -> str:
    filled = round(max(0.0, min(1.0, value / top)) * BAR_WIDTH)
    return "█" * filled + "░" * (BAR_WIDTH - filled)


def text_chart(bars: Sequence[ChartBar]) -> list[str]:
    """Lines of a bar chart; labels must not contain backticks (they live in code blocks)."""
    if not bars:
        return []
    top = _scale(bars)
    width = min(24, max(len(b.label) for b in bars))
    lines: list[str] = []
    for b in bars:
        label = b.label.replace("`", "'")[:width].ljust(width)
        lines.append(f"{label} claimed  {_bar(b.claimed, top)} {fmt_num(b.claimed)}")
        if b.measured is None:
            lines.append(f"{'':{width}} measured {'·' * BAR_WIDTH} not yet")
            continue
        ci = ""
        if b.low is not None and b.high is not None:
            ci = f" [{fmt_num(b.low)}–{fmt_num(b.high)}]"
        lines.append(f"{'':{width}} measured {_bar(b.measured, top)} {fmt_num(b.measured)}{ci}")
    return lines


# -- PNG -------------------------------------------------------------------------

_FONT = {
    "0": "111101101101111", "1": "010110010010111", "2": "111001111100111",
    "3": "111001111001111", "4": "101101111001001", "5": "111100111001111",
    "6": "111100111101111", "7": "111001010010010", "8": "111101111101111",
    "9": "111101111001111", ".": "000000000000010", "-": "000000111000000",
    " ": "000000000000000", "A": "010101111101101", "B": "110101110101110",
    "C": "011100100100011", "D": "110101101101110", "E": "111100110100111",
    "F": "111100110100100", "G": "011100101101011", "H": "101101111101101",
    "I": "111010010010111", "J": "001001001101010", "K": "101101110101101",
    "L": "100100100100111", "M": "101111111101101", "N": "110101101101101",
    "O": "010101101101010", "P": "110101110100100", "Q": "010101101110011",
    "R": "110101110101101", "S": "011100010001110", "T": "111010010010010",
    "U": "101101101101111", "V": "101101101101010", "W": "101101111111101",
    "X": "101101010101101", "Y": "101101010010010", "Z": "111001010100111",
}  # fmt: skip

Color = tuple[int, int, int]
CLAIMED: Color = (120, 144, 156)
MEASURED_OK: Color = (46, 125, 50)
MEASURED_LOW: Color = (198, 40, 40)
INK: Color = (33, 33, 33)
GRID: Color = (224, 224, 224)


class _Canvas:
    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.pixels = bytearray(b"\xff" * (width * height * 3))

    def rect(self, x: int, y: int, w: int, h: int, color: Color) -> None:
        for yy in range(max(0, y), min(self.height, y + h)):
            start = (yy * self.width + max(0, x)) * 3
            count = max(0, min(self.width, x + w) - max(0, x))
            self.pixels[start : start + count * 3] = bytes(color) * count

    def text(self, x: int, y: int, text: str, color: Color, scale: int = 2) -> None:
        for i, ch in enumerate(text.upper()):
            glyph = _FONT.get(ch, _FONT[" "])
            for j, bit in enumerate(glyph):
                if bit == "1":
                    gx, gy = j % 3, j // 3
                    self.rect(x + (i * 4 + gx) * scale, y + gy * scale, scale, scale, color)

    def png(self) -> bytes:
        raw = b"".join(
            b"\x00" + bytes(self.pixels[y * self.width * 3 : (y + 1) * self.width * 3])
            for y in range(self.height)
        )

        def chunk(kind: bytes, data: bytes) -> bytes:
            body = kind + data
            return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

        header = struct.pack(">IIBBBBB", self.width, self.height, 8, 2, 0, 0, 0)
        return (
            b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(raw, 9))
            + chunk(b"IEND", b"")
        )


def png_chart(bars: Sequence[ChartBar], tolerance: float = 2.0) -> bytes:
    """A horizontal bar chart: grey = claimed, green/red = measured (red when more than
    `tolerance` below the claim), thin dark line = the interval."""
    bars = list(bars)[:12]
    label_w, plot_w, row_h, pad = 210, 330, 34, 12
    width, height = label_w + plot_w + 90, pad * 2 + row_h * max(1, len(bars))
    canvas = _Canvas(width, height)
    top = _scale(bars)
    for tick in range(0, 5):
        canvas.rect(label_w + plot_w * tick // 4, pad, 1, height - 2 * pad, GRID)
    for i, b in enumerate(bars):
        y = pad + i * row_h
        canvas.text(4, y + 10, b.label[:25], INK)
        canvas.rect(label_w, y + 4, int(plot_w * min(1.0, b.claimed / top)), 10, CLAIMED)
        canvas.text(label_w + plot_w + 6, y + 4, fmt_num(b.claimed)[:10], INK)
        if b.measured is None:
            continue
        color = MEASURED_LOW if b.measured < b.claimed - tolerance else MEASURED_OK
        canvas.rect(label_w, y + 17, int(plot_w * min(1.0, max(0.0, b.measured / top))), 10, color)
        canvas.text(label_w + plot_w + 6, y + 18, fmt_num(b.measured)[:10], color)
        if b.low is not None and b.high is not None:
            lo = label_w + int(plot_w * max(0.0, min(1.0, b.low / top)))
            hi = label_w + int(plot_w * max(0.0, min(1.0, b.high / top)))
            canvas.rect(lo, y + 21, max(1, hi - lo), 2, INK)
    return canvas.png()
