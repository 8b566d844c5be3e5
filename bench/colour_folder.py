"""Writes what bench/backbone_last.sh transfers to: a colour ImageFolder of
N images (default 1000) in 4 classes (a filled circle, square, triangle or
cross in a random colour on a striped colour background, JPEG, sizes 160 to
400 pixels a side), and a seeded random torchvision ResNet-18 state_dict
(the ImageNet weights cannot be downloaded here).

  colour_folder.py DIR [N]     DIR/photos/train/<class>/*.jpg, DIR/resnet18-random.pth
"""
import os
import sys

import numpy as np
import torch
import torchvision
from PIL import Image, ImageDraw

out, n = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 1000
rng = np.random.RandomState(0)
classes = ["circle", "square", "triangle", "cross"]
for i in range(n):
    c = classes[i % len(classes)]
    w, h = rng.randint(160, 401, 2)
    bg = rng.randint(0, 200, 3)
    stripes = ((np.add.outer(np.arange(h), np.arange(w)) // rng.randint(4, 16)) % 2)[..., None] * 40
    img = Image.fromarray(np.clip(bg + stripes + rng.randint(0, 30, (h, w, 3)), 0, 255).astype(np.uint8))
    d = ImageDraw.Draw(img)
    r = min(w, h) // 3
    cx, cy = w // 2 + rng.randint(-r // 3, r // 3 + 1), h // 2 + rng.randint(-r // 3, r // 3 + 1)
    ink = tuple(int(v) for v in rng.randint(0, 256, 3))
    if c == "circle":
        d.ellipse([cx - r, cy - r, cx + r, cy + r], fill=ink)
    elif c == "square":
        d.rectangle([cx - r, cy - r, cx + r, cy + r], fill=ink)
    elif c == "triangle":
        d.polygon([(cx, cy - r), (cx - r, cy + r), (cx + r, cy + r)], fill=ink)
    else:
        d.rectangle([cx - r, cy - r // 4, cx + r, cy + r // 4], fill=ink)
        d.rectangle([cx - r // 4, cy - r, cx + r // 4, cy + r], fill=ink)
    folder = os.path.join(out, "photos", "train", c)
    os.makedirs(folder, exist_ok=True)
    img.save(os.path.join(folder, f"{i:04d}.jpg"), quality=90)
torch.manual_seed(0)
torch.save(torchvision.models.resnet18(weights=None).state_dict(), os.path.join(out, "resnet18-random.pth"))
