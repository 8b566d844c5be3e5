"""The whole homework in PyTorch, the work `transferlab reproduce --retrain`
does, for bench/pipeline.sh: Q4, both pretrainings and the five transfers,
each stage timed from reading its data to saving its network. Run through
`reference.py --full` or directly:

  pipeline_reference.py [--threads N] [--precision fp32|bf16] [--quick]
                        [--target mnist|fashion|emnist-letters] [--data-dir DIR] [--out DIR]
                        [--pretrained DIR]

--pretrained DIR skips both pretrainings and starts the transfers from the
networks in DIR (mnist-cnn.pt and fashion-cnn.pt, transferlab's pretrained/
folder, TorchScript archives), as `transferlab reproduce` without --retrain
reuses them: Q4 and the transfers at full scale in under an hour here.

Prints one JSON object: seconds per stage and in all, and per stage the
seconds of its epochs, of their evaluation passes and of the final test
pass; per epoch a line on stderr.

What each stage does, as train/run.go, loop.go, evaluate.go and splits.go
do it: read the IDX files of its dataset (train and test, every stage
again), take the training images (the first N per class, then the first N
images), hold out 20% for validation where the recipe does (Q4), seed,
build the network (a transfer: the source's weights but the head), freeze
(last: every parameter but fc3's), Adam over the trainable ones; each epoch
a seeded shuffle, one step per batch (gather, forward, cross entropy,
backward, Adam, read the loss and hits), then a no-grad pass over the
validation split, or the test split where there is none, in chunks of 128
(2048 for the FFN); at the end a pass over the test split (where the
epochs evaluate on the test split, the last epoch's pass is that pass, as
transferlab takes it over: the same network on the same images) and the
network saved.

"last" runs the plain loop, the frozen backbone in every step, as the
seed's notebook does; transferlab computes the frozen features once.
Batches come in another (seeded) order than transferlab's, and the test
sample of --quick is another seeded sample of the same size: the same
amount of work, not the same numbers.
"""
import argparse
import gzip
import json
import math
import os
import resource
import struct
import sys
import tempfile
import time
from dataclasses import dataclass, replace

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from reference import FFN, Network, forward, train_step  # noqa: E402

EVAL_BATCH = 128  # train/evaluate.go EvalBatch (the CNN)
FFN_EVAL_BATCH = 2048  # and FFNEvalBatch

# transfer/reproduce.go's quickLimits.
QUICK_TRAIN_IMAGES = 2000
QUICK_PER_CLASS = 20
QUICK_TEST_IMAGES = 1000
QUICK_EPOCHS = 1
QUICK_FFN_EPOCHS = 3

# Dataset: folder and file prefix in the data dir, first label, classes,
# whether the files store images transposed (data/registry.go).
DATASETS = {
    "mnist": ("mnist", "", 0, 10, False),
    "fashion": ("fashion", "", 0, 10, False),
    "emnist-letters": ("emnist-letters", "emnist-letters-", 1, 26, True),
}


@dataclass(frozen=True)
class Recipe:
    """One stage, as transfer/recipe.go's registry has it."""
    name: str
    model: str
    dataset: str
    epochs: int
    batch: int
    lr: float
    val_fraction: float = 0.0
    per_class: int = 0
    limit: int = 0
    test_limit: int = 0
    source: str = ""
    layers: str = "all"


def recipes(target, quick, pretrain=True):
    """The stages of reproduce, in its order, shrunk as --quick shrinks them;
    without the pretrainings unless pretrain."""
    q4 = Recipe("overfit", "ffn", "mnist", 30, 2048, 0.006, val_fraction=0.2)
    pre = [Recipe("pretrain-" + ds, "cnn", ds, 20, 128, 1e-3) for ds in ("mnist", "fashion")]
    tr = [Recipe(f"transfer-{src}-{layers}", "cnn", target, 10, 32, 1e-3, per_class=250, source=src, layers=layers)
          for src, layers in (("none", "all"), ("mnist", "last"), ("mnist", "all"), ("fashion", "last"), ("fashion", "all"))]
    if quick:
        q4 = replace(q4, limit=QUICK_TRAIN_IMAGES, epochs=QUICK_FFN_EPOCHS)
        pre = [replace(r, limit=QUICK_TRAIN_IMAGES, epochs=QUICK_EPOCHS) for r in pre]
        tr = [replace(r, per_class=QUICK_PER_CLASS, epochs=QUICK_EPOCHS) for r in tr]
    return [replace(r, test_limit=QUICK_TEST_IMAGES if quick else 0) for r in [q4] + (pre if pretrain else []) + tr]


def read_idx(path):
    """An IDX file (gzip): its dimensions and its bytes."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    ndim = raw[3]
    dims = struct.unpack(">" + "I" * ndim, raw[4:4 + 4 * ndim])
    return dims, torch.frombuffer(bytearray(raw[4 + 4 * ndim:]), dtype=torch.uint8)


def load(data_dir, dataset, split):
    """A split's images (uint8, N x 1 x 28 x 28, upright) and labels (from 0)."""
    folder, prefix, base, classes, transposed = DATASETS[dataset]
    stem = split if prefix else {"train": "train", "test": "t10k"}[split]
    (n, rows, cols), x = read_idx(os.path.join(data_dir, folder, f"{prefix}{stem}-images-idx3-ubyte.gz"))
    _, y = read_idx(os.path.join(data_dir, folder, f"{prefix}{stem}-labels-idx1-ubyte.gz"))
    x = x.view(n, 1, rows, cols)
    if transposed:
        x = x.transpose(2, 3).contiguous()
    return x, y.long() - base, classes


def first_per_class(y, n, classes):
    taken, out = [0] * classes, []
    for i, label in enumerate(y.tolist()):
        if taken[label] < n:
            taken[label] += 1
            out.append(i)
    return torch.tensor(out)


def seeded_perm(n, seed, stream):
    return torch.randperm(n, generator=torch.Generator().manual_seed(seed * 1000 + stream))


def splits(r, data_dir, seed):
    """The stage's training, per-epoch evaluation and test tensors."""
    xtr, ytr, classes = load(data_dir, r.dataset, "train")
    xte, yte, _ = load(data_dir, r.dataset, "test")
    if r.per_class:
        keep = first_per_class(ytr, r.per_class, classes)
        xtr, ytr = xtr[keep], ytr[keep]
    if r.limit:
        xtr, ytr = xtr[:r.limit], ytr[:r.limit]
    if r.test_limit and r.test_limit < len(yte):
        keep = seeded_perm(len(yte), seed, 0)[:r.test_limit].sort().values
        xte, yte = xte[keep], yte[keep]
    train, test = (xtr.float().div(255), ytr), (xte.float().div(255), yte)
    ev = test
    if r.val_fraction:
        perm = seeded_perm(len(ytr), seed, 1)
        n_val = math.floor(len(ytr) * r.val_fraction + 0.5)  # Go's math.Round
        tr, va = perm[n_val:].sort().values, perm[:n_val].sort().values
        train, ev = (train[0][tr], ytr[tr]), (train[0][va], ytr[va])
    return train, ev, test, classes, "val" if r.val_fraction else "test"


def evaluate(net, x, y, bf16):
    """Mean loss and accuracy of a no-grad pass in chunks of EVAL_BATCH
    (FFN_EVAL_BATCH for the FFN), as transferlab's."""
    chunk = FFN_EVAL_BATCH if isinstance(net, FFN) else EVAL_BATCH
    loss_sum, hits = 0.0, 0
    with torch.no_grad():
        for lo in range(0, len(y), chunk):
            yb = y[lo:lo + chunk]
            logits = forward(net, x[lo:lo + chunk], bf16, False)
            loss_sum += F.cross_entropy(logits, yb).item() * len(yb)
            hits += (logits.argmax(1) == yb).sum().item()
    return loss_sum / len(y), 100.0 * hits / len(y)


def source_weights(source, out, pretrained):
    """The source network's state: pretrained/<source>-cnn.pt (TorchScript, as
    transferlab saves) with --pretrained, else this pipeline's pretraining."""
    if pretrained:
        return torch.jit.load(os.path.join(pretrained, f"{source}-cnn.pt")).state_dict()
    return torch.load(os.path.join(out, f"pretrain-{source}.pt"))


def network(r, classes, out, pretrained):
    net = FFN() if r.model == "ffn" else Network(classes)
    if r.source and r.source != "none":
        state = source_weights(r.source, out, pretrained)
        net.load_state_dict({k: v for k, v in state.items() if not k.startswith("fc3.")}, strict=False)
    if r.layers == "last":
        for name, p in net.named_parameters():
            p.requires_grad = name.startswith("fc3.")
    return net


def run_stage(r, data_dir, out, seed, bf16, pretrained):
    start = time.perf_counter()
    (x, y), (xe, ye), (xt, yt), classes, eval_name = splits(r, data_dir, seed)
    torch.manual_seed(seed)
    net = network(r, classes, out, pretrained)
    opt = torch.optim.Adam([p for p in net.parameters() if p.requires_grad], lr=r.lr)
    epoch_s = eval_s = 0.0
    for e in range(1, r.epochs + 1):
        t0 = time.perf_counter()
        perm = seeded_perm(len(y), seed, 100 + e)
        loss_sum, hits = 0.0, 0
        for lo in range(0, len(y), r.batch):
            idx = perm[lo:lo + r.batch]
            loss, h = train_step(net, opt, x, y, idx, bf16)
            loss_sum, hits = loss_sum + loss * len(idx), hits + h
        t1 = time.perf_counter()
        ev_loss, ev_acc = evaluate(net, xe, ye, bf16)
        t2 = time.perf_counter()
        epoch_s, eval_s = epoch_s + t2 - t0, eval_s + t2 - t1
        print(f"{r.name}: epoch {e}/{r.epochs} train loss {loss_sum / len(y):.4f} acc {100 * hits / len(y):.2f}%"
              f" {eval_name} loss {ev_loss:.4f} acc {ev_acc:.2f}% {t2 - t0:.1f}s", file=sys.stderr)
    t3 = time.perf_counter()
    test_acc = ev_acc if eval_name == "test" else evaluate(net, xt, yt, bf16)[1]
    test_s = time.perf_counter() - t3
    torch.save(net.state_dict(), os.path.join(out, r.name + ".pt"))
    return {
        "name": r.name, "dataset": r.dataset, "epochs": r.epochs, "train_n": len(y),
        "eval_split": eval_name, "eval_n": len(ye), "test_n": len(yt),
        "seconds": time.perf_counter() - start, "epoch_seconds": epoch_s,
        "epoch_eval_seconds": eval_s, "test_seconds": test_s,
        "train_acc": 100 * hits / len(y), "test_acc": test_acc,
    }


def default_data_dir():
    """transferlab's: $TRANSFERLAB_DATA, else transferlab/data in the user cache folder."""
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.environ.get("TRANSFERLAB_DATA") or os.path.join(cache, "transferlab", "data")


def main(argv):
    p = argparse.ArgumentParser(description="The whole homework pipeline in PyTorch (bench/pipeline.sh).")
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--precision", choices=("fp32", "bf16"), default="fp32")
    p.add_argument("--quick", action="store_true", help="the subsets and epochs of transferlab reproduce --quick")
    p.add_argument("--target", choices=sorted(DATASETS), default="mnist", help="the transfers' target")
    p.add_argument("--data-dir", default=default_data_dir())
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--out", help="folder for the networks (default: a temporary one, removed)")
    p.add_argument("--pretrained", help="start the transfers from DIR/mnist-cnn.pt and DIR/fashion-cnn.pt; skip the pretrainings")
    a = p.parse_args(argv)
    torch.set_num_threads(a.threads)
    with tempfile.TemporaryDirectory() as tmp:
        out = a.out or tmp
        os.makedirs(out, exist_ok=True)
        stages = [run_stage(r, a.data_dir, out, a.seed, a.precision == "bf16", a.pretrained)
                  for r in recipes(a.target, a.quick, pretrain=not a.pretrained)]
    print(json.dumps({
        "torch": torch.__version__, "threads": torch.get_num_threads(), "precision": a.precision,
        "quick": a.quick, "target": a.target, "pretrained": a.pretrained, "last": "plain loop (no feature cache)",
        "stages": stages, "seconds": sum(s["seconds"] for s in stages),
        "maxrss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))


if __name__ == "__main__":
    main(sys.argv[1:])
