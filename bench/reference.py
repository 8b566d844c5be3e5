"""PyTorch reference for bench/run.sh: the seed's own stack (Debian's
python3-torch on the same libtorch) measured on the same workloads as the Go
benchmarks in transfer/bench_test.go: random images, same networks, batch
sizes and thread count. Prints one JSON object of images per second and RSS.
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
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "transfer", "testdata"))
from interop import Network  # noqa: E402


class FFN(nn.Module):
    """The Q4 net, with raw logits."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 4096)
        self.fc2 = nn.Linear(4096, 10)

    def forward(self, x):
        return self.fc2(F.relu(self.fc1(torch.flatten(x, 1))))


def train_step(net, opt, x, y, idx):
    """One step on the images at idx, as the Go loop takes it: gather the
    batch, forward, cross entropy, backward, Adam, then read the loss and
    the number of hits."""
    xb, yb = x.index_select(0, idx), y.index_select(0, idx)
    opt.zero_grad()
    logits = net(xb)
    loss = F.cross_entropy(logits, yb)
    loss.backward()
    opt.step()
    return loss.item(), (logits.argmax(1) == yb).sum().item()


def train_ips(net, batch, steps, classes=10):
    x = torch.rand(4 * batch, 1, 28, 28)
    y = torch.randint(0, classes, (4 * batch,))
    opt = torch.optim.Adam([p for p in net.parameters() if p.requires_grad], lr=1e-3)

    def step(i):
        return train_step(net, opt, x, y, torch.arange(i % 4 * batch, (i % 4 + 1) * batch))

    step(0)
    start = time.perf_counter()
    for i in range(steps):
        step(i)
    return steps * batch / (time.perf_counter() - start)


def eval_ips(net, steps, chunk=1024):
    """No-grad evaluation of 1024 images per step, as one forward pass
    (chunk=1024, the seed's way) or in chunks as transferlab does."""
    x = torch.rand(1024, 1, 28, 28)
    with torch.no_grad():
        net(x)
        start = time.perf_counter()
        for _ in range(steps):
            for part in x.split(chunk):
                net(part).argmax(1)
    return steps * 1024 / (time.perf_counter() - start)


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
    threads = int(sys.argv[1])
    steps = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    out = {
        "threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "CNNTrainBatch128": train_ips(Network(), 128, steps),
        "CNNEvalBatch1024": eval_ips(Network(), max(3, steps // 4)),
        "CNNEvalBatch1024Chunk128": eval_ips(Network(), max(3, steps // 4), chunk=128),
        "FFNTrainBatch2048": train_ips(FFN(), 2048, max(5, steps // 2)),
        "LastLayerEpoch6500": last_layer_ips(),
        "maxrss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
