"""torchvision's side of the colour preprocessing test (data/colour_test.go).

  colour_ref.py DIR   write a handful of seeded JPEG and PNG images of odd
                      sizes to DIR and, beside each, NAME.raw: torchvision's
                      Resize(256), CenterCrop(224), ToTensor, Normalize of it
                      (3x224x224 float32), read as torchvision's ImageFolder
                      reads (PIL, convert("RGB")).
"""
import os
import sys

import numpy as np
from PIL import Image
from torchvision import transforms

# name, width, height, PIL mode
IMAGES = [
    ("wide.png", 300, 200, "RGB"),
    ("tall-grey.png", 257, 511, "L"),
    ("small-alpha.png", 97, 131, "RGBA"),  # smaller than 224: enlarged
    ("exact.png", 256, 300, "RGB"),  # short side already 256: no horizontal pass
    ("photo.jpg", 640, 479, "RGB"),
    ("big.jpg", 1023, 768, "RGB"),
]


def picture(rng, w, h, mode):
    # Smooth colour fields (an enlarged random image) plus hard-edged
    # rectangles: what photos have, gradients and edges.
    small = Image.fromarray(rng.randint(0, 256, (8, 8, 4), dtype=np.uint8), "RGBA")
    img = np.asarray(small.resize((w, h), Image.BICUBIC)).copy()
    for _ in range(6):
        x0, y0 = rng.randint(0, w - 4), rng.randint(0, h - 4)
        x1, y1 = rng.randint(x0 + 2, w), rng.randint(y0 + 2, h)
        img[y0:y1, x0:x1, :3] = rng.randint(0, 256, 3)
    return Image.fromarray(img, "RGBA").convert(mode)


def main():
    out = sys.argv[1]
    rng = np.random.RandomState(0)
    tf = transforms.Compose([
        transforms.Resize(256),
        transforms.CenterCrop(224),
        transforms.ToTensor(),
        transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]),
    ])
    for name, w, h, mode in IMAGES:
        path = os.path.join(out, name)
        picture(rng, w, h, mode).save(path, quality=90) if name.endswith(".jpg") else picture(rng, w, h, mode).save(path)
        with open(path, "rb") as f:
            img = Image.open(f).convert("RGB")
        tf(img).numpy().astype(np.float32).tofile(path + ".raw")


main()
