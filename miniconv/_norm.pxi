# Filled in by the norm kernels (see _kernels.pyx docstring).
