"""Build the Cython extension ``miniconv._kernels`` with OpenMP when the compiler supports it.

OpenMP detection follows scikit-learn's ``openmp_helpers``: compile and link a tiny OpenMP
program with the flags we intend to use; if that fails, build without OpenMP and warn.

Environment switches (all optional):
  MINICONV_NATIVE=1      add -march=native (-mcpu=native on ARM; off by default: wheels must run
                         on any x86-64, and the AVX2/AVX-512 kernels are chosen at run time anyway)
  MINICONV_DEBUG=1       turn Cython bounds/wraparound checks back on and build with -O0 -g
  MINICONV_NO_OPENMP=1   build without OpenMP even if the compiler supports it

OpenMP flags tried in order: -fopenmp (GCC, LLVM clang with libomp); on macOS then Apple clang's
-Xpreprocessor -fopenmp -lomp, first with the include/library paths given in CPPFLAGS/LDFLAGS, then
with Homebrew's or MacPorts' libomp (keg-only, so found here: $(brew --prefix libomp),
/opt/homebrew/opt/libomp, /usr/local/opt/libomp, /opt/local). If none builds and runs a small
OpenMP program, the extension is built serial (one thread) with a warning; miniconv.show_config()
then says "OpenMP compiled in: NO".
"""
import errno
import glob
import os
import platform
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import textwrap
import warnings

import numpy as np
from Cython.Build import cythonize
from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext


def libomp_dirs():
    """(include dir, lib dir) of the libomp installs Apple clang can use on macOS, existing ones only."""
    prefixes = []
    brew = shutil.which("brew")
    if brew:
        try:
            out = subprocess.run([brew, "--prefix", "libomp"], capture_output=True, text=True, timeout=60)
            if out.returncode == 0 and out.stdout.strip():
                prefixes.append(out.stdout.strip())
        except (OSError, subprocess.SubprocessError):
            pass
    prefixes += ["/opt/homebrew/opt/libomp", "/usr/local/opt/libomp"]   # Homebrew on arm64, on x86-64
    dirs = [(os.path.join(p, "include"), os.path.join(p, "lib")) for p in prefixes]
    dirs.append(("/opt/local/include/libomp", "/opt/local/lib/libomp"))  # MacPorts
    seen, found = set(), []
    for inc, lib in dirs:
        if (inc, lib) not in seen and os.path.isfile(os.path.join(inc, "omp.h")):
            seen.add((inc, lib))
            found.append((inc, lib))
    return found


def openmp_candidates(compiler_type):
    """The (compile flags, link flags) pairs to try for OpenMP, in order."""
    if compiler_type == "msvc":
        return [(["/openmp"], [])]
    candidates = [(["-fopenmp"], ["-fopenmp"])]
    if sys.platform == "darwin":
        # Apple clang rejects -fopenmp but runs its preprocessor pass with -Xpreprocessor -fopenmp;
        # the runtime is libomp (not shipped with Xcode)
        candidates.append((["-Xpreprocessor", "-fopenmp"], ["-lomp"]))  # paths from CPPFLAGS/LDFLAGS
        for inc, lib in libomp_dirs():
            candidates.append(
                (["-Xpreprocessor", "-fopenmp", "-I" + inc], ["-L" + lib, "-lomp", "-Wl,-rpath," + lib])
            )
    return candidates


def check_openmp(compiler, compile_flags, link_flags):
    """Return True if `compiler` can build and run a small OpenMP program."""
    code = textwrap.dedent(
        """\
        #include <omp.h>
        #include <stdio.h>
        int main(void) {
            int n = 0;
            #pragma omp parallel reduction(+:n)
            n += 1;
            printf("%d", n > 0);
            return 0;
        }
        """
    )
    tmp = tempfile.mkdtemp()
    cwd = os.getcwd()
    try:
        os.chdir(tmp)
        with open("test_openmp.c", "w") as f:
            f.write(code)
        os.mkdir("objects")
        objects = compiler.compile(["test_openmp.c"], output_dir="objects", extra_postargs=compile_flags)
        exe = "test_openmp" + (".exe" if sys.platform == "win32" else "")
        compiler.link_executable(objects, "test_openmp", extra_postargs=link_flags)
        try:
            out = subprocess.check_output([os.path.join(".", exe)]).decode().strip()
        except OSError as e:
            if e.errno == errno.ENOEXEC:
                return True  # cross-compiling: the program links but cannot run on this machine
            raise
        return out == "1"
    except Exception:
        return False
    finally:
        os.chdir(cwd)
        shutil.rmtree(tmp, ignore_errors=True)


class BuildExtOpenMP(build_ext):
    def build_extensions(self):
        ctype = self.compiler.compiler_type
        cflags, lflags = [], []
        use_openmp = os.environ.get("MINICONV_NO_OPENMP", "0") != "1"
        if use_openmp:
            for cflags, lflags in openmp_candidates(ctype):
                if check_openmp(self.compiler, cflags, lflags):
                    print("miniconv: building with OpenMP:", " ".join(cflags + lflags))
                    break
            else:
                hint = (
                    " On macOS with Apple clang: `brew install libomp` (setup.py looks in "
                    "$(brew --prefix libomp), /opt/homebrew/opt/libomp and /usr/local/opt/libomp), or "
                    "set CPPFLAGS=-I<libomp>/include and LDFLAGS=-L<libomp>/lib."
                    if sys.platform == "darwin"
                    else " Use gcc, or clang with libomp (Debian/Ubuntu: `apt install libomp-dev`)."
                )
                warnings.warn(
                    "miniconv: the C compiler cannot build OpenMP programs; building WITHOUT OpenMP. "
                    "Kernels will run on one thread. Install a compiler with OpenMP support to get "
                    "parallel kernels." + hint + " Set MINICONV_NO_OPENMP=1 to build serial on purpose."
                )
                use_openmp = False
        debug = os.environ.get("MINICONV_DEBUG", "0") == "1"
        for ext in self.extensions:
            if ctype == "msvc":
                ext.extra_compile_args += ["/O2"]
            else:
                ext.extra_compile_args += ["-O0", "-g"] if debug else ["-O3"]
                if os.environ.get("MINICONV_NATIVE", "0") == "1":
                    arm = platform.machine().lower() in ("arm64", "aarch64")
                    ext.extra_compile_args += ["-mcpu=native" if arm else "-march=native"]
            if use_openmp:
                ext.extra_compile_args += cflags
                ext.extra_link_args += lflags
        super().build_extensions()


debug = os.environ.get("MINICONV_DEBUG", "0") == "1"
directives = {
    "language_level": 3,
    "boundscheck": debug,
    "wraparound": debug,
    "cdivision": not debug,
    "initializedcheck": debug,
    "nonecheck": False,
    "embedsignature": True,
}

extensions = [
    Extension(
        "miniconv._kernels",
        ["miniconv/_kernels.pyx"],
        include_dirs=[np.get_include(), "miniconv"],
        # the C micro-kernel headers: a change to one of them rebuilds the extension
        depends=sorted(glob.glob("miniconv/*.h")),
        define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
    ),
    # the caching allocator for the arrays miniconv's ops create (NumPy's NEP 49 hook; issue 12)
    Extension(
        "miniconv._alloc",
        ["miniconv/_alloc.pyx"],
        include_dirs=[np.get_include(), "miniconv"],
        define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
    ),
    # PyTorch's CPU random number generator (mt19937 and its kernels' sampling loops); no contraction of
    # multiplies and adds into FMAs, so the float arithmetic rounds exactly as written
    Extension(
        "miniconv._mt19937",
        ["miniconv/_mt19937.pyx"],
        include_dirs=[np.get_include()],
        extra_compile_args=["-ffp-contract=off"] if sys.platform != "win32" else [],
        define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
    ),
]

setup(
    ext_modules=cythonize(extensions, compiler_directives=directives),
    cmdclass={"build_ext": BuildExtOpenMP},
)
