"""Print (or write) an example's source with each miniconv import replaced by the PyTorch line in
its ``# PyTorch: ...`` comment — the only change needed to run the same script under PyTorch.

    python examples/swap_to_torch.py examples/train_mnist.py > /tmp/train_mnist_torch.py
    PYTHONPATH=examples python /tmp/train_mnist_torch.py --data ../shared/mnist

(train_mnist.py imports mnist_support.py from its own folder, which works with either library.)
"""
import re
import sys

MARK = re.compile(r"^(?P<indent>\s*)(?P<code>(import|from)\s.*?)\s*#\s*PyTorch:\s*(?P<torch>.+?)\s*$")


def to_torch(source):
    """Return ``source`` with every marked import line swapped to its PyTorch form."""
    out, swapped = [], 0
    for line in source.splitlines(keepends=True):
        m = MARK.match(line)
        if m:
            out.append(f"{m.group('indent')}{m.group('torch')}\n")
            swapped += 1
        else:
            out.append(line)
    if swapped == 0:
        raise ValueError("no '# PyTorch: ...' import lines found")
    return "".join(out)


if __name__ == "__main__":
    with open(sys.argv[1]) as f:
        text = to_torch(f.read())
    if len(sys.argv) > 2:
        with open(sys.argv[2], "w") as f:
            f.write(text)
    else:
        sys.stdout.write(text)
