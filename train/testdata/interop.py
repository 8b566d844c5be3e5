"""PyTorch side of transferlab's interop test (run by Debian's python3-torch).

  interop.py eval CKPT IMAGES LABELS   load a transferlab checkpoint into the
                                        seed's Network (strict) and evaluate
  interop.py save OUT IMAGES LABELS    torch.save a fresh Network's state_dict
                                        and evaluate it

IMAGES holds N*28*28 raw bytes, LABELS N raw bytes. Prints JSON with the
accuracy (percent), every prediction and the logits.
"""
import json
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F


class Network(nn.Module):
    """The seed's Q5 CNN, as the homework defines it."""

    def __init__(self, classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 10, 3, padding=1)
        self.conv2 = nn.Conv2d(10, 150, 3, padding=1)
        self.conv3 = nn.Conv2d(150, 300, 3, padding=1)
        self.conv4 = nn.Conv2d(300, 300, 3, padding=1)
        self.conv5 = nn.Conv2d(300, 150, 3, padding=1)
        self.fc1 = nn.Linear(150 * 7 * 7, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, classes)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = F.relu(self.conv3(x))
        x = F.relu(self.conv4(x))
        x = F.relu(self.conv5(x))
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


def load(images, labels):
    y = torch.frombuffer(bytearray(open(labels, "rb").read()), dtype=torch.uint8).long()
    x = torch.frombuffer(bytearray(open(images, "rb").read()), dtype=torch.uint8)
    return x.float().div(255).view(len(y), 1, 28, 28), y


def evaluate(net, x, y):
    net.eval()
    with torch.no_grad():
        logits = net(x)
    pred = logits.argmax(1)
    return {
        "accuracy": 100.0 * (pred == y).sum().item() / len(y),
        "pred": pred.tolist(),
        "logits": logits.flatten().tolist(),
    }


def main():
    torch.set_num_threads(1)
    mode, path, images, labels = sys.argv[1:5]
    x, y = load(images, labels)
    net = Network()
    if mode == "eval":
        net.load_state_dict(torch.jit.load(path).state_dict(), strict=True)
    elif mode == "odd":
        # torch.save files transferlab must refuse with an error, not a crash.
        torch.save({"conv1.weight": [1, 2, 3], "note": "not tensors"}, path + ".dict.pt")
        torch.save(nn.Linear(2, 2), path + ".module.pt")
        torch.save({"conv1.weight": torch.zeros(3, 3)}, path + ".shape.pt")
        print(json.dumps({"accuracy": 0, "pred": [], "logits": []}))
        return
    elif mode == "save":
        torch.manual_seed(0)
        net = Network()
        torch.save(net.state_dict(), path)
    else:
        sys.exit("unknown mode " + mode)
    print(json.dumps(evaluate(net, x, y)))


if __name__ == "__main__":
    main()
