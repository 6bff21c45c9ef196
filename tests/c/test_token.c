/* Token verification through the C ABI, as a C host uses it: parse a JWKS into a caller-placed
 * tollgate_keyset, initialise a tollgate_policy, verify the PyJWT-minted ACS and Entra tokens of
 * tests/fixtures/pyjwt (ok and many rejections, read from manifest.json by name), exact-size
 * scratch on the heap (so ASan sees any overrun), buffer-too-small scratch, NULL arguments,
 * outputs untouched on failure, claim getters and OIDC discovery. argv[1] is the repo root. */
#include "tollgate.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#define CHECK_STATUS(got, want)                                                              \
  do {                                                                                       \
    tollgate_status got_ = (got);                                                            \
    if (strcmp(tollgate_status_str(got_), (want)) != 0) {                                    \
      fprintf(stderr, "%s:%d: got %s, want %s\n", __FILE__, __LINE__, tollgate_status_str(got_), \
              (want));                                                                       \
      failures++;                                                                            \
    }                                                                                        \
  } while (0)

static const char *ACS_ISS = "https://acscallautomation.communication.azure.com";
static const char *ACS_AUD = "6a3b8f0e-2c1d-4e5f-9a7b-3c2d1e0f4a5b";
static const char *ENTRA_ISS =
    "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0";
static const char *ENTRA_AUD = "api://3f2a1b0c-9d8e-4f7a-b6c5-d4e3f2a1b0c9";

static char root[4096];

/* The whole file, exactly `*len` bytes in a heap block of that size (no terminator needed by
 * the library; one is added past the end for the test's own string searches). */
static char *read_file(const char *rel, size_t *len) {
  char path[8192];
  FILE *f;
  char *buf;
  long n;
  snprintf(path, sizeof path, "%s/%s", root, rel);
  f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "cannot open %s\n", path);
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

static char *manifest;

/* The string value of `"field": "..."` in the manifest case named `name` (a heap copy). */
static char *case_string(const char *name, const char *field) {
  char key[256];
  const char *at, *start, *end;
  char *out;
  snprintf(key, sizeof key, "\"name\": \"%s\"", name);
  at = strstr(manifest, key);
  if (!at) {
    fprintf(stderr, "no manifest case %s\n", name);
    exit(2);
  }
  snprintf(key, sizeof key, "\"%s\": \"", field);
  start = strstr(at, key);
  if (!start) exit(2);
  start += strlen(key);
  end = strchr(start, '"');
  out = (char *)malloc((size_t)(end - start) + 1);
  memcpy(out, start, (size_t)(end - start));
  out[end - start] = '\0';
  return out;
}

static uint64_t case_now(const char *name) {
  char key[256];
  const char *at;
  snprintf(key, sizeof key, "\"name\": \"%s\"", name);
  at = strstr(manifest, key);
  if (!at) exit(2);
  at = strstr(at, "\"now\": ");
  if (!at) exit(2);
  return strtoull(at + 7, NULL, 10);
}

static tollgate_str str(const char *s) {
  tollgate_str out;
  out.ptr = s;
  out.len = strlen(s);
  return out;
}

static tollgate_keyset *load_keyset(const char *rel) {
  size_t len;
  char *doc = read_file(rel, &len);
  tollgate_keyset *ks = (tollgate_keyset *)malloc(sizeof *ks); /* uninitialised on purpose */
  tollgate_jwks_report report;
  CHECK_STATUS(tollgate_keyset_parse(ks, doc, len, &report), "ok");
  CHECK(report.loaded == tollgate_keyset_len(ks));
  CHECK(report.skipped == 0);
  free(doc);
  return ks;
}

/* Verify with an exactly-sized heap scratch; the status name. On success copies sub. */
static const char *verify_at(const tollgate_keyset *ks, const tollgate_policy *p, const char *token,
                             uint64_t now, tollgate_claims *out, char **scratch_out) {
  size_t n = strlen(token);
  size_t need = tollgate_verify_scratch_size(n);
  char *tok = (char *)malloc(n); /* not NUL-terminated */
  void *scratch = malloc(need);
  tollgate_status st;
  memcpy(tok, token, n);
  st = tollgate_verify(ks, p, tok, n, now, scratch, need, out);
  free(tok);
  if (scratch_out) {
    *scratch_out = (char *)scratch;
  } else {
    free(scratch);
  }
  return tollgate_status_str(st);
}

struct manifest_case {
  const char *name;
  int entra;
  const char *expect;
};

static void test_manifest_cases(void) {
  static const struct manifest_case cases[] = {
      {"acs_webhook", 0, "ok"},
      {"acs_websocket", 0, "ok"},
      {"acs_audience_array", 0, "ok"},
      {"entra_event_grid", 1, "ok"},
      {"entra_older_2048_key", 1, "ok"},
      {"acs_webhook_expired_at_leeway_boundary", 0, "expired"},
      {"acs_nbf_in_the_future", 0, "not_yet_valid"},
      {"nbf_fraction_rounds_up", 0, "not_yet_valid"},
      {"missing_exp", 0, "missing_claim"},
      {"exp_is_a_string", 0, "invalid_claim"},
      {"entra_expired", 1, "expired"},
      {"wrong_audience", 0, "wrong_audience"},
      {"wrong_issuer_trailing_slash", 0, "wrong_issuer"},
      {"entra_app_id_instead_of_uri", 1, "wrong_audience"},
      {"alg_none", 0, "unsupported_alg"},
      {"hs256_public_key_as_secret", 0, "unsupported_alg"},
      {"alg_lowercase", 0, "unsupported_alg"},
      {"crit_header", 0, "unsupported_crit"},
      {"unknown_kid", 0, "unknown_kid"},
      {"missing_kid_several_keys", 0, "missing_kid"},
      {"attacker_key_with_known_kid", 0, "bad_signature"},
      {"tampered_and_expired", 0, "bad_signature"},
      {"duplicate_aud_claim", 0, "malformed"},
  };
  tollgate_keyset *acs = load_keyset("tests/fixtures/pyjwt/jwks/acs.json");
  tollgate_keyset *entra = load_keyset("tests/fixtures/pyjwt/jwks/entra.json");
  tollgate_policy acs_policy, entra_policy;
  tollgate_str aud;
  size_t i;
  aud = str(ACS_AUD);
  CHECK_STATUS(tollgate_policy_init(&acs_policy, ACS_ISS, strlen(ACS_ISS), &aud, 1), "ok");
  aud = str(ENTRA_AUD);
  CHECK_STATUS(tollgate_policy_init(&entra_policy, ENTRA_ISS, strlen(ENTRA_ISS), &aud, 1), "ok");
  CHECK(tollgate_keyset_len(acs) == 3 && tollgate_keyset_len(entra) == 3);

  for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char *token = case_string(cases[i].name, "token");
    char *expect = case_string(cases[i].name, "expect");
    tollgate_claims claims;
    const char *got;
    memset(&claims, 0x7b, sizeof claims);
    CHECK(strcmp(expect, cases[i].expect) == 0);
    got = verify_at(cases[i].entra ? entra : acs, cases[i].entra ? &entra_policy : &acs_policy,
                    token, case_now(cases[i].name), &claims, NULL);
    if (strcmp(got, expect) != 0) {
      fprintf(stderr, "%s: got %s, want %s\n", cases[i].name, got, expect);
      failures++;
    }
    if (strcmp(expect, "ok") != 0) {
      /* Untouched on failure. */
      unsigned char pattern[sizeof claims];
      memset(pattern, 0x7b, sizeof pattern);
      CHECK(memcmp(&claims, pattern, sizeof claims) == 0);
    }
    free(token);
    free(expect);
  }
  free(acs);
  free(entra);
}

static void test_claims_view_and_getters(void) {
  tollgate_keyset *ks = load_keyset("tests/fixtures/pyjwt/jwks/acs.json");
  tollgate_policy p;
  tollgate_str auds[2];
  tollgate_claims c;
  char *token = case_string("acs_webhook", "token");
  char *sub = case_string("acs_webhook", "sub");
  char *scratch = NULL;
  const char *json;
  size_t len;
  char buf[512];
  auds[0] = str("someone-else");
  auds[1] = str(ACS_AUD);
  CHECK_STATUS(tollgate_policy_init(&p, ACS_ISS, strlen(ACS_ISS), auds, 2), "ok");
  CHECK(strcmp(verify_at(ks, &p, token, case_now("acs_webhook"), &c, &scratch), "ok") == 0);
  CHECK(c.iss.len == strlen(ACS_ISS) && memcmp(c.iss.ptr, ACS_ISS, c.iss.len) == 0);
  CHECK(c.aud.len == strlen(ACS_AUD) && memcmp(c.aud.ptr, ACS_AUD, c.aud.len) == 0);
  CHECK(c.aud_index == 1);
  CHECK(c.has_sub && c.sub.len == strlen(sub) && memcmp(c.sub.ptr, sub, c.sub.len) == 0);
  CHECK(c.has_jti && c.jti.len == 36);
  CHECK(c.has_exp && c.exp == 1767225900u);
  CHECK(c.has_nbf && c.nbf == 1767225600u);
  CHECK(c.has_iat && c.iat == 1767225600u);
  CHECK(c.json.len > 500 && c.json.ptr[0] == '{');

  CHECK_STATUS(tollgate_claims_get(&c, "exp", 3, &json, &len), "ok");
  CHECK(len == 10 && memcmp(json, "1767225900", 10) == 0);
  CHECK_STATUS(tollgate_claims_get(&c, "resourceId", 10, &json, &len), "ok");
  CHECK(json[0] == '"' && json[len - 1] == '"');
  {
    size_t raw_len = len, out_len = 99;
    CHECK_STATUS(tollgate_claims_get_str(&c, "resourceId", 10, buf, raw_len, &out_len), "ok");
    CHECK(out_len == raw_len - 2 && memcmp(buf, "/subscriptions/", 15) == 0);
    out_len = 99;
    CHECK_STATUS(tollgate_claims_get_str(&c, "resourceId", 10, buf, raw_len - 3, &out_len),
                 "buffer_too_small");
    CHECK(out_len == 99);
    CHECK_STATUS(tollgate_claims_get_str(&c, "exp", 3, buf, sizeof buf, &out_len),
                 "invalid_claim");
    CHECK_STATUS(tollgate_claims_get_str(&c, "nope", 4, buf, sizeof buf, &out_len),
                 "claim_not_found");
    CHECK(out_len == 99);
  }
  /* Typed getters. */
  {
    int64_t i = 7;
    double d = 7.0;
    bool b = true;
    size_t count = 9, out_len = 99;
    CHECK_STATUS(tollgate_claims_get_i64(&c, "exp", 3, &i), "ok");
    CHECK(i == 1767225900);
    CHECK_STATUS(tollgate_claims_get_f64(&c, "exp", 3, &d), "ok");
    CHECK(d == 1767225900.0);
    CHECK_STATUS(tollgate_claims_get_bool(&c, "exp", 3, &b), "invalid_claim");
    CHECK(b);
    i = 7;
    CHECK_STATUS(tollgate_claims_get_i64(&c, "sub", 3, &i), "invalid_claim");
    CHECK_STATUS(tollgate_claims_get_i64(&c, "nope", 4, &i), "claim_not_found");
    CHECK(i == 7);
    CHECK_STATUS(tollgate_claims_get_i64(&c, "exp", 3, NULL), "null_pointer");
    /* aud is a string here: a list of one. */
    CHECK_STATUS(tollgate_claims_get_str_count(&c, "aud", 3, &count), "ok");
    CHECK(count == 1);
    CHECK_STATUS(tollgate_claims_get_str_at(&c, "aud", 3, 0, buf, sizeof buf, &out_len), "ok");
    CHECK(out_len == strlen(ACS_AUD) && memcmp(buf, ACS_AUD, out_len) == 0);
    out_len = 99;
    CHECK_STATUS(tollgate_claims_get_str_at(&c, "aud", 3, 1, buf, sizeof buf, &out_len),
                 "invalid_argument");
    CHECK_STATUS(tollgate_claims_get_str_at(&c, "aud", 3, 0, buf, 3, &out_len),
                 "buffer_too_small");
    CHECK(out_len == 99);
    count = 9;
    CHECK_STATUS(tollgate_claims_get_str_count(&c, "exp", 3, &count), "invalid_claim");
    CHECK(count == 9);
  }
  json = NULL;
  len = 5;
  CHECK_STATUS(tollgate_claims_get(&c, "nope", 4, &json, &len), "claim_not_found");
  CHECK(json == NULL && len == 5);
  CHECK_STATUS(tollgate_claims_get(NULL, "exp", 3, &json, &len), "null_pointer");
  CHECK_STATUS(tollgate_claims_get(&c, NULL, 3, &json, &len), "null_pointer");
  CHECK_STATUS(tollgate_claims_get(&c, "exp", 3, NULL, &len), "null_pointer");
  free(scratch);
  free(token);
  free(sub);
  free(ks);
}

static void test_arguments_and_untouched_outputs(void) {
  tollgate_keyset *ks = load_keyset("tests/fixtures/pyjwt/jwks/acs.json");
  tollgate_keyset *before = (tollgate_keyset *)malloc(sizeof *before);
  tollgate_policy p, p_before;
  tollgate_str aud = str(ACS_AUD);
  tollgate_claims c, sentinel;
  tollgate_jwks_report report;
  char *token = case_string("acs_webhook", "token");
  size_t n = strlen(token);
  size_t need = tollgate_verify_scratch_size(n);
  char *scratch = (char *)malloc(need);
  uint64_t now = case_now("acs_webhook");
  const char *kid;
  size_t kid_len;

  CHECK(tollgate_keyset_size() == sizeof(tollgate_keyset));
  CHECK(tollgate_policy_size() == sizeof(tollgate_policy));
  CHECK(TOLLGATE_KEYSET_SIZE == sizeof(tollgate_keyset));
  CHECK(TOLLGATE_POLICY_SIZE == sizeof(tollgate_policy));
  CHECK(need >= n);

  CHECK_STATUS(tollgate_policy_init(&p, ACS_ISS, strlen(ACS_ISS), &aud, 1), "ok");
  memset(&sentinel, 0x42, sizeof sentinel);
  c = sentinel;
  CHECK_STATUS(tollgate_verify(ks, &p, token, n, now, scratch, need - 1, &c), "buffer_too_small");
  CHECK_STATUS(tollgate_verify(ks, &p, token, n, now, NULL, 0, &c), "buffer_too_small");
  CHECK_STATUS(tollgate_verify(ks, &p, token, n, now, NULL, need, &c), "null_pointer");
  CHECK_STATUS(tollgate_verify(ks, &p, NULL, n, now, scratch, need, &c), "null_pointer");
  CHECK_STATUS(tollgate_verify(NULL, &p, token, n, now, scratch, need, &c), "null_pointer");
  CHECK_STATUS(tollgate_verify(ks, NULL, token, n, now, scratch, need, &c), "null_pointer");
  CHECK_STATUS(tollgate_verify(ks, &p, token, n, now, scratch, need, NULL), "null_pointer");
  CHECK_STATUS(tollgate_verify(ks, &p, token, n - 1, now, scratch, need, &c), "malformed");
  {
    char saved = token[n - 5];
    token[n - 5] = saved == 'A' ? 'B' : 'A';
    CHECK_STATUS(tollgate_verify(ks, &p, token, n, now, scratch, need, &c), "bad_signature");
    token[n - 5] = saved;
  }
  CHECK(memcmp(&c, &sentinel, sizeof c) == 0);
  CHECK_STATUS(tollgate_verify(ks, &p, token, n, now, scratch, need, &c), "ok");

  /* Too large comes before anything else. */
  CHECK_STATUS(tollgate_policy_set_max_token_len(&p, n - 1), "ok");
  c = sentinel;
  CHECK_STATUS(tollgate_verify(ks, &p, token, n, now, scratch, need, &c), "too_large");
  CHECK(memcmp(&c, &sentinel, sizeof c) == 0);
  CHECK_STATUS(tollgate_policy_set_max_token_len(&p, 16384), "ok");

  /* Failed setters and init leave the policy as it was. */
  memcpy(&p_before, &p, sizeof p);
  CHECK_STATUS(tollgate_policy_set_max_depth(&p, 0), "invalid_policy");
  CHECK_STATUS(tollgate_policy_set_max_token_len(&p, 0), "invalid_policy");
  CHECK_STATUS(tollgate_policy_init(&p, "", 0, &aud, 1), "invalid_policy");
  CHECK_STATUS(tollgate_policy_init(&p, ACS_ISS, strlen(ACS_ISS), NULL, 0), "invalid_policy");
  CHECK_STATUS(tollgate_policy_init(&p, ACS_ISS, strlen(ACS_ISS), NULL, 1), "null_pointer");
  CHECK_STATUS(tollgate_policy_init(&p, "a\0b", 3, &aud, 1), "invalid_text");
  CHECK_STATUS(tollgate_policy_set_typ(&p, "jwt", 3), "ok");
  CHECK_STATUS(tollgate_verify(ks, &p, token, n, now, scratch, need, &c), "ok");
  CHECK_STATUS(tollgate_policy_set_typ(&p, "at+jwt", 6), "ok");
  CHECK_STATUS(tollgate_verify(ks, &p, token, n, now, scratch, need, &c), "wrong_type");
  CHECK_STATUS(tollgate_policy_set_typ(&p, NULL, 0), "ok");
  CHECK(memcmp(&p, &p_before, sizeof p) == 0);
  CHECK_STATUS(tollgate_policy_set_max_age(&p, 1), "ok");
  CHECK_STATUS(tollgate_policy_set_leeway(&p, 0), "ok");
  CHECK_STATUS(tollgate_verify(ks, &p, token, n, now, scratch, need, &c), "too_old");
  /* A maximum age of 0 turns the check off again. */
  CHECK_STATUS(tollgate_policy_set_max_age(&p, 0), "ok");
  CHECK_STATUS(tollgate_verify(ks, &p, token, n, now, scratch, need, &c), "ok");
  CHECK_STATUS(tollgate_policy_set_leeway(&p, TOLLGATE_POLICY_MAX_LEEWAY), "ok");
  CHECK_STATUS(tollgate_policy_set_leeway(&p, TOLLGATE_POLICY_MAX_LEEWAY + 1), "invalid_argument");
  CHECK_STATUS(tollgate_policy_set_require_exp(&p, false), "ok");
  CHECK_STATUS(tollgate_policy_set_leeway(NULL, 0), "null_pointer");

  /* A failed parse leaves a parsed key set working as before (same kids, same verdicts). */
  memcpy(before, ks, sizeof *ks);
  /* The report is written on failure too: all zero when nothing was judged. */
  memset(&report, 0x33, sizeof report);
  CHECK_STATUS(tollgate_keyset_parse(ks, "{\"keys\":[]}", 11, &report), "no_usable_key");
  CHECK(report.loaded == 0 && report.skipped == 0 && report.listed_len == 0);
  memset(&report, 0x33, sizeof report);
  CHECK_STATUS(tollgate_keyset_parse(ks, "{", 1, &report), "invalid_jwks");
  CHECK(report.loaded == 0 && report.skipped == 0 && report.listed_len == 0);
  CHECK(report.skipped_for[TOLLGATE_SKIP_NOT_RSA] == 0 && report.listed[0].index == 0);
  memset(&report, 0x33, sizeof report);
  CHECK_STATUS(tollgate_keyset_parse(ks, NULL, 4, &report), "null_pointer");
  CHECK(report.loaded == 0 && report.skipped == 0);
  memset(&report, 0x33, sizeof report);
  CHECK_STATUS(tollgate_keyset_parse(NULL, "{}", 2, &report), "null_pointer");
  CHECK(report.loaded == 0 && report.skipped == 0);
  /* A misaligned report pointer is refused and nothing is written through it. */
  {
    uint32_t words[TOLLGATE_JWKS_REPORT_SIZE / 4 + 1];
    unsigned char *bytes = (unsigned char *)words;
    memset(words, 0x44, sizeof words);
    CHECK_STATUS(tollgate_keyset_parse(ks, "{", 1, (tollgate_jwks_report *)(void *)(bytes + 1)),
                 "misaligned");
    CHECK(bytes[1] == 0x44 && bytes[sizeof words - 1] == 0x44);
  }
  CHECK(tollgate_keyset_len(ks) == 3);
  {
    const char *kid_before;
    size_t len_before;
    size_t i;
    for (i = 0; i < 3; i++) {
      CHECK_STATUS(tollgate_keyset_kid(ks, i, &kid, &kid_len), "ok");
      CHECK_STATUS(tollgate_keyset_kid(before, i, &kid_before, &len_before), "ok");
      CHECK(kid_len == len_before && memcmp(kid, kid_before, kid_len) == 0);
    }
  }
  CHECK_STATUS(tollgate_policy_init(&p, ACS_ISS, strlen(ACS_ISS), &aud, 1), "ok");
  CHECK_STATUS(tollgate_verify(ks, &p, token, n, now, scratch, need, &c), "ok");
  /* A memcpy'd key set works too: no internal pointers. */
  CHECK_STATUS(tollgate_verify(before, &p, token, n, now, scratch, need, &c), "ok");
  kid = NULL;
  kid_len = 7;
  CHECK_STATUS(tollgate_keyset_kid(ks, 3, &kid, &kid_len), "invalid_argument");
  CHECK(kid == NULL && kid_len == 7);
  CHECK(strcmp(tollgate_skip_reason_str(TOLLGATE_SKIP_NOT_RSA), "not_rsa") == 0);
  CHECK(strcmp(tollgate_skip_reason_str(99), "unknown_skip_reason") == 0);

  /* Skip reasons in a report. */
  {
    const char *mixed = "{\"keys\":[{\"kty\":\"EC\"},{\"kty\":\"RSA\",\"use\":\"enc\"}]}";
    memset(&report, 0x33, sizeof report);
    CHECK_STATUS(tollgate_keyset_parse(ks, mixed, strlen(mixed), &report), "no_usable_key");
    CHECK(tollgate_keyset_len(ks) == 3);
    /* Exactly when no key is usable, the report says why each entry was skipped. */
    CHECK(report.loaded == 0 && report.skipped == 2 && report.listed_len == 2);
    CHECK(report.skipped_for[TOLLGATE_SKIP_NOT_RSA] == 1);
    CHECK(report.skipped_for[TOLLGATE_SKIP_NOT_FOR_SIGNATURE] == 1);
    CHECK(report.skipped_for[TOLLGATE_SKIP_BAD_ENCODING] == 0);
    CHECK(report.listed[0].index == 0 && report.listed[0].reason == TOLLGATE_SKIP_NOT_RSA);
    CHECK(report.listed[1].index == 1 && report.listed[1].reason == TOLLGATE_SKIP_NOT_FOR_SIGNATURE);
    CHECK(report.listed[2].index == 0 && report.listed[2].reason == 0);
  }
  free(scratch);
  free(token);
  free(before);
  free(ks);
}

static void test_oidc(void) {
  size_t len, il = 0, ul = 0;
  char *doc = read_file("tests/fixtures/sample/acs-openid-configuration.json", &len);
  char issuer[64], uri[128];
  const char *want_uri = "https://acscallautomation.communication.azure.com/calling/keys";
  CHECK_STATUS(tollgate_oidc_parse(doc, len, issuer, sizeof issuer, &il, uri, sizeof uri, &ul), "ok");
  CHECK(il == strlen(ACS_ISS) && memcmp(issuer, ACS_ISS, il) == 0);
  CHECK(ul == strlen(want_uri) && memcmp(uri, want_uri, ul) == 0);
  il = ul = 1234;
  CHECK_STATUS(tollgate_oidc_parse(doc, len, issuer, sizeof issuer, &il, uri, 10, &ul),
               "buffer_too_small");
  CHECK(il == 1234 && ul == 1234);
  CHECK_STATUS(tollgate_oidc_parse("{\"issuer\":\"i\",\"jwks_uri\":\"http://h/k\"}", 38, issuer,
                                   sizeof issuer, &il, uri, sizeof uri, &ul),
               "insecure_jwks_uri");
  CHECK_STATUS(tollgate_oidc_parse(NULL, 3, issuer, sizeof issuer, &il, uri, sizeof uri, &ul),
               "null_pointer");
  CHECK_STATUS(tollgate_oidc_parse(doc, len, issuer, sizeof issuer, NULL, uri, sizeof uri, &ul),
               "null_pointer");
  free(doc);
}

/* The runtime ABI check and the sizes of every fixed-size object. */
static void test_abi_and_sizes(void) {
  tollgate_status st = TOLLGATE_STATUS_OK;
  CHECK(tollgate_abi_version() == TOLLGATE_ABI_VERSION);
  CHECK(tollgate_keyset_size() == sizeof(tollgate_keyset) &&
        sizeof(tollgate_keyset) == TOLLGATE_KEYSET_SIZE);
  CHECK(tollgate_policy_size() == sizeof(tollgate_policy) &&
        sizeof(tollgate_policy) == TOLLGATE_POLICY_SIZE);
  CHECK(tollgate_jwks_report_size() == sizeof(tollgate_jwks_report) &&
        sizeof(tollgate_jwks_report) == TOLLGATE_JWKS_REPORT_SIZE);
  CHECK(tollgate_claims_size() == sizeof(tollgate_claims));
  CHECK(tollgate_verify_scratch_size(TOLLGATE_DEFAULT_MAX_TOKEN_LEN) ==
        TOLLGATE_VERIFY_SCRATCH_MAX);
  /* The status is an enum: a switch over it is checked by -Wswitch (-Wall -Werror here). */
  switch (st) {
    case TOLLGATE_STATUS_OK:
      break;
    default:
      CHECK(0);
  }
}

int main(int argc, char **argv) {
  size_t len;
  snprintf(root, sizeof root, "%s", argc > 1 ? argv[1] : ".");
  manifest = read_file("tests/fixtures/pyjwt/manifest.json", &len);
  test_manifest_cases();
  test_claims_view_and_getters();
  test_arguments_and_untouched_outputs();
  test_oidc();
  test_abi_and_sizes();
  free(manifest);
  if (failures == 0) printf("test_token: ok\n");
  return failures == 0 ? 0 : 1;
}
