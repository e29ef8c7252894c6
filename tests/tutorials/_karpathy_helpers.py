"""Plain-Python stand-ins for the data files of Karpathy's "Neural Networks: Zero to Hero" lectures (no torch
import here, so the same file serves both runs): names.txt (32k names) becomes a few hundred name-like words
drawn from syllables with a fixed seed, input.txt (tiny Shakespeare) a short generated verse text; both are
written to a temporary file so the scripts read them with open() as the originals do."""
import contextlib
import os
import random
import tempfile

_ONSETS = "b br c ch d el em g h j k l m n r s sh t v z".split()
_VOWELS = "a e i o u y ia ie".split()
_CODAS = ["", "", "n", "l", "s", "h", "r", "th", "x"]


def names(n=400, seed=0):
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        w = "".join(rng.choice(_ONSETS) + rng.choice(_VOWELS) for _ in range(rng.randint(1, 3)))
        out.append(w + rng.choice(_CODAS))
    return out


_WORDS = ("thou art the king and i thy humble servant my lord what say you now shall we go to the field "
          "where all the roses bloom o speak again bright angel for thou art as glorious to this night").split()


def verse(n_lines=120, seed=0):
    rng = random.Random(seed)
    lines = []
    for i in range(n_lines):
        if i % 6 == 0:
            lines.append(rng.choice(["FIRST CITIZEN:", "ROMEO:", "JULIET:", "KING RICHARD:"]))
        words = [rng.choice(_WORDS) for _ in range(rng.randint(4, 9))]
        lines.append(" ".join(words).capitalize() + rng.choice([",", ".", ";", "!", "?"]))
    return "\n".join(lines) + "\n"


@contextlib.contextmanager
def text_file(name, text):
    """The path of ``name`` holding ``text`` in a temporary directory removed on exit."""
    with tempfile.TemporaryDirectory(prefix="karpathy_") as tmp:
        path = os.path.join(tmp, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        yield path


def vocabulary(words):
    """makemore's stoi/itos: '.' is 0, the letters in sorted order from 1."""
    chars = sorted(list(set(''.join(words))))
    stoi = {s: i + 1 for i, s in enumerate(chars)}
    stoi['.'] = 0
    itos = {i: s for s, i in stoi.items()}
    return stoi, itos


def context_lists(words, block_size, stoi):
    """makemore's build_dataset loop: every (context of block_size indices, next index) pair, as lists."""
    X, Y = [], []
    for w in words:
        context = [0] * block_size
        for ch in w + '.':
            ix = stoi[ch]
            X.append(context)
            Y.append(ix)
            context = context[1:] + [ix]  # crop and append
    return X, Y
