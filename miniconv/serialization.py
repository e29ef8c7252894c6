"""save / load (filled in by the serialization work)."""


def save(obj, path):
    raise NotImplementedError("miniconv.save is not implemented yet")


def load(path):
    raise NotImplementedError("miniconv.load is not implemented yet")
