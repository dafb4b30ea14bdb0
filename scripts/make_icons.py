"""Draw the installable app's icons (static/img/icons/) with Pillow.

Run from the project root: ``python scripts/make_icons.py``. The icons are committed;
run it again only to change them. The same mark as static/img/favicon.svg: "KA" in
white on the product's blue, on a rounded square ("any") and on a full square with the
mark inside the safe zone ("maskable", which launchers crop to their own shape).
"""

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

BLUE = (29, 78, 216, 255)
WHITE = (255, 255, 255, 255)
OUT = Path(__file__).resolve().parent.parent / "static" / "img" / "icons"


def _mark(size: int, *, maskable: bool) -> Image.Image:
    scale = 4  # drawn large, then reduced: smooth edges
    side = size * scale
    image = Image.new("RGBA", (side, side), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    if maskable:
        draw.rectangle((0, 0, side, side), fill=BLUE)
        text_size = side * 0.36  # inside the 80% safe circle
    else:
        draw.rounded_rectangle((0, 0, side - 1, side - 1), radius=side * 0.22, fill=BLUE)
        text_size = side * 0.46
    font = ImageFont.load_default(size=text_size)
    draw.text(
        (side / 2, side / 2),
        "KA",
        font=font,
        fill=WHITE,
        anchor="mm",
        stroke_width=max(1, round(text_size * 0.04)),
        stroke_fill=WHITE,
    )
    return image.resize((size, size), Image.Resampling.LANCZOS)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for size in (192, 512):
        _mark(size, maskable=False).save(OUT / f"icon-{size}.png", optimize=True)
        _mark(size, maskable=True).save(OUT / f"maskable-{size}.png", optimize=True)
    apple = _mark(180, maskable=True).convert("RGB")  # iOS draws its own corners
    apple.save(OUT / "apple-touch-icon.png", optimize=True)


if __name__ == "__main__":
    main()
