/*  precis_html - HTML pages and fragments to plain text, before normalizing.

    Parsed with libxml2's HTML parser (recovering from broken markup, no
    network), so every named and numeric entity is decoded by it. Only the
    readable body text is kept:

    - dropped with everything inside: script, style, noscript, template,
      iframe, object, embed, svg, canvas, nav, aside, footer, form, button,
      select, figure, figcaption, head; header too, unless it is inside an
      article or main element (there it holds the headline); and elements
      with the hidden attribute;
    - dropped as boilerplate: elements whose class or id has a word part
      (split at spaces, '-', '_', digits and lower-to-upper case changes)
      that is "ad" or "ads", or starts with "advert", "promo", "sponsor",
      "share", "social", "related" or "newsletter" ("ad-slot", "adBanner",
      "share_buttons", "sponsored"; not "shadow", "header" or "load");
    - paragraph boundaries (a blank line) around p, div, section, article,
      main, h1-h6, blockquote, pre, ul, ol, dl, table, hr, address, details;
      a line break at br, li, dt, dd, tr; a space between table cells;
    - white space in text collapsed to one space, except inside pre.

    The title comes from <title>, else <meta property="og:title">, else the
    first h1. An h1 that says the same as the title or og:title (white space
    collapsed) is the headline and is left out of the text, since the
    article carries it as its title (as in a plain-text article).
*/
#ifndef PRECIS_HTML_H
#define PRECIS_HTML_H

#include "precis_article.h"
#include <stdbool.h>
#include <stddef.h>

/* The detection rule of format "auto": text[0..len) is HTML when, after
   white space and a UTF-8 byte order mark, it starts with "<!doctype html",
   "<html" or "<!--"; or when its first 4096 bytes hold a tag of a common
   element (p, div, br, span, a, b, i, em, strong, h1-h6, ul, ol, li, table,
   tr, td, body, head, title, article, section, script, style, img, meta,
   link, nav, header, footer, blockquote, figure, main, aside, form, iframe,
   noscript, pre, hr; ASCII case ignored): "<NAME>", "<NAME/>", "</NAME>",
   or "<NAME " with an attribute ('=') before the closing '>' on the same
   line. So "3 < 5", "a<b and b>c", "<3" and "<pricing>" stay text. */
bool precis_html_detect(const char *text, size_t len);

/* Whether text written in format should be turned from HTML into text:
   html always, text never, auto by precis_html_detect. */
bool precis_html_wanted(precis_format_t format, const char *text, size_t len);

/* Converts html[0..len) to plain text: paragraphs separated by a blank line,
   lines by a newline, no leading or trailing white space. Returns a malloc'd
   NUL-terminated string (empty when the page has no readable text), its
   length in *text_len. When title_p is not NULL, *title_p receives the
   page's title (malloc'd, white space collapsed) or NULL when it has none.
   Broken markup is repaired as browsers do. Returns NULL only when the
   input is over 1 GiB or libxml2 cannot allocate; the caller reports it. */
char *precis_html_to_text(const char *html, size_t len, size_t *text_len, char **title_p);

int precis_html_test(bool verbose);

#endif
