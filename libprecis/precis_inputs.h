/*  precis_inputs - the files a command reads articles from: the paths it
    was given, each directory replaced by the article files under it.

    `precis push` and offline `precis summarize` take FILE, DIR or - (stdin)
    arguments alike. A directory gives its files named .txt .html .htm
    .jsonl .json .xml .rss .atom, sorted by name, subdirectories too (names
    starting with '.' skipped); other files in it (README.md, scripts) are
    not articles. A path given by name is always taken, whatever its name.
*/
#ifndef PRECIS_INPUTS_H
#define PRECIS_INPUTS_H

#include <czmq.h>
#include <stdbool.h>

/* The paths to read, in order: a list of strings (zlistx, owned by the
   caller: zlistx_destroy frees them). No path at all gives "-" (stdin). A
   path that does not exist is kept, to be reported when opened. */
zlistx_t *precis_inputs_new(int count, char **paths);

/* True when path's name ends in one of the article extensions above. */
bool precis_inputs_is_article_name(const char *path);

/* True when path's name ends in extension (".rss"), any case. */
bool precis_inputs_has_extension(const char *path, const char *extension);

/* True for .jsonl and .json names (JSON Lines by name). */
bool precis_inputs_is_jsonl_name(const char *path);

int precis_inputs_test(bool verbose);

#endif
