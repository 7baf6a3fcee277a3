/*  Runs the shared library's module self tests: selftest [MODULE]... */
#include "precis.h"
#include <stdio.h>
#include <string.h>

typedef struct {
    const char *name;
    int (*test)(bool verbose);
} module_test_t;

static const module_test_t tests[] = {
    {"config", precis_config_test},
    {"article", precis_article_test},
    {"result", precis_result_test},
};

int main(int argc, char **argv)
{
    int failures = 0;
    for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++) {
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
