"""PyTorch's side of bench/backbone.sh: a torchvision backbone's feature
extraction at 224 (everything but the last linear layer, eval mode,
no_grad), batch 16, images/s.

  backbone_reference.py THREADS BATCHES [cl [ARCH]]
      cl: channels_last, net and images ("nchw" keeps the default);
      ARCH: resnet18 (default) or mobilenet_v2
"""
import json
import sys
import time

import torch
import torchvision

threads, batches = int(sys.argv[1]), int(sys.argv[2])
torch.set_num_threads(threads)
arch = sys.argv[4] if len(sys.argv) > 4 else "resnet18"
net = getattr(torchvision.models, arch)(weights=None)
if arch == "mobilenet_v2":
    net.classifier = torch.nn.Identity()
else:
    net.fc = torch.nn.Identity()
net.eval()
x = torch.randn(16, 3, 224, 224)
if sys.argv[3:4] == ["cl"]:
    net = net.to(memory_format=torch.channels_last)
    x = x.to(memory_format=torch.channels_last)
with torch.no_grad():
    net(x)  # warm-up: oneDNN picks its kernels
    start = time.perf_counter()
    for _ in range(batches):
        net(x)
    elapsed = time.perf_counter() - start
print(json.dumps({"img_s": batches * 16 / elapsed}))
