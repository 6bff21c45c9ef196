/* The tiny assertion kit shared by the C consumers: CHECK records a failure and goes on, so
 * one run reports every broken expectation; main returns CHECK_RESULT(). */
#ifndef TOLLGATE_TEST_CHECK_H
#define TOLLGATE_TEST_CHECK_H

#include <stdio.h>

static int failures = 0;

#define CHECK(cond)                                                             \
  do {                                                                          \
    if (!(cond)) {                                                              \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      failures++;                                                               \
    }                                                                           \
  } while (0)

#endif
