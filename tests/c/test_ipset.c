/* CIDR tables through the C ABI: build into caller storage and a caller-placed handle, lookups (binary, text, many,
 * IPv4-mapped), relocation by copying the image, loading with truncated and corrupted images,
 * error statuses, outputs untouched on failure, the built-in ACS set and its ports. */
#define _DEFAULT_SOURCE /* mmap, mprotect */
#include "tollgate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

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
  static tollgate_ipset handle; /* fixed size: place it anywhere */
  const tollgate_ipset *set = &handle;
  CHECK(sizeof(tollgate_ipset) == TOLLGATE_IPSET_SIZE && tollgate_ipset_size() == TOLLGATE_IPSET_SIZE);
  /* Too small and misaligned storage are errors that leave the handle unfilled. */
  CHECK(tollgate_ipset_build(storage, size - 1, LIST, strlen(LIST), &handle) ==
        TOLLGATE_STATUS_BUFFER_TOO_SMALL);
  CHECK(tollgate_ipset_build((char *)storage + 4, size - 4, LIST, strlen(LIST), &handle) ==
        TOLLGATE_STATUS_MISALIGNED);
  /* A handle never filled is refused, not read as an image. */
  uint32_t unfilled = 5;
  CHECK(tollgate_ipset_lookup_text(set, "10.1.2.3", 8, &unfilled) == TOLLGATE_STATUS_IMAGE_CORRUPT);
  CHECK(unfilled == 5);
  CHECK(tollgate_ipset_image_len(set) == 0 && tollgate_ipset_image(set) == NULL);
  CHECK(tollgate_ipset_build(storage, size, LIST, strlen(LIST), &handle) == TOLLGATE_STATUS_OK);
  CHECK(tollgate_ipset_image(set) == storage);

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
  /* A misaligned output, or one overlapping the input, is refused and nothing is written. */
  uint32_t wide[4] = {0, 0, 0, 0};
  CHECK(tollgate_ipset_lookup_many(set, many, 4, 2, (uint32_t *)((char *)wide + 1)) ==
        TOLLGATE_STATUS_MISALIGNED);
  CHECK(wide[0] == 0 && wide[1] == 0 && wide[2] == 0);
  uint32_t inplace[3];
  memcpy(inplace, many, sizeof inplace);
  CHECK(tollgate_ipset_lookup_many(set, (const uint8_t *)inplace, 4, 3, inplace) ==
        TOLLGATE_STATUS_INVALID_ARGUMENT);
  CHECK(tollgate_ipset_lookup_many(set, (const uint8_t *)inplace + 2, 4, 1, inplace) ==
        TOLLGATE_STATUS_INVALID_ARGUMENT);
  CHECK(tollgate_ipset_lookup_many(set, (const uint8_t *)inplace, 4, 1, inplace + 1) ==
        TOLLGATE_STATUS_OK); /* adjacent, not overlapping */
  CHECK(tollgate_ipset_lookup_many(NULL, many, 4, 1, out) == TOLLGATE_STATUS_NULL_POINTER);

  /* The image is relocatable: copy it elsewhere and load it. */
  size_t image_len = tollgate_ipset_image_len(set);
  CHECK(image_len > 0 && image_len <= size);
  CHECK(tollgate_ipset_image_len(NULL) == 0);
  uint8_t *copy = alloc_aligned(image_len);
  memcpy(copy, tollgate_ipset_image(set), image_len);
  memset(storage, 0xa5, size); /* the original is gone */
  free(storage);
  tollgate_ipset loaded_handle;
  const tollgate_ipset *loaded = &loaded_handle;
  CHECK(tollgate_ipset_load(copy, image_len, &loaded_handle) == TOLLGATE_STATUS_OK);
  CHECK(tollgate_ipset_image(loaded) == copy);
  CHECK(text_tags(loaded, "10.1.2.3") == 3);
  CHECK(text_tags(loaded, "2001:db8:1:2::") == 12);

  /* Every truncation and every single-byte corruption is refused, the handle left as it was. */
  tollgate_ipset bad;
  memset(&bad, 0, sizeof bad);
  for (size_t cut = 0; cut < image_len; cut++) {
    CHECK(tollgate_ipset_load(copy, cut, &bad) == TOLLGATE_STATUS_IMAGE_TRUNCATED);
  }
  for (size_t i = 0; i < image_len; i++) {
    copy[i] ^= 0x40;
    tollgate_status st = tollgate_ipset_load(copy, image_len, &bad);
    CHECK(st != TOLLGATE_STATUS_OK);
    copy[i] ^= 0x40;
  }
  CHECK(tollgate_ipset_image_len(&bad) == 0);
  CHECK(tollgate_ipset_load(NULL, 0, &bad) == TOLLGATE_STATUS_NULL_POINTER);
  CHECK(tollgate_ipset_load(copy, image_len, NULL) == TOLLGATE_STATUS_NULL_POINTER);
  CHECK(tollgate_ipset_load(copy, image_len, (tollgate_ipset *)((char *)&bad + 4)) ==
        TOLLGATE_STATUS_MISALIGNED);
  CHECK(tollgate_ipset_load(copy, image_len, &bad) == TOLLGATE_STATUS_OK);
  free(copy);
}

/* The image length the format gives two families' shapes (see core/src/net/image.rs). */
static uint64_t image_layout_len(uint32_t v4_entries, uint32_t v4_bits, uint32_t v6_entries,
                                 uint32_t v6_bits) {
  uint64_t at = 80 + (((uint64_t)1 << v4_bits) + 1) * 4;
  at = (at + 15) & ~(uint64_t)15;
  at += (uint64_t)v4_entries * 8;
  at = (at + 15) & ~(uint64_t)15;
  at += (uint64_t)v6_entries * 32 + (((uint64_t)1 << v6_bits) + 1) * 4;
  return (at + 15) & ~(uint64_t)15;
}

/* A loaded image rewritten in place (a hot-reloaded memory-mapped file): the header claims a
 * far larger table with huge counts and the body is scrambled, yet lookups stay inside the
 * bytes validated at load (ASan would report any read past the allocation). */
static void test_rewritten_after_load(void) {
  static const char BIG[] =
      "10.0.0.0/8 1\n10.1.0.0/16 2\n11.0.0.0/8 4\n12.0.0.0/8 8\n"
      "13.0.0.0/8 16\n14.0.0.0/8 32\n15.0.0.0/8 64\n16.0.0.0/8 1\n"
      "17.0.0.0/8 2\n18.0.0.0/8 4\n19.0.0.0/8 8\n20.0.0.0/8 16\n"
      "2001:db8::/32 4\n2001:db9::/32 8\n2001:dba::/32 16\n2001:dbb::/32 32\n";
  size_t size = 0;
  CHECK(tollgate_ipset_required_size(BIG, strlen(BIG), &size) == TOLLGATE_STATUS_OK);
  uint8_t *image = alloc_aligned(size);
  tollgate_ipset set;
  CHECK(tollgate_ipset_build(image, size, BIG, strlen(BIG), &set) == TOLLGATE_STATUS_OK);
  size_t len = tollgate_ipset_image_len(&set);
  /* The image ends exactly at an inaccessible page (and one guards its start too): a read past
   * either end faults, even from the uninstrumented Rust code ASan cannot see into. */
  size_t page = (size_t)sysconf(_SC_PAGESIZE);
  size_t span = (len + page - 1) / page * page;
  uint8_t *region = mmap(NULL, span + 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                         -1, 0);
  CHECK(region != MAP_FAILED);
  CHECK(mprotect(region, page, PROT_NONE) == 0);
  CHECK(mprotect(region + page + span, page, PROT_NONE) == 0);
  uint8_t *mapped = region + page + span - len;
  memcpy(mapped, image, len);
  free(image);
  tollgate_ipset loaded;
  CHECK(tollgate_ipset_load(mapped, len, &loaded) == TOLLGATE_STATUS_OK);
  CHECK(text_tags(&loaded, "10.1.2.3") == 3);
  for (int round = 0; round < 64; round++) {
    if (round % 2 == 0) {
      /* Header: total length, counts, index widths and bases all turned huge. */
      memset(mapped + 8, 0xff, 72);
    } else {
      /* Header: a consistent layout of a table far larger than the image (as if the file
       * had been replaced by a bigger one), so a reader trusting it would run off the end. */
      uint32_t v4[4] = {(uint32_t)(1000 * round), 4, 0, 0}, v6[4] = {(uint32_t)(500 * round), 3, 0, 0};
      uint64_t total = image_layout_len(v4[0], v4[1], v6[0], v6[1]);
      memcpy(mapped + 8, &total, 8);
      memcpy(mapped + 32, v4, 16);
      memcpy(mapped + 48, v6, 16);
    }
    /* Body: every index slot and key scrambled. */
    for (size_t i = 80; i < len; i++) mapped[i] = (uint8_t)(i * 37 + (size_t)round * 101);
    if (round % 2 == 1) {
      /* The IPv4 index (17 slots at offset 80) now sends lookups just past the image's end. */
      for (uint32_t slot = 0; slot < 17; slot++) {
        uint32_t at = (uint32_t)(len / 8) + (uint32_t)round * 4 + slot;
        uint32_t next = at + 1;
        memcpy(mapped + 80 + 4 * slot, slot % 2 ? &next : &at, 4);
      }
    }
    static const char *const probes[] = {"10.1.2.3", "0.0.0.0", "255.255.255.255", "20.9.9.9",
                                         "2001:db8::1", "::", "ffff::1", "::ffff:10.1.0.1"};
    for (size_t p = 0; p < sizeof probes / sizeof probes[0]; p++) {
      uint32_t tags = 0;
      CHECK(tollgate_ipset_lookup_text(&loaded, probes[p], strlen(probes[p]), &tags) ==
            TOLLGATE_STATUS_OK);
    }
    uint8_t many[8 * 16];
    uint32_t out[8];
    for (size_t i = 0; i < sizeof many; i++) many[i] = (uint8_t)(i * 13 + (size_t)round);
    CHECK(tollgate_ipset_lookup_many(&loaded, many, 16, 8, out) == TOLLGATE_STATUS_OK);
    CHECK(tollgate_ipset_lookup_many(&loaded, many, 4, 32, (uint32_t *)NULL) ==
          TOLLGATE_STATUS_NULL_POINTER);
    (void)tollgate_ipset_lookup(&loaded, many, 4);
    (void)tollgate_ipset_lookup(&loaded, many, 16);
    CHECK(tollgate_ipset_image_len(&loaded) == len);
  }
  /* Reloading the rewritten bytes is refused. */
  tollgate_ipset again;
  CHECK(tollgate_ipset_load(mapped, len, &again) != TOLLGATE_STATUS_OK);
  munmap(region, span + 2 * page);
}

/* A deterministic generator (xorshift), so every run checks the same addresses. */
static uint64_t next_random(uint64_t *x) {
  *x ^= *x << 13;
  *x ^= *x >> 7;
  *x ^= *x << 17;
  return *x;
}

/* Many at once equals one at a time on a table past the tiny size in both families (the
 * core's batch lookups: gathered AVX-512 passes where the CPU has them), with IPv4-mapped
 * addresses among the IPv6 ones and counts that are not a multiple of the batch chunk. */
static void test_many_equals_one_at_a_time(void) {
  enum { PREFIXES = 400, ADDRS = 1000 };
  static char list[PREFIXES * 64];
  size_t at = 0;
  uint64_t x = 0x9e3779b97f4a7c15u;
  for (int i = 0; i < PREFIXES; i++) {
    uint64_t r = next_random(&x);
    unsigned len4 = 12 + (unsigned)(r % 21), len6 = 40 + (unsigned)((r >> 8) % 89);
    uint32_t a4 = (0x0a000000u | ((uint32_t)(r >> 16) & 0x00ffffffu)) & (0xffffffffu << (32 - len4));
    uint64_t hi = 0x20010db800000000u | (next_random(&x) >> 32), lo = next_random(&x);
    if (len6 <= 64) {
      hi &= len6 == 64 ? ~0ull : ~(~0ull >> len6);
      lo = 0;
    } else if (len6 < 128) {
      lo &= ~(~0ull >> (len6 - 64));
    }
    at += (size_t)snprintf(list + at, sizeof list - at,
                           "%u.%u.%u.%u/%u %u\n%x:%x:%x:%x:%x:%x:%x:%x/%u %u\n", a4 >> 24,
                           (a4 >> 16) & 255, (a4 >> 8) & 255, a4 & 255, len4, 1u << (i % 7),
                           (unsigned)(hi >> 48), (unsigned)(hi >> 32) & 0xffff,
                           (unsigned)(hi >> 16) & 0xffff, (unsigned)hi & 0xffff,
                           (unsigned)(lo >> 48), (unsigned)(lo >> 32) & 0xffff,
                           (unsigned)(lo >> 16) & 0xffff, (unsigned)lo & 0xffff, len6, 1u << (i % 5));
  }
  size_t size = 0;
  CHECK(tollgate_ipset_required_size(list, at, &size) == TOLLGATE_STATUS_OK);
  void *storage = alloc_aligned(size);
  tollgate_ipset set;
  CHECK(tollgate_ipset_build(storage, size, list, at, &set) == TOLLGATE_STATUS_OK);
  static uint8_t v4[ADDRS * 4], v6[ADDRS * 16];
  static uint32_t out[ADDRS];
  for (size_t i = 0; i < ADDRS; i++) {
    uint64_t r = next_random(&x);
    /* Half the IPv4 addresses inside 10/8 (where the prefixes are), half anywhere. */
    uint32_t a = i % 2 ? (uint32_t)r : (0x0a000000u | ((uint32_t)r & 0x00ffffffu));
    for (int b = 0; b < 4; b++) v4[i * 4 + b] = (uint8_t)(a >> (24 - 8 * b));
    uint8_t *p = v6 + i * 16;
    for (int b = 0; b < 16; b++) p[b] = (uint8_t)(next_random(&x) >> 56);
    if (i % 2 == 0) { /* inside 2001:db8::/32 */
      p[0] = 0x20, p[1] = 0x01, p[2] = 0x0d, p[3] = 0xb8;
    }
    if (i % 9 == 4) { /* IPv4-mapped: ::ffff:10.x.y.z */
      memset(p, 0, 10);
      p[10] = p[11] = 0xff;
      memcpy(p + 12, v4 + i * 4, 4);
    }
  }
  const size_t counts[] = {ADDRS, 1, 127, 128, 129, 300};
  for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++) {
    size_t n = counts[c];
    memset(out, 0xa5, sizeof out);
    CHECK(tollgate_ipset_lookup_many(&set, v4, 4, n, out) == TOLLGATE_STATUS_OK);
    for (size_t i = 0; i < n; i++) CHECK(out[i] == tollgate_ipset_lookup(&set, v4 + i * 4, 4));
    if (n < ADDRS) CHECK(out[n] == 0xa5a5a5a5u);
    memset(out, 0xa5, sizeof out);
    CHECK(tollgate_ipset_lookup_many(&set, v6, 16, n, out) == TOLLGATE_STATUS_OK);
    for (size_t i = 0; i < n; i++) CHECK(out[i] == tollgate_ipset_lookup(&set, v6 + i * 16, 16));
    if (n < ADDRS) CHECK(out[n] == 0xa5a5a5a5u);
  }
  /* Some addresses matched, in both families (the check above is not vacuous). */
  size_t hits4 = 0, hits6 = 0;
  for (size_t i = 0; i < ADDRS; i++) {
    hits4 += tollgate_ipset_lookup(&set, v4 + i * 4, 4) != 0;
    hits6 += tollgate_ipset_lookup(&set, v6 + i * 16, 16) != 0;
  }
  CHECK(hits4 > ADDRS / 10 && hits6 > ADDRS / 50);
  free(storage);
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
  tollgate_ipset again;
  CHECK(tollgate_ipset_load(tollgate_ipset_image(acs), tollgate_ipset_image_len(acs), &again) ==
        TOLLGATE_STATUS_OK);
  CHECK(tollgate_ipset_image(&again) == tollgate_ipset_image(acs));
  CHECK(text_tags(&again, "52.112.0.1") == (TOLLGATE_ACS_MEDIA | TOLLGATE_ACS_CALLBACK));

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
  test_rewritten_after_load();
  test_many_equals_one_at_a_time();
  test_list_errors();
  test_acs();
  if (failures == 0) printf("test_ipset: ok\n");
  return failures == 0 ? 0 : 1;
}
