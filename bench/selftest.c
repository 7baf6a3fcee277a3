/*  bench selftest: the self tests of the benchmarks' own modules (built
    with the tests, whether or not PRECIS_BENCH is on). */
#include "bench_data.h"
#include "bench_gaps.h"
#include "bench_normalized.h"
#include "bench_threads.h"
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    bool verbose = argc > 1 && strcmp(argv[1], "-v") == 0;
    int failures = bench_gaps_test(verbose);
    failures += bench_data_test(verbose);
    failures += bench_normalized_test(verbose);
    failures += bench_threads_test(verbose);
    if (failures)
        fprintf(stderr, "bench selftest: FAILED\n");
    return failures ? 1 : 0;
}
