"""Plain-Python stand-ins for the torchtext pieces text tutorials import (torchtext is not installed and no
longer maintained): a small AG_NEWS-like corpus generated from a seed (label 1-4, one topic vocabulary per
label plus shared words), get_tokenizer("basic_english") (lower case, punctuation split off as torchtext
does), build_vocab_from_iterator (tokens ordered by frequency, then first appearance, specials first) and
to_map_style_dataset. No torch import here: the same file serves both runs."""
import random
import re
from collections import Counter

_TOPICS = {
    1: "war election minister treaty border capital leaders talks government",
    2: "match season coach goal league players win cup round",
    3: "shares market profit bank stocks oil prices company quarter",
    4: "software internet space computer research chips web phone science",
}
_SHARED = "the a of in to and on for with says new after over".split()


def AG_NEWS(split=("train", "test"), n_train=240, n_test=80, seed=0):  # noqa: N802  (torchtext's name)
    """A list of (label, text) per split, like torchtext's AG_NEWS iterators."""
    def make(n, rng):
        rows = []
        for _ in range(n):
            label = rng.randint(1, 4)
            words = [rng.choice(_TOPICS[label].split()) for _ in range(rng.randint(3, 9))]
            words += [rng.choice(_SHARED) for _ in range(rng.randint(2, 6))]
            rng.shuffle(words)
            rows.append((label, " ".join(words).capitalize() + rng.choice([".", "!", " (AP)", ", reuters."])))
        return rows
    rng = random.Random(seed)
    data = {"train": make(n_train, rng), "test": make(n_test, rng)}
    if isinstance(split, str):
        return data[split]
    return tuple(data[s] for s in split)


_PATTERNS = [(re.compile(p), r) for p, r in [
    (r"\'", " '  "), (r"\"", ""), (r"\.", " . "), (r"<br \/>", " "), (r",", " , "), (r"\(", " ( "),
    (r"\)", " ) "), (r"\!", " ! "), (r"\?", " ? "), (r"\;", " "), (r"\:", " "), (r"\s+", " ")]]


def get_tokenizer(name):
    if name != "basic_english":
        raise ValueError(name)

    def basic_english(line):
        line = line.lower()
        for pattern, repl in _PATTERNS:
            line = pattern.sub(repl, line)
        return line.split()
    return basic_english


class Vocab:
    def __init__(self, itos):
        self.itos = list(itos)
        self.stoi = {s: i for i, s in enumerate(self.itos)}
        self.default = None

    def set_default_index(self, index):
        self.default = index

    def __getitem__(self, token):
        return self.stoi.get(token, self.default)

    def __call__(self, tokens):
        return [self[t] for t in tokens]

    def __len__(self):
        return len(self.itos)


def build_vocab_from_iterator(iterator, specials=()):
    counts = Counter()
    for tokens in iterator:
        counts.update(tokens)
    ordered = sorted(counts, key=lambda t: -counts[t])  # stable: ties keep their first appearance
    return Vocab(list(specials) + [t for t in ordered if t not in specials])


def to_map_style_dataset(rows):
    return list(rows)
