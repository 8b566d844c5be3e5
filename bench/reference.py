"""PyTorch reference for bench/run.sh: the seed's own stack (Debian's
python3-torch on the same libtorch) measured on the same workloads as the Go
benchmarks in train/bench_test.go: random images, same networks, batch
sizes and thread count. Prints one JSON object of images per second and RSS.

  reference.py THREADS [STEPS [BF16_STEPS]] [--no-bf16] [--peak]
  reference.py --full [--threads N] [--precision fp32|bf16] [--quick] [--target T] [--pretrained DIR]

The CNN is measured in fp32 and in bfloat16 autocast (torch.autocast("cpu",
dtype=torch.bfloat16), fp32 master weights, loss and Adam, as transferlab's
--precision bf16), each in the standard layout and in channels_last (keys
ending in BF16, CL, BF16CL). BF16_STEPS (default STEPS) is separate because
on a CPU without bf16 instructions bf16 takes slow paths (libtorch's
portable bf16 GEMM on an AVX2-only CPU), many times slower than fp32. --no-bf16 leaves the bf16 rows out. --peak adds the machine's
torch.mm peak in GFLOP/s, fp32 and bf16, for bench/run.sh's roofline.

--full runs the whole homework instead, the work of `transferlab reproduce
--retrain` (bench/pipeline_reference.py, for bench/pipeline.sh; hours at
full scale, minutes with --quick; --pretrained DIR: the transfers from DIR's
networks, without the pretrainings).
"""
import json
import os
import resource
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

# The seed's Q5 CNN, shared with the interop test.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "train", "testdata"))
from interop import Network  # noqa: E402


class FFN(nn.Module):
    """The Q4 net, with raw logits."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 4096)
        self.fc2 = nn.Linear(4096, 10)

    def forward(self, x):
        return self.fc2(F.relu(self.fc1(torch.flatten(x, 1))))


def to_layout(t, channels_last):
    return t.contiguous(memory_format=torch.channels_last) if channels_last else t


def forward(net, xb, bf16, channels_last):
    """Logits in fp32: under bf16 autocast the forward pass runs in
    bfloat16 and the logits are cast back, as transferlab's logitsOf does."""
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
        logits = net(to_layout(xb, channels_last))
    return logits.float()


def train_step(net, opt, x, y, idx, bf16=False, channels_last=False):
    """One step on the images at idx, as the Go loop takes it: gather the
    batch, forward, cross entropy, backward, Adam, then read the loss and
    the number of hits."""
    xb, yb = x.index_select(0, idx), y.index_select(0, idx)
    opt.zero_grad()
    logits = forward(net, xb, bf16, channels_last)
    loss = F.cross_entropy(logits, yb)
    loss.backward()
    opt.step()
    return loss.item(), (logits.argmax(1) == yb).sum().item()


def layout(net, channels_last):
    return net.to(memory_format=torch.channels_last) if channels_last else net


def train_ips(net, batch, steps, classes=10, bf16=False, channels_last=False):
    net = layout(net, channels_last)
    x = torch.rand(4 * batch, 1, 28, 28)
    y = torch.randint(0, classes, (4 * batch,))
    opt = torch.optim.Adam([p for p in net.parameters() if p.requires_grad], lr=1e-3)

    def step(i):
        return train_step(net, opt, x, y, torch.arange(i % 4 * batch, (i % 4 + 1) * batch), bf16, channels_last)

    step(0)
    start = time.perf_counter()
    for i in range(steps):
        step(i)
    return steps * batch / (time.perf_counter() - start)


def eval_ips(net, steps, chunk=1024, bf16=False, channels_last=False):
    """No-grad evaluation of 1024 images per step, as one forward pass
    (chunk=1024, the seed's way) or in chunks as transferlab does. The
    warm-up is one chunk: the same shapes, so the same oneDNN kernels."""
    net = layout(net, channels_last)
    x = torch.rand(1024, 1, 28, 28)
    with torch.no_grad():
        forward(net, x[:chunk], bf16, channels_last)
        start = time.perf_counter()
        for _ in range(steps):
            for part in x.split(chunk):
                forward(net, part, bf16, channels_last).argmax(1)
    return steps * 1024 / (time.perf_counter() - start)


def mm_peak(dtype, seconds=2.0, n=2048):
    """GFLOP/s of the best of repeated n x n matrix products in dtype (at
    least two, and for about `seconds`): the machine's attainable
    compute roof on these threads. The best, not the mean, because a
    shared machine only ever slows a product down."""
    a, b = torch.rand(n, n).to(dtype), torch.rand(n, n).to(dtype)
    torch.mm(a, b)
    best, spent, reps = float("inf"), 0.0, 0
    while reps < 2 or spent < seconds:
        start = time.perf_counter()
        torch.mm(a, b)
        took = time.perf_counter() - start
        best, spent, reps = min(best, took), spent + took, reps + 1
    return 2 * n ** 3 / best / 1e9


def last_layer_ips(n=6500, batch=32):
    net = Network()
    net.fc3 = nn.Linear(84, 26)
    for name, p in net.named_parameters():
        p.requires_grad = name.startswith("fc3.")
    x = torch.rand(n, 1, 28, 28)
    y = torch.randint(0, 26, (n,))
    opt = torch.optim.Adam([p for p in net.parameters() if p.requires_grad], lr=1e-3)
    perm = torch.randperm(n)
    start = time.perf_counter()
    for lo in range(0, n, batch):
        train_step(net, opt, x, y, perm[lo:lo + batch])
    return n / (time.perf_counter() - start)


def main():
    if "--full" in sys.argv[1:]:
        import pipeline_reference
        return pipeline_reference.main([a for a in sys.argv[1:] if a != "--full"])
    flags = {a for a in sys.argv[1:] if a.startswith("--")}
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    threads = int(args[0])
    steps = int(args[1]) if len(args) > 1 else 20
    bf16_steps = int(args[2]) if len(args) > 2 else steps
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    eval_steps = max(3, steps // 4)
    out = {
        "threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "CNNTrainBatch128": train_ips(Network(), 128, steps),
        "CNNTrainBatch128CL": train_ips(Network(), 128, steps, channels_last=True),
        "CNNEvalBatch1024": eval_ips(Network(), eval_steps),
        "CNNEvalBatch1024Chunk128": eval_ips(Network(), eval_steps, chunk=128),
        "CNNEvalBatch1024Chunk128CL": eval_ips(Network(), eval_steps, chunk=128, channels_last=True),
        "FFNTrainBatch2048": train_ips(FFN(), 2048, max(5, steps // 2)),
        "LastLayerEpoch6500": last_layer_ips(),
    }
    if "--no-bf16" not in flags:
        for cl, suffix in ((False, "BF16"), (True, "BF16CL")):
            out["CNNTrainBatch128" + suffix] = train_ips(Network(), 128, bf16_steps, bf16=True, channels_last=cl)
            out["CNNEvalBatch1024Chunk128" + suffix] = eval_ips(Network(), bf16_steps, chunk=128, bf16=True,
                                                                 channels_last=cl)
    if "--peak" in flags:
        out["peak_gflops_fp32"] = mm_peak(torch.float32)
        out["peak_gflops_bf16"] = mm_peak(torch.bfloat16)
    out["maxrss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(out))


if __name__ == "__main__":
    main()
