/*  precis_explain - the "explain" map of a summary (see the header). */
#include "precis_explain.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A sentence's text, line breaks and tabs as spaces (as in "summary"). */
static json_t *flat_string(const char *text, size_t len)
{
    char *copy = malloc(len + 1);
    if (!copy)
        return json_null();
    for (size_t i = 0; i < len; i++)
        copy[i] = text[i] == '\n' || text[i] == '\r' || text[i] == '\t' ? ' ' : text[i];
    json_t *value = json_stringn_nocheck(copy, len);
    free(copy);
    return value;
}

/* The map of one sentence. */
static json_t *sentence_json(const precis_explained_t *e, const char *text)
{
    json_t *map = json_object();
    json_object_set_new(map, "index", json_integer(e->index));
    json_object_set_new(map, "status", json_string(e->status));
    if (e->redundant_with >= 0)
        json_object_set_new(map, "redundant_with", json_integer(e->redundant_with));
    if (e->chosen_by)
        json_object_set_new(map, "chosen_by", json_string(e->chosen_by));
    json_object_set_new(map, "score", json_real(e->score));
    json_object_set_new(map, "centrality", json_real(e->centrality));
    json_object_set_new(map, "position", json_real(e->position));
    json_object_set_new(map, "first", json_real(e->first));
    json_object_set_new(map, "frequency", json_real(e->frequency));
    json_object_set_new(map, "title", json_real(e->title));
    json_object_set_new(map, "length", json_real(e->length));
    json_object_set_new(map, "penalty", json_real(e->penalty));
    json_t *penalties = json_object();
    json_object_set_new(penalties, "furniture", json_real(e->furniture));
    json_object_set_new(penalties, "short", json_real(e->short_words));
    json_object_set_new(penalties, "long", json_real(e->long_words));
    json_object_set_new(penalties, "unclosed", json_real(e->unclosed));
    json_object_set_new(penalties, "question", json_real(e->question));
    json_object_set_new(penalties, "quote", json_real(e->quote));
    json_object_set_new(penalties, "quotation", json_real(e->quotation));
    json_object_set_new(penalties, "teaser", json_real(e->teaser));
    json_object_set_new(map, "penalties", penalties);
    json_object_set_new(map, "furniture", json_string(e->furniture_kind));
    json_object_set_new(map, "redundancy", json_real(e->redundancy));
    json_object_set_new(map, "repeated_pairs", json_real(e->pairs));
    json_object_set_new(map, "words", json_integer(e->words));
    json_object_set_new(map, "text", flat_string(text + e->start, e->len));
    return map;
}

json_t *precis_explain_json(const precis_summarizer_t *summarizer, const char *text)
{
    precis_explained_t e;
    if (!precis_summarizer_explain(summarizer, 0, &e))
        return NULL;
    json_t *sentences = json_array();
    for (size_t i = 0; precis_summarizer_explain(summarizer, i, &e); i++)
        json_array_append_new(sentences, sentence_json(&e, text));
    return json_pack("{s:s,s:o}", "ranking", e.ranking, "sentences", sentences);
}

/* --- Self test ------------------------------------------------------------ */

int precis_explain_test(bool verbose)
{
    int failures = 0;
    const char *text = "The pier reopened on Monday after\nrepairs. Engineers rebuilt "
                       "it. The pier reopened on Monday after\nrepairs.";
    precis_summarizer_t *summarizer = precis_summarizer_new();
    precis_summary_t summary;
    precis_summary_options_t options = {.sentences = 1};
    precis_summarizer_run(summarizer, NULL, text, strlen(text), &options, &summary, NULL);
    json_t *explain = precis_explain_json(summarizer, text);
    json_t *sentences = json_object_get(explain, "sentences");
    json_t *third = json_array_get(sentences, 2);
    const char *status = json_string_value(json_object_get(third, "status"));
    const char *first_text =
        json_string_value(json_object_get(json_array_get(sentences, 0), "text"));
    if (json_array_size(sentences) != 3 || !status || strcmp(status, "redundant") != 0 ||
        json_integer_value(json_object_get(third, "redundant_with")) != 0 ||
        !first_text || strcmp(first_text, "The pier reopened on Monday after repairs.") ||
        strcmp(json_string_value(json_object_get(explain, "ranking")), "lexrank") != 0) {
        failures++;
        if (verbose)
            printf("explain: wrong map for a repeated sentence\n");
    }
    json_decref(explain);
    precis_summary_clear(&summary);
    /* An empty text explains nothing. */
    precis_summarizer_run(summarizer, NULL, "", 0, &options, &summary, NULL);
    if (precis_explain_json(summarizer, "") != NULL) {
        failures++;
        if (verbose)
            printf("explain: a map for an empty text\n");
    }
    precis_summary_clear(&summary);
    precis_summarizer_destroy(&summarizer);
    return failures ? 1 : 0;
}
