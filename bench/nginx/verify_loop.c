/*
 * verify_loop.c — the bare cost of one tollgate_verify, for bench/nginx/run: parses a JWKS
 * once, then verifies the same token N times in a loop (with scratch on the stack) and
 * prints the mean in microseconds, wall-clock and CPU time of the process, so the module's
 * added cost per request can be compared with the verification itself.
 *
 * usage: verify_loop JWKS_FILE TOKEN_FILE ISSUER AUDIENCE ITERATIONS
 */
#define _POSIX_C_SOURCE 199309L /* clock_gettime */

#include "tollgate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static long read_file(const char *path, char *buf, size_t cap) {
  FILE *f = fopen(path, "rb");
  size_t n;
  if (!f) return -1;
  n = fread(buf, 1, cap, f);
  fclose(f);
  return (long)n;
}

int main(int argc, char **argv) {
  static tollgate_keyset keys;
  static char jwks[65536], token[16384], scratch[65536];
  tollgate_policy policy;
  tollgate_claims claims;
  tollgate_str aud;
  struct timespec t0, t1, c0, c1;
  long jwks_len, token_len, i, n;
  uint64_t now;
  double secs, cpu;

  if (argc != 6) {
    fprintf(stderr, "usage: %s JWKS_FILE TOKEN_FILE ISSUER AUDIENCE ITERATIONS\n", argv[0]);
    return 2;
  }
  if ((jwks_len = read_file(argv[1], jwks, sizeof jwks)) < 0) return 2;
  if ((token_len = read_file(argv[2], token, sizeof token)) < 0) return 2;
  while (token_len > 0 && (token[token_len - 1] == '\n' || token[token_len - 1] == '\r')) token_len--;
  n = atol(argv[5]);

  if (tollgate_keyset_parse(&keys, jwks, (size_t)jwks_len, NULL) != TOLLGATE_STATUS_OK) return 1;
  aud.ptr = argv[4];
  aud.len = strlen(argv[4]);
  if (tollgate_policy_init(&policy, argv[3], strlen(argv[3]), &aud, 1) != TOLLGATE_STATUS_OK) return 1;
  if (tollgate_verify_scratch_size((size_t)token_len) > sizeof scratch) return 1;

  now = (uint64_t)time(NULL);
  clock_gettime(CLOCK_MONOTONIC, &t0);
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
  for (i = 0; i < n; i++) {
    if (tollgate_verify(&keys, &policy, token, (size_t)token_len, now, scratch, sizeof scratch,
                        &claims) != TOLLGATE_STATUS_OK) {
      fprintf(stderr, "verify failed at iteration %ld\n", i);
      return 1;
    }
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
  secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
  cpu = (double)(c1.tv_sec - c0.tv_sec) + (double)(c1.tv_nsec - c0.tv_nsec) / 1e9;
  printf("%.2f %.2f\n", secs * 1e6 / (double)n, cpu * 1e6 / (double)n);
  return 0;
}
