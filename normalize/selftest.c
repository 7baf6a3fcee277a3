/*  Runs the normalize stage's module self tests: selftest [MODULE]... */
#include "precis_html.h"
#include "precis_normalize_worker.h"
#include "precis_normalizer.h"
#include "precis_selftest.h"

static const precis_module_test_t tests[] = {
    {"normalizer", precis_normalizer_test},
    {"html", precis_html_test},
    {"normalize_worker", precis_normalize_worker_test},
};

PRECIS_SELFTEST_MAIN(tests)
