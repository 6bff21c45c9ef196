/* For tests/c/concurrency.sh: a Rust library instrumented by a newer LLVM ThreadSanitizer
 * calls __tsan_memcpy/__tsan_memset/__tsan_memmove, which older runtimes (gcc 12's libtsan)
 * lack. Forward them to the C functions, which the TSan runtime intercepts and checks as
 * accesses of the whole range (what the newer entry points do). Compile with -fno-builtin so
 * the calls stay calls. */
#include <string.h>

void *__tsan_memcpy(void *dst, const void *src, size_t n);
void *__tsan_memset(void *dst, int c, size_t n);
void *__tsan_memmove(void *dst, const void *src, size_t n);

void *__tsan_memcpy(void *dst, const void *src, size_t n) { return memcpy(dst, src, n); }
void *__tsan_memset(void *dst, int c, size_t n) { return memset(dst, c, n); }
void *__tsan_memmove(void *dst, const void *src, size_t n) { return memmove(dst, src, n); }
