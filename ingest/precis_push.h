/*  precis_push - the client side of the ingest socket: `precis push`.

    Reads articles from plain-text files (the first line is the title when
    precis_title_line says so, or as --title-line/--no-title force), HTML
    pages (format html, the page's title), RSS and Atom feeds (one article
    per item, see precis_feed.h), JSON Lines files, directories of them
    (only those extensions: .txt .html .htm .jsonl .json .xml .rss .atom)
    or stdin, sends them to ingest
    over a DEALER socket with a bounded window of requests in flight, and
    retries "busy" answers with exponential backoff. Reports each answer,
    or a progress line on a terminal, and totals at the end.
*/
#ifndef PRECIS_PUSH_H
#define PRECIS_PUSH_H

#include "precis.h"

/* argv[0] is "push". Returns the exit code: 0 all accepted, 1 something was
   rejected or unreadable, 2 usage error, 3 ingest did not answer. */
int precis_cmd_push(int argc, char **argv);

/* Turns one JSON object into a request map; NULL with a reason when it
   cannot be one. Adds a generated id when it has none. Exposed for tests. */
void *precis_push_request_from_json(json_t *object, size_t *size_p, char *id_out,
                                    size_t id_size, char *error);

int precis_push_test(bool verbose);

#endif
