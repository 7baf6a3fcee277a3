/*  precis_furniture - which sentences are page furniture (see the header). */
#include "precis_furniture.h"
#include "precis_reserve.h"
#include "precis_words.h"
#include <stdio.h>
#include <string.h>
#include <strings.h>

struct _precis_furniture_t {
    uint8_t *kinds;
    size_t kind_cap;
    uint32_t *kickers;
    size_t kicker_cap;
};

precis_furniture_t *precis_furniture_new(void)
{
    precis_furniture_t *self = calloc(1, sizeof *self);
    assert(self);
    return self;
}

void precis_furniture_destroy(precis_furniture_t **self_p)
{
    assert(self_p);
    if (!*self_p)
        return;
    free((*self_p)->kinds);
    free((*self_p)->kickers);
    free(*self_p);
    *self_p = NULL;
}

/* True for "Published 3 May...", "Updated: 10:02", "Posted on ...": a
   publishing verb first, and a digit soon after. */
static bool starts_time_stamp(const char *text, size_t len)
{
    static const char *const verbs[] = {"Published", "Updated", "Posted",
                                        "Last modified"};
    for (size_t v = 0; v < sizeof verbs / sizeof verbs[0]; v++) {
        /* The first letter first: few sentences start like a verb here. */
        if (len == 0 || (text[0] | 0x20) != (verbs[v][0] | 0x20))
            continue;
        size_t verb_len = strlen(verbs[v]);
        if (len <= verb_len || strncasecmp(text, verbs[v], verb_len) != 0)
            continue;
        for (size_t i = verb_len; i < len && i < verb_len + 16; i++)
            if (text[i] >= '0' && text[i] <= '9')
                return true;
    }
    return false;
}

/* The digits at text[*at..len): moves *at past them and returns their
   count. */
static size_t digits(const char *text, size_t len, size_t *at)
{
    size_t start = *at;
    while (*at < len && text[*at] >= '0' && text[*at] <= '9')
        (*at)++;
    return *at - start;
}

/* True when text[*at..len) starts with word (case-insensitive) followed by
   a space; moves *at past both. */
static bool skip_word(const char *text, size_t len, size_t *at, const char *word)
{
    size_t word_len = strlen(word);
    if (*at + word_len + 1 > len || strncasecmp(text + *at, word, word_len) != 0 ||
        text[*at + word_len] != ' ')
        return false;
    *at += word_len + 1;
    return true;
}

/* A date: 12/28/2015, 28/12/15 or 2015-12-28. */
static bool skip_date(const char *text, size_t len, size_t *at)
{
    size_t first = digits(text, len, at);
    char mark = *at < len ? text[*at] : 0;
    if (!((first >= 1 && first <= 2 && mark == '/') || (first == 4 && mark == '-')))
        return false;
    (*at)++;
    size_t second = digits(text, len, at);
    if (second < 1 || second > 2 || *at >= len || text[*at] != mark)
        return false;
    (*at)++;
    size_t third = digits(text, len, at);
    return mark == '/' ? third == 2 || third == 4 : third == 2;
}

/* A time after a date: "AT " or ", " first, then 4:50 or 16:50, then an
   optional AM/PM and time zone, each followed by a space. */
static bool skip_time(const char *text, size_t len, size_t *at)
{
    static const char *const zones[] = {"EST", "EDT", "CST", "CDT", "MST",
                                        "MDT", "PST", "PDT", "ET",  "PT",
                                        "GMT", "BST", "UTC", "CET", "CEST"};
    if (*at + 2 < len && text[*at] == ',' && text[*at + 1] == ' ')
        *at += 2;
    else if (*at < len && text[*at] == ' ') {
        (*at)++;
        skip_word(text, len, at, "AT");
    }
    size_t hours = digits(text, len, at);
    if (hours < 1 || hours > 2 || *at >= len || text[*at] != ':')
        return false;
    (*at)++;
    if (digits(text, len, at) != 2 || *at >= len || text[*at] != ' ')
        return false;
    (*at)++;
    if (!skip_word(text, len, at, "AM"))
        skip_word(text, len, at, "PM");
    for (size_t z = 0; z < sizeof zones / sizeof zones[0]; z++)
        if (skip_word(text, len, at, zones[z]))
            break;
    return true;
}

/* True when text[at] can start a sentence: a capital letter, a digit or
   a quotation mark (straight, or the lead byte of a curly one). */
static bool starts_sentence(const char *text, size_t len, size_t at)
{
    if (at + 1 >= len)
        return false;
    unsigned char next = (unsigned char)text[at];
    return (next >= 'A' && next <= 'Z') || (next >= '0' && next <= '9') || next == '"' ||
           next == '\'' || next == 0xE2;
}

/* A run of page furniture from start (start_len bytes) up to the first
   end (end_len bytes) within max bytes, glued to its neighbours or
   spaced: moves *at past it and the spaces after it. */
static bool skip_span(const char *text, size_t len, const char *start, size_t start_len,
                      const char *end, size_t end_len, size_t max, size_t *at)
{
    if (len < start_len + end_len + 2 || memcmp(text, start, start_len) != 0)
        return false;
    size_t limit = len < max ? len : max;
    for (size_t i = start_len; i + end_len <= limit; i++)
        if (text[i] == end[0] && memcmp(text + i, end, end_len) == 0) {
            *at = i + end_len;
            while (*at < len && text[*at] == ' ')
                (*at)++;
            return true;
        }
    return false;
}

/* skip_span with string constants; most sentences start otherwise and are
   passed over at their first byte, without a call. */
#define SKIP_SPAN(text, len, start, end, max, at)                                        \
    ((len) > 0 && (text)[0] == (start)[0] &&                                             \
     skip_span(text, len, start, sizeof start - 1, end, sizeof end - 1, max, at))

/* A share panel: "Share this with" and the services' names up to "Copy
   this link", within 200 bytes. */
static bool skip_share_panel(const char *text, size_t len, size_t *at)
{
    return SKIP_SPAN(text, len, "Share this", "Copy this link", 200, at);
}

/* A video player's notice where a clip would play, as every BBC News page
   with a video carries it and scraped text glues it to the next
   paragraph: "Media playback is not supported on this deviceLang, who
   ..." (31 times in XSum's 251 articles, 11 of them before the lede).
   Also "Media playback is unsupported on your device". */
static bool skip_player_notice(const char *text, size_t len, size_t *at)
{
    return SKIP_SPAN(text, len, "Media playback is ", "device", 64, at);
}

/* True for a byte that may be part of a dateline's name: a letter (any
   byte of a UTF-8 sequence counts as one), a period, a hyphen or an
   ampersand. */
static bool name_byte(unsigned char byte)
{
    return (byte >= 'A' && byte <= 'Z') || (byte >= 'a' && byte <= 'z') || byte >= 0x80 ||
           byte == '.' || byte == '-' || byte == '&';
}

/* Capitalized words (each starting with a capital or a non-ASCII letter)
   separated by spaces or ", ", from *at up to the byte stop: moves *at to
   stop and returns false at anything else (a small word: "vs",
   "pictured", "left"; a digit) or when there is no word. */
static bool skip_capitalized(const char *text, size_t len, size_t *at, char stop)
{
    bool word_start = true, any = false;
    for (; *at < len && text[*at] != stop; (*at)++) {
        unsigned char byte = (unsigned char)text[*at];
        if (byte == ' ' || (byte == ',' && !word_start))
            word_start = true;
        else if (word_start) {
            if (!((byte >= 'A' && byte <= 'Z') || byte >= 0x80))
                return false;
            word_start = false;
            any = true;
        } else if (!name_byte(byte))
            return false;
    }
    return *at < len && any;
}

/* A news agency's dateline: an optional place ("Boston ", "New Delhi,
   India "), the agency in parentheses ("(CNN)", "(The Hollywood
   Reporter)"), then either the sentence glued to it or a dash ("--", "-",
   an em dash) between spaces, within DATELINE_MAX bytes; moves *at past it
   and the spaces after it. Capitalized words only, so a person's aside
   ("Ann Lee (left), 38, ...", "(pictured) was") is no dateline. */
#define DATELINE_MAX 64
static bool skip_dateline(const char *text, size_t len, size_t *at)
{
    size_t limit = len < DATELINE_MAX ? len : DATELINE_MAX;
    size_t open = 0;
    if (!memchr(text, '(', limit)) /* most sentences: no scan */
        return false;
    if (text[0] != '(' &&
        (!skip_capitalized(text, limit, &open, '(') || text[open - 1] != ' '))
        return false;
    size_t close = open + 1;
    if (!skip_capitalized(text, limit, &close, ')') || text[close - 1] == ' ')
        return false;
    *at = close + 1;
    /* A bare source in parentheses, spaced from the sentence: "(Instagram)
       The singer ...", a caption's credit run into the lede. With a place
       before it ("Ann Lee (Harbour Trust) said ...") it is an aside. */
    if (text[0] == '(' && *at + 1 < len && text[*at] == ' ' &&
        starts_sentence(text, len, *at + 1)) {
        (*at)++;
        return true;
    }
    if (*at < len && text[*at] == ' ') {
        size_t dash = *at + 1;
        if (dash + 1 < len && text[dash] == '-')
            dash += text[dash + 1] == '-' ? 2 : 1;
        else if (dash + 3 < len && memcmp(text + dash, "\xE2\x80\x94", 3) == 0)
            dash += 3;
        else
            return false;
        *at = dash;
    }
    while (*at < len && text[*at] == ' ')
        (*at)++;
    return true;
}

/* The bytes of the word at text[at..len) (up to a space or the end). */
static size_t word_len(const char *text, size_t len, size_t at)
{
    size_t end = at;
    while (end < len && text[end] != ' ')
        end++;
    return end - at;
}

/* True when text[at..at + len) is one of words (exactly, case-sensitive). */
static bool word_in(const char *text, size_t at, size_t len, const char *const *words,
                    size_t count)
{
    for (size_t w = 0; w < count; w++)
        if (strlen(words[w]) == len && memcmp(text + at, words[w], len) == 0)
            return true;
    return false;
}

/* A photo credit glued to the sentence under the photo, as scraped pages
   run the caption into the lede: a credit phrase first ("Mug shots of
   ... provided by", "Photo courtesy of"), the source's capitalized words
   (with "of", "and", "&" between them: "Department of Corrections"),
   then the sentence, opened by a word that ends no source's name: an
   article, a pronoun or a number word. "Mug shots of Dale Pruitt provided
   by the Lake County Police Department Two people were arrested ..." keeps
   "Two people were arrested ...". Within CREDIT_MAX bytes. A source
   followed by a name ("... Police Department Dale Pruitt, 34, was ...")
   is no kicker: where the source's name ends is not known, and the whole
   sentence stays furniture. */
#define CREDIT_MAX 200
static bool skip_credit(const char *text, size_t len, size_t *at)
{
    static const char *const credits[] = {"Mug shot",        "Photo courtesy",
                                          "Photos courtesy", "Picture courtesy",
                                          "Image courtesy",  "Images courtesy"};
    static const char *const sources[] = {" provided by ", " courtesy of ", " courtesy "};
    static const char *const openers[] = {
        "The",  "A",   "An",    "This",  "These", "Those", "He",    "She",
        "They", "It",  "His",   "Her",   "Their", "Two",   "Three", "Four",
        "Five", "Six", "Seven", "Eight", "Nine",  "Ten"};
    static const char *const joins[] = {"of", "and", "&"};
    if (len == 0 || (text[0] != 'M' && text[0] != 'P' && text[0] != 'I'))
        return false;
    bool credit = false;
    for (size_t c = 0; c < sizeof credits / sizeof credits[0] && !credit; c++)
        credit =
            len > strlen(credits[c]) && memcmp(text, credits[c], strlen(credits[c])) == 0;
    if (!credit)
        return false;
    size_t limit = len < CREDIT_MAX ? len : CREDIT_MAX, from = 0;
    for (size_t i = 1; i < limit && !from; i++)
        for (size_t s = 0; s < sizeof sources / sizeof sources[0] && !from; s++) {
            size_t source_len = strlen(sources[s]);
            if (i + source_len <= limit && memcmp(text + i, sources[s], source_len) == 0)
                from = i + source_len;
        }
    if (!from)
        return false;
    if (from + 4 < limit && memcmp(text + from, "the ", 4) == 0)
        from += 4;
    size_t names = 0;
    for (size_t word = from; word < limit;) {
        size_t n = word_len(text, limit, word);
        unsigned char first = (unsigned char)text[word];
        bool capital = (first >= 'A' && first <= 'Z') || first >= 0x80;
        if (names > 0 &&
            word_in(text, word, n, openers, sizeof openers / sizeof openers[0])) {
            *at = word;
            return true;
        }
        if (!capital && !word_in(text, word, n, joins, sizeof joins / sizeof joins[0]))
            return false;
        for (size_t b = 0; b < n; b++)
            if (!name_byte((unsigned char)text[word + b]) && text[word + b] != '\'')
                return false;
        names += capital;
        word += n;
        while (word < limit && text[word] == ' ')
            word++;
    }
    return false;
}

/* The bytes of a kicker at the start of text[0..len), or 0: a time stamp
   (date and time), a share panel, a video player's notice, a news
   agency's dateline or a photo credit, then the start of a sentence. */
static uint32_t kicker_of(const char *text, size_t len)
{
    size_t at = 0;
    if (len >= 12 && text[0] >= '0' && text[0] <= '9' && skip_date(text, len, &at) &&
        skip_time(text, len, &at) && starts_sentence(text, len, at) &&
        !(text[at] >= '0' && text[at] <= '9')) /* "4:50 2 boats": no kicker */
        return (uint32_t)at;
    at = 0;
    if (skip_share_panel(text, len, &at) && starts_sentence(text, len, at))
        return (uint32_t)at;
    at = 0;
    if (skip_player_notice(text, len, &at) && starts_sentence(text, len, at))
        return (uint32_t)at;
    at = 0;
    if (len > 4 && skip_dateline(text, len, &at) && starts_sentence(text, len, at))
        return (uint32_t)at;
    at = 0;
    if (skip_credit(text, len, &at))
        return (uint32_t)at;
    return 0;
}

/* True for a short line that starts with a reporter's title and a space,
   as bylines read in scripts written without spaces ("本报记者 王明",
   "記者 佐藤花子", "ผู้สื่อข่าว สมชาย"). */
static bool reporter_line(const char *text, size_t len)
{
    static const char *const titles[] = {"本报记者 ", "记者 ", "記者 ", "기자 ",
                                         "ผู้สื่อข่าว "};
    if (len > 64)
        return false;
    for (size_t t = 0; t < sizeof titles / sizeof titles[0]; t++) {
        size_t title_len = strlen(titles[t]);
        if (len > title_len && memcmp(text, titles[t], title_len) == 0)
            return true;
    }
    return false;
}

/* The kind of one sentence text[0..len) of words words. */
static uint8_t kind_of(const char *text, size_t len, uint32_t words, bool phrase)
{
    if (phrase)
        return PRECIS_FURNITURE_PHRASE;
    /* "By Jane Doe ." and the like: a short line that starts with By. */
    if ((len > 3 && memcmp(text, "By ", 3) == 0 && words <= 8) ||
        reporter_line(text, len))
        return PRECIS_FURNITURE_BYLINE;
    /* Time stamps ("Published 14 April, 18:42 | Updated ...") and other
       lines of fields separated by bars. */
    if (memchr(text, '|', len) || starts_time_stamp(text, len))
        return PRECIS_FURNITURE_FIELDS;
    return PRECIS_FURNITURE_NONE;
}

const uint8_t *precis_furniture_run(precis_furniture_t *self,
                                    const precis_document_t *document)
{
    size_t n = precis_document_sentence_count(document);
    const precis_doc_sentence_t *sentences = precis_document_sentences(document);
    const char *text = precis_document_text(document);
    PRECIS_RESERVE(self->kinds, self->kind_cap, n);
    PRECIS_RESERVE(self->kickers, self->kicker_cap, n);
    for (size_t i = 0; i < n; i++) {
        const char *start = text + sentences[i].start;
        uint32_t len = sentences[i].len, kicker = kicker_of(start, len);
        self->kickers[i] = kicker;
        if (kicker == 0)
            self->kinds[i] = kind_of(start, len, sentences[i].words, sentences[i].phrase);
        else {
            /* Judged on what the summary shows: the sentence after its
               kicker (the share panel is itself a furniture phrase). */
            bool phrase;
            uint32_t words = precis_words_scan(start + kicker, len - kicker, &phrase);
            self->kinds[i] = kind_of(start + kicker, len - kicker, words, phrase);
        }
    }
    return self->kinds;
}

const uint32_t *precis_furniture_kickers(const precis_furniture_t *self)
{
    return self->kickers;
}

const char *precis_furniture_name(uint8_t kind)
{
    static const char *const names[] = {"none", "phrase", "byline", "fields"};
    return kind < sizeof names / sizeof names[0] ? names[kind] : "none";
}

/* --- Self test ------------------------------------------------------------ */

int precis_furniture_test(bool verbose)
{
    int failures = 0;
    const char *text = "By Ona Reyes, Transport Editor\n"
                       "Published 2 June, 07:15\n"
                       "Home | News | Transport\n"
                       "Photo: Commuters wait at Central station.\n"
                       "(Credit: Jonah Okafor/Northfield Herald)\n"
                       "By noon the trains were running again after the signal failure "
                       "had been found and fixed by the engineers.\n"
                       "The regional rail operator cancelled all morning trains.\n";
    static const uint8_t expected[] = {PRECIS_FURNITURE_BYLINE, PRECIS_FURNITURE_FIELDS,
                                       PRECIS_FURNITURE_FIELDS, PRECIS_FURNITURE_PHRASE,
                                       PRECIS_FURNITURE_PHRASE, PRECIS_FURNITURE_NONE,
                                       PRECIS_FURNITURE_NONE};
    precis_document_t *document = precis_document_new();
    precis_furniture_t *self = precis_furniture_new();
    char code[8];
    precis_document_build(document, NULL, text, strlen(text), "en", 0, code, NULL);
    size_t n = precis_document_sentence_count(document);
    const uint8_t *kinds = precis_furniture_run(self, document);
    if (n != sizeof expected) {
        failures++;
        if (verbose)
            printf("furniture: %zu sentences, expected %zu\n", n, sizeof expected);
    }
    for (size_t i = 0; i < n && i < sizeof expected; i++)
        if (kinds[i] != expected[i]) {
            failures++;
            if (verbose)
                printf("furniture: sentence %zu is %s, expected %s\n", i,
                       precis_furniture_name(kinds[i]),
                       precis_furniture_name(expected[i]));
        }
    /* A reporter's title opens a byline in scripts written without spaces;
       a long line that opens with it is news. */
    static const struct {
        const char *text, *lang;
        uint8_t kind;
    } reporters[] = {
        {"记者 王明", "zh", PRECIS_FURNITURE_BYLINE},
        {"ผู้สื่อข่าว สมชาย", "th", PRECIS_FURNITURE_BYLINE},
        {"记者 王明今天在北京地铁十九号线的开通仪式上采访了很多乘客和工作人员。", "zh",
         PRECIS_FURNITURE_NONE},
    };
    for (size_t r = 0; r < sizeof reporters / sizeof reporters[0]; r++) {
        const char *line = reporters[r].text;
        precis_document_build(document, NULL, line, strlen(line), reporters[r].lang, 0,
                              code, NULL);
        if (precis_document_sentence_count(document) != 1 ||
            precis_furniture_run(self, document)[0] != reporters[r].kind) {
            failures++;
            if (verbose)
                printf("furniture: reporter case %zu not %s\n", r,
                       precis_furniture_name(reporters[r].kind));
        }
    }
    /* Time-stamp kickers glued to a sentence: left out; other numbers at
       the start of a sentence are not kickers. */
    static const struct {
        const char *text;
        const char *rest; /* what is left, NULL: no kicker */
    } kickers[] = {
        {"12/28/2015 AT 04:50 PM EST Like many towns, Skerry lit its pier.",
         "Like many towns"},
        {"3/4/16, 9:05 am \"We are open,\" the harbour master said.", "\"We are open"},
        {"2024-03-04 16:50 GMT The ferry left on time.", "The ferry left"},
        {"12/28/2015 was the day the ferry stopped.", NULL},
        {"4/5 of the islanders voted at 10:30 on Monday.", NULL},
        {"12/28/2015 AT 04:50 PM the ferry stopped.", NULL},
        {"Share this withEmailFacebookTwitterCopy this linkThe ferry left on time.",
         "The ferry left"},
        {"Share this with Email Facebook Copy this link \"We are open,\" she said.",
         "\"We are open"},
        {"Share this with Email, Facebook and Twitter.", NULL},
        /* A video player's notice glued to the paragraph after it. */
        {"Media playback is not supported on this deviceThe ferry left on time.",
         "The ferry left"},
        {"Media playback is unsupported on your device \"We are open,\" she said.",
         "\"We are open"},
        {"Media playback is not supported on this device.", NULL},
        /* A news agency's dateline, with or without a place, glued or
           dashed; a person's aside or a team's ground is none. */
        {"(WNS)Ferries to Skerry Island resumed on Monday.", "Ferries to"},
        {"Port Ellen, Islay (Island Wire) -- The ferry left on time.", "The ferry"},
        {"KIRKWALL (Orkney Post) \xE2\x80\x94 \"We are open,\" she said.", "\"We are"},
        {"Ann Lee (left), 38, ran the harbour shop for years.", NULL},
        {"Ann Lee (pictured) ran the harbour shop for years.", NULL},
        {"Skerry Rovers vs Harbour Town (Pier Park) Team news is below.", NULL},
        {"Ann Lee (Harbour Trust) said the pier was safe.", NULL},
        {"(WNS) the ferry left on time.", NULL},
        /* A caption's credit in parentheses, spaced from the lede. */
        {"(Instagram) The singer Mara Voss cancelled her tour.", "The singer"},
        {"(Island Wire) \"We are open,\" she said.", "\"We are open"},
        /* A photo credit run into the lede, up to the word that opens it;
           none where the source's name runs into another name. */
        {"Mug shots of Dale Pruitt and Anna Kerr provided by the Lake County Police "
         "Department Two people were arrested on Tuesday after a chase.",
         "Two people"},
        {"Photo courtesy of Skerry Harbour Trust The ferry left on time.", "The ferry"},
        {"Photos courtesy Orkney Post A storm closed the pier.", "A storm"},
        {"Mug shot provided by the Lake County Sheriff's Office Dale Pruitt, 34, was "
         "arrested on Tuesday.",
         NULL},
        {"Mug shot provided by police.", NULL},
        {"Photo courtesy of the island council shows the pier.", NULL},
    };
    for (size_t k = 0; k < sizeof kickers / sizeof kickers[0]; k++) {
        const char *line = kickers[k].text;
        precis_document_build(document, NULL, line, strlen(line), "en", 0, code, NULL);
        uint8_t kind = precis_furniture_run(self, document)[0];
        uint32_t skip = precis_furniture_kickers(self)[0];
        const char *rest = kickers[k].rest;
        /* A sentence is judged without its kicker: the share panel or the
           player's notice alone is furniture, the news glued to it is not. */
        bool panel = strncmp(line, "Share", 5) == 0 || strncmp(line, "Media", 5) == 0 ||
                     strncmp(line, "Mug", 3) == 0 || strncmp(line, "Photo", 5) == 0;
        if ((rest ? strncmp(line + skip, rest, strlen(rest)) != 0 : skip != 0) ||
            (panel && (kind == PRECIS_FURNITURE_NONE) != (rest != NULL))) {
            failures++;
            if (verbose)
                printf("furniture: kicker case %zu: %u bytes left out\n", k, skip);
        }
    }
    precis_furniture_destroy(&self);
    precis_document_destroy(&document);
    return failures ? 1 : 0;
}
