/*  Runs the sink stage's module self tests: selftest [MODULE]... */
#include "precis_selftest.h"
#include "precis_acks.h"
#include "precis_credit.h"
#include "precis_jsonl_start.h"
#include "precis_outlog.h"
#include "precis_seen.h"
#include "precis_sink.h"
#include "precis_sub.h"

static const precis_module_test_t tests[] = {
    {"sink", precis_sink_test},     {"seen", precis_seen_test},
    {"outlog", precis_outlog_test}, {"credit", precis_credit_test},
    {"sub", precis_sub_test},       {"jsonl_start", precis_jsonl_start_test},
    {"acks", precis_acks_test},
};

PRECIS_SELFTEST_MAIN(tests)
