"""torchvision's side of the backbone interop tests (model/resnet_test.go):
ARCH is resnet18, resnet50 or mobilenet_v2.

  resnet_ref.py names ARCH                 print the state_dict's names and shapes as JSON
  resnet_ref.py make ARCH PTH X SIDE       save a seeded random ARCH (random BN statistics too)
                                           to PTH, a seeded 2x3xSIDExSIDE batch to X (raw
                                           float32), print its eval-mode logits as JSON
  resnet_ref.py logits ARCH CKPT X SIDE    load a transferlab checkpoint strictly, print logits
"""
import json
import sys

import numpy as np
import torch
import torchvision


def net(arch):
    return getattr(torchvision.models, arch)(weights=None)


def batch(path, side):
    return torch.from_numpy(np.fromfile(path, dtype=np.float32).reshape(2, 3, side, side))


def main():
    cmd, arch = sys.argv[1], sys.argv[2]
    torch.manual_seed(0)
    m = net(arch)
    if cmd == "names":
        print(json.dumps({k: list(v.shape) for k, v in m.state_dict().items()}))
        return
    if cmd == "make":
        pth, xpath, side = sys.argv[3], sys.argv[4], int(sys.argv[5])
        # Random statistics and affine terms: the defaults (0, 1, 1, 0)
        # would make a name mix-up between them invisible.
        for mod in m.modules():
            if isinstance(mod, torch.nn.BatchNorm2d):
                mod.running_mean.uniform_(-0.1, 0.1)
                mod.running_var.uniform_(0.5, 1.5)
                mod.weight.data.uniform_(0.5, 1.5)
                if arch == "mobilenet_v2":
                    # Scales up to 3: ReLU6's clamp at 6 then acts, where
                    # N(0, 1)-like activations would leave it a ReLU.
                    mod.weight.data.uniform_(1, 3)
                mod.bias.data.uniform_(-0.1, 0.1)
                mod.num_batches_tracked.fill_(7)
        torch.save(m.state_dict(), pth)
        torch.rand(2, 3, side, side).numpy().tofile(xpath)
    else:
        ckpt, xpath, side = sys.argv[3], sys.argv[4], int(sys.argv[5])
        sd = torch.jit.load(ckpt).state_dict()
        m.load_state_dict(sd, strict=True)
        for mod in m.modules():
            if isinstance(mod, torch.nn.BatchNorm2d):
                assert int(mod.num_batches_tracked) == 7, "num_batches_tracked did not round-trip"
    m.eval()
    with torch.no_grad():
        out = m(batch(xpath, int(sys.argv[5])))
    print(json.dumps({"logits": out.flatten().tolist()}))


main()
