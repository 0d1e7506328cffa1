"""Image folders: classes from sub-folders, content hashes, bad folders and files, crops."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from nnviz.data.images import (
    ImageFolderError,
    ImageReadError,
    center_square,
    open_rgb,
    random_crop,
    scan_image_folder,
    stratified_split,
    thumbnail,
)

Image = pytest.importorskip("PIL.Image")


def save_image(path, colour, size=(40, 30)):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, colour).save(path)
    return path


@pytest.fixture
def folder(tmp_path):
    root = tmp_path / "photos"
    for i in range(3):
        save_image(root / "hotdog" / f"h{i}.png", (200, 40 * i, 0))
        save_image(root / "not_hotdog" / f"n{i}.jpg", (0, 40 * i, 200))
    save_image(root / "not_hotdog" / "nested" / "deeper.png", (0, 0, 90))
    (root / "hotdog" / "notes.txt").write_text("not an image")
    save_image(root / "hotdog" / ".hidden.png", (1, 2, 3))
    save_image(root / ".thumbnails" / "x.png", (1, 2, 3))
    return root


def test_classes_are_sorted_sub_folders_and_digests_are_content_hashes(folder):
    scanned = scan_image_folder(folder)
    assert scanned.class_names == ("hotdog", "not_hotdog")
    assert scanned.counts() == {"hotdog": 3, "not_hotdog": 4}
    assert not scanned.skipped and scanned.skipped_message() == ""
    first = scanned.images[0]
    assert first.path.name == "h0.png" and first.label == 0
    assert first.digest == hashlib.sha256(first.path.read_bytes()).hexdigest()
    assert list(scanned.labels) == [0, 0, 0, 1, 1, 1, 1]


def test_more_than_two_classes(folder):
    save_image(folder / "pizza" / "p.png", (9, 9, 9))
    assert scan_image_folder(folder).class_names == ("hotdog", "not_hotdog", "pizza")


def test_unreadable_images_are_skipped_and_named(folder):
    (folder / "hotdog" / "broken.jpg").write_bytes(b"\xff\xd8 this is no jpeg")
    good = folder / "not_hotdog" / "n0.jpg"
    (folder / "not_hotdog" / "truncated.jpg").write_bytes(good.read_bytes()[:60])
    scanned = scan_image_folder(folder)
    assert scanned.counts() == {"hotdog": 3, "not_hotdog": 4}
    names = sorted(path.name for path, _ in scanned.skipped)
    assert names == ["broken.jpg", "truncated.jpg"]
    message = scanned.skipped_message()
    assert message.startswith("skipped 2 unreadable image(s)") and "hotdog/broken.jpg" in message
    assert "BytesIO" not in message and "0x" not in message  # Pillow's buffer repr


@pytest.mark.parametrize("case, match", [
    ("missing", "does not exist"),
    ("file", "is a file, not a folder"),
    ("no_classes", "has no sub-folders"),
    ("one_class", "only one class"),
    ("empty_class", "has no usable image: it holds no image files"),
    ("unreadable_class", r"has no usable image: its 1 image file\(s\) cannot be read"),
])
def test_bad_folders_say_what_to_fix(tmp_path, case, match):
    root = tmp_path / "photos"
    if case == "file":
        root.write_text("x")
    elif case == "no_classes":
        save_image(root / "loose.png", (1, 1, 1))
    elif case == "one_class":
        save_image(root / "hotdog" / "a.png", (1, 1, 1))
    elif case in ("empty_class", "unreadable_class"):
        save_image(root / "hotdog" / "a.png", (1, 1, 1))
        (root / "not_hotdog").mkdir()
        if case == "unreadable_class":
            (root / "not_hotdog" / "bad.png").write_bytes(b"nope")
    with pytest.raises(ImageFolderError, match=match):
        scan_image_folder(root)


def test_open_rgb_names_the_file_it_cannot_read(tmp_path):
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"nope")
    with pytest.raises(ImageReadError, match=r"bad\.png"):
        open_rgb(bad)
    with pytest.raises(ImageReadError, match=r"missing\.png"):
        open_rgb(tmp_path / "missing.png")


def test_stratified_split_keeps_every_class_on_both_sides():
    labels = np.array([0] * 10 + [1] * 3 + [2] * 2 + [3])
    train, validation = stratified_split(labels, 0.25, seed=1)
    assert sorted(np.concatenate([train, validation])) == list(range(len(labels)))
    assert np.bincount(labels[validation], minlength=4).tolist() == [2, 1, 1, 0]
    assert np.bincount(labels[train], minlength=4).tolist() == [8, 2, 1, 1]
    again = stratified_split(labels, 0.25, seed=1)
    assert np.array_equal(again[1], validation)
    assert not np.array_equal(stratified_split(labels, 0.25, seed=2)[1], validation)


def test_center_square_cuts_the_middle_of_the_longer_side():
    pixels = np.zeros((20, 60, 3), dtype=np.uint8)
    pixels[:, 20:40] = 255  # the middle third is white
    square = center_square(Image.fromarray(pixels), 10)
    assert square.shape == (10, 10, 3) and square.dtype == np.uint8
    assert square.min() > 200 and square.flags.writeable


def test_random_crop_is_seeded_and_mirrors():
    pixels = np.zeros((50, 50, 3), dtype=np.uint8)
    pixels[:, :25] = 255  # white left half
    image = Image.fromarray(pixels)
    a = random_crop(image, 16, np.random.default_rng(3), min_area=1.0, max_aspect=1.0)
    b = random_crop(image, 16, np.random.default_rng(3), min_area=1.0, max_aspect=1.0)
    assert np.array_equal(a, b) and a.shape == (16, 16, 3)
    left_bright = [random_crop(image, 16, np.random.default_rng(s), min_area=1.0,
                               max_aspect=1.0)[:, :4].mean() > 128 for s in range(20)]
    assert 3 < sum(left_bright) < 17  # whole-image crops, mirrored about half the time
    crops = {random_crop(image, 8, np.random.default_rng(s), min_area=0.2,
                         flip=False).tobytes() for s in range(10)}
    assert len(crops) > 5


def test_thumbnail(folder):
    small = thumbnail(folder / "hotdog" / "h1.png", 12)
    assert small.shape == (12, 12, 3)
    assert tuple(small[6, 6]) == (200, 40, 0)
