# Filled in by the pool kernels (see _kernels.pyx docstring).
