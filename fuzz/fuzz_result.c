/*  fuzz_result - libFuzzer target for the result decoder (sink, subscribers).

    The input is one frame as a subscriber would receive it. Whatever
    precis_result_decode accepts must have an id, give a topic and a JSON
    rendering, and survive precis_result_encode: the encoding decodes again,
    to the same result (strings as C strings; an absent string is encoded as
    "", an absent language as "und"). Whatever precis_splice (the sink's
    way to publish) takes, the map it writes must decode, with the seq,
    id, key and topic it gave.
*/
#include "fuzz_check.h"
#include "precis_result.h"
#include "precis_splice.h"
#include <math.h>
#include <string.h>

static bool same(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "") == 0;
}

static bool same_double(double a, double b)
{
    return a == b || (isnan(a) && isnan(b));
}

static void check_splice(const uint8_t *data, size_t size)
{
    char error[PRECIS_ERROR_SIZE], topic[64], decoded_topic[64];
    memset(error, 0, sizeof error);
    precis_splice_t *splice = precis_splice_new();
    if (precis_splice_read(splice, data, size, error) != 0) {
        size_t len = strnlen(error, sizeof error);
        FUZZ_CHECK(len > 0 && len < sizeof error);
        precis_splice_destroy(&splice);
        return;
    }
    precis_splice_set_story(splice, "story-1", "story-0", 0.5, false);
    size_t written_size = 0;
    const void *written =
        precis_splice_write(splice, 42, "0123456789abcdef", 7, &written_size);
    precis_result_t *result = precis_result_decode(written, written_size, error);
    if (!result) {
        fprintf(stderr, "the spliced map does not decode: %s\n", error);
        abort();
    }
    FUZZ_CHECK(result->seq == 42 && result->published_us == 7);
    FUZZ_CHECK(same(result->log_id, "0123456789abcdef"));
    FUZZ_CHECK(same(result->id, precis_splice_id(splice)));
    FUZZ_CHECK(same(result->key, precis_splice_key(splice)));
    FUZZ_CHECK(result->kind != PRECIS_RESULT_SUMMARY || same(result->story, "story-1"));
    precis_splice_topic(splice, topic, sizeof topic);
    precis_result_topic(result, decoded_topic, sizeof decoded_topic);
    FUZZ_CHECK(strcmp(topic, decoded_topic) == 0);
    precis_result_destroy(&result);
    precis_splice_destroy(&splice);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_splice(data, size);
    char error[PRECIS_ERROR_SIZE];
    memset(error, 0, sizeof error);
    precis_result_t *result = precis_result_decode(data, size, error);
    if (!result) {
        size_t len = strnlen(error, sizeof error);
        FUZZ_CHECK(len > 0 && len < sizeof error);
        return 0;
    }
    FUZZ_CHECK(result->id);
    FUZZ_CHECK(result->kind == PRECIS_RESULT_SUMMARY ||
               result->kind == PRECIS_RESULT_ERROR);

    char topic[64];
    FUZZ_CHECK(precis_result_topic(result, topic, sizeof topic) == topic);
    FUZZ_CHECK(strnlen(topic, sizeof topic) < sizeof topic);
    json_t *json = precis_result_to_json(result);
    FUZZ_CHECK(json && json_is_object(json));
    char *dumped = json_dumps(json, JSON_COMPACT);
    FUZZ_CHECK(dumped);
    free(dumped);
    json_decref(json);

    size_t encoded_size = 0;
    void *encoded = precis_result_encode(result, &encoded_size);
    FUZZ_CHECK(encoded && encoded_size > 0);
    memset(error, 0, sizeof error);
    precis_result_t *copy = precis_result_decode(encoded, encoded_size, error);
    if (!copy) {
        fprintf(stderr, "re-decoding the encoding failed: %s\n", error);
        abort();
    }
    FUZZ_CHECK(copy->kind == result->kind);
    FUZZ_CHECK(same(copy->id, result->id) && same(copy->key, result->key));
    FUZZ_CHECK(copy->seq == result->seq);
    FUZZ_CHECK(same(copy->title, result->title) && same(copy->url, result->url));
    FUZZ_CHECK(same(copy->source, result->source));
    FUZZ_CHECK(same(copy->published, result->published));
    if (result->kind == PRECIS_RESULT_SUMMARY) {
        FUZZ_CHECK(same(copy->lang, result->lang ? result->lang : "und"));
        FUZZ_CHECK(copy->summary_count == result->summary_count);
        for (size_t i = 0; i < result->summary_count; i++) {
            FUZZ_CHECK(same(copy->summary[i], result->summary[i]));
            FUZZ_CHECK(copy->scored[i].index == result->scored[i].index);
            FUZZ_CHECK(same_double(copy->scored[i].score, result->scored[i].score));
        }
        FUZZ_CHECK(copy->sentence_count == result->sentence_count);
        FUZZ_CHECK(copy->keyword_count == result->keyword_count);
        for (size_t i = 0; i < result->keyword_count; i++)
            FUZZ_CHECK(same(copy->keywords[i], result->keywords[i]));
    } else {
        FUZZ_CHECK(same(copy->stage, result->stage));
        FUZZ_CHECK(same(copy->reason, result->reason));
        FUZZ_CHECK(same(copy->error, result->error));
    }
    FUZZ_CHECK(copy->received_us == result->received_us);
    FUZZ_CHECK(copy->normalize_us == result->normalize_us);
    FUZZ_CHECK(copy->summarize_us == result->summarize_us);
    FUZZ_CHECK(copy->published_us == result->published_us);
    free(encoded);
    precis_result_destroy(&copy);
    precis_result_destroy(&result);
    return 0;
}
