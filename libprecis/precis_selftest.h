/*  precis_selftest - the runner behind each folder's selftest program:
    runs the module tests named on the command line (all when none). */
#ifndef PRECIS_SELFTEST_H
#define PRECIS_SELFTEST_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
    const char *name;
    int (*test)(bool verbose);
} precis_module_test_t;

/* Returns the exit code: 0 when every selected test passed, 1 otherwise,
   2 when a name matches no module. */
int precis_selftest_main(int argc, char **argv, const precis_module_test_t *tests,
                         size_t count);

#define PRECIS_SELFTEST_MAIN(table)                                                      \
    int main(int argc, char **argv)                                                      \
    {                                                                                    \
        return precis_selftest_main(argc, argv, table, sizeof table / sizeof table[0]);  \
    }

#endif
