/* The HTTP helpers through the C ABI: tollgate_bearer_token returns a pointer into the input
 * and leaves outputs untouched on failure; tollgate_apikey_check with key rotation, every
 * rejection status, and the NULL/length rules. */
#include "tollgate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

static tollgate_status bearer(const char *value, const char **tok, size_t *len) {
  return tollgate_bearer_token(value, strlen(value), tok, len);
}

static void test_bearer(void) {
  const char *tok = NULL;
  size_t len = 0;
  const char *value = "Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln";
  CHECK(bearer(value, &tok, &len) == TOLLGATE_STATUS_OK);
  CHECK(tok == value + 7);
  CHECK(len == strlen(value) - 7);

  /* The token must not need its input NUL-terminated: a heap copy without a terminator. */
  {
    const char *text = "bearer   abc==";
    size_t n = strlen(text);
    char *exact = (char *)malloc(n);
    memcpy(exact, text, n);
    CHECK(tollgate_bearer_token(exact, n, &tok, &len) == TOLLGATE_STATUS_OK);
    CHECK(len == 5 && memcmp(tok, "abc==", 5) == 0);
    free(exact);
  }

  /* Failures leave outputs alone. */
  tok = (const char *)&failures;
  len = 12345;
  {
    const char *bad[] = {"Basic dXNlcjpwYXNz", "Bearer", "Bearer\tabc", "Bearer a b", "Bearer a,b", ""};
    size_t i;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
      CHECK(bearer(bad[i], &tok, &len) == TOLLGATE_STATUS_INVALID_AUTHORIZATION);
    }
  }
  CHECK(tok == (const char *)&failures && len == 12345);

  /* An embedded NUL is not a token character. */
  CHECK(tollgate_bearer_token("Bearer ab\0c", 11, &tok, &len) ==
        TOLLGATE_STATUS_INVALID_AUTHORIZATION);
  CHECK(tollgate_bearer_token(NULL, 4, &tok, &len) == TOLLGATE_STATUS_NULL_POINTER);
  CHECK(tollgate_bearer_token(NULL, 0, &tok, &len) == TOLLGATE_STATUS_INVALID_AUTHORIZATION);
  CHECK(tollgate_bearer_token(value, strlen(value), NULL, &len) == TOLLGATE_STATUS_NULL_POINTER);
  CHECK(tollgate_bearer_token(value, strlen(value), &tok, NULL) == TOLLGATE_STATUS_NULL_POINTER);
}

static tollgate_str str(const char *s) {
  tollgate_str out;
  out.ptr = s;
  out.len = strlen(s);
  return out;
}

static tollgate_status apikey(const char *uri, const char *param, const tollgate_str *keys,
                              size_t n) {
  return tollgate_apikey_check(uri, strlen(uri), param, strlen(param), keys, n);
}

static void test_apikey(void) {
  tollgate_str keys[2];
  keys[0] = str("retiring-key");
  keys[1] = str("8f2d9c63a7b14d32b53c9e12a1f47fcb");

  CHECK(apikey("https://api.example.com/webhook?token=8f2d9c63a7b14d32b53c9e12a1f47fcb",
               "token", keys, 2) == TOLLGATE_STATUS_OK);
  CHECK(apikey("/webhook?a=1&token=retiring-key#x", "token", keys, 2) == TOLLGATE_STATUS_OK);
  CHECK(apikey("/webhook?token=retiring%2Dkey", "token", keys, 2) == TOLLGATE_STATUS_OK);
  CHECK(apikey("/webhook?token=retiring-ke", "token", keys, 2) == TOLLGATE_STATUS_KEY_MISMATCH);
  CHECK(apikey("/webhook?token=retiring-key", "token", keys + 1, 1) ==
        TOLLGATE_STATUS_KEY_MISMATCH);
  CHECK(apikey("/webhook", "token", keys, 2) == TOLLGATE_STATUS_MISSING_PARAMETER);
  CHECK(apikey("/webhook?token=retiring-key&%74oken=x", "token", keys, 2) ==
        TOLLGATE_STATUS_DUPLICATE_PARAMETER);
  CHECK(apikey("/webhook?token=%zz", "token", keys, 2) == TOLLGATE_STATUS_INVALID_URI);
  CHECK(apikey("/webhook?token=retiring-key", "", keys, 2) == TOLLGATE_STATUS_INVALID_ARGUMENT);
  CHECK(apikey("/webhook?token=retiring-key", "token", NULL, 0) ==
        TOLLGATE_STATUS_INVALID_ARGUMENT);
  CHECK(apikey("/webhook?token=retiring-key", "token", NULL, 2) == TOLLGATE_STATUS_NULL_POINTER);
  {
    tollgate_str with_null[2];
    with_null[0] = keys[0];
    with_null[1].ptr = NULL;
    with_null[1].len = 3;
    CHECK(apikey("/webhook?token=retiring-key", "token", with_null, 2) ==
          TOLLGATE_STATUS_NULL_POINTER);
    with_null[1].len = 0;
    CHECK(apikey("/webhook?token=retiring-key", "token", with_null, 2) ==
          TOLLGATE_STATUS_INVALID_ARGUMENT);
  }
  /* A key with an embedded NUL is compared as bytes. */
  {
    tollgate_str nul_key;
    nul_key.ptr = "a\0b";
    nul_key.len = 3;
    CHECK(apikey("/w?token=a%00b", "token", &nul_key, 1) == TOLLGATE_STATUS_OK);
    CHECK(apikey("/w?token=a", "token", &nul_key, 1) == TOLLGATE_STATUS_KEY_MISMATCH);
  }
  CHECK(strcmp(tollgate_status_str(TOLLGATE_STATUS_DUPLICATE_PARAMETER), "duplicate_parameter") == 0);
}

int main(void) {
  test_bearer();
  test_apikey();
  if (failures == 0) printf("test_http: ok\n");
  return failures == 0 ? 0 : 1;
}
