#include "dipp_mpi.h"
#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>

/* Open MPI's ABI: handles are pointers to its objects; MPI_IN_PLACE is (void *)1. */
typedef void *handle;
#define OMPI_IN_PLACE ((void *)1)
#define OMPI_STATUS_IGNORE ((void *)0)
#define OMPI_THREAD_FUNNELED 1
#define CHUNK_LIMIT ((int64_t)INT_MAX)

static struct {
    void *library;
    int (*init_thread)(int *, char ***, int, int *);
    int (*comm_rank)(handle, int *);
    int (*comm_size)(handle, int *);
    int (*allreduce)(const void *, void *, int, handle, handle, handle);
    int (*iallreduce)(const void *, void *, int, handle, handle, handle, void **);
    int (*wait)(void **, void *);
    int (*bcast)(void *, int, handle, int, handle);
    int (*barrier)(handle);
    int (*finalize)(void);
    handle world, float_type, double_type, sum;
} mpi;

static int load(void **slot, const char *name, char *error, size_t error_size) {
    *slot = dlsym(mpi.library, name);
    if (*slot) return 0;
    snprintf(error, error_size, "the MPI library does not export %s (is it Open MPI?)", name);
    return -2;
}

int dipp_mpi_open(const char *library, char *error, size_t error_size) {
    if (mpi.library) return 0;
    void *lib = dlopen(library, RTLD_NOW | RTLD_GLOBAL);
    if (!lib) {
        snprintf(error, error_size, "%s", dlerror());
        return -1;
    }
    mpi.library = lib;
    int s = 0;
    s |= load((void **)&mpi.init_thread, "MPI_Init_thread", error, error_size);
    s |= load((void **)&mpi.comm_rank, "MPI_Comm_rank", error, error_size);
    s |= load((void **)&mpi.comm_size, "MPI_Comm_size", error, error_size);
    s |= load((void **)&mpi.allreduce, "MPI_Allreduce", error, error_size);
    s |= load((void **)&mpi.iallreduce, "MPI_Iallreduce", error, error_size);
    s |= load((void **)&mpi.wait, "MPI_Wait", error, error_size);
    s |= load((void **)&mpi.bcast, "MPI_Bcast", error, error_size);
    s |= load((void **)&mpi.barrier, "MPI_Barrier", error, error_size);
    s |= load((void **)&mpi.finalize, "MPI_Finalize", error, error_size);
    s |= load(&mpi.world, "ompi_mpi_comm_world", error, error_size);
    s |= load(&mpi.float_type, "ompi_mpi_float", error, error_size);
    s |= load(&mpi.double_type, "ompi_mpi_double", error, error_size);
    s |= load(&mpi.sum, "ompi_mpi_op_sum", error, error_size);
    if (s) {
        dlclose(lib);
        mpi.library = NULL;
        return -2;
    }
    int provided = 0;
    int status = mpi.init_thread(NULL, NULL, OMPI_THREAD_FUNNELED, &provided);
    if (status) snprintf(error, error_size, "MPI_Init_thread failed with error %d", status);
    return status;
}

int dipp_mpi_rank(int *rank) { return mpi.comm_rank(mpi.world, rank); }
int dipp_mpi_size(int *size) { return mpi.comm_size(mpi.world, size); }

/* MPI counts are int: long buffers go in chunks. */
static int allreduce_sum(char *values, int64_t count, size_t element_size, handle type) {
    for (int64_t done = 0; done < count; done += CHUNK_LIMIT) {
        int64_t n = count - done < CHUNK_LIMIT ? count - done : CHUNK_LIMIT;
        int s = mpi.allreduce(OMPI_IN_PLACE, values + (size_t)done * element_size, (int)n, type, mpi.sum, mpi.world);
        if (s) return s;
    }
    return 0;
}

int dipp_mpi_allreduce_sum_float(float *values, int64_t count) { return allreduce_sum((char *)values, count, sizeof *values, mpi.float_type); }
int dipp_mpi_allreduce_sum_double(double *values, int64_t count) { return allreduce_sum((char *)values, count, sizeof *values, mpi.double_type); }

int dipp_mpi_iallreduce_sum_float(float *values, int64_t count, void **request) {
    if (count > CHUNK_LIMIT) return -3;
    return mpi.iallreduce(OMPI_IN_PLACE, values, (int)count, mpi.float_type, mpi.sum, mpi.world, request);
}

int dipp_mpi_wait(void **request) { return mpi.wait(request, OMPI_STATUS_IGNORE); }

int dipp_mpi_broadcast_float(float *values, int64_t count, int root) {
    for (int64_t done = 0; done < count; done += CHUNK_LIMIT) {
        int64_t n = count - done < CHUNK_LIMIT ? count - done : CHUNK_LIMIT;
        int s = mpi.bcast(values + done, (int)n, mpi.float_type, root, mpi.world);
        if (s) return s;
    }
    return 0;
}

int dipp_mpi_barrier(void) { return mpi.barrier(mpi.world); }
int dipp_mpi_finalize(void) { return mpi.library ? mpi.finalize() : 0; }
