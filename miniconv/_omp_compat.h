/* One place for OpenMP calls, with a serial fallback when the build has no OpenMP
 * (the same idea as scikit-learn's sklearn/utils/_openmp_helpers). */
#ifndef MINICONV_OMP_COMPAT_H
#define MINICONV_OMP_COMPAT_H
#ifdef _OPENMP
#include <omp.h>
#define MINICONV_OPENMP 1
#else
#define MINICONV_OPENMP 0
static inline int omp_get_max_threads(void) { return 1; }
static inline int omp_get_thread_num(void) { return 0; }
static inline int omp_get_num_procs(void) { return 1; }
#endif
#endif
