/*  precis_html - HTML to plain text with libxml2's HTML parser.

    libxml2 rather than gumbo (both in Debian): on a generated 50 KB page
    libxml2 parsed 1.5-2.3x faster; both repair broken markup (gumbo follows
    HTML5 to the letter, e.g. "&eacute" without ';' is decoded, libxml2
    keeps it as typed, as the normalizer does); libxml2 is maintained while
    gumbo's upstream is archived; and its XML parser reads the feeds of
    `precis push` and its entity table serves the normalizer: one library
    instead of two. (Figures: README.md, "HTML and feeds".)

    The tree is walked without recursion (its depth is whatever the page
    nests), writing text into one buffer; block elements ask for a break
    that is written only before the next text, so that empty elements and
    runs of blocks give one blank line and nothing trails.
*/
#include "precis_html.h"
#include <assert.h>
#include <ctype.h>
#include <libxml/HTMLparser.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Breaks between pieces of text, weakest first; the strongest asked wins. */
typedef enum { BREAK_NONE, BREAK_SPACE, BREAK_LINE, BREAK_PARAGRAPH } break_t;

typedef struct {
    char *data;
    size_t len, cap;
    break_t pending;
    int pre_depth; /* inside pre: newlines are kept */
    char *title, *og_title, *h1;
} writer_t;

/* Elements dropped with their content: not part of the article's text. */
static const char *dropped_elements[] = {
    "script", "style",  "noscript",   "template", "iframe", "object", "embed",
    "svg",    "canvas", "nav",        "aside",    "footer", "form",   "button",
    "select", "figure", "figcaption", "head",     "title",  "math",   "dialog",
};

/* Elements that stand as paragraphs: a blank line before and after. */
static const char *paragraph_elements[] = {
    "p",    "div",  "section", "article",  "main",       "h1",      "h2",
    "h3",   "h4",   "h5",      "h6",       "blockquote", "pre",     "ul",
    "ol",   "dl",   "table",   "hr",       "address",    "details", "summary",
    "body", "html", "center",  "fieldset", "caption",    "hgroup",  "menu",
};

/* Elements that end a line. */
static const char *line_elements[] = {"br", "li", "dt", "dd", "tr", "option"};

/* Class and id word parts that mark boilerplate: whole words ... */
static const char *boilerplate_words[] = {"ad", "ads"};
/* ... and word beginnings. */
static const char *boilerplate_prefixes[] = {"advert", "promo",   "sponsor",   "share",
                                             "social", "related", "newsletter"};

#define COUNT(array) (sizeof array / sizeof array[0])

static bool name_in(const xmlChar *name, const char **list, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (strcmp((const char *)name, list[i]) == 0)
            return true;
    return false;
}

static void put(writer_t *w, const char *bytes, size_t len)
{
    if (w->len + len + 1 > w->cap) {
        while (w->len + len + 1 > w->cap)
            w->cap = w->cap ? w->cap * 2 : 4096;
        w->data = realloc(w->data, w->cap);
        assert(w->data);
    }
    memcpy(w->data + w->len, bytes, len);
    w->len += len;
}

static void ask_break(writer_t *w, break_t kind)
{
    if (kind > w->pending)
        w->pending = kind;
}

static bool is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/* Appends text, collapsing white space into the pending break. */
static void put_text(writer_t *w, const char *text)
{
    const char *run = NULL; /* start of the visible bytes not yet written */
    for (const char *p = text;; p++) {
        if (*p && !is_space((unsigned char)*p)) {
            if (!run) {
                if (w->len > 0 && w->pending != BREAK_NONE)
                    put(w,
                        w->pending == BREAK_PARAGRAPH ? "\n\n"
                        : w->pending == BREAK_LINE    ? "\n"
                                                      : " ",
                        w->pending == BREAK_PARAGRAPH ? 2 : 1);
                w->pending = BREAK_NONE;
                run = p;
            }
            continue;
        }
        if (run)
            put(w, run, (size_t)(p - run));
        run = NULL;
        if (!*p)
            break;
        ask_break(w, *p == '\n' && w->pre_depth > 0 ? BREAK_LINE : BREAK_SPACE);
    }
}

/* A malloc'd copy of text with white space collapsed and trimmed; NULL when
   nothing is left. */
static char *collapse(const xmlChar *text)
{
    if (!text)
        return NULL;
    writer_t w = {0};
    put_text(&w, (const char *)text);
    if (w.len == 0) {
        free(w.data);
        return NULL;
    }
    w.data[w.len] = 0;
    return w.data;
}

/* The collapsed text content of node, malloc'd, or NULL. */
static char *node_text(xmlNode *node)
{
    xmlChar *content = xmlNodeGetContent(node);
    char *text = collapse(content);
    xmlFree(content);
    return text;
}

static bool word_is_boilerplate(const char *word, size_t len)
{
    for (size_t i = 0; i < COUNT(boilerplate_words); i++)
        if (strlen(boilerplate_words[i]) == len &&
            strncasecmp(word, boilerplate_words[i], len) == 0)
            return true;
    for (size_t i = 0; i < COUNT(boilerplate_prefixes); i++) {
        size_t prefix = strlen(boilerplate_prefixes[i]);
        if (len >= prefix && strncasecmp(word, boilerplate_prefixes[i], prefix) == 0)
            return true;
    }
    return false;
}

/* True when a class or id value has a boilerplate word part. Parts are runs
   of letters, also split where a lower-case letter is followed by an upper-case
   one ("adSlot" is "ad" and "Slot"). */
static bool attribute_is_boilerplate(const xmlChar *value)
{
    if (!value)
        return false;
    const char *text = (const char *)value;
    size_t start = 0, i = 0;
    for (;; i++) {
        unsigned char c = (unsigned char)text[i];
        bool letter = c && isalpha(c) && c < 0x80;
        bool camel =
            letter && i > start && isupper(c) && islower((unsigned char)text[i - 1]);
        if (!letter || camel) {
            if (i > start && word_is_boilerplate(text + start, i - start))
                return true;
            start = letter ? i : i + 1;
        }
        if (!c)
            return false;
    }
}

static bool has_ancestor(xmlNode *node, const char *name)
{
    for (xmlNode *up = node->parent; up && up->type == XML_ELEMENT_NODE; up = up->parent)
        if (strcmp((const char *)up->name, name) == 0)
            return true;
    return false;
}

/* True when the element and its content are not article text. */
static bool is_dropped(xmlNode *node)
{
    if (name_in(node->name, dropped_elements, COUNT(dropped_elements)))
        return true;
    if (strcmp((const char *)node->name, "header") == 0 &&
        !has_ancestor(node, "article") && !has_ancestor(node, "main"))
        return true;
    if (xmlHasProp(node, (const xmlChar *)"hidden"))
        return true;
    xmlChar *class_value = xmlGetProp(node, (const xmlChar *)"class");
    xmlChar *id_value = xmlGetProp(node, (const xmlChar *)"id");
    bool boilerplate =
        attribute_is_boilerplate(class_value) || attribute_is_boilerplate(id_value);
    xmlFree(class_value);
    xmlFree(id_value);
    return boilerplate;
}

/* Keeps the title candidates an element offers. */
static void note_title(writer_t *w, xmlNode *node)
{
    const char *name = (const char *)node->name;
    if (strcmp(name, "title") == 0 && !w->title)
        w->title = node_text(node);
    else if (strcmp(name, "meta") == 0 && !w->og_title) {
        xmlChar *property = xmlGetProp(node, (const xmlChar *)"property");
        if (!property)
            property = xmlGetProp(node, (const xmlChar *)"name");
        if (property && strcmp((const char *)property, "og:title") == 0) {
            xmlChar *content = xmlGetProp(node, (const xmlChar *)"content");
            w->og_title = collapse(content);
            xmlFree(content);
        }
        xmlFree(property);
    } else if (strcmp(name, "h1") == 0 && !w->h1)
        w->h1 = node_text(node);
}

/* True for an h1 that repeats the page's title or og:title: the headline,
   which the article carries as its title, is not repeated in its text. */
static bool is_headline(writer_t *w, xmlNode *node)
{
    if (strcmp((const char *)node->name, "h1") != 0 || (!w->title && !w->og_title))
        return false;
    char *text = node_text(node);
    bool same = text && ((w->title && strcmp(text, w->title) == 0) ||
                         (w->og_title && strcmp(text, w->og_title) == 0));
    free(text);
    return same;
}

/* Starts a node; true when its children are to be walked. */
static bool enter(writer_t *w, xmlNode *node)
{
    switch (node->type) {
    case XML_HTML_DOCUMENT_NODE:
    case XML_DOCUMENT_NODE:
        return true;
    case XML_TEXT_NODE:
    case XML_CDATA_SECTION_NODE:
        if (node->content)
            put_text(w, (const char *)node->content);
        return false;
    case XML_ELEMENT_NODE:
        break;
    default:
        return false; /* comments, processing instructions, the DTD */
    }
    note_title(w, node);
    if (strcmp((const char *)node->name, "head") == 0)
        for (xmlNode *child = node->children; child; child = child->next)
            if (child->type == XML_ELEMENT_NODE)
                note_title(w, child); /* head is dropped, its title is kept */
    if (name_in(node->name, paragraph_elements, COUNT(paragraph_elements)))
        ask_break(w, BREAK_PARAGRAPH);
    else if (name_in(node->name, line_elements, COUNT(line_elements)))
        ask_break(w, BREAK_LINE);
    else if (strcmp((const char *)node->name, "td") == 0 ||
             strcmp((const char *)node->name, "th") == 0)
        ask_break(w, BREAK_SPACE);
    if (is_dropped(node) || is_headline(w, node))
        return false;
    if (strcmp((const char *)node->name, "pre") == 0)
        w->pre_depth++;
    return true;
}

/* Ends a node whose children, if walked, are done. */
static void leave(writer_t *w, xmlNode *node, bool walked)
{
    if (node->type != XML_ELEMENT_NODE)
        return;
    if (name_in(node->name, paragraph_elements, COUNT(paragraph_elements)))
        ask_break(w, BREAK_PARAGRAPH);
    else if (name_in(node->name, line_elements, COUNT(line_elements)))
        ask_break(w, BREAK_LINE);
    if (walked && strcmp((const char *)node->name, "pre") == 0)
        w->pre_depth--;
}

static void walk(writer_t *w, xmlNode *root)
{
    xmlNode *node = root;
    while (node) {
        bool walked = enter(w, node);
        if (walked && node->children) {
            node = node->children;
            continue;
        }
        /* Leave this node and every ancestor that has no next sibling. */
        while (node) {
            leave(w, node, walked);
            walked = true; /* ancestors were entered and walked */
            if (node == root)
                return;
            if (node->next) {
                node = node->next;
                break;
            }
            node = node->parent;
        }
    }
}

char *precis_html_to_text(const char *html, size_t len, size_t *text_len, char **title_p)
{
    if (title_p)
        *title_p = NULL;
    if (len > (1u << 30))
        return NULL;
    xmlInitParser();
    writer_t w = {0};
    htmlDocPtr doc = len == 0 ? NULL
                              : htmlReadMemory(html, (int)len, NULL, "UTF-8",
                                               HTML_PARSE_RECOVER | HTML_PARSE_NOERROR |
                                                   HTML_PARSE_NOWARNING |
                                                   HTML_PARSE_NONET | HTML_PARSE_COMPACT);
    if (doc)
        walk(&w, (xmlNode *)doc);
    xmlFreeDoc(doc);
    put(&w, "", 0); /* the buffer exists and has room for the NUL */
    w.data[w.len] = 0;
    *text_len = w.len;
    char *title = w.title ? w.title : w.og_title ? w.og_title : w.h1;
    if (title_p)
        *title_p = title;
    if (title != w.title || !title_p)
        free(w.title);
    if (title != w.og_title || !title_p)
        free(w.og_title);
    if (title != w.h1 || !title_p)
        free(w.h1);
    return w.data;
}

/* Tag names that make text HTML for the detection of format "auto". */
static const char *detected_tags[] = {
    "p",        "div",     "br",         "span",   "a",    "b",     "i",    "em",
    "strong",   "h1",      "h2",         "h3",     "h4",   "h5",    "h6",   "ul",
    "ol",       "li",      "table",      "tr",     "td",   "body",  "head", "title",
    "article",  "section", "script",     "style",  "img",  "meta",  "link", "nav",
    "header",   "footer",  "blockquote", "figure", "main", "aside", "form", "iframe",
    "noscript", "pre",     "hr",
};

/* True when text[i..) is the rest of a start tag after its name: '>', "/>",
   or white space, then an attribute with '=' before the '>' (within 256
   bytes, no '<' or line break on the way), so that "<b and c>" is text. */
static bool tag_rest(const char *text, size_t len, size_t i)
{
    if (i < len && text[i] == '>')
        return true;
    if (i + 1 < len && text[i] == '/' && text[i + 1] == '>')
        return true;
    if (i >= len || !is_space((unsigned char)text[i]))
        return false;
    while (i < len && is_space((unsigned char)text[i]))
        i++;
    if (i + 1 < len && text[i] == '/' && text[i + 1] == '>')
        return true;
    bool attribute = false;
    for (size_t end = i + 256 < len ? i + 256 : len; i < end; i++) {
        if (text[i] == '=')
            attribute = true;
        else if (text[i] == '>')
            return attribute;
        else if (text[i] == '<' || text[i] == '\n')
            return false;
    }
    return false;
}

/* True when text[i] starts a tag of a detected element. */
static bool tag_at(const char *text, size_t len, size_t i)
{
    bool end_tag = i + 1 < len && text[i + 1] == '/';
    size_t name = i + 1 + end_tag;
    for (size_t t = 0; t < COUNT(detected_tags); t++) {
        size_t n = strlen(detected_tags[t]);
        if (name + n < len && strncasecmp(text + name, detected_tags[t], n) == 0 &&
            (end_tag ? text[name + n] == '>' : tag_rest(text, len, name + n)))
            return true; /* else maybe a longer name: "b" then "br" */
    }
    return false;
}

static bool starts_with_nocase(const char *text, size_t len, const char *prefix)
{
    size_t n = strlen(prefix);
    return len >= n && strncasecmp(text, prefix, n) == 0;
}

bool precis_html_detect(const char *text, size_t len)
{
    size_t start = 0;
    if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
        start = 3;
    while (start < len && is_space((unsigned char)text[start]))
        start++;
    if (starts_with_nocase(text + start, len - start, "<!doctype html") ||
        starts_with_nocase(text + start, len - start, "<html") ||
        starts_with_nocase(text + start, len - start, "<!--"))
        return true;
    size_t window = len < 4096 ? len : 4096;
    for (const char *p = memchr(text, '<', window); p;
         p = memchr(p + 1, '<', window - (size_t)(p + 1 - text)))
        if (tag_at(text, len, (size_t)(p - text)))
            return true;
    return false;
}

bool precis_html_wanted(precis_format_t format, const char *text, size_t len)
{
    return format == PRECIS_FORMAT_HTML ||
           (format == PRECIS_FORMAT_AUTO && precis_html_detect(text, len));
}

/* The self test: one conversion, its text and title compared. */
static int check(const char *name, const char *html, const char *expected,
                 const char *expected_title)
{
    size_t len;
    char *title;
    char *text = precis_html_to_text(html, strlen(html), &len, &title);
    int failures = 0;
    if (!text || strcmp(text, expected) != 0 || len != strlen(expected)) {
        fprintf(stderr, "html test '%s': text\n  got      \"%s\"\n  expected \"%s\"\n",
                name, text ? text : "(null)", expected);
        failures++;
    }
    if ((title == NULL) != (expected_title == NULL) ||
        (title && expected_title && strcmp(title, expected_title) != 0)) {
        fprintf(stderr, "html test '%s': title \"%s\", expected \"%s\"\n", name,
                title ? title : "(none)", expected_title ? expected_title : "(none)");
        failures++;
    }
    free(text);
    free(title);
    return failures;
}

static int test_conversions(void)
{
    int failures = 0;
    failures += check("tags gone",
                      "<html><body><div><span>Harbour</span> <b>bridge</b> "
                      "<a href=\"/x\">reopens</a>.</div></body></html>",
                      "Harbour bridge reopens.", NULL);
    failures += check("paragraphs and lines",
                      "<p>First paragraph.</p><p>Second\nparagraph.</p>"
                      "Line one<br>line two<br/>line three",
                      "First paragraph.\n\nSecond paragraph.\n\nLine one\nline two\nline "
                      "three",
                      NULL);
    failures += check("list items and table rows",
                      "<ul><li>One</li><li>Two</li></ul><table><tr><td>a</td><td>b</td>"
                      "</tr><tr><td>c</td></tr></table>",
                      "One\nTwo\n\na b\nc", NULL);
    failures +=
        check("headings are paragraphs",
              "<h1>Bridge reopens</h1>The council voted.<h2>Next</h2>More.",
              "Bridge reopens\n\nThe council voted.\n\nNext\n\nMore.", "Bridge reopens");
    failures += check("dropped elements",
                      "<head><style>p{color:red}</style><script>var x=1;</script></head>"
                      "<body><header>Site name</header><nav>Home | News</nav>"
                      "<p>Story text.</p><aside>Most read</aside><form>Search</form>"
                      "<figure><img src=a.png><figcaption>A photo</figcaption></figure>"
                      "<noscript>Enable JS</noscript><iframe>frame</iframe>"
                      "<template>tpl</template><footer>Copyright</footer></body>",
                      "Story text.", NULL);
    failures += check("article header kept",
                      "<header>Site</header><article><header><h1>Headline</h1></header>"
                      "<p>Body.</p></article>",
                      "Headline\n\nBody.", "Headline");
    failures +=
        check("boilerplate classes and ids",
              "<p>Real news.</p><div class=\"ad\">Sponsored content</div>"
              "<div class=\"box ad-slot\">Buy now</div><div id=\"adBanner\">Banner"
              "</div><div class=\"share_buttons\">Share</div><div class=\"social\">"
              "Follow</div><section class=\"related-stories\">Other</section>"
              "<div id=\"newsletter-signup\">Sign up</div><span class=promo>Deal"
              "</span><div class=\"Advertisement\">Ad</div><p hidden>Hidden</p>"
              "<p class=\"shadow header loaded\">More news.</p>",
              "Real news.\n\nMore news.", NULL);
    failures += check("entities",
                      "<p>Caf&eacute; Pe&ntilde;a &amp; co &#8217;n&#x2019; &lt;b&gt; "
                      "&hellip;&nbsp;end</p>",
                      "Caf\xc3\xa9 Pe\xc3\xb1"
                      "a & co \xe2\x80\x99n\xe2\x80\x99 <b> "
                      "\xe2\x80\xa6\xc2\xa0"
                      "end",
                      NULL);
    failures += check("title from title element",
                      "<html><head><title> Bridge\n reopens </title>"
                      "<meta property=\"og:title\" content=\"OG\"></head>"
                      "<body><h1>H1</h1></body></html>",
                      "H1", "Bridge reopens");
    failures += check("headline equal to the title not repeated",
                      "<html><head><title>Bridge reopens</title></head><body>"
                      "<h1>Bridge  reopens</h1><p>Text.</p><h1>Bridge reopens</h1></body>"
                      "</html>",
                      "Text.", "Bridge reopens");
    failures += check("headline equal to og:title not repeated",
                      "<html><head><meta property=\"og:title\" content=\"Vote\"></head>"
                      "<body><h1>Vote</h1><h2>Vote</h2><p>Text.</p></body></html>",
                      "Vote\n\nText.", "Vote");
    failures += check("title from og:title",
                      "<html><head><meta property=\"og:title\" content=\"Open &amp; "
                      "graph\"></head><body><h1>H1</h1>Text.</body></html>",
                      "H1\n\nText.", "Open & graph");
    failures += check("title from the first h1", "<h1>First</h1><h1>Second</h1>",
                      "First\n\nSecond", "First");
    failures +=
        check("pre keeps lines", "<pre>a  b\nc\n</pre>after", "a b\nc\n\nafter", NULL);
    failures += check("broken markup",
                      "<div><p>Unclosed <b>bold <i>mixed</b> text</i><p>Next"
                      "</span></div></div><li>item<",
                      "Unclosed bold mixed text\n\nNext\n\nitem<", NULL);
    failures += check("comments and doctype",
                      "<!DOCTYPE html><!-- hidden --><p>Shown.</p><!-- also hidden -->",
                      "Shown.", NULL);
    failures +=
        check("text is UTF-8 whatever the page declares",
              "<html><head><meta charset=\"iso-8859-1\"><title>Caf\xc3\xa9</title>"
              "</head><body><p>Na\xc3\xafve caf\xc3\xa9.</p></body></html>",
              "Na\xc3\xafve caf\xc3\xa9.", "Caf\xc3\xa9");
    failures += check("empty input", "", "", NULL);
    failures += check("only markup", "<div><script>x()</script></div>", "", NULL);
    failures +=
        check("text without tags", "Just text &amp; more.", "Just text & more.", NULL);
    return failures;
}

static int test_huge_and_deep(void)
{
    int failures = 0;
    /* 4 MB of paragraphs: nothing is cut. */
    size_t count = 100000;
    const char *paragraph = "<p>Word word word.</p>";
    size_t size = count * strlen(paragraph);
    char *html = malloc(size + 1);
    for (size_t i = 0; i < count; i++)
        memcpy(html + i * strlen(paragraph), paragraph, strlen(paragraph));
    html[size] = 0;
    size_t len;
    char *text = precis_html_to_text(html, size, &len, NULL);
    if (!text || len != count * strlen("Word word word.\n\n") - 2) {
        fprintf(stderr, "html test: huge input gave %zu bytes\n", text ? len : 0);
        failures++;
    }
    free(text);
    /* 20000 nested elements: the walk does not recurse. */
    size = 0;
    for (size_t i = 0; i < 20000; i++, size += 5)
        memcpy(html + size, "<div>", 5);
    memcpy(html + size, "deep", 5);
    text = precis_html_to_text(html, size + 4, &len, NULL);
    if (!text) {
        fprintf(stderr, "html test: deep nesting failed\n");
        failures++;
    }
    free(text);
    free(html);
    return failures;
}

static int test_detection(void)
{
    struct {
        const char *text;
        bool html;
    } cases[] = {
        {"<!DOCTYPE html><html><body>x</body></html>", true},
        {"\xef\xbb\xbf  \n<html lang=en>", true},
        {"<!-- comment -->\nText", true},
        {"Some text<p>with a paragraph</p>", true},
        {"Line one<br>line two", true},
        {"Line one<BR/>line two", true},
        {"A <div class=\"x\">block</div>", true},
        {"He said 3 < 5 and 7 > 2.", false},
        {"a<b and b>c, also <3 and <<quoted>>", false},
        {"Use the <pricing> table", false},
        {"if a<b and b>c then", false},
        {"<p lang=\"en\">Text</p>", true},
        {"One<br />two", true},
        {"Code:<pre>x</pre>", true},
        {"<blockquote>Quote</blockquote>", true},
        {"Text</p>", true},
        {"Plain text about caf&eacute; prices.", false},
        {"", false},
    };
    int failures = 0;
    for (size_t i = 0; i < COUNT(cases); i++)
        if (precis_html_detect(cases[i].text, strlen(cases[i].text)) != cases[i].html) {
            fprintf(stderr, "html test: detection of \"%s\" is not %s\n", cases[i].text,
                    cases[i].html ? "html" : "text");
            failures++;
        }
    if (precis_html_wanted(PRECIS_FORMAT_TEXT, "<p>x</p>", 8) ||
        !precis_html_wanted(PRECIS_FORMAT_HTML, "3 < 5", 5) ||
        !precis_html_wanted(PRECIS_FORMAT_AUTO, "<p>x</p>", 8)) {
        fprintf(stderr, "html test: precis_html_wanted ignores the format\n");
        failures++;
    }
    /* A tag after the first 4096 bytes does not count. */
    char *late = malloc(5000);
    memset(late, 'a', 5000);
    memcpy(late + 4500, "<p>", 3);
    if (precis_html_detect(late, 5000)) {
        fprintf(stderr, "html test: a tag after 4096 bytes was detected\n");
        failures++;
    }
    free(late);
    return failures;
}

int precis_html_test(bool verbose)
{
    int failures = test_conversions() + test_huge_and_deep() + test_detection();
    if (verbose && !failures)
        printf("html: all checks passed\n");
    return failures;
}
