/*  precis_furniture - which sentences are page furniture rather than news:
    bylines, time stamps, photo credits and captions, calls to share or
    subscribe.

    A step of the summarizer: reads the document, returns one mark per
    sentence. Scoring multiplies the score of a furniture sentence by
    PRECIS_FURNITURE_FACTOR (it is kept, not dropped: in an article that is
    all furniture, it is still the summary), and a furniture sentence is
    never the article's "first" sentence (the lede under it is).
*/
#ifndef PRECIS_FURNITURE_H
#define PRECIS_FURNITURE_H

#include "precis_document.h"
#include <stdbool.h>
#include <stdint.h>

typedef struct _precis_furniture_t precis_furniture_t;

/* Why a sentence is furniture. */
typedef enum {
    PRECIS_FURNITURE_NONE = 0,
    PRECIS_FURNITURE_PHRASE, /* a furniture phrase ("PUBLISHED:", "Getty Images",
                                "CLICK HERE"...) starts one of its words */
    PRECIS_FURNITURE_BYLINE, /* "By Jane Doe ...": By, and at most 8 words; or a
                                line of at most 64 bytes that starts with a
                                reporter's title ("记者 ", "記者 ", "기자 ",
                                "ผู้สื่อข่าว ") */
    PRECIS_FURNITURE_FIELDS, /* fields between bars ("News | Sport"), or a time
                                stamp ("Published 3 May", "Updated: 10:02") */
} precis_furniture_kind_t;

/* The score factor of a furniture sentence. */
#define PRECIS_FURNITURE_FACTOR 0.05

precis_furniture_t *precis_furniture_new(void);
void precis_furniture_destroy(precis_furniture_t **self_p);

/* One precis_furniture_kind_t per sentence of document; valid until the
   next run. */
const uint8_t *precis_furniture_run(precis_furniture_t *self,
                                    const precis_document_t *document);

/* After a run: per sentence, the bytes of furniture glued to its start
   as a kicker, which a summary leaves out; 0 for none. A kicker is a time
   stamp: a date (12/28/2015, 28/12/15 or 2015-12-28), optionally "AT" or a
   comma, and a time (04:50, 4:50 PM, 16:50 EST), then a space and a
   capital letter or quotation mark: "12/28/2015 AT 04:50 PM EST Like a lot
   of..." keeps "Like a lot of...". Or a share panel: "Share this with"
   and the services' names up to "Copy this link" (within 200 bytes),
   glued or spaced, then a capital, digit or quotation mark ("Share this
   withEmailFacebook...Copy this linkThe first incident..."). Or a news
   agency's dateline: an optional place and the agency in parentheses,
   capitalized words only, within 64 bytes, then the sentence glued to it
   or after a dash ("(CNN)They may...", "New Delhi, India (CNN)As the...",
   "LONDON (Reuters) - The..."): the reader knows the source, and the
   agency's name is in no summary of the news (CNN/DM: 22 of 250 summaries
   at 3 sentences opened with one); a bare source in parentheses may also
   stand a space before the sentence ("(Instagram) The singer ...", a
   caption's credit). Or a photo credit run into the sentence under the
   photo: a credit phrase ("Mug shots of ... provided by", "Photo courtesy
   of"), the source's capitalized words, up to an article, pronoun or
   number word that opens the sentence ("... provided by the Lake County
   Police Department Two people were arrested ..."), within 200 bytes.
   The sentence is still scored whole, and its furniture kind is judged on what follows
   the kicker. */
const uint32_t *precis_furniture_kickers(const precis_furniture_t *self);

/* "phrase", "byline", "fields" or "none". */
const char *precis_furniture_name(uint8_t kind);

int precis_furniture_test(bool verbose);

#endif
