#!/usr/bin/env python3
"""Writes three sequences with exact ground truth that microlabel was never tuned on.

Real photographs (scikit-image's sample images) and the Big Buck Bunny frames in
sample-data/ are composited: an object cut from one photograph, with a soft mask, moves,
scales and is partly hidden over a moving real background. Each sequence is written in the
OTB layout that `microlabel bench propagate` and seedeval.py read:

    OUT/NAME/img/0001.jpg ...   OUT/NAME/groundtruth_rect.txt (x,y,w,h per frame)

    pip install scikit-image opencv-python-headless
    python3 Tests/Scripts/unseen_sequences.py OUT

film    132 frames 640x360: a cat's head over the animated film, growing then shrinking,
        half hidden by a passing wall for 8 frames.
aerial  200 frames 1280x720: a small astronaut (13x24 px, 18x32 at the end) walking over gravel seen
        from a drifting, slowly zooming camera.
sports  160 frames 960x540: a coffee cup swung to and fro over a launch site, jumps of up
        to 25 px a frame, motion blur along the way, 2.5x change of size, the camera panning.
"""
import math
import os
import sys

import cv2
import numpy as np
import skimage.data as data

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def soft_mask(h, w):
    """An ellipse with a feathered edge: the pasted object has no rectangular outline."""
    yy, xx = np.mgrid[0:h, 0:w]
    d = ((xx + 0.5 - w / 2) / (w / 2)) ** 2 + ((yy + 0.5 - h / 2) / (h / 2)) ** 2
    return np.clip((1.0 - d) / 0.15, 0, 1)[..., None]


def paste(frame, obj, cx, cy, w, h, blur=0):
    """Alpha-blends `obj` resized to w x h centred at (cx, cy); returns the visible box."""
    w, h = max(2, int(round(w))), max(2, int(round(h)))
    o = cv2.resize(obj, (w, h), interpolation=cv2.INTER_AREA).astype(np.float32)
    m = soft_mask(h, w).astype(np.float32)
    if blur > 1:
        k = np.zeros((blur, blur), np.float32)
        k[blur // 2, :] = 1.0 / blur
        o = cv2.filter2D(o, -1, k)
        m = cv2.filter2D(m, -1, k)[..., None] if m.ndim == 3 else cv2.filter2D(m, -1, k)
        if m.ndim == 2:
            m = m[..., None]
    x0, y0 = int(round(cx - w / 2)), int(round(cy - h / 2))
    fh, fw = frame.shape[:2]
    ax0, ay0, ax1, ay1 = max(0, x0), max(0, y0), min(fw, x0 + w), min(fh, y0 + h)
    if ax1 <= ax0 or ay1 <= ay0:
        return None
    region = frame[ay0:ay1, ax0:ax1].astype(np.float32)
    oo = o[ay0 - y0:ay1 - y0, ax0 - x0:ax1 - x0]
    mm = m[ay0 - y0:ay1 - y0, ax0 - x0:ax1 - x0]
    frame[ay0:ay1, ax0:ax1] = (region * (1 - mm) + oo * mm).clip(0, 255).astype(np.uint8)
    return (ax0, ay0, ax1 - ax0, ay1 - ay0)


def camera(world, cx, cy, zoom, w, h):
    """The w x h view of `world` centred at (cx, cy), magnified `zoom` times."""
    m = np.float32([[zoom, 0, w / 2 - zoom * cx], [0, zoom, h / 2 - zoom * cy]])
    return cv2.warpAffine(world, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)


def rgb(img):
    return cv2.cvtColor(img, cv2.COLOR_RGB2BGR) if img.ndim == 3 else cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)


def write(out, name, frames, boxes):
    folder = os.path.join(out, name, "img")
    os.makedirs(folder, exist_ok=True)
    for i, f in enumerate(frames):
        cv2.imwrite(os.path.join(folder, "%04d.jpg" % (i + 1)), f, [cv2.IMWRITE_JPEG_QUALITY, 90])
    with open(os.path.join(out, name, "groundtruth_rect.txt"), "w") as g:
        for b in boxes:
            g.write("%d,%d,%d,%d\n" % b)
    print(name, len(frames), "frames", frames[0].shape[1], "x", frames[0].shape[0])


def film(out):
    cat = rgb(data.chelsea())[40:250, 110:320]  # the head
    brick = rgb(data.brick())
    frames, boxes = [], []
    for i in range(132):
        bg = cv2.imread(os.path.join(ROOT, "sample-data", "frames", "%06d.jpg" % (i + 1)))
        t = i / 131
        s = 1.0 + 0.6 * math.sin(math.pi * t)
        cx = 160 + 320 * t + 30 * math.sin(5 * t)
        cy = 190 + 60 * math.sin(3 * t)
        box = paste(bg, cat, cx, cy, 62 * s, 58 * s)
        if 60 <= i < 68:  # a wall slides over the right half of the head
            bx = int(cx)
            bg[:, bx:bx + 70] = brick[:360, :min(70, 640 - bx)]
        frames.append(bg)
        boxes.append(box)
    write(out, "film", frames, boxes)


def aerial(out):
    gravel = cv2.resize(rgb(data.gravel()), (1024, 1024))
    world = np.tile(gravel, (3, 3, 1))
    world = cv2.GaussianBlur(world, (3, 3), 0)
    astronaut = rgb(data.astronaut())[10:512, 120:380]
    rng = np.random.default_rng(7)
    frames, boxes = [], []
    px, py = 1300.0, 1500.0
    for i in range(200):
        t = i / 199
        vx, vy = 2.2 + rng.normal(0, 0.4), 0.8 * math.sin(4 * t) + rng.normal(0, 0.4)
        px, py = px + vx, py + vy
        zoom = 1.0 + 0.35 * t
        ccx, ccy = 1200 + 260 * t, 1480 + 40 * math.sin(2 * t)
        view = camera(world, ccx, ccy, zoom, 1280, 720)
        sx, sy = 640 + zoom * (px - ccx), 360 + zoom * (py - ccy)
        box = paste(view, astronaut, sx, sy, 13 * zoom, 24 * zoom)
        frames.append(view)
        boxes.append(box)
    write(out, "aerial", frames, boxes)


def sports(out):
    site = rgb(data.rocket())
    world = cv2.resize(site, (1920, 1280))
    cup = rgb(data.coffee())[40:330, 160:460]
    frames, boxes = [], []
    previous = None
    for i in range(160):
        t = i / 159
        ccx = 700 + 300 * t
        view = camera(world, ccx, 640, 1.0, 960, 540)
        # Swung back and forth twice across the view, up and down, growing as it comes nearer.
        s = 1.0 + 1.5 * t
        vx = 480 + 300 * math.sin(4 * math.pi * t)
        vy = 300 - 150 * math.sin(math.pi * t) + 40 * math.sin(6 * math.pi * t)
        speed = 0 if previous is None else math.hypot(vx - previous[0], vy - previous[1])
        previous = (vx, vy)
        blur = int(min(15, 1 + speed / 2)) | 1
        box = paste(view, cup, vx, vy, 34 * s, 32 * s, blur=blur)
        frames.append(view)
        boxes.append(box)
    write(out, "sports", frames, boxes)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: unseen_sequences.py OUT")
    for make in (film, aerial, sports):
        make(sys.argv[1])
