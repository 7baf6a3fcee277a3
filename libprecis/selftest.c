/*  Runs the shared library's module self tests: selftest [MODULE]... */
#include "precis.h"
#include "precis_batch.h"
#include "precis_control.h"
#include "precis_feed.h"
#include "precis_getpid.h"
#include "precis_heap_huge.h"
#include "precis_html.h"
#include "precis_inputs.h"
#include "precis_minhash.h"
#include "precis_msgpack.h"
#include "precis_mpwrite.h"
#include "precis_msgpool.h"
#include "precis_outbox.h"
#include "precis_real.h"
#include "precis_selftest.h"
#include "precis_service.h"
#include "precis_shards.h"
#include "precis_stats.h"
#include "precis_stories.h"
#include "precis_splice.h"
#include "precis_summary_cache.h"
#include "precis_table.h"
#include "precis_utf8.h"
#include "precis_waiter.h"

static const precis_module_test_t tests[] = {
    {"config", precis_config_test},
    {"article", precis_article_test},
    {"result", precis_result_test},
    {"stats", precis_stats_test},
    {"control", precis_control_test},
    {"utf8", precis_utf8_test},
    {"html", precis_html_test},
    {"heap_huge", precis_heap_huge_test},
    {"feed", precis_feed_test},
    {"minhash", precis_minhash_test},
    {"stories", precis_stories_test},
    {"table", precis_table_test},
    {"summary_cache", precis_summary_cache_test},
    {"splice", precis_splice_test},
    {"service", precis_service_test},
    {"inputs", precis_inputs_test},
    {"shards", precis_shards_test},
    {"real", precis_real_test},
    {"outbox", precis_outbox_test},
    {"batch", precis_batch_test},
    {"msgpool", precis_msgpool_test},
    {"mpwrite", precis_mpwrite_test},
    {"msgpack", precis_msgpack_test},
    {"waiter", precis_waiter_test},
    {"getpid", precis_getpid_test},
};

PRECIS_SELFTEST_MAIN(tests)
