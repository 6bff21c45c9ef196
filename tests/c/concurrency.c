/* Shared objects under concurrency (issue 8 item 11). Eight threads verify a token and look up
 * addresses (the built-in ACS set and a set built here) while a ninth parses the JWKS into a
 * fresh key set and publishes it through an atomic pointer (C11 release/acquire), the
 * rotation the README describes. Run under ThreadSanitizer and valgrind's helgrind/DRD by
 * tests/c/concurrency.sh. Usage: concurrency ROOT [ITERATIONS per thread, default 200] [warm].
 *
 * Reclamation is the application's business: a key set that was published is never written
 * again here (each rotation parses into a new one from a fixed pool), so every report is about
 * the library, not about reusing memory a reader may still hold. The first verifications race
 * on the library's only mutable static, the cached cpuid answer in core/src/rsa/adx.rs. */
#include "tollgate.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <valgrind/helgrind.h> /* no-op annotations unless run under valgrind */

#define WORKERS 8
#define ROTATIONS 12

static const char *ISS = "https://acscallautomation.communication.azure.com";
static const char *AUD = "6a3b8f0e-2c1d-4e5f-9a7b-3c2d1e0f4a5b";
static const uint64_t NOW = 1767225660;
static const char *LIST = "52.112.0.0/14 1\n2603:1063::/38 2\n10.0.0.0/8 4\n";

static char jwks[16384], token[4096];
static size_t jwks_len, token_len;
static tollgate_keyset pool[ROTATIONS + 1];
static _Atomic(const tollgate_keyset *) current;
static tollgate_policy policy;
static tollgate_ipset own_set; /* a caller-placed handle, filled once before the threads start */
static _Alignas(16) unsigned char own_storage[4096];
static atomic_int failures, verified, looked_up, published;
static long iterations = 200;

#define EXPECT(cond)                                                              \
  do {                                                                            \
    if (!(cond)) {                                                                \
      fprintf(stderr, "%s:%d: failed: %s\n", __FILE__, __LINE__, #cond);         \
      atomic_fetch_add(&failures, 1);                                             \
    }                                                                             \
  } while (0)

static size_t read_file(const char *root, const char *rel, char *buf, size_t cap) {
  char path[1024];
  size_t n;
  FILE *f;
  snprintf(path, sizeof path, "%s/%s", root, rel);
  if (!(f = fopen(path, "rb"))) {
    fprintf(stderr, "cannot open %s\n", path);
    exit(2);
  }
  n = fread(buf, 1, cap, f);
  fclose(f);
  while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r')) n--;
  return n;
}

static const tollgate_keyset *acquire_keys(void) {
  const tollgate_keyset *k = atomic_load_explicit(&current, memory_order_acquire);
  ANNOTATE_HAPPENS_AFTER(&current); /* helgrind/DRD do not model C11 atomics */
  return k;
}

static void publish_keys(const tollgate_keyset *k) {
  ANNOTATE_HAPPENS_BEFORE(&current);
  atomic_store_explicit(&current, k, memory_order_release);
}

static void *worker(void *arg) {
  unsigned char scratch[16384];
  tollgate_claims claims;
  long i;
  (void)arg;
  for (i = 0; i < iterations; i++) {
    const tollgate_keyset *keys = acquire_keys();
    uint32_t tags = 0;
    tollgate_status st = tollgate_verify(keys, &policy, token, token_len, NOW, scratch,
                                         sizeof scratch, &claims);
    EXPECT(st == TOLLGATE_STATUS_OK);
    EXPECT(st != TOLLGATE_STATUS_OK || (claims.iss.len == strlen(ISS) &&
                                        memcmp(claims.iss.ptr, ISS, claims.iss.len) == 0));
    atomic_fetch_add(&verified, 1);

    st = tollgate_ipset_lookup_text(tollgate_acs_ipset(), "52.112.10.20", 12, &tags);
    EXPECT(st == TOLLGATE_STATUS_OK && (tags & TOLLGATE_ACS_MEDIA));
    st = tollgate_ipset_lookup_text(&own_set, "10.1.2.3", 8, &tags);
    EXPECT(st == TOLLGATE_STATUS_OK && tags == 4);
    st = tollgate_ipset_lookup_text(&own_set, "2603:1063::7", 12, &tags);
    EXPECT(st == TOLLGATE_STATUS_OK && tags == 2);
    st = tollgate_ipset_lookup_text(&own_set, "192.0.2.1", 9, &tags);
    EXPECT(st == TOLLGATE_STATUS_OK && tags == 0);
    atomic_fetch_add(&looked_up, 4);
  }
  return NULL;
}

static void *rotator(void *arg) {
  int r;
  (void)arg;
  for (r = 1; r <= ROTATIONS; r++) {
    /* A new key set from the same JWKS (a real server would have fetched a new one). */
#ifdef DELIBERATE_RACE
    /* The self-check of concurrency.sh: rewrite the key set the workers are reading, a real
     * race that ThreadSanitizer must report (else the run proves nothing). */
    tollgate_status st = tollgate_keyset_parse(&pool[0], jwks, jwks_len, NULL);
#else
    tollgate_status st = tollgate_keyset_parse(&pool[r], jwks, jwks_len, NULL);
#endif
    EXPECT(st == TOLLGATE_STATUS_OK);
    if (st == TOLLGATE_STATUS_OK) {
#ifndef DELIBERATE_RACE
      publish_keys(&pool[r]);
#endif
      atomic_fetch_add(&published, 1);
    }
  }
  return NULL;
}

int main(int argc, char **argv) {
  const char *root = argc > 1 ? argv[1] : ".";
  pthread_t threads[WORKERS + 1];
  tollgate_str aud;
  size_t need = 0;
  int t;
  if (argc > 2) iterations = strtol(argv[2], NULL, 10);
  if (iterations < 1 || iterations > 100000) iterations = 200;

  jwks_len = read_file(root, "tests/fixtures/pyjwt/jwks/acs.json", jwks, sizeof jwks);
  token_len = read_file(root, "tests/fixtures/sample/acs-webhook.jwt", token, sizeof token);
  aud.ptr = AUD;
  aud.len = strlen(AUD);
  if (tollgate_keyset_parse(&pool[0], jwks, jwks_len, NULL) != TOLLGATE_STATUS_OK ||
      tollgate_policy_init(&policy, ISS, strlen(ISS), &aud, 1) != TOLLGATE_STATUS_OK ||
      tollgate_ipset_required_size(LIST, strlen(LIST), &need) != TOLLGATE_STATUS_OK ||
      need > sizeof own_storage ||
      tollgate_ipset_build(own_storage, sizeof own_storage, LIST, strlen(LIST), &own_set) !=
          TOLLGATE_STATUS_OK) {
    fprintf(stderr, "setup failed\n");
    return 2;
  }
  publish_keys(&pool[0]);
  /* helgrind and DRD do not know C11 atomics: they would report every access to the atomic
   * pointer itself (the key sets behind it are covered by the annotations above). */
  VALGRIND_HG_DISABLE_CHECKING(&current, sizeof current);
  if (argc > 3 && strcmp(argv[3], "warm") == 0) {
    /* For valgrind: fill the library's cpuid cache (a relaxed atomic, which valgrind cannot
     * tell from a plain byte) before the threads start. TSan runs leave it cold. */
    unsigned char scratch[16384];
    tollgate_claims claims;
    if (tollgate_verify(&pool[0], &policy, token, token_len, NOW, scratch, sizeof scratch,
                        &claims) != TOLLGATE_STATUS_OK) {
      fprintf(stderr, "warm-up verification failed\n");
      return 2;
    }
  }

  /* Otherwise no verification before the threads start: their first calls race on the cpuid
   * cache, which must be race-free (an atomic; ThreadSanitizer sees it in an instrumented
   * build). */
  for (t = 0; t < WORKERS; t++) pthread_create(&threads[t], NULL, worker, NULL);
  pthread_create(&threads[WORKERS], NULL, rotator, NULL);
  for (t = 0; t <= WORKERS; t++) pthread_join(threads[t], NULL);

  printf("concurrency: %d verifications, %d lookups, %d key sets published, %d failures\n",
         atomic_load(&verified), atomic_load(&looked_up), atomic_load(&published),
         atomic_load(&failures));
  return atomic_load(&failures) == 0 && atomic_load(&verified) == WORKERS * iterations &&
                 atomic_load(&published) == ROTATIONS
             ? 0
             : 1;
}
