/*  Runs the ingest stage's module self tests: selftest [MODULE]... */
#include "precis_idwindow.h"
#include "precis_ingest.h"
#include "precis_journal.h"
#include "precis_ledger.h"
#include "precis_push.h"
#include "precis_relay.h"
#include "precis_selftest.h"
#include "precis_syncer.h"

static const precis_module_test_t tests[] = {
    {"ingest", precis_ingest_test},   {"push", precis_push_test},
    {"journal", precis_journal_test}, {"ledger", precis_ledger_test},
    {"syncer", precis_syncer_test},   {"idwindow", precis_idwindow_test},
    {"relay", precis_relay_test},
};

PRECIS_SELFTEST_MAIN(tests)
