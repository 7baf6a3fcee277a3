/*  Runs the summarize stage's module self tests: selftest [MODULE]... */
#include "precis_splitter.h"
#include "precis_summarizer.h"
#include <stdio.h>
#include <string.h>

typedef struct {
    const char *name;
    int (*test)(bool verbose);
} module_test_t;

static const module_test_t tests[] = {
    {"splitter", precis_splitter_test},
    {"summarizer", precis_summarizer_test},
};

int main(int argc, char **argv)
{
    int failures = 0;
    size_t count = sizeof tests / sizeof tests[0];
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
