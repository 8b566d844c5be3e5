"""PyTorch on a GPU, the workloads of bench/gpu.sh: the seed's Q5 CNN
(batch 128) and the Q4 FFN (batch 2048), training steps and a no-grad
evaluation of 1024 images in passes of 128, in fp32 and in bfloat16
autocast. Each workload is measured two ways: with the images resident on
the GPU and batches gathered there by index_select, as transferlab does,
and with each batch copied from host memory, as a DataLoader feeds a GPU
(the issue's reference). Each step ends by reading the loss and the hits,
as transferlab's does, which waits for the GPU.

    python3 bench/gpu_reference.py DEVICE STEPS     (prints one JSON object)
"""
import json
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from reference import FFN, Network  # noqa: E402


def forward(net, xb, bf16):
    with torch.autocast(xb.device.type, dtype=torch.bfloat16, enabled=bf16):
        logits = net(xb)
    return logits.float()


def train_ips(net, batch, steps, dev, bf16, resident):
    torch.manual_seed(0)
    net = net.to(dev)
    home = dev if resident else "cpu"
    x = torch.rand(4 * batch, 1, 28, 28, device=home)
    y = torch.randint(0, 10, (4 * batch,), device=home)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)

    def step(i):
        idx = torch.arange(i % 4 * batch, (i % 4 + 1) * batch, device=home)
        xb, yb = x.index_select(0, idx).to(dev), y.index_select(0, idx).to(dev)
        opt.zero_grad()
        logits = forward(net, xb, bf16)
        loss = F.cross_entropy(logits, yb)
        loss.backward()
        opt.step()
        return loss.item(), (logits.argmax(1) == yb).sum().item()

    for i in range(3):  # warm-up: cuDNN's choices, Adam's state, the allocator
        step(i)
    start = time.perf_counter()
    for i in range(steps):
        step(i)
    return steps * batch / (time.perf_counter() - start)


def eval_ips(net, steps, dev, bf16, chunk=128):
    net = net.to(dev)
    x = torch.rand(1024, 1, 28, 28, device=dev)
    with torch.no_grad():
        forward(net, x[:chunk], bf16).argmax(1).cpu()
        start = time.perf_counter()
        for _ in range(steps):
            for part in x.split(chunk):
                forward(net, part, bf16).argmax(1).cpu()
    return steps * 1024 / (time.perf_counter() - start)


def main():
    dev, steps = sys.argv[1], int(sys.argv[2])
    out = {"torch": torch.__version__, "device": torch.cuda.get_device_name(dev) if dev.startswith("cuda") else "cpu"}
    for bf16 in (False, True):
        p = "BF16" if bf16 else ""
        for resident in (True, False):
            r = "" if resident else "Copied"
            out[f"CNNTrainBatch128{p}{r}"] = train_ips(Network(), 128, steps, dev, bf16, resident)
            out[f"FFNTrainBatch2048{p}{r}"] = train_ips(FFN(), 2048, max(1, steps // 4), dev, bf16, resident)
        out[f"CNNEvalBatch1024{p}"] = eval_ips(Network(), max(1, steps // 10), dev, bf16)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
