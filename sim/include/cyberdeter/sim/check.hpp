#pragma once
// Internal invariant checks. They stay on in debug and test builds (CYBERDETER_CHECKS)
// and compile to nothing in release builds. Never use them on user input: bad input
// throws at load time with file, line and key.

#include <cstdio>
#include <cstdlib>

#if defined(CYBERDETER_CHECKS) || !defined(NDEBUG)
#define CYBERDETER_CHECK(cond, msg)                                                           \
  do {                                                                                        \
    if (!(cond)) {                                                                            \
      std::fprintf(stderr, "%s:%d: invariant violated: %s (%s)\n", __FILE__, __LINE__, #cond, \
                   msg);                                                                      \
      std::abort();                                                                           \
    }                                                                                         \
  } while (false)
#else
#define CYBERDETER_CHECK(cond, msg) \
  do {                              \
  } while (false)
#endif
