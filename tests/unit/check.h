/* check.h - the CHECK of the unit tests: a failed check prints where and why and is counted,
 * the test goes on, and check_report() turns the count into the exit status. */
#ifndef TIR_TEST_CHECK_H
#define TIR_TEST_CHECK_H

#include <stdio.h>

static int failures, checks;

#define CHECK(cond, ...)                                                       \
  do {                                                                         \
    checks++;                                                                  \
    if (!(cond)) {                                                             \
      failures++;                                                              \
      fprintf(stderr, "%s:%d: FAIL (%s): ", __FILE__, __LINE__, #cond);        \
      fprintf(stderr, __VA_ARGS__);                                            \
      fputc('\n', stderr);                                                     \
    }                                                                          \
  } while (0)

/* "NAME: C checks, F failed" on stdout; the exit status for main. */
static inline int check_report(const char *name) {
  printf("%s: %d checks, %d failed\n", name, checks, failures);
  return failures ? 1 : 0;
}

#endif
