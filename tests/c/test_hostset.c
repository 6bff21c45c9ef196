/* Host-name tables through the C ABI: build into caller storage and a caller-placed handle,
 * the matching rules (apex, depth, case, trailing dot, invalid names), relocation, every
 * truncation and corruption refused, a loaded image rewritten in place (guard pages: no read
 * leaves the validated bytes), error statuses, outputs untouched on failure, the built-in ACS
 * names. */
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
    "*.lync.com 2\r\n"
    "teams.microsoft.com 2\n"
    "*.teams.microsoft.com 4\n"
    "example.org # default tag 1\n";

/* The tag mask of a name, or 0xffffffff when the lookup fails. */
static uint32_t tags_of(const tollgate_hostset *set, const char *name) {
  uint32_t tags = 0xdeadbeef;
  tollgate_status st = tollgate_hostset_lookup(set, name, strlen(name), &tags);
  return st == TOLLGATE_STATUS_OK ? tags : 0xffffffffu;
}

static void *alloc_aligned(size_t n) {
  void *p = malloc(n ? n : 1);
  if (p == NULL || ((uintptr_t)p % TOLLGATE_HOSTSET_ALIGN) != 0) {
    fprintf(stderr, "no aligned memory\n");
    exit(2);
  }
  return p;
}

static void test_build_and_lookup(void) {
  size_t size = 0;
  CHECK(sizeof(tollgate_hostset) == TOLLGATE_HOSTSET_SIZE);
  CHECK(tollgate_hostset_size() == TOLLGATE_HOSTSET_SIZE);
  CHECK(tollgate_hostset_align() == TOLLGATE_HOSTSET_ALIGN);
  CHECK(tollgate_hostset_required_size(LIST, strlen(LIST), &size) == TOLLGATE_STATUS_OK);
  uint8_t *storage = alloc_aligned(size + 8);
  tollgate_hostset set;
  memset(&set, 0, sizeof set);
  uint32_t tags = 7;
  CHECK(tollgate_hostset_lookup(&set, "a.b", 3, &tags) == TOLLGATE_STATUS_IMAGE_CORRUPT);
  CHECK(tags == 7);
  CHECK(tollgate_hostset_build(storage, size - 1, LIST, strlen(LIST), &set) ==
        TOLLGATE_STATUS_BUFFER_TOO_SMALL);
  CHECK(tollgate_hostset_build(storage + 4, size, LIST, strlen(LIST), &set) ==
        TOLLGATE_STATUS_MISALIGNED);
  CHECK(tollgate_hostset_image_len(&set) == 0);
  CHECK(tollgate_hostset_build(storage, size, LIST, strlen(LIST), &set) == TOLLGATE_STATUS_OK);
  CHECK(tollgate_hostset_image(&set) == storage);

  CHECK(tags_of(&set, "a.lync.com") == 2);
  CHECK(tags_of(&set, "x.y.z.LYNC.com.") == 2);
  CHECK(tags_of(&set, "lync.com") == 0); /* a wildcard never matches its apex */
  CHECK(tags_of(&set, "alync.com") == 0);
  CHECK(tags_of(&set, "teams.microsoft.com") == 2);
  CHECK(tags_of(&set, "api.Teams.Microsoft.com") == 4);
  CHECK(tags_of(&set, "example.org") == 1);
  CHECK(tags_of(&set, "www.example.org") == 0);
  static const char *const invalid[] = {"",           ".",          "a..lync.com", "*.lync.com",
                                        "a.lync.com:443", "a lync.com", "-a.lync.com", "a_b.lync.com",
                                        "a.lync.com.."};
  for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++) {
    tags = 9;
    CHECK(tollgate_hostset_lookup(&set, invalid[i], strlen(invalid[i]), &tags) ==
          TOLLGATE_STATUS_INVALID_HOST_NAME);
    CHECK(tags == 9);
  }
  CHECK(tollgate_hostset_lookup(&set, "a.lync.com\0", 11, &tags) == TOLLGATE_STATUS_INVALID_HOST_NAME);
  CHECK(tollgate_hostset_lookup(&set, "a.b", 3, NULL) == TOLLGATE_STATUS_NULL_POINTER);
  CHECK(tollgate_hostset_lookup(NULL, "a.b", 3, &tags) == TOLLGATE_STATUS_NULL_POINTER);
  CHECK(tollgate_hostset_lookup(&set, NULL, 3, &tags) == TOLLGATE_STATUS_NULL_POINTER);
  uint32_t pair[2] = {0, 0};
  CHECK(tollgate_hostset_lookup(&set, "a.b", 3, (uint32_t *)((char *)pair + 1)) ==
        TOLLGATE_STATUS_MISALIGNED);

  /* Relocation: copy the image, free the original, load the copy. */
  size_t len = tollgate_hostset_image_len(&set);
  CHECK(len > 0 && len <= size);
  uint8_t *copy = alloc_aligned(len);
  memcpy(copy, tollgate_hostset_image(&set), len);
  memset(storage, 0xa5, size);
  free(storage);
  tollgate_hostset loaded;
  CHECK(tollgate_hostset_load(copy, len, &loaded) == TOLLGATE_STATUS_OK);
  CHECK(tags_of(&loaded, "q.teams.microsoft.com") == 4);

  /* Every truncation and every single-byte corruption is refused. */
  tollgate_hostset bad;
  memset(&bad, 0, sizeof bad);
  for (size_t cut = 0; cut < len; cut++) {
    CHECK(tollgate_hostset_load(copy, cut, &bad) == TOLLGATE_STATUS_IMAGE_TRUNCATED);
  }
  for (size_t i = 0; i < len; i++) {
    copy[i] ^= 0x10;
    CHECK(tollgate_hostset_load(copy, len, &bad) != TOLLGATE_STATUS_OK);
    copy[i] ^= 0x10;
  }
  CHECK(tollgate_hostset_image_len(&bad) == 0);
  CHECK(tollgate_hostset_load(NULL, 0, &bad) == TOLLGATE_STATUS_NULL_POINTER);
  CHECK(tollgate_hostset_load(copy, len, NULL) == TOLLGATE_STATUS_NULL_POINTER);
  CHECK(tollgate_hostset_load(copy + 4, len - 4, &bad) == TOLLGATE_STATUS_MISALIGNED);
  CHECK(tollgate_hostset_load(copy, len, &bad) == TOLLGATE_STATUS_OK);
  free(copy);
}

/* A loaded image rewritten in place, placed between inaccessible pages: whatever the header
 * and slots now say, lookups stay inside the bytes validated at load. */
static void test_rewritten_after_load(void) {
  char list[64 * 40];
  size_t at = 0;
  for (int i = 0; i < 60; i++) at += (size_t)snprintf(list + at, sizeof list - at, "*.n%d.example %d\n", i, 1 << (i % 8));
  size_t size = 0;
  CHECK(tollgate_hostset_required_size(list, at, &size) == TOLLGATE_STATUS_OK);
  uint8_t *image = alloc_aligned(size);
  tollgate_hostset built;
  CHECK(tollgate_hostset_build(image, size, list, at, &built) == TOLLGATE_STATUS_OK);
  size_t len = tollgate_hostset_image_len(&built);
  size_t page = (size_t)sysconf(_SC_PAGESIZE);
  size_t span = (len + page - 1) / page * page;
  uint8_t *region = mmap(NULL, span + 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  CHECK(region != MAP_FAILED);
  CHECK(mprotect(region, page, PROT_NONE) == 0);
  CHECK(mprotect(region + page + span, page, PROT_NONE) == 0);
  uint8_t *mapped = region + page + span - len;
  memcpy(mapped, image, len);
  free(image);
  tollgate_hostset set;
  CHECK(tollgate_hostset_load(mapped, len, &set) == TOLLGATE_STATUS_OK);
  CHECK(tags_of(&set, "a.n9.example") == 2);
  for (int round = 0; round < 32; round++) {
    memset(mapped + 8, 0xff, 56); /* header: every length, count and width huge */
    for (size_t i = 64; i < len; i++) mapped[i] = (uint8_t)(i * 29 + (size_t)round * 83);
    if (round % 2) {
      /* Slots whose string offsets and lengths point just past the image's end. */
      for (size_t s = 64; s + 24 <= len; s += 24) {
        uint32_t off = (uint32_t)(len + (size_t)round), slen = 200;
        memcpy(mapped + s + 8, &off, 4);
        memcpy(mapped + s + 12, &slen, 4);
      }
    }
    char name[32];
    for (int i = 0; i < 60; i++) {
      snprintf(name, sizeof name, "a.b.n%d.example", i);
      uint32_t tags;
      CHECK(tollgate_hostset_lookup(&set, name, strlen(name), &tags) == TOLLGATE_STATUS_OK);
    }
    CHECK(tollgate_hostset_image_len(&set) == len);
  }
  tollgate_hostset again;
  CHECK(tollgate_hostset_load(mapped, len, &again) != TOLLGATE_STATUS_OK);
  munmap(region, span + 2 * page);
}

static void test_list_errors(void) {
  static const char bad[] = "a.example\n# ok\nbad..name\n";
  size_t size = 12345;
  CHECK(tollgate_hostset_required_size(bad, strlen(bad), &size) == TOLLGATE_STATUS_INVALID_HOST_NAME);
  CHECK(size == 12345);
  char msg[64];
  size_t len = 0;
  CHECK(tollgate_hostset_explain(bad, strlen(bad), msg, sizeof msg, &len) == TOLLGATE_STATUS_OK);
  CHECK(strcmp(msg, "line 3: invalid_host_name") == 0 && len == strlen(msg));
  CHECK(tollgate_hostset_explain(bad, strlen(bad), msg, 5, &len) == TOLLGATE_STATUS_BUFFER_TOO_SMALL);
  CHECK(tollgate_hostset_explain(LIST, strlen(LIST), msg, sizeof msg, &len) == TOLLGATE_STATUS_OK);
  CHECK(len == 0 && msg[0] == '\0');
  CHECK(tollgate_hostset_required_size("a.b x", 5, &size) == TOLLGATE_STATUS_INVALID_LIST_LINE);
  CHECK(tollgate_hostset_required_size("a.b\0", 4, &size) == TOLLGATE_STATUS_INVALID_TEXT);
  CHECK(tollgate_hostset_required_size(NULL, 3, &size) == TOLLGATE_STATUS_NULL_POINTER);
  CHECK(tollgate_hostset_required_size(NULL, 0, &size) == TOLLGATE_STATUS_OK);
  CHECK(tollgate_hostset_required_size("", 0, NULL) == TOLLGATE_STATUS_NULL_POINTER);
}

static void test_acs(void) {
  const tollgate_hostset *acs = tollgate_acs_hostset();
  CHECK(acs != NULL);
  CHECK(tags_of(acs, "teams.microsoft.com") == TOLLGATE_ACS_CALLBACK);
  CHECK(tags_of(acs, "teams.cloud.microsoft") == TOLLGATE_ACS_CALLBACK);
  CHECK(tags_of(acs, "x.teams.cloud.microsoft") == TOLLGATE_ACS_CALLBACK);
  CHECK(tags_of(acs, "a.b.lync.com") == TOLLGATE_ACS_CALLBACK);
  CHECK(tags_of(acs, "lync.com") == 0);
  CHECK(tags_of(acs, "microsoft.com") == 0);
  tollgate_hostset again;
  CHECK(tollgate_hostset_load(tollgate_hostset_image(acs), tollgate_hostset_image_len(acs), &again) ==
        TOLLGATE_STATUS_OK);
  CHECK(tags_of(&again, "teams.microsoft.com") == TOLLGATE_ACS_CALLBACK);
}

int main(void) {
  test_build_and_lookup();
  test_rewritten_after_load();
  test_list_errors();
  test_acs();
  if (failures == 0) printf("test_hostset: ok\n");
  return failures == 0 ? 0 : 1;
}
