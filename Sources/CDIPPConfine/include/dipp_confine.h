/* Confinement for the plugin validator's child process: a memory limit, output buffers that
 * end at an inaccessible guard page, and a crash handler that says which of the two a crash
 * was before the process dies (one "CHECK name FAIL detail" line on standard output). */
#ifndef DIPP_CONFINE_H
#define DIPP_CONFINE_H
#include <stddef.h>
#include <stdint.h>

/* Limits the process's data segment (heap and private mappings, RLIMIT_DATA) to `bytes` more
 * than it uses now (the plugin's allowance, whatever the host's own footprint).
 * Returns 0, or -1 when the limit could not be set. */
int dipp_confine_memory(uint64_t bytes);

/* A buffer of `bytes` (zeroed) whose last byte sits just before a PROT_NONE page, with another
 * PROT_NONE page in front; `name` (static) is how the crash handler names it. NULL on failure. */
void *dipp_guarded_alloc(size_t bytes, const char *name);
void dipp_guarded_free(void *buffer);

/* Installs the crash handler for SIGSEGV, SIGBUS, SIGABRT, SIGILL and SIGTRAP. */
void dipp_install_crash_diagnosis(void);
#endif
