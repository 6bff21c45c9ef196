// The assertion kit of the C++ consumers: CHECK records a failure and goes on, so one run
// reports every broken expectation; CHECK_NAME compares a Result's stable status name.
#ifndef TOLLGATE_TEST_CHECK_HPP
#define TOLLGATE_TEST_CHECK_HPP

#include <cstdio>
#include <string>
#include <string_view>

namespace check {
inline int failures = 0;

inline void fail(const char* file, int line, const std::string& what) {
  std::fprintf(stderr, "%s:%d: %s\n", file, line, what.c_str());
  failures++;
}
}  // namespace check

#define CHECK(cond)                                                       \
  do {                                                                    \
    if (!(cond)) check::fail(__FILE__, __LINE__, "CHECK failed: " #cond); \
  } while (0)

// `result` is anything with name() (a tollgate::Result); `want` a status name such as "expired".
#define CHECK_NAME(result, want)                                                            \
  do {                                                                                      \
    std::string_view got_ = (result).name();                                                \
    if (got_ != std::string_view(want))                                                     \
      check::fail(__FILE__, __LINE__,                                                       \
                  "got " + std::string(got_) + ", want " + std::string(want) + ": " #result); \
  } while (0)

#endif
