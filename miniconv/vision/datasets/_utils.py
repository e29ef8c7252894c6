"""Downloads and archives for the datasets: files are fetched by ``miniconv.data``'s verified, atomic
``_download`` (one implementation for every dataset); archives are unpacked into a temporary folder
beside the target and renamed into place, refusing members that would land outside it."""
import hashlib
import os
import shutil
import tarfile
import tempfile
import zipfile

from ...data.datasets.mnist import CorruptDataError, _download

__all__ = ["check_integrity", "download_url", "download_and_extract_archive", "CorruptDataError"]


def file_digest(path, algorithm="md5"):
    h = hashlib.new(algorithm)
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def check_integrity(path, md5=None):
    """True if ``path`` is a file and (when ``md5`` is given) its MD5 is ``md5``."""
    if not os.path.isfile(path):
        return False
    return md5 is None or file_digest(path, "md5" if len(md5) == 32 else "sha256") == md5


def download_url(urls, root, filename, md5):
    """Download ``filename`` into ``root`` from the first of ``urls`` that serves it with checksum ``md5``."""
    os.makedirs(root, exist_ok=True)
    dest = os.path.join(root, filename)
    if check_integrity(dest, md5):
        return dest
    errors = []
    for url in [urls] if isinstance(urls, str) else urls:
        try:
            _download(url, dest, md5)
            return dest
        except (OSError, ValueError) as e:  # URLError/HTTPError are OSErrors
            errors.append(f"  {url}: {e}")
    raise RuntimeError(f"Error downloading {filename}; tried:\n" + "\n".join(errors))


def _safe_members(names, where):
    for name in names:
        norm = os.path.normpath(name)
        if os.path.isabs(name) or norm == ".." or norm.startswith(".." + os.sep):
            raise CorruptDataError(f"{where}: archive member {name!r} points outside the target folder, refused")


def extract_archive(archive, dest_root):
    """Unpack a .tar(.gz) or .zip into ``dest_root``: into a temporary folder first, then each top-level
    entry is renamed into place (an interrupted extraction leaves no half-written dataset folder)."""
    os.makedirs(dest_root, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=".extract-", dir=dest_root)
    try:
        if zipfile.is_zipfile(archive):
            with zipfile.ZipFile(archive) as z:
                _safe_members(z.namelist(), archive)
                z.extractall(tmp)
        else:
            with tarfile.open(archive) as t:
                members = [m for m in t.getmembers() if m.isfile() or m.isdir()]
                _safe_members([m.name for m in members], archive)
                t.extractall(tmp, members=members, **({"filter": "data"} if hasattr(tarfile, "data_filter") else {}))
        for entry in os.listdir(tmp):
            target = os.path.join(dest_root, entry)
            if os.path.isdir(target):
                shutil.rmtree(target)
            os.replace(os.path.join(tmp, entry), target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def download_and_extract_archive(urls, root, filename, md5):
    extract_archive(download_url(urls, root, filename, md5), root)
