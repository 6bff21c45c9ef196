/* The basics every consumer relies on: version text and macros, status names. */
#include "tollgate.h"

#include <stdio.h>
#include <string.h>

#include "check.h"

int main(void) {
  char want[32];
  snprintf(want, sizeof want, "%d.%d.%d", TOLLGATE_VERSION_MAJOR, TOLLGATE_VERSION_MINOR,
           TOLLGATE_VERSION_PATCH);
  CHECK(strcmp(tollgate_version(), want) == 0);
  CHECK(strcmp(tollgate_status_str(TOLLGATE_STATUS_OK), "ok") == 0);
  CHECK(strcmp(tollgate_status_str(TOLLGATE_STATUS_BUFFER_TOO_SMALL), "buffer_too_small") == 0);
  CHECK(strcmp(tollgate_status_str(0xFFFFFFFFu), "unknown_status") == 0);
  CHECK(strcmp(tollgate_status_str(12345u), "unknown_status") == 0);
  if (failures == 0) printf("test_basics: ok\n");
  return failures == 0 ? 0 : 1;
}
