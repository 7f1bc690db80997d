/* Open MPI, loaded at run time: `dlopen("libmpi.so.40")` and the few calls data-parallel
 * training needs, so that DIPP builds, tests and runs without MPI and uses it only when a job
 * is launched by `mpirun`. The handles (MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM, …) are Open MPI's:
 * addresses of its exported objects (`ompi_mpi_comm_world`, …), read with dlsym; another MPI
 * (MPICH's integer handles) would need its own shim behind the same Swift protocol.
 * Every call returns MPI's error code (0 = MPI_SUCCESS) or a negative code of this shim. */
#ifndef DIPP_MPI_H
#define DIPP_MPI_H
#include <stddef.h>
#include <stdint.h>

/* Loads `library` (RTLD_GLOBAL: Open MPI's own components resolve against it) and calls
 * MPI_Init_thread (MPI_THREAD_FUNNELED). On failure returns < 0 and writes why into `error`. */
int dipp_mpi_open(const char *library, char *error, size_t error_size);
int dipp_mpi_rank(int *rank);
int dipp_mpi_size(int *size);
/* In place: every rank's `values` become the element-wise sum over the ranks. */
int dipp_mpi_allreduce_sum_float(float *values, int64_t count);
int dipp_mpi_allreduce_sum_double(double *values, int64_t count);
/* Starts the same sum without waiting (MPI_Iallreduce); `*request` is passed to dipp_mpi_wait. */
int dipp_mpi_iallreduce_sum_float(float *values, int64_t count, void **request);
int dipp_mpi_wait(void **request);
/* Rank `root`'s `values` copied into every rank's. */
int dipp_mpi_broadcast_float(float *values, int64_t count, int root);
int dipp_mpi_barrier(void);
int dipp_mpi_finalize(void);

#endif
