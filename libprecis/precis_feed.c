/*  precis_feed - RSS and Atom feed files as articles, for `precis push` and
    `precis summarize`.

    Elements are matched by local name, whatever their prefix, except the
    RSS content module's "encoded", so that feeds that bind the usual
    namespaces to odd prefixes still read. Character data is gathered from
    text and CDATA nodes only: an entity reference node (an entity the
    document declared itself) is skipped rather than expanded, which is what
    keeps a hostile DTD from blowing up the text.
*/
#define _GNU_SOURCE /* memmem */
#include "precis_feed.h"
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <limits.h>
#include <unistd.h>

#define CONTENT_MODULE "http://purl.org/rss/1.0/modules/content/"

struct _precis_feed_t {
    precis_feed_item_t *items;
    size_t count, capacity;
};

static bool named(const xmlNode *node, const char *name)
{
    return node->type == XML_ELEMENT_NODE && strcmp((const char *)node->name, name) == 0;
}

/* The first child element with the local name, or NULL. */
static xmlNode *child(const xmlNode *parent, const char *name)
{
    for (xmlNode *node = parent->children; node; node = node->next)
        if (named(node, name))
            return node;
    return NULL;
}

static void gather_text(const xmlNode *node, zchunk_t *chunk)
{
    for (const xmlNode *part = node->children; part; part = part->next) {
        if ((part->type == XML_TEXT_NODE || part->type == XML_CDATA_SECTION_NODE) &&
            part->content)
            zchunk_extend(chunk, part->content, strlen((const char *)part->content));
        else if (part->type == XML_ELEMENT_NODE)
            gather_text(part, chunk);
    }
}

/* The trimmed character data of node, malloc'd; NULL when node is NULL or
   the text is blank. */
static char *text_of(const xmlNode *node)
{
    if (!node)
        return NULL;
    zchunk_t *chunk = zchunk_new(NULL, 256);
    gather_text(node, chunk);
    const char *data = (const char *)zchunk_data(chunk);
    size_t start = 0, end = zchunk_size(chunk);
    while (start < end && isspace((unsigned char)data[start]))
        start++;
    while (end > start && isspace((unsigned char)data[end - 1]))
        end--;
    char *text = NULL;
    if (end > start) {
        text = malloc(end - start + 1);
        assert(text);
        memcpy(text, data + start, end - start);
        text[end - start] = 0;
    }
    zchunk_destroy(&chunk);
    return text;
}

/* The markup inside node (Atom xhtml content), malloc'd. */
static char *markup_of(const xmlNode *node)
{
    xmlBufferPtr buffer = xmlBufferCreate();
    for (xmlNode *part = node->children; part; part = part->next)
        xmlNodeDump(buffer, node->doc, part, 0, 0);
    char *markup = strdup((const char *)xmlBufferContent(buffer));
    xmlBufferFree(buffer);
    return markup;
}

static char *attribute(const xmlNode *node, const char *name)
{
    xmlChar *value = xmlGetProp(node, (const xmlChar *)name);
    char *copy = value ? strdup((const char *)value) : NULL;
    xmlFree(value);
    return copy;
}

static precis_feed_item_t *add_item(precis_feed_t *self)
{
    if (self->count == self->capacity) {
        self->capacity = self->capacity ? self->capacity * 2 : 16;
        self->items = realloc(self->items, self->capacity * sizeof *self->items);
        assert(self->items);
    }
    precis_feed_item_t *item = &self->items[self->count++];
    memset(item, 0, sizeof *item);
    return item;
}

static void read_rss_item(precis_feed_t *self, const xmlNode *node)
{
    precis_feed_item_t *item = add_item(self);
    item->title = text_of(child(node, "title"));
    item->url = text_of(child(node, "link"));
    item->id = text_of(child(node, "guid"));
    if (!item->id && item->url)
        item->id = strdup(item->url);
    item->published = text_of(child(node, "pubDate"));
    if (!item->published)
        item->published = text_of(child(node, "date")); /* dc:date, RSS 1.0 */
    for (xmlNode *part = node->children; part && !item->text; part = part->next)
        if (named(part, "encoded") && part->ns &&
            strcmp((const char *)part->ns->href, CONTENT_MODULE) == 0)
            item->text = text_of(part);
    if (!item->text)
        item->text = text_of(child(node, "description"));
    item->format = PRECIS_FORMAT_HTML;
}

/* Atom's link: rel="alternate" or no rel, else the first with an href. */
static char *atom_link(const xmlNode *entry)
{
    char *fallback = NULL;
    for (xmlNode *node = entry->children; node; node = node->next) {
        if (!named(node, "link"))
            continue;
        char *rel = attribute(node, "rel");
        bool alternate = !rel || strcmp(rel, "alternate") == 0;
        free(rel);
        char *href = attribute(node, "href");
        if (href && !*href) /* href="" is no link */
            zstr_free(&href);
        if (alternate && href) {
            free(fallback);
            return href;
        }
        if (!fallback)
            fallback = href;
        else
            free(href);
    }
    return fallback;
}

static void read_atom_entry(precis_feed_t *self, const xmlNode *node)
{
    precis_feed_item_t *item = add_item(self);
    item->title = text_of(child(node, "title"));
    item->url = atom_link(node);
    item->id = text_of(child(node, "id"));
    if (!item->id && item->url)
        item->id = strdup(item->url);
    item->published = text_of(child(node, "published"));
    if (!item->published)
        item->published = text_of(child(node, "updated"));
    xmlNode *content = child(node, "content");
    if (!content || !content->children) /* an empty content: try the summary */
        content = child(node, "summary");
    if (!content)
        return;
    char *type = attribute(content, "type");
    if (type && strcmp(type, "xhtml") == 0) {
        item->text = markup_of(content);
        item->format = PRECIS_FORMAT_HTML;
    } else {
        item->text = text_of(content);
        item->format = !type                       ? PRECIS_FORMAT_AUTO
                       : strcmp(type, "html") == 0 ? PRECIS_FORMAT_HTML
                                                   : PRECIS_FORMAT_TEXT;
    }
    free(type);
}

/* Items of RSS 2.0 are in channel, those of RSS 1.0 next to it. */
static void read_rss(precis_feed_t *self, const xmlNode *root)
{
    for (xmlNode *node = root->children; node; node = node->next)
        if (named(node, "item"))
            read_rss_item(self, node);
        else if (named(node, "channel"))
            for (xmlNode *part = node->children; part; part = part->next)
                if (named(part, "item"))
                    read_rss_item(self, part);
}

static void read_atom(precis_feed_t *self, const xmlNode *root)
{
    for (xmlNode *node = root->children; node; node = node->next)
        if (named(node, "entry"))
            read_atom_entry(self, node);
}

/* libxml2's messages end with a newline and some have more inside; a
   reason for the user is one line: out gets message with each newline a
   space, trailing white space trimmed. */
static void one_line(char *out, const char *message)
{
    snprintf(out, PRECIS_ERROR_SIZE, "%s", message ? message : "");
    for (char *c = out; *c; c++)
        if (*c == '\n' || *c == '\r')
            *c = ' ';
    size_t len = strlen(out);
    while (len > 0 && out[len - 1] == ' ')
        out[--len] = 0;
}

/* Encoding errors bypass XML_PARSE_NOERROR and go to the generic channel. */
static void ignore_error(void *context, const char *message, ...)
{
}

precis_feed_t *precis_feed_new(const char *data, size_t size, char *error)
{
    if (size > INT_MAX) {
        snprintf(error, PRECIS_ERROR_SIZE, "the feed is over 2 GiB");
        return NULL;
    }
    xmlInitParser();
    xmlParserCtxtPtr context = xmlNewParserCtxt();
    if (!context) {
        snprintf(error, PRECIS_ERROR_SIZE, "out of memory");
        return NULL;
    }
    /* Without XML_PARSE_NOENT, DTDLOAD or DTDVALID nothing outside is read. */
    xmlGenericErrorFunc saved_handler = xmlGenericError;
    void *saved_context = xmlGenericErrorContext;
    xmlSetGenericErrorFunc(NULL, ignore_error);
    xmlDocPtr doc = xmlCtxtReadMemory(context, data, (int)size, NULL, NULL,
                                      XML_PARSE_NONET | XML_PARSE_NOERROR |
                                          XML_PARSE_NOWARNING | XML_PARSE_NOCDATA);
    xmlSetGenericErrorFunc(saved_context, saved_handler);
    precis_feed_t *self = NULL;
    xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
    if (!doc || !context->wellFormed || !root) {
        const xmlError *last = &context->lastError;
        char message[PRECIS_ERROR_SIZE];
        one_line(message, last->message);
        snprintf(error, PRECIS_ERROR_SIZE, "not well-formed XML (line %d: %s)",
                 last->line, *message ? message : "no root element");
    } else if (named(root, "rss") || named(root, "RDF") || named(root, "feed")) {
        self = calloc(1, sizeof *self);
        assert(self);
        if (named(root, "feed"))
            read_atom(self, root);
        else
            read_rss(self, root);
    } else
        snprintf(error, PRECIS_ERROR_SIZE,
                 "not an RSS or Atom feed (the root element is <%.64s>, not <rss>, "
                 "<rdf:RDF> or <feed>)",
                 (const char *)root->name);
    xmlFreeDoc(doc);
    xmlFreeParserCtxt(context);
    return self;
}

void precis_feed_destroy(precis_feed_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    precis_feed_t *self = *self_p;
    for (size_t i = 0; i < self->count; i++) {
        precis_feed_item_t *item = &self->items[i];
        free(item->id);
        free(item->title);
        free(item->url);
        free(item->published);
        free(item->text);
    }
    free(self->items);
    free(self);
    *self_p = NULL;
}

size_t precis_feed_size(precis_feed_t *self)
{
    return self->count;
}

const precis_feed_item_t *precis_feed_item(precis_feed_t *self, size_t index)
{
    return index < self->count ? &self->items[index] : NULL;
}

/* Skips "<?...?>" or "<!--...-->" at data[i]; returns the index after it, or
   i when there is none there. */
static size_t skip_prolog_part(const char *data, size_t size, size_t i)
{
    const char *end = NULL;
    if (i + 1 < size && data[i] == '<' && data[i + 1] == '?')
        end = memmem(data + i, size - i, "?>", 2);
    else if (i + 3 < size && memcmp(data + i, "<!--", 4) == 0)
        end = memmem(data + i, size - i, "-->", 3);
    if (!end)
        return i;
    return (size_t)(end - data) + (data[i + 1] == '?' ? 2 : 3);
}

bool precis_feed_sniff(const char *data, size_t size)
{
    size = size < 4096 ? size : 4096;
    size_t i = size >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
    while (true) {
        while (i < size && isspace((unsigned char)data[i]))
            i++;
        size_t next = skip_prolog_part(data, size, i);
        if (next == i)
            break;
        i = next;
    }
    const char *roots[] = {"<rss", "<rdf:RDF", "<feed"};
    for (size_t r = 0; r < sizeof roots / sizeof roots[0]; r++) {
        size_t n = strlen(roots[r]);
        if (i + n < size && memcmp(data + i, roots[r], n) == 0 &&
            (data[i + n] == '>' || isspace((unsigned char)data[i + n])))
            return true;
    }
    return false;
}

/* Self test helpers: parse a feed, or fail with a message. */
static precis_feed_t *parse(const char *xml, int *failures)
{
    char error[PRECIS_ERROR_SIZE];
    precis_feed_t *feed = precis_feed_new(xml, strlen(xml), error);
    if (!feed) {
        fprintf(stderr, "feed test: a valid feed was refused: %s\n", error);
        (*failures)++;
    }
    return feed;
}

static bool same(const char *value, const char *expected)
{
    return (!value && !expected) || (value && expected && strcmp(value, expected) == 0);
}

#define CHECK(cond)                                                                      \
    do {                                                                                 \
        if (!(cond)) {                                                                   \
            fprintf(stderr, "feed test failed: %s (line %d)\n", #cond, __LINE__);        \
            failures++;                                                                  \
        }                                                                                \
    } while (0)

static int test_rss(void)
{
    int failures = 0;
    const char *rss =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<!-- a comment first -->\n"
        "<rss version=\"2.0\" xmlns:content=\"http://purl.org/rss/1.0/modules/content/\">"
        "<channel><title>Courier</title><link>https://example.org/</link>"
        "<item><title>Ferry returns</title><link>https://example.org/ferry</link>"
        "<guid isPermaLink=\"false\">courier-101</guid>"
        "<pubDate>Sat, 28 Nov 2026 09:00:00 GMT</pubDate>"
        "<description>Short teaser.</description>"
        "<content:encoded><![CDATA[<p>The ferry is back.</p>]]></content:encoded></item>"
        "<item><title>Caf&#233; &amp; bakery</title><guid>courier-102</guid>"
        "<description>&lt;p&gt;A new caf&amp;eacute; opened.&lt;/p&gt;</description>"
        "</item>"
        "<item><title>Link only</title><link> https://example.org/3 </link>"
        "<description>Third.</description></item>"
        "</channel></rss>";
    CHECK(precis_feed_sniff(rss, strlen(rss)));
    precis_feed_t *feed = parse(rss, &failures);
    if (!feed)
        return failures;
    CHECK(precis_feed_size(feed) == 3);
    const precis_feed_item_t *item = precis_feed_item(feed, 0);
    CHECK(same(item->id, "courier-101") && same(item->title, "Ferry returns"));
    CHECK(same(item->url, "https://example.org/ferry"));
    CHECK(same(item->published, "Sat, 28 Nov 2026 09:00:00 GMT"));
    CHECK(same(item->text, "<p>The ferry is back.</p>"));
    CHECK(item->format == PRECIS_FORMAT_HTML);
    item = precis_feed_item(feed, 1);
    CHECK(same(item->id, "courier-102") && same(item->title, "Caf\xc3\xa9 & bakery"));
    CHECK(same(item->text, "<p>A new caf&eacute; opened.</p>") && !item->url);
    item = precis_feed_item(feed, 2);
    CHECK(same(item->id, "https://example.org/3") && same(item->text, "Third."));
    CHECK(precis_feed_item(feed, 3) == NULL);
    precis_feed_destroy(&feed);
    return failures;
}

static int test_atom(void)
{
    int failures = 0;
    const char *atom =
        "<?xml version=\"1.0\"?><feed xmlns=\"http://www.w3.org/2005/Atom\">"
        "<title>Courier</title><id>urn:courier</id>"
        "<entry><id>urn:courier:201</id><title>Bridge vote</title>"
        "<link rel=\"self\" href=\"https://example.org/self\"/>"
        "<link href=\"https://example.org/bridge\"/>"
        "<updated>2026-11-28T10:00:00Z</updated><published>2026-11-27T08:00:00Z"
        "</published><summary>Teaser.</summary>"
        "<content type=\"html\">&lt;p&gt;Council voted.&lt;/p&gt;</content></entry>"
        "<entry><id>urn:courier:202</id><title type=\"text\">Orchestra</title>"
        "<updated>2026-11-29T10:00:00Z</updated>"
        "<content type=\"xhtml\"><div xmlns=\"http://www.w3.org/1999/xhtml\">"
        "<p>The <b>orchestra</b> toured.</p></div></content></entry>"
        "</feed>";
    CHECK(precis_feed_sniff(atom, strlen(atom)));
    precis_feed_t *feed = parse(atom, &failures);
    if (!feed)
        return failures;
    CHECK(precis_feed_size(feed) == 2);
    const precis_feed_item_t *item = precis_feed_item(feed, 0);
    CHECK(same(item->id, "urn:courier:201") && same(item->title, "Bridge vote"));
    CHECK(same(item->url, "https://example.org/bridge"));
    CHECK(same(item->published, "2026-11-27T08:00:00Z"));
    CHECK(same(item->text, "<p>Council voted.</p>") &&
          item->format == PRECIS_FORMAT_HTML);
    item = precis_feed_item(feed, 1);
    CHECK(same(item->published, "2026-11-29T10:00:00Z") && !item->url);
    CHECK(item->text && strstr(item->text, "<p>The <b>orchestra</b> toured.</p>"));
    CHECK(item->format == PRECIS_FORMAT_HTML);
    precis_feed_destroy(&feed);

    /* An entry without content or summary has no text; no type is auto. */
    const char *sparse =
        "<feed xmlns=\"http://www.w3.org/2005/Atom\"><entry><id>e1</id>"
        "</entry><entry><id>e2</id><summary>Plain.</summary></entry></feed>";
    feed = parse(sparse, &failures);
    if (feed) {
        CHECK(precis_feed_size(feed) == 2 && precis_feed_item(feed, 0)->text == NULL);
        CHECK(precis_feed_item(feed, 1)->format == PRECIS_FORMAT_AUTO);
        precis_feed_destroy(&feed);
    }
    return failures;
}

static int test_bad_feeds(void)
{
    int failures = 0;
    char error[PRECIS_ERROR_SIZE];
    struct {
        const char *xml;
        const char *reason;
    } cases[] = {
        {"<rss><channel><item><title>Open", "not well-formed XML (line 1: "},
        {"Just some text.", "not well-formed XML"},
        {"", "not well-formed XML"},
        {"<html><body><p>A page</p></body></html>",
         "not an RSS or Atom feed (the root element is <html>"},
        {"<rss><item><title>a</title></item></rss><rss/>", "not well-formed XML"},
        {"<rss><item><title>caf\xff\xff\xff\xff</title></item></rss>",
         "not well-formed XML (line 1: Input is not proper UTF-8"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        precis_feed_t *feed = precis_feed_new(cases[i].xml, strlen(cases[i].xml), error);
        if (feed || !strstr(error, cases[i].reason) || strchr(error, '\n')) {
            fprintf(stderr, "feed test: \"%s\" gave \"%s\", expected \"%s\"\n",
                    cases[i].xml, feed ? "a feed" : error, cases[i].reason);
            failures++;
        }
        precis_feed_destroy(&feed);
    }
    CHECK(!precis_feed_sniff("<html><rss>", 11));
    CHECK(!precis_feed_sniff("<?xml version=\"1.0\"?><rsst/>", 28));
    CHECK(precis_feed_sniff("\xef\xbb\xbf<?xml version=\"1.0\"?>\n<?xml-stylesheet x?>"
                            "<!-- c -->\n<feed xmlns=\"x\">",
                            68));

    /* Entities the document declares are not expanded: no billion laughs... */
    const char *laughs =
        "<?xml version=\"1.0\"?><!DOCTYPE rss [<!ENTITY a \"haha\">"
        "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\"><!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;"
        "&b;&b;&b;\"><!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\"><!ENTITY e \"&d;&d;&d;"
        "&d;&d;&d;&d;&d;&d;&d;\"><!ENTITY f \"&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;\">"
        "<!ENTITY g \"&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;\">]>"
        "<rss><channel><item><guid>x</guid><description>Boom &g; end</description>"
        "</item></channel></rss>";
    precis_feed_t *feed = precis_feed_new(laughs, strlen(laughs), error);
    if (feed) {
        const char *text = precis_feed_item(feed, 0)->text;
        CHECK(text && strlen(text) < 100);
        precis_feed_destroy(&feed);
    }
    /* ... and no external entity is read (XXE). */
    char path[] = "/tmp/precis-feed-test-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    if (fd >= 0) {
        CHECK(write(fd, "SECRET-MARKER", 13) == 13);
        close(fd);
        char *xxe =
            zsys_sprintf("<?xml version=\"1.0\"?><!DOCTYPE rss [<!ENTITY x SYSTEM "
                         "\"file://%s\">]><rss><channel><item><guid>x</guid>"
                         "<description>Leak: &x;</description></item></channel>"
                         "</rss>",
                         path);
        feed = precis_feed_new(xxe, strlen(xxe), error);
        if (feed) {
            const char *text = precis_feed_item(feed, 0)->text;
            CHECK(!text || !strstr(text, "SECRET-MARKER"));
            precis_feed_destroy(&feed);
        }
        zstr_free(&xxe);
        unlink(path);
    }
    return failures;
}

int precis_feed_test(bool verbose)
{
    int failures = test_rss() + test_atom() + test_bad_feeds();
    if (verbose && !failures)
        printf("feed: all checks passed\n");
    return failures;
}
