/* CIDR tables through the C ABI: build into caller storage, lookups (binary, text, many,
 * IPv4-mapped), relocation by copying the image, loading with truncated and corrupted images,
 * error statuses, outputs untouched on failure, the built-in ACS set and its ports. */
#include "tollgate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

static const char LIST[] =
    "# test list\r\n"
    "10.0.0.0/8 1\r\n"
    "10.1.0.0/16 2\n"
    "192.0.2.7\n"
    "2001:db8::/32 4\n"
    "2001:db8:1::/48 8 # nested\n";

static uint32_t text_tags(const tollgate_ipset *set, const char *addr) {
  uint32_t tags = 0xdeadbeef;
  tollgate_status st = tollgate_ipset_lookup_text(set, addr, strlen(addr), &tags);
  return st == TOLLGATE_STATUS_OK ? tags : 0xffffffffu;
}

/* 16-byte aligned heap memory (malloc guarantees it on the 64-bit targets we test). */
static void *alloc_aligned(size_t n) {
  void *p = malloc(n ? n : 1);
  if (p == NULL || ((uintptr_t)p % TOLLGATE_IPSET_ALIGN) != 0) {
    fprintf(stderr, "no aligned memory\n");
    exit(2);
  }
  return p;
}

static void test_build_and_lookup(void) {
  size_t size = 0;
  CHECK(tollgate_ipset_required_size(LIST, strlen(LIST), &size) == TOLLGATE_STATUS_OK);
  CHECK(size > 0);
  CHECK(tollgate_ipset_align() == TOLLGATE_IPSET_ALIGN);

  void *storage = alloc_aligned(size);
  const tollgate_ipset *set = NULL;
  /* Too small and misaligned storage are errors that leave *out_set untouched. */
  CHECK(tollgate_ipset_build(storage, size - 1, LIST, strlen(LIST), &set) ==
        TOLLGATE_STATUS_BUFFER_TOO_SMALL);
  CHECK(set == NULL);
  CHECK(tollgate_ipset_build((char *)storage + 4, size - 4, LIST, strlen(LIST), &set) ==
        TOLLGATE_STATUS_MISALIGNED);
  CHECK(set == NULL);
  CHECK(tollgate_ipset_build(storage, size, LIST, strlen(LIST), &set) == TOLLGATE_STATUS_OK);
  CHECK(set == (const tollgate_ipset *)storage);

  const uint8_t a1[4] = {10, 1, 2, 3}, a2[4] = {10, 2, 0, 0}, a3[4] = {192, 0, 2, 7},
                a4[4] = {192, 0, 2, 8};
  CHECK(tollgate_ipset_lookup(set, a1, 4) == 3);
  CHECK(tollgate_ipset_lookup(set, a2, 4) == 1);
  CHECK(tollgate_ipset_lookup(set, a3, 4) == 1);
  CHECK(tollgate_ipset_lookup(set, a4, 4) == 0);
  const uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9};
  const uint8_t mapped[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 1, 0, 1};
  CHECK(tollgate_ipset_lookup(set, v6, 16) == 12);
  CHECK(tollgate_ipset_lookup(set, mapped, 16) == 3);
  /* Bad input answers 0. */
  CHECK(tollgate_ipset_lookup(NULL, a1, 4) == 0);
  CHECK(tollgate_ipset_lookup(set, NULL, 4) == 0);
  CHECK(tollgate_ipset_lookup(set, a1, 3) == 0);
  CHECK(tollgate_ipset_lookup(set, v6, 15) == 0);

  CHECK(text_tags(set, "10.1.255.255") == 3);
  CHECK(text_tags(set, "::ffff:10.1.0.1") == 3);
  CHECK(text_tags(set, "2001:db8::1") == 4);
  CHECK(text_tags(set, "8.8.8.8") == 0);
  uint32_t tags = 77;
  CHECK(tollgate_ipset_lookup_text(set, "010.1.2.3", 9, &tags) == TOLLGATE_STATUS_INVALID_ADDRESS);
  CHECK(tollgate_ipset_lookup_text(set, "fe80::1%eth0", 12, &tags) ==
        TOLLGATE_STATUS_INVALID_ADDRESS);
  CHECK(tollgate_ipset_lookup_text(set, "10.1.2.3\0", 9, &tags) == TOLLGATE_STATUS_INVALID_ADDRESS);
  CHECK(tollgate_ipset_lookup_text(set, "10.1.2.3", 8, NULL) == TOLLGATE_STATUS_NULL_POINTER);
  CHECK(tollgate_ipset_lookup_text(NULL, "10.1.2.3", 8, &tags) == TOLLGATE_STATUS_NULL_POINTER);
  CHECK(tags == 77);

  /* Many at once. */
  uint8_t many[3 * 4];
  memcpy(many, a1, 4);
  memcpy(many + 4, a3, 4);
  memcpy(many + 8, a4, 4);
  uint32_t out[3] = {9, 9, 9};
  CHECK(tollgate_ipset_lookup_many(set, many, 4, 3, out) == TOLLGATE_STATUS_OK);
  CHECK(out[0] == 3 && out[1] == 1 && out[2] == 0);
  CHECK(tollgate_ipset_lookup_many(set, many, 5, 2, out) == TOLLGATE_STATUS_INVALID_ARGUMENT);
  CHECK(tollgate_ipset_lookup_many(set, NULL, 4, 0, NULL) == TOLLGATE_STATUS_OK);

  /* The image is relocatable: copy it elsewhere and load it. */
  size_t image_len = tollgate_ipset_image_len(set);
  CHECK(image_len > 0 && image_len <= size);
  CHECK(tollgate_ipset_image_len(NULL) == 0);
  uint8_t *copy = alloc_aligned(image_len);
  memcpy(copy, set, image_len);
  memset(storage, 0xa5, size); /* the original is gone */
  free(storage);
  const tollgate_ipset *loaded = NULL;
  CHECK(tollgate_ipset_load(copy, image_len, &loaded) == TOLLGATE_STATUS_OK);
  CHECK(loaded == (const tollgate_ipset *)copy);
  CHECK(text_tags(loaded, "10.1.2.3") == 3);
  CHECK(text_tags(loaded, "2001:db8:1:2::") == 12);

  /* Every truncation and every single-byte corruption is refused. */
  const tollgate_ipset *bad = NULL;
  for (size_t cut = 0; cut < image_len; cut++) {
    CHECK(tollgate_ipset_load(copy, cut, &bad) == TOLLGATE_STATUS_IMAGE_TRUNCATED);
  }
  for (size_t i = 0; i < image_len; i++) {
    copy[i] ^= 0x40;
    tollgate_status st = tollgate_ipset_load(copy, image_len, &bad);
    CHECK(st != TOLLGATE_STATUS_OK);
    copy[i] ^= 0x40;
  }
  CHECK(bad == NULL);
  CHECK(tollgate_ipset_load(NULL, 0, &bad) == TOLLGATE_STATUS_NULL_POINTER);
  CHECK(tollgate_ipset_load(copy, image_len, NULL) == TOLLGATE_STATUS_NULL_POINTER);
  CHECK(tollgate_ipset_load(copy, image_len, &bad) == TOLLGATE_STATUS_OK);
  free(copy);
}

static void test_list_errors(void) {
  static const char bad[] = "10.0.0.0/8\n# ok\n10.1.2.3/8\n";
  size_t size = 12345;
  CHECK(tollgate_ipset_required_size(bad, strlen(bad), &size) == TOLLGATE_STATUS_HOST_BITS_SET);
  CHECK(size == 12345);
  char msg[128];
  size_t len = 0;
  CHECK(tollgate_ipset_explain(bad, strlen(bad), msg, sizeof msg, &len) == TOLLGATE_STATUS_OK);
  CHECK(strcmp(msg, "line 3: host_bits_set: did you mean 10.0.0.0/8?") == 0);
  CHECK(len == strlen(msg));
  CHECK(tollgate_ipset_explain(bad, strlen(bad), msg, 10, &len) ==
        TOLLGATE_STATUS_BUFFER_TOO_SMALL);
  CHECK(tollgate_ipset_explain(LIST, strlen(LIST), msg, sizeof msg, &len) == TOLLGATE_STATUS_OK);
  CHECK(len == 0 && msg[0] == '\0');
  CHECK(tollgate_ipset_required_size("1.2.3.4 x", 9, &size) == TOLLGATE_STATUS_INVALID_LIST_LINE);
  CHECK(tollgate_ipset_required_size("1.2.3.4/33", 10, &size) ==
        TOLLGATE_STATUS_INVALID_PREFIX_LENGTH);
  CHECK(tollgate_ipset_required_size("1.2.3", 5, &size) == TOLLGATE_STATUS_INVALID_ADDRESS);
  CHECK(tollgate_ipset_required_size("1.2.3.4\0", 8, &size) == TOLLGATE_STATUS_INVALID_TEXT);
  CHECK(tollgate_ipset_required_size(NULL, 5, &size) == TOLLGATE_STATUS_NULL_POINTER);
  CHECK(tollgate_ipset_required_size(NULL, 0, &size) == TOLLGATE_STATUS_OK); /* empty list */
  CHECK(tollgate_ipset_required_size("", 0, NULL) == TOLLGATE_STATUS_NULL_POINTER);
}

static void test_acs(void) {
  const tollgate_ipset *acs = tollgate_acs_ipset();
  CHECK(acs != NULL);
  CHECK(text_tags(acs, "52.112.0.1") == (TOLLGATE_ACS_MEDIA | TOLLGATE_ACS_CALLBACK));
  CHECK(text_tags(acs, "::ffff:52.123.1.1") == (TOLLGATE_ACS_MEDIA | TOLLGATE_ACS_CALLBACK));
  CHECK(text_tags(acs, "2620:1ec:6::1") == TOLLGATE_ACS_CALLBACK);
  CHECK(text_tags(acs, "8.8.8.8") == 0);
  /* The built-in image loads like any other. */
  const tollgate_ipset *again = NULL;
  CHECK(tollgate_ipset_load(acs, tollgate_ipset_image_len(acs), &again) == TOLLGATE_STATUS_OK);
  CHECK(again == acs);

  const uint8_t media[4] = {52, 112, 9, 9};
  const uint8_t callback_only[16] = {0x26, 0x20, 0x01, 0xec, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  bool ok = false;
  CHECK(tollgate_acs_allows(media, 4, TOLLGATE_PROTOCOL_UDP, 3478, &ok) == TOLLGATE_STATUS_OK && ok);
  CHECK(tollgate_acs_allows(media, 4, TOLLGATE_PROTOCOL_TCP, 443, &ok) == TOLLGATE_STATUS_OK && ok);
  CHECK(tollgate_acs_allows(media, 4, TOLLGATE_PROTOCOL_TCP, 3478, &ok) == TOLLGATE_STATUS_OK && !ok);
  CHECK(tollgate_acs_allows(callback_only, 16, TOLLGATE_PROTOCOL_UDP, 3479, &ok) ==
            TOLLGATE_STATUS_OK && !ok);
  CHECK(tollgate_acs_allows(callback_only, 16, TOLLGATE_PROTOCOL_UDP, 443, &ok) ==
            TOLLGATE_STATUS_OK && ok);
  ok = true;
  CHECK(tollgate_acs_allows(media, 4, 1, 443, &ok) == TOLLGATE_STATUS_UNKNOWN_PROTOCOL && ok);
  CHECK(tollgate_acs_allows(media, 4, TOLLGATE_PROTOCOL_TCP, 70000, &ok) ==
        TOLLGATE_STATUS_INVALID_ARGUMENT);
  CHECK(tollgate_acs_allows(media, 5, TOLLGATE_PROTOCOL_TCP, 443, &ok) ==
        TOLLGATE_STATUS_INVALID_ARGUMENT);
  CHECK(tollgate_acs_allows(media, 4, TOLLGATE_PROTOCOL_TCP, 443, NULL) ==
        TOLLGATE_STATUS_NULL_POINTER);
}

int main(void) {
  test_build_and_lookup();
  test_list_errors();
  test_acs();
  if (failures == 0) printf("test_ipset: ok\n");
  return failures == 0 ? 0 : 1;
}
