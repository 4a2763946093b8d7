"""micrograd's moons demo (its demo.ipynb) with the import swapped to tapegrad.

    python python/examples/moons.py                 # 100 steps on tapegrad
    python python/examples/moons.py --compare 5     # and 5 steps on micrograd, timed side by side

The training code below is micrograd's, unchanged: MLP(2, [16, 16, 1]), SVM "max-margin" loss,
L2 regularization, SGD on p.data. Only the data comes from tapegrad.make_moons instead of
scikit-learn (same construction, another random generator).
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

import tapegrad


def train(Value, MLP, X, y, steps, log=print):
    """micrograd's training loop; returns the per-step loss, accuracy and seconds."""
    random.seed(1337)
    model = MLP(2, [16, 16, 1])  # 2-layer neural network

    def loss(batch_size=None):
        # inline DataLoader :)
        Xb, yb = X, y
        inputs = [list(map(Value, xrow)) for xrow in Xb]

        # forward the model to get scores
        scores = list(map(model, inputs))

        # svm "max-margin" loss
        losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(yb, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        # L2 regularization
        alpha = 1e-4
        reg_loss = alpha * sum((p * p for p in model.parameters()))
        total_loss = data_loss + reg_loss

        # also get accuracy
        accuracy = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(yb, scores)]
        return total_loss, sum(accuracy) / len(accuracy)

    history = []
    for k in range(steps):
        start = time.perf_counter()
        # forward
        total_loss, acc = loss()

        # backward
        model.zero_grad()
        total_loss.backward()

        # update (sgd)
        learning_rate = 1.0 - 0.9 * k / 100
        for p in model.parameters():
            p.data -= learning_rate * p.grad
        seconds = time.perf_counter() - start
        history.append((total_loss.data, acc, seconds))
        if log:
            log(f"step {k} loss {total_loss.data}, accuracy {acc*100}%")
    return history


def moons():
    X, y = tapegrad.make_moons(n_samples=100, noise=0.1, seed=1337)
    return X, [yi * 2 - 1 for yi in y]  # make y be -1 or 1


def summary(name, history):
    times = [s for _, _, s in history]
    med = statistics.median(times)
    print(
        f"{name}: {len(times)} steps, per step median {med*1e3:.3f} ms "
        f"(range {min(times)*1e3:.3f}-{max(times)*1e3:.3f} ms)"
    )
    return med


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steps", type=int, default=100, help="training steps on tapegrad")
    ap.add_argument("--compare", type=int, default=0, metavar="N",
                    help="also run N steps on micrograd (pip install micrograd) and compare")
    ap.add_argument("--quiet", action="store_true", help="print only the summary")
    args = ap.parse_args()
    X, y = moons()
    log = None if args.quiet else print
    from tapegrad import Value
    from tapegrad.nn import MLP
    ours = train(Value, MLP, X, y, args.steps, log)
    fast = summary("tapegrad", ours)
    if args.compare:
        from micrograd.engine import Value as MValue
        from micrograd.nn import MLP as MMLP
        theirs = train(MValue, MMLP, X, y, args.compare, log)
        slow = summary("micrograd", theirs)
        n = min(len(ours), len(theirs))
        worst = max(abs(a[0] - b[0]) / abs(b[0]) for a, b in zip(ours[:n], theirs[:n]))
        print(f"speed-up per step (medians): {slow / fast:.0f}x; "
              f"largest relative loss difference over {n} steps: {worst:.1e}")


if __name__ == "__main__":
    main()
