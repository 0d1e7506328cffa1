"""Draw the synthetic demo image set of the hotdog scenario (no photographs, no download).

    python scripts/make_demo_images.py [--out resources/demo_images] [--per-class 32]

Writes ``hotdog/`` (a sausage in a bun with a line of mustard, on a plate, at a random angle,
size and position) and ``not_hotdog/`` (pizza, doughnut, burger, salad, apple, cup … drawn the
same way) as small JPEG files whose names start with ``synthetic-``, plus a README saying they
are synthetic. The same seed always draws the same pictures.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

SIZE = 128
README = """Synthetic demo images for nnviz's hotdog scenario
===================================================

These are NOT photographs. scripts/make_demo_images.py draws them procedurally (a sausage in a
bun versus pizzas, doughnuts, burgers, salads, apples and cups, on plates at random angles),
so that the transfer-learning scenario can be tried without downloading anything.
Regenerate with:  python scripts/make_demo_images.py
For real photographs, point the scenario's image_folder at a folder with one sub-folder per
class (e.g. hotdog/ and not_hotdog/).
"""

Colour = tuple[int, int, int]


def _jitter(rng: np.random.Generator, colour: Colour, amount: int = 18) -> Colour:
    return tuple(int(np.clip(c + rng.integers(-amount, amount + 1), 0, 255)) for c in colour)


def _background(rng: np.random.Generator) -> Image.Image:
    table = _jitter(rng, [(150, 110, 80), (90, 120, 160), (200, 200, 190), (60, 90, 60),
                          (170, 60, 60)][rng.integers(5)], 25)
    image = Image.new("RGB", (SIZE * 2, SIZE * 2), table)
    draw = ImageDraw.Draw(image)
    if rng.random() < 0.8:
        radius = rng.uniform(0.7, 0.95) * SIZE
        centre = SIZE + rng.uniform(-15, 15, 2)
        draw.ellipse([centre[0] - radius, centre[1] - radius * 0.9,
                      centre[0] + radius, centre[1] + radius * 0.9],
                     fill=_jitter(rng, (240, 240, 235), 10), outline=(200, 200, 200), width=3)
    return image


def _layer(draw_shape) -> tuple[Image.Image, Image.Image]:
    layer = Image.new("RGB", (SIZE * 2, SIZE * 2))
    mask = Image.new("L", (SIZE * 2, SIZE * 2), 0)
    draw_shape(ImageDraw.Draw(layer), ImageDraw.Draw(mask))
    return layer, mask


def draw_hotdog(rng: np.random.Generator) -> tuple[Image.Image, Image.Image]:
    length = rng.uniform(120, 170)
    bun_h = rng.uniform(38, 50)
    sausage_h = bun_h * rng.uniform(0.45, 0.6)
    bun = _jitter(rng, (225, 180, 115))
    sausage = _jitter(rng, (165, 65, 40))
    mustard = _jitter(rng, (240, 200, 30), 15)
    c = SIZE

    def shape(draw: ImageDraw.ImageDraw, mask: ImageDraw.ImageDraw) -> None:
        box = [c - length / 2, c - bun_h / 2, c + length / 2, c + bun_h / 2]
        for target, fill in ((draw, bun), (mask, 255)):
            target.rounded_rectangle(box, radius=bun_h / 2, fill=fill)
        draw.rounded_rectangle(box, radius=bun_h / 2, outline=_jitter(rng, (180, 130, 70)),
                               width=3)
        extra = rng.uniform(8, 18)
        sbox = [c - length / 2 - extra, c - sausage_h / 2, c + length / 2 + extra,
                c + sausage_h / 2]
        for target, fill in ((draw, sausage), (mask, 255)):
            target.rounded_rectangle(sbox, radius=sausage_h / 2, fill=fill)
        waves = int(rng.integers(4, 8))
        xs = np.linspace(c - length / 2 + 10, c + length / 2 - 10, waves * 8)
        ys = c + np.sin(np.linspace(0, waves * 2 * math.pi, len(xs))) * sausage_h * 0.25
        draw.line(list(zip(xs.tolist(), ys.tolist(), strict=True)), fill=mustard, width=4)

    return _layer(shape)


def _pizza(draw, mask, rng, c):
    r = rng.uniform(45, 65)
    for target, fill in ((draw, _jitter(rng, (220, 170, 90))), (mask, 255)):
        target.ellipse([c - r, c - r, c + r, c + r], fill=fill)
    draw.ellipse([c - r * 0.85, c - r * 0.85, c + r * 0.85, c + r * 0.85],
                 fill=_jitter(rng, (210, 80, 40)))
    for _ in range(int(rng.integers(5, 10))):
        a, d = rng.uniform(0, 2 * math.pi), rng.uniform(0, r * 0.65)
        x, y, s = c + d * math.cos(a), c + d * math.sin(a), rng.uniform(5, 9)
        draw.ellipse([x - s, y - s, x + s, y + s], fill=_jitter(rng, (150, 30, 30)))


def _doughnut(draw, mask, rng, c):
    r = rng.uniform(35, 55)
    for target, fill in ((draw, _jitter(rng, (200, 140, 80))), (mask, 255)):
        target.ellipse([c - r, c - r, c + r, c + r], fill=fill)
    draw.ellipse([c - r * 0.9, c - r * 0.9, c + r * 0.9, c + r * 0.9],
                 fill=_jitter(rng, [(240, 150, 190), (90, 50, 30), (250, 250, 240)][
                     rng.integers(3)]))
    hole = r * rng.uniform(0.3, 0.4)
    draw.ellipse([c - hole, c - hole, c + hole, c + hole], fill=(0, 0, 0))
    mask.ellipse([c - hole, c - hole, c + hole, c + hole], fill=0)


def _burger(draw, mask, rng, c):
    w = rng.uniform(45, 60)
    layers = [((215, 160, 90), 22), ((60, 150, 50), 6), ((110, 60, 35), 14),
              ((240, 200, 40), 5), ((215, 160, 90), 12)]
    y = c - 30
    for colour, height in layers:
        for target, fill in ((draw, _jitter(rng, colour)), (mask, 255)):
            target.rounded_rectangle([c - w, y, c + w, y + height], radius=height / 2,
                                     fill=fill)
        y += height - 1


def _salad(draw, mask, rng, c):
    r = rng.uniform(45, 60)
    for target, fill in ((draw, _jitter(rng, (235, 235, 240))), (mask, 255)):
        target.ellipse([c - r, c - r * 0.8, c + r, c + r * 0.8], fill=fill)
    for _ in range(int(rng.integers(12, 20))):
        a, d = rng.uniform(0, 2 * math.pi), rng.uniform(0, r * 0.7)
        x, y, s = c + d * math.cos(a), c + 0.8 * d * math.sin(a), rng.uniform(6, 12)
        colour = [(70, 160, 60), (40, 120, 40), (220, 50, 40), (240, 220, 80)][
            rng.integers(4)]
        draw.ellipse([x - s, y - s * 0.7, x + s, y + s * 0.7], fill=_jitter(rng, colour))


def _apple(draw, mask, rng, c):
    r = rng.uniform(30, 45)
    colour = [(200, 30, 30), (120, 190, 60), (230, 200, 50)][rng.integers(3)]
    for target, fill in ((draw, _jitter(rng, colour)), (mask, 255)):
        target.ellipse([c - r, c - r * 0.9, c + r, c + r * 0.9], fill=fill)
    for target, fill in ((draw, (90, 60, 30)), (mask, 255)):
        target.line([c, c - r * 0.8, c + 4, c - r * 1.2], fill=fill, width=4)


def _cup(draw, mask, rng, c):
    w, h = rng.uniform(25, 35), rng.uniform(40, 55)
    colour = _jitter(rng, [(60, 90, 200), (240, 240, 240), (200, 60, 60)][rng.integers(3)])
    for target, fill in ((draw, colour), (mask, 255)):
        target.rectangle([c - w, c - h / 2, c + w, c + h / 2], fill=fill)
        target.ellipse([c + w - 8, c - h / 4, c + w + 18, c + h / 4], outline=fill, width=6)
    draw.ellipse([c - w, c - h / 2 - 6, c + w, c - h / 2 + 6], fill=_jitter(rng, (90, 55, 30)))


def _sausage(draw, mask, rng, c):
    """A near miss: a sausage with no bun."""
    length, height = rng.uniform(110, 160), rng.uniform(18, 26)
    for target, fill in ((draw, _jitter(rng, (165, 65, 40))), (mask, 255)):
        target.rounded_rectangle([c - length / 2, c - height / 2, c + length / 2,
                                  c + height / 2], radius=height / 2, fill=fill)


def _bread(draw, mask, rng, c):
    """A near miss: a long bread roll with no sausage."""
    length, height = rng.uniform(120, 170), rng.uniform(34, 46)
    for target, fill in ((draw, _jitter(rng, (215, 170, 105))), (mask, 255)):
        target.rounded_rectangle([c - length / 2, c - height / 2, c + length / 2,
                                  c + height / 2], radius=height / 2, fill=fill)
    for k in range(int(rng.integers(3, 6))):
        x = c - length / 3 + k * 22
        draw.line([x, c - height / 4, x + 12, c + height / 4], fill=(170, 120, 60), width=3)


def _banana(draw, mask, rng, c):
    r = rng.uniform(50, 70)
    box = [c - r, c - r, c + r, c + r]
    for target, fill in ((draw, _jitter(rng, (240, 210, 60))), (mask, 255)):
        target.arc(box, 200, 340, fill=fill, width=int(rng.integers(16, 24)))


OTHERS = (_pizza, _doughnut, _burger, _salad, _apple, _cup, _sausage, _bread, _banana)


def draw_other(rng: np.random.Generator) -> tuple[Image.Image, Image.Image]:
    painter = OTHERS[int(rng.integers(len(OTHERS)))]
    return _layer(lambda draw, mask: painter(draw, mask, rng, SIZE))


def compose(rng: np.random.Generator, hotdog: bool) -> Image.Image:
    """One picture: background, the object turned and scaled at a random place, blur, noise."""
    image = _background(rng)
    layer, mask = draw_hotdog(rng) if hotdog else draw_other(rng)
    angle = rng.uniform(0, 360)
    layer = layer.rotate(angle, resample=Image.Resampling.BICUBIC)
    # the smooth mask reaches a pixel past the object's colour: trim it so no dark rim shows
    mask = mask.rotate(angle, resample=Image.Resampling.BICUBIC).filter(ImageFilter.MinFilter(3))
    shift = tuple(int(v) for v in rng.uniform(-25, 25, 2))
    image.paste(layer, shift, mask)
    scale = rng.uniform(1.0, 1.35)
    crop = SIZE * 2 / scale
    left = (SIZE * 2 - crop) / 2
    image = image.resize((SIZE, SIZE), Image.Resampling.LANCZOS,
                         box=(left, left, left + crop, left + crop))
    image = image.filter(ImageFilter.GaussianBlur(rng.uniform(0.0, 0.8)))
    pixels = np.asarray(image, dtype=np.float64) + rng.normal(0, 6, (SIZE, SIZE, 3))
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def make_demo_images(out: Path, per_class: int = 32, seed: int = 2017) -> list[Path]:
    """Write the set under ``out``; returns the image paths."""
    rng = np.random.default_rng(seed)
    written = []
    for name, hotdog in (("hotdog", True), ("not_hotdog", False)):
        folder = out / name
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("synthetic-*.jpg"):
            old.unlink()
        for index in range(per_class):
            path = folder / f"synthetic-{name}-{index:03d}.jpg"
            compose(rng, hotdog).save(path, quality=82, optimize=True)
            written.append(path)
    (out / "README.txt").write_text(README, encoding="utf-8")
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = Path(__file__).resolve().parent.parent / "resources" / "demo_images"
    parser.add_argument("--out", type=Path, default=default)
    parser.add_argument("--per-class", type=int, default=32)
    parser.add_argument("--seed", type=int, default=2017)
    args = parser.parse_args()
    paths = make_demo_images(args.out, args.per_class, args.seed)
    total = sum(p.stat().st_size for p in paths)
    print(f"wrote {len(paths)} synthetic images ({total / 1024:.0f} KiB) to {args.out}")


if __name__ == "__main__":
    main()
