/*  Runs the sink stage's module self tests: selftest [MODULE]... */
#include "precis_selftest.h"
#include "precis_sink.h"

static const precis_module_test_t tests[] = {
    {"sink", precis_sink_test},
};

PRECIS_SELFTEST_MAIN(tests)
