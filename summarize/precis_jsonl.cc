/*  precis_jsonl - the JSON Lines record reader of offline summarize, on
    simdjson's DOM parser. See precis_jsonl.h for why simdjson. */
#include "precis_jsonl.h"
#include <simdjson.h>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>

struct _precis_jsonl_t {
    simdjson::dom::parser parser;
    /* The line, copied with SIMDJSON_PADDING bytes after it, which simdjson
       reads past the end for speed. */
    std::string padded;
    std::string id_json;
};

extern "C" precis_jsonl_t *precis_jsonl_new(void)
{
    return new (std::nothrow) _precis_jsonl_t();
}

extern "C" void precis_jsonl_destroy(precis_jsonl_t **self_p)
{
    if (self_p && *self_p) {
        delete *self_p;
        *self_p = nullptr;
    }
}

/* Reads a string-or-null field. Returns false when the key holds something
   else. */
static bool string_field(const simdjson::dom::object &object, const char *key,
                         precis_jsonl_string_t *out)
{
    out->ptr = nullptr;
    out->len = 0;
    simdjson::dom::element value;
    if (object.at_key(key).get(value) != simdjson::SUCCESS || value.is_null())
        return true;
    std::string_view view;
    if (value.get_string().get(view) != simdjson::SUCCESS)
        return false;
    out->ptr = view.data();
    out->len = view.size();
    return true;
}

static void number_field(const simdjson::dom::object &object, const char *key,
                         precis_jsonl_number_t *out)
{
    *out = precis_jsonl_number_t();
    simdjson::dom::element value;
    if (object.at_key(key).get(value) != simdjson::SUCCESS || value.is_null())
        return;
    switch (value.type()) {
    case simdjson::dom::element_type::INT64:
        out->kind = PRECIS_JSONL_INTEGER;
        out->integer = int64_t(value);
        out->real = double(out->integer);
        break;
    case simdjson::dom::element_type::UINT64:
        out->kind = PRECIS_JSONL_REAL; /* above INT64_MAX: out of every range */
        out->real = double(uint64_t(value));
        break;
    case simdjson::dom::element_type::DOUBLE:
        out->kind = PRECIS_JSONL_REAL;
        out->real = double(value);
        break;
    default:
        out->kind = PRECIS_JSONL_OTHER;
    }
}

/* Why a line is not JSON, in words a user can act on: simdjson's own
   messages name its internals ("improper structure", "tape"). */
static const char *readable(simdjson::error_code error)
{
    switch (error) {
    case simdjson::UTF8_ERROR:
        return "not valid UTF-8";
    case simdjson::UNCLOSED_STRING:
        return "not valid JSON (a string is not closed: the line is cut short?)";
    case simdjson::TAPE_ERROR:
        return "not valid JSON (a comma, colon, brace or bracket missing or too many, "
               "or text after the object)";
    case simdjson::STRING_ERROR:
    case simdjson::UNESCAPED_CHARS:
        return "not valid JSON (a bad escape or a raw control character in a string)";
    case simdjson::NUMBER_ERROR:
        return "not valid JSON (a bad number)";
    case simdjson::T_ATOM_ERROR:
    case simdjson::F_ATOM_ERROR:
    case simdjson::N_ATOM_ERROR:
        return "not valid JSON (a bare word: strings need quotes)";
    case simdjson::DEPTH_ERROR:
        return "not valid JSON (nested too deeply)";
    case simdjson::CAPACITY:
        return "the line is too long";
    case simdjson::EMPTY:
        return "not valid JSON (nothing but white space)";
    default:
        return simdjson::error_message(error);
    }
}

extern "C" const char *precis_jsonl_parse(precis_jsonl_t *self, const char *line,
                                          size_t len, precis_jsonl_record_t *record)
{
    if (!self || !line || !record)
        return "no input";
    *record = precis_jsonl_record_t();
    try {
        self->padded.assign(line, len);
        self->padded.resize(len + simdjson::SIMDJSON_PADDING);
    } catch (const std::bad_alloc &) {
        return "out of memory";
    }
    simdjson::dom::element root;
    simdjson::error_code error =
        self->parser.parse(self->padded.data(), len, false).get(root);
    if (error != simdjson::SUCCESS)
        return readable(error);
    simdjson::dom::object object;
    if (root.get_object().get(object) != simdjson::SUCCESS)
        return "not a JSON object";
    record->text_not_string = !string_field(object, "text", &record->text);
    record->title_not_string = !string_field(object, "title", &record->title);
    record->lang_not_string = !string_field(object, "lang", &record->lang);
    record->format_not_string = !string_field(object, "format", &record->format);
    /* Every field is read, so not || (which would stop at the first). */
    bool url_ok = string_field(object, "url", &record->url);
    bool source_ok = string_field(object, "source", &record->source);
    bool published_ok = string_field(object, "published", &record->published);
    record->meta_not_string = !url_ok || !source_ok || !published_ok;
    if (!string_field(object, "id", &record->id_string)) {
        try {
            self->id_json = simdjson::minify(object["id"].value_unsafe());
        } catch (const std::bad_alloc &) {
            return "out of memory";
        }
        record->id_json.ptr = self->id_json.data();
        record->id_json.len = self->id_json.size();
    }
    number_field(object, "sentences", &record->sentences);
    number_field(object, "words", &record->words);
    number_field(object, "ratio", &record->ratio);
    record->explain = -1;
    simdjson::dom::element explain;
    if (object.at_key("explain").get(explain) == simdjson::SUCCESS &&
        !explain.is_null()) {
        bool value = false;
        record->explain = explain.get_bool().get(value) == simdjson::SUCCESS ? value : 2;
    }
    return nullptr;
}

/* Self test. */
static int fail(const char *what)
{
    std::fprintf(stderr, "precis_jsonl: %s\n", what);
    return 1;
}

extern "C" int precis_jsonl_test(bool verbose)
{
    if (verbose)
        std::printf(" * precis_jsonl: ");
    precis_jsonl_t *reader = precis_jsonl_new();
    if (!reader)
        return fail("cannot make a reader");
    precis_jsonl_record_t record;
    int failures = 0;

    /* Every field, with an escaped NUL and a multi-byte letter in the text. */
    const char line[] =
        "{\"id\":\"a-1\",\"title\":\"Caf\\u00e9\",\"text\":\"One.\\u0000Two "
        "\xc3\xa9t\xc3\xa9.\",\"lang\":\"fr\",\"format\":\"text\","
        "\"sentences\":2,\"ratio\":0.5,\"words\":null,\"extra\":[1,2]}";
    if (precis_jsonl_parse(reader, line, sizeof line - 1, &record) != nullptr)
        failures += fail("a good line was refused");
    else {
        if (record.id_string.len != 3 || std::memcmp(record.id_string.ptr, "a-1", 3) != 0)
            failures += fail("id");
        if (record.text.len != 15 || record.text.ptr[4] != '\0')
            failures += fail("text with \\u0000 and UTF-8");
        if (record.title.len != 5 || std::memcmp(record.title.ptr, "Caf\xc3\xa9", 5) != 0)
            failures += fail("title escape");
        if (record.sentences.kind != PRECIS_JSONL_INTEGER ||
            record.sentences.integer != 2)
            failures += fail("sentences");
        if (record.ratio.kind != PRECIS_JSONL_REAL || record.ratio.real != 0.5)
            failures += fail("ratio");
        if (record.words.kind != PRECIS_JSONL_ABSENT)
            failures += fail("null words");
        if (record.explain != -1)
            failures += fail("explain absent");
    }

    /* An id that is not a string comes back as compact JSON. */
    const char numeric[] = "{ \"id\" : 42 , \"text\" : 7, \"explain\": true }";
    if (precis_jsonl_parse(reader, numeric, sizeof numeric - 1, &record) != nullptr ||
        record.id_json.len != 2 || std::memcmp(record.id_json.ptr, "42", 2) != 0 ||
        !record.text_not_string || record.text.ptr != nullptr || record.explain != 1)
        failures += fail("numeric id, text not a string");

    /* What is not a JSON object is refused with a reason. */
    const char *bad[] = {"[1,2]", "{\"text\":\"x\"", "{\"text\":\"\xff\"}", "{} {}", ""};
    for (const char *text : bad)
        if (precis_jsonl_parse(reader, text, std::strlen(text), &record) == nullptr)
            failures += fail(text);

    /* The length of the line decides, not a NUL in it: the bytes after len
       are not read. */
    const char cut[] = "{\"text\":\"ab\"}GARBAGE";
    if (precis_jsonl_parse(reader, cut, 13, &record) != nullptr || record.text.len != 2)
        failures += fail("a line given by its length");

    precis_jsonl_destroy(&reader);
    precis_jsonl_destroy(&reader); /* twice is harmless */
    if (verbose && failures == 0)
        std::printf("OK\n");
    return failures ? 1 : 0;
}
