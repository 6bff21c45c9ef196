/* From C: a full tollgate_verify of an ACS token beside OpenSSL's bare EVP_DigestVerify of the
 * same signature over the same signing input, in alternating rounds so both see the same machine
 * phases. Prints the median time per call of each and their ratio (tollgate / OpenSSL; lower is
 * better for us). Built and run by bench/c/run. Arguments: repo root, rounds (default 31), calls
 * per round (default 2000). */
#include "tollgate.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_ROUNDS 1001

static long read_file(const char *path, char *buf, size_t cap) {
  FILE *f = fopen(path, "rb");
  size_t n;
  if (!f) return -1;
  n = fread(buf, 1, cap, f);
  fclose(f);
  return (long)n;
}

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median(double *v, int n) {
  qsort(v, (size_t)n, sizeof *v, cmp_double);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* base64url without padding into out; returns the decoded length or -1. */
static long b64url_decode(const char *in, size_t len, unsigned char *out, size_t cap) {
  unsigned long acc = 0;
  int bits = 0;
  size_t i, n = 0;
  for (i = 0; i < len; i++) {
    int c = (unsigned char)in[i], v;
    if (c >= 'A' && c <= 'Z') v = c - 'A';
    else if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
    else if (c >= '0' && c <= '9') v = c - '0' + 52;
    else if (c == '-') v = 62;
    else if (c == '_') v = 63;
    else return -1;
    acc = (acc << 6) | (unsigned long)v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      if (n == cap) return -1;
      out[n++] = (unsigned char)(acc >> bits);
    }
  }
  return (long)n;
}

int main(int argc, char **argv) {
  const char *root = argc > 1 ? argv[1] : ".";
  int rounds = argc > 2 ? atoi(argv[2]) : 31;
  long calls = argc > 3 ? atol(argv[3]) : 2000;
  char path[1024], jwks[16384], token[8192];
  static tollgate_keyset keys;
  tollgate_policy policy;
  tollgate_claims claims;
  static unsigned char scratch[16384];
  unsigned char sig[512];
  static double t_ours[MAX_ROUNDS], t_ossl[MAX_ROUNDS];
  long jwks_len, token_len, sig_len;
  const char *iss = "https://acscallautomation.communication.azure.com";
  tollgate_str aud = {"6a3b8f0e-2c1d-4e5f-9a7b-3c2d1e0f4a5b", 36};
  uint64_t at = 1767225660;
  const char *dot2;
  EVP_PKEY *pkey;
  EVP_MD_CTX *md;
  FILE *pem;
  int r;
  long i;

  if (rounds < 1 || rounds > MAX_ROUNDS || calls < 1) return 2;
  snprintf(path, sizeof path, "%s/tests/fixtures/pyjwt/jwks/acs.json", root);
  if ((jwks_len = read_file(path, jwks, sizeof jwks)) < 0) return 2;
  snprintf(path, sizeof path, "%s/tests/fixtures/sample/acs-webhook.jwt", root);
  if ((token_len = read_file(path, token, sizeof token)) < 0) return 2;
  while (token_len > 0 && (token[token_len - 1] == '\n' || token[token_len - 1] == '\r')) token_len--;
  if (tollgate_keyset_parse(&keys, jwks, (size_t)jwks_len, NULL) != TOLLGATE_STATUS_OK) return 2;
  if (tollgate_policy_init(&policy, iss, strlen(iss), &aud, 1) != TOLLGATE_STATUS_OK) return 2;
  if (tollgate_verify_scratch_size((size_t)token_len) > sizeof scratch) return 2;

  /* OpenSSL's side: the public half of the key that signed the token, the same signing input
   * (header.payload) and the decoded signature. */
  dot2 = NULL;
  for (i = token_len - 1; i >= 0 && !dot2; i--)
    if (token[i] == '.') dot2 = token + i;
  if (!dot2) return 2;
  sig_len = b64url_decode(dot2 + 1, (size_t)(token + token_len - dot2 - 1), sig, sizeof sig);
  if (sig_len <= 0) return 2;
  snprintf(path, sizeof path, "%s/tests/fixtures/pyjwt/keys/acs-2048.pem", root);
  if (!(pem = fopen(path, "r"))) return 2;
  pkey = PEM_read_PrivateKey(pem, NULL, NULL, NULL);
  fclose(pem);
  if (!pkey || !(md = EVP_MD_CTX_new())) return 2;

  /* Both must accept before anything is timed. */
  if (tollgate_verify(&keys, &policy, token, (size_t)token_len, at, scratch, sizeof scratch,
                      &claims) != TOLLGATE_STATUS_OK) {
    fprintf(stderr, "tollgate rejects the sample token\n");
    return 1;
  }
  if (EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, pkey) != 1 ||
      EVP_DigestVerify(md, (const unsigned char *)sig, (size_t)sig_len,
                       (const unsigned char *)token, (size_t)(dot2 - token)) != 1) {
    fprintf(stderr, "OpenSSL rejects the sample signature\n");
    return 1;
  }

  for (r = 0; r < rounds; r++) {
    double t0 = now_ns();
    int bad = 0;
    for (i = 0; i < calls; i++)
      bad |= tollgate_verify(&keys, &policy, token, (size_t)token_len, at, scratch,
                             sizeof scratch, &claims) != TOLLGATE_STATUS_OK;
    t_ours[r] = (now_ns() - t0) / (double)calls;
    t0 = now_ns();
    for (i = 0; i < calls; i++) {
      /* The bare signature check, as a C caller who has already split the token would do it:
       * init (public key, SHA-256) and verify over the signing input. */
      bad |= EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, pkey) != 1;
      bad |= EVP_DigestVerify(md, sig, (size_t)sig_len, (const unsigned char *)token,
                              (size_t)(dot2 - token)) != 1;
    }
    t_ossl[r] = (now_ns() - t0) / (double)calls;
    if (bad) {
      fprintf(stderr, "a verification failed during the run\n");
      return 1;
    }
  }
  {
    double ours = median(t_ours, rounds), ossl = median(t_ossl, rounds);
    printf("tollgate_verify (full: base64, JSON, claims, RSA-2048)  %8.2f us  %8.0f /s\n",
           ours / 1e3, 1e9 / ours);
    printf("OpenSSL %s EVP_DigestVerify (signature only) %8.2f us  %8.0f /s\n",
           OpenSSL_version(OPENSSL_VERSION_STRING), ossl / 1e3, 1e9 / ossl);
    printf("ratio tollgate / OpenSSL: %.3f (medians of %d alternating rounds of %ld calls)\n",
           ours / ossl, rounds, calls);
  }
  EVP_MD_CTX_free(md);
  EVP_PKEY_free(pkey);
  return 0;
}
