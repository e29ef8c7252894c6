"""The layer zoo: every distinct conv layer of the networks miniconv is measured on.

Each layer is (name, dict(n, cin, cout, hw, k, stride, pad, groups)); ``LAYERS[net]`` lists a
network's distinct layers once each, in network order, with ``count`` = how many times the
network runs it (for weighting). Used by benchmarks/bench_layers.py (speed) and
tests/conv/test_conv_precision.py (error against float64).

  resnet18   CIFAR ResNet-18 (3x3 stem, 32x32 inputs), batch 64
  resnet50   ImageNet ResNet-50 (7x7 stride-2 stem, 1x1 bottlenecks), 224x224, batch 8
  vgg16      CIFAR VGG-16 (32x32), batch 64
  mobilenetv2 ImageNet MobileNetV2 (depthwise 3x3, pointwise 1x1), 224x224, batch 8
  readme     the README's MNIST CNN (cases a and b of bench_conv.py), batch 256
"""


def _layer(n, cin, cout, hw, k, stride=1, pad=None, groups=1, count=1):
    return {"n": n, "cin": cin, "cout": cout, "hw": (hw, hw), "k": (k, k), "stride": (stride, stride),
            "pad": (k // 2, k // 2) if pad is None else (pad, pad), "groups": groups, "count": count}


def _resnet18(n=64):
    L = [("stem 3x3 3-64 32", _layer(n, 3, 64, 32, 3))]
    L.append(("3x3 64-64 32", _layer(n, 64, 64, 32, 3, count=4)))
    for cin, cout, hw in ((64, 128, 32), (128, 256, 16), (256, 512, 8)):
        L.append((f"3x3/2 {cin}-{cout} {hw}", _layer(n, cin, cout, hw, 3, 2)))
        L.append((f"1x1/2 {cin}-{cout} {hw}", _layer(n, cin, cout, hw, 1, 2)))
        L.append((f"3x3 {cout}-{cout} {hw // 2}", _layer(n, cout, cout, hw // 2, 3, count=3)))
    return L


def _resnet50(n=8):
    L = [("stem 7x7/2 3-64 224", _layer(n, 3, 64, 224, 7, 2))]
    cin, hw = 64, 56
    for stage, (width, blocks) in enumerate(((64, 3), (128, 4), (256, 6), (512, 3))):
        out = width * 4
        s = 1 if stage == 0 else 2
        # first block: 1x1 cin->width, 3x3/s width, 1x1 width->out, shortcut 1x1/s cin->out
        L.append((f"1x1 {cin}-{width} {hw}", _layer(n, cin, width, hw, 1)))
        L.append((f"3x3/{s} {width}-{width} {hw}", _layer(n, width, width, hw, 3, s)))
        hw2 = hw // s
        L.append((f"1x1 {width}-{out} {hw2}", _layer(n, width, out, hw2, 1, count=blocks)))
        L.append((f"1x1/{s} {cin}-{out} {hw} (shortcut)", _layer(n, cin, out, hw, 1, s)))
        # other blocks: 1x1 out->width, 3x3 width, 1x1 width->out
        L.append((f"1x1 {out}-{width} {hw2}", _layer(n, out, width, hw2, 1, count=blocks - 1)))
        if s == 2 or stage == 0:
            L.append((f"3x3 {width}-{width} {hw2}", _layer(n, width, width, hw2, 3, count=blocks - 1)))
        cin, hw = out, hw2
    # stage 0's first 3x3 is stride 1 on 56x56, the same layer as its later blocks: merge
    seen, uniq = {}, []
    for name, d in L:
        key = tuple(sorted((k, v) for k, v in d.items() if k != "count"))
        if key in seen:
            seen[key]["count"] += d["count"]
        else:
            seen[key] = d
            uniq.append((name, d))
    return uniq


def _vgg16(n=64):
    L, cin, hw = [], 3, 32
    for cout, reps in ((64, 2), (128, 2), (256, 3), (512, 3), (512, 3)):
        L.append((f"3x3 {cin}-{cout} {hw}", _layer(n, cin, cout, hw, 3)))
        if reps > 1:
            L.append((f"3x3 {cout}-{cout} {hw}", _layer(n, cout, cout, hw, 3, count=reps - 1)))
        cin, hw = cout, hw // 2
    return L


def _mobilenetv2(n=8):
    L = [("stem 3x3/2 3-32 224", _layer(n, 3, 32, 224, 3, 2))]
    cin, hw = 32, 112
    # (expansion t, output channels c, repeats, first stride s), torchvision's table
    for t, c, reps, s in ((1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2),
                          (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)):
        for r in range(reps):
            stride = s if r == 0 else 1
            hidden = cin * t
            if t != 1:
                L.append((f"pw 1x1 {cin}-{hidden} {hw}", _layer(n, cin, hidden, hw, 1)))
            L.append((f"dw 3x3/{stride} {hidden} {hw}", _layer(n, hidden, hidden, hw, 3, stride, groups=hidden)))
            hw = hw // stride
            L.append((f"pw 1x1 {hidden}-{c} {hw}", _layer(n, hidden, c, hw, 1)))
            cin = c
    L.append((f"pw 1x1 {cin}-1280 {hw}", _layer(n, cin, 1280, hw, 1)))
    seen, uniq = {}, []
    for name, d in L:
        key = tuple(sorted((k, v) for k, v in d.items() if k != "count"))
        if key in seen:
            seen[key]["count"] += 1
        else:
            seen[key] = d
            uniq.append((name, d))
    return uniq


def _readme(n=256):
    return [("3x3 1-32 28 (a)", _layer(n, 1, 32, 28, 3)), ("3x3 32-64 14 (b)", _layer(n, 32, 64, 14, 3))]


LAYERS = {
    "resnet18": _resnet18(),
    "resnet50": _resnet50(),
    "vgg16": _vgg16(),
    "mobilenetv2": _mobilenetv2(),
    "readme": _readme(),
}


def out_hw(d):
    (h, w), (kh, kw), (sh, sw), (ph, pw) = d["hw"], d["k"], d["stride"], d["pad"]
    return (h + 2 * ph - kh) // sh + 1, (w + 2 * pw - kw) // sw + 1


def macs(d):
    """Multiply-adds of one forward pass."""
    ho, wo = out_hw(d)
    return d["n"] * d["cout"] * ho * wo * (d["cin"] // d["groups"]) * d["k"][0] * d["k"][1]


def with_batch(d, n):
    e = dict(d)
    e["n"] = n
    return e
