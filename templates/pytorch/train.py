"""Trains the {{ slipway.name }} classifier and writes model/weights.pt and model/config.json.

    python3 train.py [--epochs 300] [--learning-rate 0.05] [--seed 0]

Full-batch Adam on the cross-entropy; a few seconds on a CPU, less on a GPU. Seeded, so the same data
and settings give the same model on the same device.
"""

import argparse
import json
import os
import sys

sys.dont_write_bytecode = True  # keep the project free of __pycache__: it is also the artifact's source

from model import CLASSES, FEATURES, HIDDEN, build, device, features, read_examples  # noqa: E402

import torch  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", default=os.path.join(HERE, "data", "train.csv"))
    parser.add_argument("--out", default=os.path.join(HERE, "model"))
    parser.add_argument("--epochs", type=int, default=300)
    parser.add_argument("--learning-rate", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    torch.manual_seed(args.seed)
    on = device()
    rows = read_examples(args.train)
    inputs = features(rows, on)
    targets = torch.tensor([CLASSES.index(row["label"]) for row in rows], device=on)
    network = build().to(on)
    optimiser = torch.optim.Adam(network.parameters(), lr=args.learning_rate)
    loss_fn = torch.nn.CrossEntropyLoss()
    for _ in range(args.epochs):
        optimiser.zero_grad()
        loss = loss_fn(network(inputs), targets)
        loss.backward()
        optimiser.step()
    with torch.no_grad():
        accuracy = (network(inputs).argmax(dim=1) == targets).float().mean().item()

    os.makedirs(args.out, exist_ok=True)
    torch.save({k: v.cpu() for k, v in network.state_dict().items()}, os.path.join(args.out, "weights.pt"))
    config = {
        "format": "slipway-template/pytorch-mlp@1",
        "classes": list(CLASSES),
        "features": list(FEATURES),
        "hidden": HIDDEN,
        "epochs": args.epochs,
        "learning_rate": args.learning_rate,
        "seed": args.seed,
    }
    with open(os.path.join(args.out, "config.json"), "w", encoding="utf-8") as handle:
        json.dump(config, handle, indent=2)
        handle.write("\n")
    print(f"trained on {len(rows)} examples on {on}: loss {loss.item():.4f}, training accuracy {accuracy:.3f}")


if __name__ == "__main__":
    main()
