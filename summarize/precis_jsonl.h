/*  precis_jsonl - reads the article records of offline `precis summarize
    --jsonl`: one JSON object per line, parsed with simdjson (Debian
    libsimdjson-dev).

    Why not jansson, which the rest of precis uses: on the BBC set (12.6 MB,
    2,225 lines, 5.6 KB a line) jansson parses at about 80 MB/s, json-c at
    about 390 MB/s with UTF-8 validation, simdjson at about 3,900 MB/s
    (a throwaway program timing the three on the same lines, 2026-12-01).
    At 80 MB/s the parse took 58% of `precis summarize --jsonl` (callgrind,
    500 BBC lines); with simdjson it is a few percent. simdjson's DOM parser
    validates the whole line (JSON grammar and UTF-8), as jansson did.

    The record points into the reader's own buffers: it is valid until the
    next precis_jsonl_parse or precis_jsonl_destroy.
*/
#ifndef PRECIS_JSONL_H
#define PRECIS_JSONL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct _precis_jsonl_t precis_jsonl_t;

/* A string field: present when ptr is not NULL (JSON null and an absent
   key both give NULL). May hold NUL bytes (\u0000), hence the length. */
typedef struct {
    const char *ptr;
    size_t len;
} precis_jsonl_string_t;

/* How a record gives a length field. */
typedef enum {
    PRECIS_JSONL_ABSENT = 0, /* no such key, or null */
    PRECIS_JSONL_INTEGER,    /* an integer: value in .integer */
    PRECIS_JSONL_REAL,       /* a number with a fraction or exponent: .real */
    PRECIS_JSONL_OTHER,      /* a string, boolean, array or object */
} precis_jsonl_kind_t;

typedef struct {
    precis_jsonl_kind_t kind;
    int64_t integer; /* with INTEGER (an unsigned value above INT64_MAX is REAL) */
    double real;     /* with INTEGER and REAL */
} precis_jsonl_number_t;

/* One article record. */
typedef struct {
    /* "id": id_string when it is a string; otherwise id_json holds the
       value's compact JSON text (a number, true, an object...); both NULL
       when absent or null. */
    precis_jsonl_string_t id_string;
    precis_jsonl_string_t id_json;
    precis_jsonl_string_t text;
    precis_jsonl_string_t title;
    precis_jsonl_string_t lang;
    precis_jsonl_string_t format;
    /* Passed through to the result, as the pipeline does. */
    precis_jsonl_string_t url, source, published;
    /* Set when the key holds something other than a string or null
       (meta: url, source or published). */
    bool text_not_string, title_not_string, lang_not_string, format_not_string;
    bool meta_not_string;
    precis_jsonl_number_t sentences, words, ratio;
    /* "explain": -1 absent or null, 0 false, 1 true, 2 something else. */
    int explain;
} precis_jsonl_record_t;

precis_jsonl_t *precis_jsonl_new(void);
void precis_jsonl_destroy(precis_jsonl_t **self_p);

/* Parses line[0..len) (without its line end) into record. Returns NULL, or
   a description in words of why the line is not a JSON object (grammar,
   UTF-8, not an object), a static string. Keys other than those above are
   ignored; of a key given twice, the first is taken. NULL self or line: an error. */
const char *precis_jsonl_parse(precis_jsonl_t *self, const char *line, size_t len,
                               precis_jsonl_record_t *record);

int precis_jsonl_test(bool verbose);

#ifdef __cplusplus
}
#endif

#endif
