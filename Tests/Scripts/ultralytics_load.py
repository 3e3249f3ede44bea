"""Loads a microlabel YOLO export the way Ultralytics' trainer builds its datasets, and prints the
images and boxes it found per split. A manual check (torch is too heavy for CI):

    python3 -m venv --system-site-packages /tmp/ultra && /tmp/ultra/bin/pip install torch torchvision ultralytics --no-deps
    /tmp/ultra/bin/python Tests/Scripts/ultralytics_load.py OUT/data.yaml

check_det_dataset is skipped because it downloads a font; the paths are resolved as it resolves them.
"""
import os, sys
from ultralytics.utils import YAML
from ultralytics.data import YOLODataset
from ultralytics.cfg import get_cfg
d = YAML.load(sys.argv[1])
root = d["path"]
for key in ("train", "val"):
    d[key] = os.path.join(root, d[key])
print("names", d["names"], "nc", d["nc"])
for split in ("train", "val"):
    ds = YOLODataset(img_path=d[split], data=d, task="detect", augment=False, hyp=get_cfg())
    boxes = sum(len(l["cls"]) for l in ds.labels)
    print(split, "images", len(ds.im_files), "boxes", boxes, "first", ds.labels[0]["im_file"].split("/")[-1], ds.labels[0]["cls"].ravel().tolist(), [round(v, 6) for v in ds.labels[0]["bboxes"].ravel().tolist()])
    item = ds[0]
    print(split, "item img", tuple(item["img"].shape), "cls", item["cls"].ravel().tolist())
