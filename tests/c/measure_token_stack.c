/* Stack used by tollgate_keyset_parse and tollgate_verify in the shipped (release) library,
 * measured by painting the stack of a 1 MiB thread below the caller's frame and finding the
 * deepest byte the call overwrote (4096-bit Entra key of tests/fixtures/pyjwt). Fails when a
 * figure leaves a band around what the documentation states (tollgate_keyset_parse "about 5 KiB",
 * tollgate_verify "at most about 9 KiB", in ffi/src/token), so the docs cannot drift:
 * change both together. tests/c/run.sh runs it (without sanitizers: they change stack use);
 * by hand, from the repository root:
 *   cargo build --release -p tollgate-ffi
 *   cc -O2 -Iinclude tests/c/measure_token_stack.c target/release/libtollgate.a -lpthread \
 *     -o tests/c/build/measure_token_stack && tests/c/build/measure_token_stack */
#include "tollgate.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WINDOW (256 * 1024)
#define SKIP 1024
#define KIB 1024u

/* The documented figures, each with a band of [figure - LOWER KiB, figure + 1 KiB): growth past
 * the figure fails at once; the lower side allows for the RSA backend the CPU selects
 * (tollgate_verify: about 8.7 KiB with AVX-512 IFMA, 6.6 KiB with BMI2/ADX, about 1 KiB less
 * with the portable code), while still catching a figure that has become stale. */
#define PARSE_DOC_KIB 5u
#define PARSE_LOWER_KIB 2u
#define VERIFY_DOC_KIB 9u
#define VERIFY_LOWER_KIB 4u

static char *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  long n;
  char *buf;
  if (!f) {
    fprintf(stderr, "cannot open %s (run from the repository root)\n", path);
    exit(2);
  }
  fseek(f, 0, SEEK_END);
  n = ftell(f);
  fseek(f, 0, SEEK_SET);
  buf = (char *)malloc((size_t)n + 1);
  if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) exit(2);
  buf[n] = '\0';
  fclose(f);
  *len = (size_t)n;
  return buf;
}

static __attribute__((noinline)) void paint(volatile char *top) {
  size_t i;
  for (i = SKIP; i < WINDOW; i++) top[-(long)i] = 0x6b;
}

static __attribute__((noinline)) size_t deepest(volatile char *top) {
  size_t i;
  for (i = WINDOW - 1; i >= SKIP; i--)
    if (top[-(long)i] != 0x6b) break;
  return i;
}

static tollgate_keyset keys;
static tollgate_policy policy;
static size_t parse_used, verify_used;
static tollgate_status parse_status, verify_status;

static void *measure(void *arg) {
  volatile char marker = 0;
  volatile char *top = &marker;
  const char *iss = "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0";
  const char *aud_text = "api://3f2a1b0c-9d8e-4f7a-b6c5-d4e3f2a1b0c9";
  tollgate_str aud;
  size_t jwks_len, manifest_len, token_len, scratch_len;
  char *jwks = read_file("tests/fixtures/pyjwt/jwks/entra.json", &jwks_len);
  char *manifest = read_file("tests/fixtures/pyjwt/manifest.json", &manifest_len);
  char *token = strstr(manifest, "\"name\": \"entra_event_grid\"");
  char *scratch;
  tollgate_claims claims;
  (void)arg;
  token = strstr(token, "\"token\": \"") + 10;
  token_len = (size_t)(strchr(token, '"') - token);
  aud.ptr = aud_text;
  aud.len = strlen(aud_text);
  if (tollgate_policy_init(&policy, iss, strlen(iss), &aud, 1) != TOLLGATE_STATUS_OK) exit(2);
  scratch_len = tollgate_verify_scratch_size(token_len);
  scratch = (char *)malloc(scratch_len);

  paint(top);
  parse_status = tollgate_keyset_parse(&keys, jwks, jwks_len, NULL);
  parse_used = deepest(top);
  paint(top);
  verify_status = tollgate_verify(&keys, &policy, token, token_len, 1767225660u, scratch,
                                  scratch_len, &claims);
  verify_used = deepest(top);
  free(scratch);
  free(manifest);
  free(jwks);
  return NULL;
}

int main(void) {
  pthread_t thread;
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 1 << 20);
  pthread_create(&thread, &attr, measure, NULL);
  pthread_join(thread, NULL);
  printf("tollgate_keyset_parse (entra.json): %s, %zu bytes of stack\n",
         tollgate_status_str(parse_status), parse_used);
  printf("tollgate_verify (4096-bit key):     %s, %zu bytes of stack\n",
         tollgate_status_str(verify_status), verify_used);
  if (parse_status != TOLLGATE_STATUS_OK || verify_status != TOLLGATE_STATUS_OK) return 1;
  if (parse_used < (PARSE_DOC_KIB - PARSE_LOWER_KIB) * KIB || parse_used >= (PARSE_DOC_KIB + 1) * KIB) {
    printf("FAIL: tollgate_keyset_parse is documented as about %u KiB\n", PARSE_DOC_KIB);
    return 1;
  }
  if (verify_used < (VERIFY_DOC_KIB - VERIFY_LOWER_KIB) * KIB || verify_used >= (VERIFY_DOC_KIB + 1) * KIB) {
    printf("FAIL: tollgate_verify is documented as about %u KiB\n", VERIFY_DOC_KIB);
    return 1;
  }
  return 0;
}
