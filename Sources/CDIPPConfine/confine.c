#define _GNU_SOURCE
#include "dipp_confine.h"

#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

enum { MAX_GUARDED = 64 };

typedef struct {
    char *base;           /* the whole mapping */
    size_t total;
    char *buffer_end;     /* first byte of the trailing guard page */
    size_t bytes;
    const char *name;
} guarded;

static guarded table[MAX_GUARDED];
static uint64_t memory_limit, memory_allowance;

static uint64_t data_bytes(void);

int dipp_confine_memory(uint64_t bytes) {
    /* Relative to what the process already maps (an AddressSanitizer build maps terabytes of
     * shadow memory up front), so the plugin gets `bytes` whatever the host's own footprint. */
    uint64_t total = data_bytes() + bytes;
    struct rlimit limit = {(rlim_t)total, (rlim_t)total};
    if (setrlimit(RLIMIT_DATA, &limit) != 0) return -1;
    memory_limit = total;
    memory_allowance = bytes;
    return 0;
}

void *dipp_guarded_alloc(size_t bytes, const char *name) {
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t body = (bytes + page - 1) / page * page;
    if (body == 0) body = page;
    size_t total = body + 2 * page;
    char *base = mmap(NULL, total, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED) return NULL;
    if (mprotect(base + page, body, PROT_READ | PROT_WRITE) != 0) { munmap(base, total); return NULL; }
    for (int i = 0; i < MAX_GUARDED; i++) {
        if (table[i].base == NULL) {
            table[i] = (guarded){base, total, base + page + body, bytes, name};
            return base + page + body - bytes;
        }
    }
    munmap(base, total);
    return NULL;
}

void dipp_guarded_free(void *buffer) {
    for (int i = 0; i < MAX_GUARDED; i++) {
        if (table[i].base != NULL && (char *)buffer >= table[i].base && (char *)buffer < table[i].base + table[i].total) {
            munmap(table[i].base, table[i].total);
            table[i].base = NULL;
            return;
        }
    }
}

/* Async-signal-safe output: text and unsigned decimals. */
static void put(const char *s) { ssize_t r = write(1, s, strlen(s)); (void)r; }

static void put_number(uint64_t v) {
    char digits[24];
    int n = 0;
    do { digits[n++] = (char)('0' + v % 10); v /= 10; } while (v > 0);
    char out[24];
    for (int i = 0; i < n; i++) out[i] = digits[n - 1 - i];
    out[n] = 0;
    put(out);
}

/* The data segment's size in bytes from /proc/self/statm (field 6, pages). */
static uint64_t data_bytes(void) {
    char text[256];
    int fd = open("/proc/self/statm", O_RDONLY);
    if (fd < 0) return 0;
    ssize_t n = read(fd, text, sizeof text - 1);
    close(fd);
    if (n <= 0) return 0;
    text[n] = 0;
    int field = 0;
    uint64_t pages = 0;
    for (ssize_t i = 0; i < n && field <= 5; i++) {
        if (text[i] == ' ') field++;
        else if (field == 5 && text[i] >= '0' && text[i] <= '9') pages = pages * 10 + (uint64_t)(text[i] - '0');
    }
    return pages * (uint64_t)sysconf(_SC_PAGESIZE);
}

static void diagnose(int signal, siginfo_t *info, void *context) {
    (void)context;
    char *address = info ? (char *)info->si_addr : NULL;
    if (signal == SIGSEGV || signal == SIGBUS) {
        for (int i = 0; i < MAX_GUARDED; i++) {
            const guarded *g = &table[i];
            if (g->base == NULL || address < g->base || address >= g->base + g->total) continue;
            put("CHECK bounds FAIL the plugin touched ");
            if (address >= g->buffer_end) {
                put_number((uint64_t)(address - g->buffer_end));
                put(" bytes past the end of the host's ");
            } else {
                put("memory before the host's ");
            }
            put(g->name);
            put(" buffer (");
            put_number(g->bytes);
            put(" bytes)\n");
            break;
        }
    }
    uint64_t used = data_bytes();
    if (memory_limit > 0 && used + memory_allowance / 10 >= memory_limit) {
        put("CHECK memory FAIL the plugin allocated without bound: the process reached the validator's limit (");
        put_number(memory_allowance >> 20);
        put(" MiB beyond its own start-up use)\n");
    }
    struct sigaction fallback;
    memset(&fallback, 0, sizeof fallback);
    fallback.sa_handler = SIG_DFL;
    sigaction(signal, &fallback, NULL);
    raise(signal);
}

void dipp_install_crash_diagnosis(void) {
    static char alternate[1 << 16];
    stack_t stack = {.ss_sp = alternate, .ss_size = sizeof alternate, .ss_flags = 0};
    sigaltstack(&stack, NULL);
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = diagnose;
    action.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESETHAND;
    sigemptyset(&action.sa_mask);
    int signals[] = {SIGSEGV, SIGBUS, SIGABRT, SIGILL, SIGTRAP};
    for (unsigned i = 0; i < sizeof signals / sizeof signals[0]; i++) sigaction(signals[i], &action, NULL);
}
