"""Build the Cython extension ``miniconv._kernels`` with OpenMP when the compiler supports it.

OpenMP detection follows scikit-learn's ``openmp_helpers``: compile and link a tiny OpenMP
program with the flags we intend to use; if that fails, build without OpenMP and warn.

Environment switches (all optional):
  MINICONV_NATIVE=1      add -march=native (off by default: wheels must run on any x86-64)
  MINICONV_DEBUG=1       turn Cython bounds/wraparound checks back on and build with -O0 -g
  MINICONV_NO_OPENMP=1   build without OpenMP even if the compiler supports it
"""
import glob
import os
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


def openmp_flags(compiler_type):
    if compiler_type == "msvc":
        return ["/openmp"], []
    if sys.platform == "darwin":
        return ["-Xpreprocessor", "-fopenmp"], ["-lomp"]
    return ["-fopenmp"], ["-fopenmp"]


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
        out = subprocess.check_output([os.path.join(".", exe)]).decode().strip()
        return out == "1"
    except Exception:
        return False
    finally:
        os.chdir(cwd)
        shutil.rmtree(tmp, ignore_errors=True)


class BuildExtOpenMP(build_ext):
    def build_extensions(self):
        ctype = self.compiler.compiler_type
        use_openmp = os.environ.get("MINICONV_NO_OPENMP", "0") != "1"
        cflags, lflags = openmp_flags(ctype)
        if use_openmp and not check_openmp(self.compiler, cflags, lflags):
            warnings.warn(
                "miniconv: the C compiler cannot build OpenMP programs; building WITHOUT OpenMP. "
                "Kernels will run on one thread. Install a compiler with OpenMP support "
                "(gcc, or clang with libomp) to get parallel kernels."
            )
            use_openmp = False
        debug = os.environ.get("MINICONV_DEBUG", "0") == "1"
        for ext in self.extensions:
            if ctype == "msvc":
                ext.extra_compile_args += ["/O2"]
            else:
                ext.extra_compile_args += ["-O0", "-g"] if debug else ["-O3"]
                if os.environ.get("MINICONV_NATIVE", "0") == "1":
                    ext.extra_compile_args += ["-march=native"]
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
]

setup(
    ext_modules=cythonize(extensions, compiler_directives=directives),
    cmdclass={"build_ext": BuildExtOpenMP},
)
