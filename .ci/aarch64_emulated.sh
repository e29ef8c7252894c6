#!/usr/bin/env bash
# The whole package on an emulated aarch64: Debian's arm64 Python 3.11, NumPy, SciPy and pytest
# unpacked into a private sysroot (apt with its own state directory: the machine's dpkg and apt
# settings are not touched), miniconv's extensions cross-compiled for aarch64 from the
# Cython-generated C, and the conv kernel tests that run the NEON table through the Cython
# drivers (every 'neon' case of tests/conv/test_conv_isa.py, the max-pool kernel) run by that
# Python under qemu-aarch64. Not part of .ci/run (it downloads ~45 MB of packages and takes
# ~10 min of CPU); run it by hand:
#
#   bash .ci/aarch64_emulated.sh [work dir, default /tmp/miniconv-aarch64] [pytest arguments...]
#
# Needs: aarch64-linux-gnu-gcc, qemu-aarch64, apt-get and dpkg (Debian 12 or similar), and a
# Python with Cython and threadpoolctl >= 3.8 on the PATH (Debian 12's python3-threadpoolctl,
# 3.1, lacks what miniconv._config uses, so the host's pure-Python module is put first).
set -euo pipefail
cd "$(dirname "$0")/.."
work="${1:-/tmp/miniconv-aarch64}"
shift || true
pytest_args=("$@")
if [ ${#pytest_args[@]} -eq 0 ]; then
  pytest_args=(tests/conv/test_conv_isa.py tests/kernels/test_pool_norm_kernels.py -k "neon or int16_kernel")
fi
for tool in aarch64-linux-gnu-gcc qemu-aarch64 apt-get dpkg; do
  command -v "$tool" >/dev/null || { echo "aarch64 emulated run skipped: $tool not available"; exit 0; }
done
root="$work/sysroot"
apt_dir="$work/apt"
mkdir -p "$apt_dir"/{state/lists/partial,cache/archives/partial,sources.list.d,preferences.d,debs} "$root" "$work/extra"
touch "$apt_dir/state/status"
cp /etc/apt/sources.list.d/*.sources "$apt_dir/sources.list.d/" 2>/dev/null || true
[ -f /etc/apt/sources.list ] && cp /etc/apt/sources.list "$apt_dir/sources.list.d/main.list"
cat > "$apt_dir/apt.conf" <<EOF
Dir::State "$apt_dir/state";
Dir::State::status "$apt_dir/state/status";
Dir::Cache "$apt_dir/cache";
Dir::Etc::SourceList "/dev/null";
Dir::Etc::SourceParts "$apt_dir/sources.list.d";
Dir::Etc::Preferences "/dev/null";
Dir::Etc::PreferencesParts "$apt_dir/preferences.d";
APT::Architecture "arm64";
APT::Architectures { "arm64"; };
EOF
export APT_CONFIG="$apt_dir/apt.conf"
if [ ! -x "$root/usr/bin/python3.11" ]; then
  timeout 600 apt-get update -qq
  (cd "$apt_dir/debs" && timeout 900 apt-get download -qq \
    libc6 libgcc-s1 libstdc++6 libgomp1 libgfortran5 libopenblas0-pthread libblas3 liblapack3 \
    liblbfgsb0 libexpat1 zlib1g libbz2-1.0 liblzma5 libffi8 libssl3 libsqlite3-0 libuuid1 \
    libncursesw6 libtinfo6 libreadline8 libcrypt1 libdb5.3 libnsl2 libtirpc3 libzstd1 libmd0 \
    libcom-err2 libgssapi-krb5-2 libkrb5-3 libk5crypto3 libkrb5support0 libkeyutils1 \
    libpython3.11-minimal libpython3.11-stdlib python3.11-minimal libpython3.11-dev \
    python3-numpy python3-scipy python3-pytest python3-pluggy python3-iniconfig python3-packaging \
    python3-py python3-attr python3-more-itertools python3-hypothesis python3-sortedcontainers \
    2>&1 | grep -v unsandboxed || true)
  for deb in "$apt_dir"/debs/*.deb; do dpkg -x "$deb" "$root"; done
  # the links Debian's update-alternatives would make
  lib="$root/usr/lib/aarch64-linux-gnu"
  for so in libblas.so.3 liblapack.so.3 libopenblas.so.0; do ln -sf "openblas-pthread/$so" "$lib/$so"; done
fi
python -c "import threadpoolctl, shutil, sys; shutil.copy(threadpoolctl.__file__, sys.argv[1])" "$work/extra"

# a copy of the tree with the Cython-generated C, cross-compiled as setup.py builds it. The C is
# made with the host's Cython and NumPy .pxd (NumPy 2) and compiled against Debian's NumPy 1.24
# headers: NumPy 2 helpers that miniconv does not call warn as implicit declarations. A real
# aarch64 build uses one NumPy throughout.
tree="$work/tree"
rm -rf "$tree" && mkdir -p "$tree"
git ls-files -z --cached --others --exclude-standard | xargs -0 cp --parents -t "$tree"
inc=(-I"$root/usr/include" -I"$root/usr/include/python3.11"
     -I"$root/usr/lib/python3/dist-packages/numpy/core/include" -I"$tree/miniconv"
     -DNPY_NO_DEPRECATED_API=NPY_1_7_API_VERSION)
for mod in _alloc _kernels _mt19937; do
  # setup.py's compiler directives (release build); _mt19937 without FP contraction, as setup.py builds it
  extra=()
  [ "$mod" = _mt19937 ] && extra=(-ffp-contract=off)
  python -m cython -3 -X boundscheck=False -X wraparound=False -X cdivision=True \
    -X initializedcheck=False -X nonecheck=False -X embedsignature=True \
    -I "$tree/miniconv" "$tree/miniconv/$mod.pyx" -o "$tree/miniconv/$mod.c"
  aarch64-linux-gnu-gcc -O3 -fopenmp -fPIC -shared -fwrapv "${extra[@]}" "${inc[@]}" "$tree/miniconv/$mod.c" \
    -o "$tree/miniconv/$mod.cpython-311-aarch64-linux-gnu.so"
done

run() {
  (cd "$tree" && QEMU_LD_PREFIX="$root" PYTHONPATH="$work/extra:$tree" \
     qemu-aarch64 "$root/usr/bin/python3.11" "$@")
}
run -c "import miniconv; miniconv.show_config()"
run -m pytest -q -p no:cacheprovider "${pytest_args[@]}"
