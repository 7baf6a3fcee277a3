/*  precis_selftest - the runner behind each folder's selftest program. */
#include "precis_selftest.h"
#include <stdio.h>
#include <string.h>

int precis_selftest_main(int argc, char **argv, const precis_module_test_t *tests,
                         size_t count)
{
    int failures = 0;
    for (int a = 1; a < argc; a++) {
        bool known = false;
        for (size_t i = 0; i < count; i++)
            known |= strcmp(argv[a], tests[i].name) == 0;
        if (!known) {
            fprintf(stderr, "no module test named '%s'\n", argv[a]);
            return 2;
        }
    }
    for (size_t i = 0; i < count; i++) {
        bool wanted = argc < 2;
        for (int a = 1; a < argc; a++)
            wanted |= strcmp(argv[a], tests[i].name) == 0;
        if (!wanted)
            continue;
        int rc = tests[i].test(true);
        printf("%s: %s\n", tests[i].name, rc == 0 ? "OK" : "FAILED");
        failures += rc != 0;
    }
    return failures ? 1 : 0;
}
