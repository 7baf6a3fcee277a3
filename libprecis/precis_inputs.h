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

/* The name of path, one of the paths precis_inputs_new gave for the count
   arguments: a path given by name is itself ("d1/index.html"), a file found
   under a directory argument is relative to that directory ("tree" gives
   "d1/index.html" for tree/d1/index.html); a leading "./" is dropped. The
   extension is kept, so a.txt and a.html differ. `precis push` uses it as
   a file article's id. Returns a new string (free it), "-" for stdin. */
char *precis_inputs_name(const char *path, int count, char **arguments);

int precis_inputs_test(bool verbose);

#endif
