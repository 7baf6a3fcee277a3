/*  precis_feed - RSS and Atom feed files as articles, for `precis push` and
    `precis summarize`.

    Parsed with libxml2's XML parser: no network (XML_PARSE_NONET), no
    external DTD or entity loaded, entities not substituted (a reference to
    one declared in the document is skipped, not expanded: no XXE, no
    "billion laughs"). Reads RSS 2.0 (rss/channel/item), RSS 1.0 (rdf:RDF,
    item) and Atom (feed/entry). Each item becomes one article:

    | article    | RSS                                  | Atom                        |
    |------------|--------------------------------------|-----------------------------|
    | id         | guid, else link                      | id, else link               |
    | title      | title                                | title                       |
    | url        | link                                 | link rel="alternate" href   |
    | published  | pubDate, else dc:date                | published, else updated     |
    | text       | content:encoded, else description    | content, else summary       |
    | format     | html                                 | html for type="html" or     |
    |            |                                      | "xhtml", text for "text",   |
    |            |                                      | auto when no type           |

    Text and titles are the elements' character data (CDATA included), white
    space trimmed; Atom xhtml content is its markup, serialized.
*/
#ifndef PRECIS_FEED_H
#define PRECIS_FEED_H

#include "precis.h"

/* One item of a feed. Strings are malloc'd and NUL-terminated, NULL when the
   item has no such element (text is NULL for an item with no content). */
typedef struct {
    char *id;
    char *title;
    char *url;
    char *published;
    char *text;
    precis_format_t format;
} precis_feed_item_t;

typedef struct _precis_feed_t precis_feed_t;

/* Parses a feed document data[0..size). Returns NULL with a reason in error
   (PRECIS_ERROR_SIZE bytes) when it is not well-formed XML (with the line
   and libxml2's message) or not an RSS or Atom feed (with the root
   element's name). A feed with no items is not an error. */
precis_feed_t *precis_feed_new(const char *data, size_t size, char *error);
void precis_feed_destroy(precis_feed_t **self_p);

/* The number of items, and item index (0-based, in document order). */
size_t precis_feed_size(precis_feed_t *self);
const precis_feed_item_t *precis_feed_item(precis_feed_t *self, size_t index);

/* True when data[0..size) looks like a feed: after white space, a byte order
   mark, an XML declaration, comments and processing instructions, its first
   element is rss, rdf:RDF or feed. Looks at the first 4096 bytes only. */
bool precis_feed_sniff(const char *data, size_t size);

int precis_feed_test(bool verbose);

#endif
