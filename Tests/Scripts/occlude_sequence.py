#!/usr/bin/env python3
"""Copies a sequence (OTB layout: SEQ/img/*.jpg, SEQ/groundtruth_rect.txt) and hides its object
behind a grey noise block on some frames, for measuring recovery after an occlusion.

    python3 Tests/Scripts/occlude_sequence.py SEQ OUT --frames 121-140

The block covers three times the object's width and twice its height (plus 20 px) around its
true box on each hidden frame, with new noise on every frame; the ground truth is kept (the
object is still there, behind the block). Needs opencv-python-headless and numpy.
"""
import argparse
import os
import shutil

import cv2
import numpy as np


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("seq")
    p.add_argument("out")
    p.add_argument("--frames", required=True, help="1-based range A-B of frames to hide the object on")
    args = p.parse_args()
    first, last = (int(v) for v in args.frames.split("-"))
    src_img = os.path.join(args.seq, "img")
    out_img = os.path.join(args.out, "img")
    os.makedirs(out_img, exist_ok=True)
    shutil.copy(os.path.join(args.seq, "groundtruth_rect.txt"), os.path.join(args.out, "groundtruth_rect.txt"))
    gt = []
    for line in open(os.path.join(args.seq, "groundtruth_rect.txt")):
        if line.strip():
            gt.append([float(v) for v in line.replace("\t", ",").split(",")[:4]])
    rng = np.random.default_rng(7)
    for i, name in enumerate(sorted(os.listdir(src_img))):
        image = cv2.imread(os.path.join(src_img, name))
        if first <= i + 1 <= last:
            x, y, w, h = gt[i]
            bw, bh = int(3 * w) + 20, int(2 * h) + 20
            x0, y0 = max(0, int(x + w / 2 - bw / 2)), max(0, int(y + h / 2 - bh / 2))
            block = (rng.random((bh, bw, 1)) * 60 + 110).astype(np.uint8).repeat(3, axis=2)
            region = image[y0:y0 + bh, x0:x0 + bw]
            region[:] = block[:region.shape[0], :region.shape[1]]
        cv2.imwrite(os.path.join(out_img, name), image, [cv2.IMWRITE_JPEG_QUALITY, 92])


if __name__ == "__main__":
    main()
