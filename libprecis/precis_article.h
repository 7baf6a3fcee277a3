/*  precis_article - the article message: what a client pushes and what
    travels between ingest, normalize and summarize.

    Decoding validates a request against docs/PROTOCOL.md and says exactly
    what is wrong with it; encoding writes the internal form (type
    "article", protocol version, id always set, timings). The same decoder
    reads both, so a stage never trusts a frame more than ingest does.
*/
#ifndef PRECIS_ARTICLE_H
#define PRECIS_ARTICLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PRECIS_PROTOCOL_VERSION 1
#define PRECIS_MAX_ID           256
#define PRECIS_MAX_FIELD        4096
#define PRECIS_ERROR_SIZE       256
/* Requests a client may send as the frames of one message (a batch
   request, docs/PROTOCOL.md): ingest answers them with one message, and
   a message of more with one rejection. 64 keeps a batch's answer to a
   few KB (a reply is 40 to 600 bytes) and its handling under a
   millisecond, while ZeroMQ's cost per message is paid once in 64. */
#define PRECIS_REQUESTS_PER_MESSAGE 64

/* How the text is written (key "format"): "auto" (absent, the default)
   lets the normalize stage decide with precis_html_detect, "text" is plain
   text, "html" is an HTML page or fragment turned into text first. */
typedef enum {
    PRECIS_FORMAT_AUTO = 0,
    PRECIS_FORMAT_TEXT,
    PRECIS_FORMAT_HTML
} precis_format_t;

/* A string field: pointer and length. Strings are NUL-terminated copies. */
typedef struct {
    char *ptr;
    size_t len;
} precis_str_t;

typedef struct {
    precis_str_t id;
    precis_str_t key; /* delivery key given by ingest, unique per acceptance */
    precis_str_t title;
    precis_str_t text;
    precis_str_t url;
    precis_str_t source;
    precis_str_t lang;
    precis_str_t published;
    int sentences;          /* 0 when not given */
    double ratio;           /* 0 when not given */
    int words;              /* 0 when not given */
    precis_format_t format; /* PRECIS_FORMAT_AUTO when not given */
    int64_t received_us;    /* Unix time ingest accepted it */
    int64_t normalize_us;   /* time spent in normalize */
    bool normalized;
    uint32_t attempt; /* delivery attempt, from 1 */
    bool explain;     /* "explain": true: the summary says why each sentence was
                         or was not chosen (docs/PROTOCOL.md, "Explain") */
    bool borrowed;    /* the strings but id and key point into the frame they were
                         decoded from (precis_article_decode_borrowing): not
                         copies, not NUL-terminated, not freed; valid while the
                         frame is */
    /* The known keys the decoder met (for precis_article_splice): a bit
       per key of its table, and whether one came twice or as nil (then
       the request's bytes do not say what the article says). */
    uint32_t keys_seen;
    bool keys_irregular;
} precis_article_t;

precis_article_t *precis_article_new(void);
void precis_article_destroy(precis_article_t **self_p);
/* Frees the strings of an article that was not allocated by
   precis_article_new (one on the stack, zeroed first: ingest decodes every
   request into one, a calloc and a free fewer) and zeroes it: fresh again. */
void precis_article_clear(precis_article_t *self);

/* Decodes one frame. On success returns 0 and fills self (which must be
   fresh). On failure returns -1 and writes a reason for the sender into
   error (PRECIS_ERROR_SIZE bytes); self then holds whatever was read,
   notably the id when one was found. max_text 0 means no limit.
   Strings are not checked for valid UTF-8 here: see precis_article_check_utf8. */
int precis_article_decode(precis_article_t *self, const void *data, size_t size,
                          size_t max_text, char *error);

/* Decodes like precis_article_decode, but the strings other than id and
   key (which stay NUL-terminated copies, for messages) are not copied:
   they point into data (borrowed), which must outlive self, and must not
   be set again (precis_str_set would free them). For ingest, which
   encodes the article again at once and keeps nothing of the request: the
   copy of a 2.3 KB text was a large allocation per request. */
int precis_article_decode_borrowing(precis_article_t *self, const void *data, size_t size,
                                    size_t max_text, char *error);

/* Checks every string field with is_valid; on the first invalid one returns
   -1 with a reason in error. */
int precis_article_check_utf8(const precis_article_t *self,
                              bool (*is_valid)(const char *, size_t), char *error);

/* Replaces a string field's value with a copy of ptr[0..len). */
void precis_str_set(precis_str_t *field, const char *ptr, size_t len);

/* Gives the article a fresh random id (32 lowercase hex digits). */
void precis_article_generate_id(precis_article_t *self);

/* Encodes the internal form. Returns a malloc'd buffer, its size in *size_p. */
void *precis_article_encode(const precis_article_t *self, size_t *size_p);

/* The internal form of an accepted request without encoding it again: the
   request's bytes (request[0..size), the map self was decoded from, which
   must be the whole frame) with the keys ingest adds appended and the
   map's count raised: key, received_us and attempt, id when self's was
   generated, type and v when the request had none. Keys ingest does not
   know are carried as they came (every reader ignores them,
   docs/PROTOCOL.md). Decoding the result gives the article
   precis_article_encode's bytes give (unit test). Returns a malloc'd
   buffer (its size in *size_p), or NULL when the request's bytes cannot
   stand for the article and it must be encoded: a known key given twice
   or as nil, a key ingest sets itself (key, received_us, attempt,
   normalize_us, normalized), format "auto" (encode leaves it out), or no
   key set. For ingest: the text copied once by memcpy, not packed again
   (the encode was a sixth of ingest's main thread, callgrind). */
void *precis_article_splice(const precis_article_t *self, const void *request,
                            size_t size, size_t *size_p);

/* The format named name[0..len) ("auto", "text", "html"); -1 when unknown. */
int precis_format_from_name(const char *name, size_t len);

/* The name of a format, for the wire and for messages. */
const char *precis_format_name(precis_format_t format);

/* Decides whether the first line of a plain-text file is its title: it is
   when the file has a line break after it, and the line, trimmed, is 1 to
   200 bytes of at most 20 words and does not end with sentence punctuation
   (. ! ? or …, also before a closing quote or bracket). Returns the length
   of the first line (without the line break) when it is a title, else 0. */
size_t precis_title_line(const char *data, size_t size);

/* How the first line of a plain-text file is taken, by `precis push` and
   `precis summarize` alike: as precis_title_line decides, always
   (--title-line), or never (--no-title). */
typedef enum {
    PRECIS_TITLE_GUESS,
    PRECIS_TITLE_ALWAYS,
    PRECIS_TITLE_NEVER
} precis_title_rule_t;

/* Splits a plain-text file data[0..size) into its title and its text by
   rule. Returns where the text starts: 0 when the file has no title, else
   just after the title line's line break; *title_len_p is then the title's
   length without the line break (0 for an empty first line taken by
   PRECIS_TITLE_ALWAYS). A file with no line break has no title, whatever
   the rule, nor has one with only white space after a title-like first line
   unless the rule is PRECIS_TITLE_ALWAYS: it is all text. */
size_t precis_title_split(const char *data, size_t size, precis_title_rule_t rule,
                          size_t *title_len_p);

/* Microseconds since the Unix epoch. */
int64_t precis_now_us(void);

int precis_article_test(bool verbose);

#endif
