#pragma once

// A property check for fuzz targets. assert() would vanish under NDEBUG;
// this one always runs, and abort() is what libFuzzer reports as a crash
// (with the input saved as crash-<sha1>).

#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(condition)                                                                    \
  do {                                                                                           \
    if (!(condition)) {                                                                          \
      std::fprintf(stderr, "%s:%d: fuzz property failed: %s\n", __FILE__, __LINE__, #condition); \
      std::abort();                                                                              \
    }                                                                                            \
  } while (false)
