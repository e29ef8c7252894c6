"""``torch.hub`` for miniconv: ``load_state_dict_from_url`` / ``download_url_to_file`` (atomic,
SHA-256 prefix check), ``get_dir``/``set_dir``, and ``load``/``list``/``help`` of a ``hubconf.py``
(``source='local'``, or a GitHub repository fetched as a zip).

The cache is PyTorch's own (``$TORCH_HOME/hub``, default ``~/.cache/torch/hub``): weights a user
already downloaded with PyTorch load here without a second download (``miniconv.load`` reads
``torch.save`` files). Downloads need a network; with none, a cached file or a ``file://`` URL
works."""
import contextlib
import hashlib
import os
import re
import shutil
import sys
import uuid
import warnings
import zipfile
from urllib.parse import urlparse
from urllib.request import Request, urlopen

__all__ = ["download_url_to_file", "get_dir", "help", "list", "load", "load_state_dict_from_url", "set_dir"]

HASH_REGEX = re.compile(r"-([a-f0-9]*)\.")
MODULE_HUBCONF = "hubconf.py"
VAR_DEPENDENCY = "dependencies"
READ_DATA_CHUNK = 128 * 1024
_hub_dir = None


def _get_torch_home():
    return os.path.expanduser(os.getenv("TORCH_HOME", os.path.join(os.getenv("XDG_CACHE_HOME", "~/.cache"),
                                                                    "torch")))


def get_dir():
    """The hub cache directory: set_dir's, else ``$TORCH_HOME/hub`` (``~/.cache/torch/hub``)."""
    if os.getenv("TORCH_HUB"):
        warnings.warn("TORCH_HUB is deprecated, please use env TORCH_HOME instead", stacklevel=2)
    if _hub_dir is not None:
        return _hub_dir
    return os.path.join(_get_torch_home(), "hub")


def set_dir(d):
    """Use ``d`` as the hub cache directory."""
    global _hub_dir
    _hub_dir = os.path.expanduser(d)


def download_url_to_file(url, dst, hash_prefix=None, progress=True):
    """Download ``url`` to ``dst`` through a temporary file renamed into place when complete (a
    failed download never leaves a partial ``dst``); with ``hash_prefix``, the file's SHA-256 must
    start with it (RuntimeError otherwise, and nothing is written)."""
    dst = os.path.expanduser(dst)
    tmp_dst = dst + "." + uuid.uuid4().hex + ".partial"
    f = open(tmp_dst, "w+b")  # noqa: SIM115  (closed below, on every path)
    req = Request(url, headers={"User-Agent": "torch.hub"})
    try:
        with urlopen(req) as u:
            length = u.info().get_all("Content-Length")
            total = int(length[0]) if length else None
            sha256 = hashlib.sha256() if hash_prefix is not None else None
            bar = _progress(total) if progress else None
            try:
                while True:
                    buffer = u.read(READ_DATA_CHUNK)
                    if len(buffer) == 0:
                        break
                    f.write(buffer)
                    if sha256 is not None:
                        sha256.update(buffer)
                    if bar is not None:
                        bar.update(len(buffer))
            finally:
                if bar is not None:
                    bar.close()
            f.close()
            if sha256 is not None:
                digest = sha256.hexdigest()
                if digest[:len(hash_prefix)] != hash_prefix:
                    raise RuntimeError(f'invalid hash value (expected "{hash_prefix}", got "{digest}")')
        shutil.move(f.name, dst)
    finally:
        f.close()
        if os.path.exists(f.name):
            os.remove(f.name)


def _progress(total):
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm(total=total, unit="B", unit_scale=True, unit_divisor=1024)


def _is_legacy_zip_format(filename):
    if zipfile.is_zipfile(filename):
        infolist = zipfile.ZipFile(filename).infolist()
        return len(infolist) == 1 and not infolist[0].is_dir()
    return False


def _legacy_zip_load(filename, model_dir, map_location, weights_only):
    from .io.checkpoint import load as _load
    with zipfile.ZipFile(filename) as f:
        members = f.infolist()
        if len(members) != 1:
            raise RuntimeError("Only one file(not dir) is allowed in the zipfile")
        f.extractall(model_dir)
        extracted_name = members[0].filename
        extracted_file = os.path.join(model_dir, extracted_name)
    return _load(extracted_file, map_location=map_location, weights_only=weights_only)


def load_state_dict_from_url(url, model_dir=None, map_location=None, progress=True, check_hash=False,
                             file_name=None, weights_only=False):
    """The object saved at ``url`` (a ``torch.save``/``miniconv.save`` file), downloaded once into
    ``model_dir`` (default ``<hub_dir>/checkpoints``) and read from there afterwards."""
    from .io.checkpoint import load as _load
    if os.getenv("TORCH_MODEL_ZOO"):
        warnings.warn("TORCH_MODEL_ZOO is deprecated, please use env TORCH_HOME instead", stacklevel=2)
    if model_dir is None:
        model_dir = os.path.join(get_dir(), "checkpoints")
    os.makedirs(model_dir, exist_ok=True)
    filename = file_name if file_name is not None else os.path.basename(urlparse(url).path)
    cached_file = os.path.join(model_dir, filename)
    if not os.path.exists(cached_file):
        sys.stdout.write(f'Downloading: "{url}" to {cached_file}\n')
        hash_prefix = None
        if check_hash:
            r = HASH_REGEX.search(filename)
            hash_prefix = r.group(1) if r else None
        download_url_to_file(url, cached_file, hash_prefix, progress=progress)
    if _is_legacy_zip_format(cached_file):
        return _legacy_zip_load(cached_file, model_dir, map_location, weights_only)
    return _load(cached_file, map_location=map_location, weights_only=weights_only)


# -- hubconf entry points -------------------------------------------------------------------------
@contextlib.contextmanager
def _add_to_sys_path(path):
    sys.path.insert(0, path)
    try:
        yield
    finally:
        sys.path.remove(path)


def _import_hubconf(hubconf_dir):
    import importlib.util
    path = os.path.join(hubconf_dir, MODULE_HUBCONF)
    spec = importlib.util.spec_from_file_location(MODULE_HUBCONF, path)
    if spec is None:
        raise AssertionError(f"failed to load spec from {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _check_dependencies(m):
    import importlib.util
    deps = getattr(m, VAR_DEPENDENCY, None)
    if deps is not None:
        missing = [pkg for pkg in deps if importlib.util.find_spec(pkg) is None]
        if missing:
            raise RuntimeError(f"Missing dependencies: {', '.join(missing)}")


def _entry(m, model):
    if not isinstance(model, str):
        raise ValueError("Invalid input: model should be a string of function name")  # noqa: TRY004  (PyTorch raises ValueError)
    _check_dependencies(m)
    func = getattr(m, model, None) if model in dir(m) else None
    if func is None or not callable(func):
        raise RuntimeError(f"Cannot find callable {model} in hubconf")
    return func


def _parse_repo_info(github):
    repo_info, ref = github.split(":") if ":" in github else (github, None)
    owner, name = repo_info.split("/")
    return owner, name, ref or "main"


def _get_cache_or_reload(github, force_reload, verbose=True):
    """The directory of ``owner/repo[:ref]`` in the hub cache, downloaded as a zip when missing."""
    hub_dir = get_dir()
    os.makedirs(hub_dir, exist_ok=True)
    owner, name, ref = _parse_repo_info(github)
    normalized_br = ref.replace("/", "_")
    repo_dir = os.path.join(hub_dir, f"{owner}_{name}_{normalized_br}")
    if os.path.exists(repo_dir) and not force_reload:
        if verbose:
            sys.stderr.write(f"Using cache found in {repo_dir}\n")
        return repo_dir
    cached_file = os.path.join(hub_dir, normalized_br + ".zip")
    url = f"https://github.com/{owner}/{name}/zipball/{ref}"
    sys.stderr.write(f'Downloading: "{url}" to {cached_file}\n')
    download_url_to_file(url, cached_file, progress=False)
    try:
        with zipfile.ZipFile(cached_file) as z:
            top = z.infolist()[0].filename
            root = os.path.realpath(hub_dir)
            for member in z.namelist():   # no member may leave the hub directory
                if not os.path.realpath(os.path.join(hub_dir, member)).startswith(root + os.sep):
                    raise ValueError(f"{member!r} would be extracted outside {hub_dir!r}")
            extracted = os.path.join(hub_dir, top)
            if os.path.exists(extracted):
                shutil.rmtree(extracted)
            z.extractall(hub_dir)
        if os.path.exists(repo_dir):
            shutil.rmtree(repo_dir)
        shutil.move(extracted, repo_dir)
    finally:
        if os.path.exists(cached_file):
            os.remove(cached_file)
    return repo_dir


def _repo_dir(repo_or_dir, source, force_reload, verbose):
    source = source.lower()
    if source not in ("github", "local"):
        raise ValueError(f'Unknown source: "{source}". Allowed values: "github" | "local".')
    if source == "github":
        return _get_cache_or_reload(repo_or_dir, force_reload, verbose)
    return repo_or_dir


def list(github, force_reload=False, skip_validation=False, trust_repo=None, verbose=True):
    """The entry points (callables not starting with '_') of the repository's hubconf.py."""
    source = "local" if os.path.isdir(github) else "github"
    repo_dir = _repo_dir(github, source, force_reload, verbose)
    with _add_to_sys_path(repo_dir):
        hub_module = _import_hubconf(repo_dir)
    return [f for f in dir(hub_module) if callable(getattr(hub_module, f)) and not f.startswith("_")]


def help(github, model, force_reload=False, skip_validation=False, trust_repo=None):
    """The docstring of entry point ``model``."""
    source = "local" if os.path.isdir(github) else "github"
    repo_dir = _repo_dir(github, source, force_reload, True)
    with _add_to_sys_path(repo_dir):
        hub_module = _import_hubconf(repo_dir)
    return _entry(hub_module, model).__doc__


def load(repo_or_dir, model, *args, source="github", trust_repo=None, force_reload=False, verbose=True,
         skip_validation=False, **kwargs):
    """``model(*args, **kwargs)`` from the hubconf.py of a local directory (``source='local'``) or a
    GitHub repository ``owner/repo[:ref]`` (downloaded into the hub cache)."""
    repo_dir = _repo_dir(repo_or_dir, source, force_reload, verbose)
    with _add_to_sys_path(repo_dir):
        hub_module = _import_hubconf(repo_dir)
        entry = _entry(hub_module, model)
        return entry(*args, **kwargs)


