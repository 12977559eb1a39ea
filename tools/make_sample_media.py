"""Draw the sample blog's two images into media/ (run from the repository root).

    python tools/make_sample_media.py

Both are simple diagrams drawn here, not photographs: a schematic of the roads through
Homs and a timeline of the day. They are palette PNGs of a few KB. The committed files
are what the sample publishes; run this only to change them (then rebuild feeds/).
Needs Pillow (in the test extra).
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

MEDIA = Path(__file__).resolve().parents[1] / "media"
SIZE = (640, 360)
PAPER, INK, MUTED, ROAD, RED, BLUE, SEA = ("#f6f4ee", "#1f2328", "#6b6f76", "#c9a227",
                                           "#b3261e", "#0b57d0", "#cfe3f2")


def font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def city(draw: ImageDraw.ImageDraw, xy: tuple[int, int], name: str, colour: str,
         anchor: str = "la") -> None:
    x, y = xy
    draw.ellipse((x - 9, y - 9, x + 9, y + 9), fill=colour, outline=INK, width=2)
    offset = (x + 16, y - 12) if anchor == "la" else (x - 16, y - 12)
    draw.text(offset, name, fill=INK, font=font(20), anchor=anchor)


def homs_roads() -> Image.Image:
    """Homs on the road from Damascus to the north, with the road to the coast."""
    image = Image.new("RGB", SIZE, PAPER)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 90, SIZE[1]), fill=SEA)
    draw.text((18, 330), "Sea", fill=MUTED, font=font(16))
    damascus, homs, coast, north = (420, 300), (400, 150), (110, 120), (430, 20)
    for a, b in ((damascus, homs), (homs, north), (homs, coast)):
        draw.line((a, b), fill=ROAD, width=9)
    city(draw, damascus, "Damascus (capital)", BLUE)
    city(draw, homs, "Homs", RED)
    city(draw, coast, "Coast and ports", BLUE)
    draw.text((440, 34), "to Hama and Aleppo", fill=MUTED, font=font(16))
    draw.text((104, 12), "Schematic, not to scale", fill=MUTED, font=font(16))
    draw.text((112, 250), "Whoever holds Homs can cut", fill=INK, font=font(18))
    draw.text((112, 274), "the capital off from the", fill=INK, font=font(18))
    draw.text((112, 298), "coast by road", fill=INK, font=font(18))
    return image


def day_timeline() -> Image.Image:
    """Saturday's main moments on one line, from morning to the closing of the blog."""
    image = Image.new("RGB", SIZE, PAPER)
    draw = ImageDraw.Draw(image)
    left, right, y = 50, 600, 190

    def x_of(hour: float) -> int:
        return round(left + (hour - 6) / 18 * (right - left))

    draw.text((left, 24), "Saturday 7 December 2024 (UTC)", fill=INK, font=font(22))
    draw.line(((left, y), (right, y)), fill=MUTED, width=4)
    for hour in range(6, 25, 3):
        draw.line(((x_of(hour), y - 8), (x_of(hour), y + 8)), fill=MUTED, width=2)
        draw.text((x_of(hour), y + 16), f"{hour:02d}:00", fill=MUTED, font=font(15), anchor="ma")
    # (hour, label lines, label top, colour, label on the "left" or "right" of its line)
    moments = [(10.0, ("Daraa reported held", "by local fighters"), 70, BLUE, "right"),
               (18.5, ("Joint call for a", "political solution"), 112, BLUE, "left"),
               (22.75, ("Blog closes",), 70, MUTED, "left"),
               (20.25, ("Troops reported", "leaving Homs"), 236, RED, "left"),
               (21.0, ("Rebels say they", "are entering Homs"), 292, RED, "left")]
    for hour, lines, label_y, colour, side in moments:
        x = x_of(hour)
        draw.ellipse((x - 8, y - 8, x + 8, y + 8), fill=colour)
        height = 22 * len(lines)
        ends = (label_y, y - 10) if label_y < y else (y + 10, label_y + height - 4)
        draw.line(((x, ends[0]), (x, ends[1])), fill=colour, width=2)
        text_x, anchor = (x + 8, "la") if side == "right" else (x - 8, "ra")
        for number, line in enumerate(lines):
            draw.text((text_x, label_y + 22 * number), line, fill=INK, font=font(16), anchor=anchor)
    return image


def save(image: Image.Image, name: str) -> None:
    small = image.quantize(colors=16, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    small.save(MEDIA / name, optimize=True)
    print(f"media/{name}: {(MEDIA / name).stat().st_size} bytes")


if __name__ == "__main__":
    MEDIA.mkdir(exist_ok=True)
    save(homs_roads(), "homs-roads.png")
    save(day_timeline(), "day-timeline.png")
