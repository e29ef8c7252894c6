# Filled in by the conv kernels (see _kernels.pyx docstring).
