/*  precis_abbrev - per-language word data for the sentence splitter.

    Each language is a few NULL-terminated tables in any order; on first use
    they are sorted into one index per language (its own words first, then
    the base table, the first entry of a word winning) and one neutral index
    (base first, then every language in s_languages order). All storage is
    static: the indexes live in fixed pools, checked against their size.
*/
#include "precis_abbrev.h"
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NE PRECIS_ABBREV_NEVER_ENDS
#define BN PRECIS_ABBREV_BEFORE_NUMBER
#define AM PRECIS_ABBREV_AMBIGUOUS
#define PE PRECIS_ABBREV_PHRASE_END

/* Room for every index: per language its words plus the base table, and
   the neutral index with all of them. */
#define ABBREVIATION_POOL 8192
#define WORD_POOL         8192

typedef struct {
    const char *word;
    precis_abbrev_kind_t kind;
} abbreviation_t;

typedef struct {
    const char *code;
    unsigned flags;
    const abbreviation_t *abbreviations;
    const char *const *lists[PRECIS_WORDS_COUNT];
} language_t;

//  --------------------------------------------------------------------------
//  Base: English and international abbreviations, for every language.

static const abbreviation_t s_base_abbreviations[] = {
    {"adm", NE},  {"al", AM},     {"approx", NE}, {"apr", AM},  {"ariz", AM},
    {"art", BN},  {"assn", AM},   {"aug", AM},    {"ave", AM},  {"bd", BN},
    {"blvd", AM}, {"brig", NE},   {"bros", AM},   {"ca", NE},   {"calif", AM},
    {"capt", NE}, {"cf", NE},     {"ch", BN},     {"chap", BN}, {"cie", AM},
    {"cmdr", NE}, {"co", AM},     {"col", NE},    {"colo", AM}, {"conn", AM},
    {"corp", AM}, {"cpl", NE},    {"dec", AM},    {"dept", AM}, {"det", NE},
    {"dr", NE},   {"drs", NE},    {"e.g", NE},    {"est", AM},  {"feb", AM},
    {"fig", BN},  {"figs", BN},   {"fla", AM},    {"fr", NE},   {"ft", AM},
    {"ga", AM},   {"gen", NE},    {"gov", NE},    {"govt", AM}, {"hon", NE},
    {"i.e", NE},  {"inc", AM},    {"insp", NE},   {"intl", AM}, {"jan", AM},
    {"jr", AM},   {"jul", AM},    {"jun", AM},    {"kan", AM},  {"ky", AM},
    {"llc", AM},  {"lt", NE},     {"ltd", AM},    {"maj", NE},  {"mar", AM},
    {"md", AM},   {"messrs", NE}, {"mfg", AM},    {"mgr", NE},  {"mich", AM},
    {"minn", AM}, {"mr", NE},     {"mrs", NE},    {"ms", NE},   {"msgr", NE},
    {"mt", NE},   {"neb", AM},    {"nev", AM},    {"no", BN},   {"nos", BN},
    {"nov", AM},  {"nr", BN},     {"n°", BN},     {"nº", BN},   {"oct", AM},
    {"okla", AM}, {"op", BN},     {"pa", AM},     {"para", BN}, {"plc", AM},
    {"pp", BN},   {"pres", NE},   {"prof", NE},   {"pvt", NE},  {"rd", AM},
    {"ref", BN},  {"rep", NE},    {"reps", NE},   {"rev", NE},  {"rs", BN},
    {"sec", BN},  {"sen", NE},    {"sens", NE},   {"sep", AM},  {"sept", AM},
    {"sgt", NE},  {"sr", AM},     {"st", NE},     {"ste", NE},  {"supt", NE},
    {"tel", BN},  {"tenn", AM},   {"tex", AM},    {"univ", AM}, {"va", AM},
    {"viz", NE},  {"vol", BN},    {"vols", BN},   {"vs", NE},   {"wis", AM},
    {NULL, 0},
};

static const char *const s_base_starters[] = {
    "a",       "after",     "also",     "although",  "an",       "and",   "as",
    "at",      "because",   "being",    "both",      "but",      "by",    "did",
    "do",      "does",      "dr",       "during",    "each",     "even",  "every",
    "for",     "from",      "he",       "her",       "here",     "his",   "how",
    "however", "i",         "if",       "in",        "instead",  "it",    "its",
    "many",    "meanwhile", "millions", "more",      "moreover", "most",  "mr",
    "mrs",     "ms",        "my",       "no",        "not",      "now",   "on",
    "once",    "one",       "only",     "or",        "our",      "she",   "since",
    "so",      "some",      "still",    "such",      "that",     "the",   "their",
    "then",    "there",     "these",    "they",      "this",     "those", "though",
    "thus",    "to",        "today",    "under",     "unlike",   "until", "we",
    "what",    "when",      "where",    "whether",   "which",    "while", "who",
    "whose",   "why",       "with",     "yesterday", "yet",      "you",   "your",
    NULL,
};

static const char *const s_base_speech_verbs[] = {
    "added",   "adds",      "admitted",  "announced", "answered",  "argued",
    "asked",   "asks",      "claimed",   "concluded", "confirmed", "continued",
    "cried",   "declared",  "explained", "explains",  "insisted",  "insists",
    "joked",   "noted",     "notes",     "recalled",  "recalls",   "remarked",
    "replied", "replies",   "reported",  "said",      "says",      "shouted",
    "stated",  "states",    "suggested", "tells",     "told",      "warned",
    "warns",   "whispered", "wondered",  "wrote",     "writes",    NULL,
};

//  --------------------------------------------------------------------------
//  Languages, in ISO 639-1 order.

static const abbreviation_t s_ar_abbreviations[] = {
    {"د", NE}, /* doctor */
    {"أ", NE}, /* professor */
    {"م", AM}, /* engineer; A.D. after a year */
    {"ص", BN}, /* page */
    {NULL, 0},
};

static const abbreviation_t s_bg_abbreviations[] = {
    {"бул", NE},  {"гр", NE},  {"др", PE}, {"пл", NE},   {"проф", NE},
    {"стр", BN},  {"т.е", NE}, {"ул", NE}, {"акад", NE}, {"млн", AM},
    {"млрд", AM}, {"ок", NE},  {NULL, 0},
};
static const char *const s_bg_starters[] = {
    "в", "на", "но", "и", "той", "тя", "те", "това", "не", "с", "за", "от", NULL,
};

static const abbreviation_t s_cs_abbreviations[] = {
    {"a.s", AM}, {"atd", PE},  {"doc", NE}, {"ing", NE}, {"kč", AM},    {"mil", AM},
    {"mld", AM}, {"např", NE}, {"n.l", AM}, {"př", NE},  {"s.r.o", AM}, {"str", NE},
    {"tj", NE},  {"tzv", NE},  {"ul", NE},  {"č", BN},   {NULL, 0},
};
static const char *const s_cs_starters[] = {
    "a",     "ale", "je",  "když", "na", "on", "ona",  "oni",
    "proto", "ta",  "tak", "ten",  "to", "v",  "však", NULL,
};
static const char *const s_cs_speech_verbs[] = {
    "dodal", "dodala", "řekl", "řekla", "uvedl", "uvedla", NULL,
};
static const char *const s_cs_ordinal_nouns[] = {
    "ledna", "února", "března", "dubna",     "května",   "června", "července",
    "srpna", "září",  "října",  "listopadu", "prosince", NULL,
};

static const abbreviation_t s_da_abbreviations[] = {
    {"bl.a", NE}, {"ca", NE},   {"dvs", NE},  {"evt", NE}, {"f.eks", NE}, {"hhv", NE},
    {"hr", NE},   {"iflg", NE}, {"inkl", NE}, {"jf", NE},  {"kl", BN},    {"m.m", AM},
    {"mht", NE},  {"mv", AM},   {"nr", BN},   {"osv", AM}, {"pga", NE},   {"skt", NE},
    {"stk", BN},  {"vedr", NE}, {NULL, 0},
};
static const char *const s_da_starters[] = {
    "da",  "de",  "den", "der",  "det",  "du",      "efter",   "en",
    "et",  "han", "hun", "hvad", "hvor", "hvordan", "hvorfor", "ikke",
    "jeg", "men", "nu",  "og",   "på",   "så",      "vi",      NULL,
};
static const char *const s_da_speech_verbs[] = {"sagde", "spurgte", "svarede", NULL};
static const char *const s_da_ordinal_nouns[] = {
    "januar", "februar",   "marts",   "april",    "maj",      "juni", "juli",
    "august", "september", "oktober", "november", "december", NULL,
};

static const abbreviation_t s_de_abbreviations[] = {
    {"abs", BN},  {"bzw", NE},   {"d.h", NE},  {"dipl", NE},  {"evtl", NE}, {"geb", NE},
    {"gegr", NE}, {"gest", NE},  {"ggf", NE},  {"hl", NE},    {"hr", NE},   {"hrn", NE},
    {"i.a", NE},  {"inkl", NE},  {"insb", NE}, {"jh", AM},    {"jhd", AM},  {"kath", NE},
    {"med", NE},  {"mio", AM},   {"mrd", AM},  {"n.chr", AM}, {"o.ä", AM},  {"s.o", AM},
    {"s.u", AM},  {"sog", NE},   {"str", NE},  {"u.a", NE},   {"u.ä", AM},  {"usw", PE},
    {"v.a", NE},  {"v.chr", AM}, {"vgl", NE},  {"z.b", NE},   {"z.t", NE},  {"zzgl", NE},
    {"ziff", BN}, {NULL, 0},
};
static const char *const s_de_starters[] = {
    "aber", "als",  "am",    "auch",   "auf",  "aus",  "bei", "da",   "damit",
    "dann", "das",  "dass",  "dem",    "den",  "denn", "der", "des",  "deshalb",
    "die",  "dies", "diese", "dieser", "doch", "du",   "ein", "eine", "einer",
    "er",   "es",   "für",   "heute",  "ich",  "ihr",  "im",  "in",   "jetzt",
    "man",  "mit",  "nach",  "nun",    "sie",  "so",   "um",  "und",  "was",
    "wenn", "wie",  "wir",   "wo",     NULL,
};
static const char *const s_de_speech_verbs[] = {
    "antwortete", "betonte", "erklärte", "fragte",  "meinte",
    "rief",       "sagt",    "sagte",    "schrieb", NULL,
};
static const char *const s_de_ordinal_nouns[] = {
    "januar",   "jänner",      "februar",      "märz",      "april",   "mai",
    "juni",     "juli",        "august",       "september", "oktober", "november",
    "dezember", "jahrhundert", "jahrhunderts", "jahrestag", "kapitel", "klasse",
    "liga",     "platz",       "stock",        "auflage",   NULL,
};

static const abbreviation_t s_el_abbreviations[] = {
    {"δρ", NE}, {"κ", NE}, {"κα", NE}, {"π.χ", NE}, {"κ.λπ", PE}, {"κτλ", PE}, {NULL, 0},
};

static const abbreviation_t s_es_abbreviations[] = {
    {"arq", NE},   {"av", NE},  {"avda", NE}, {"cap", BN},  {"cra", NE},  {"dña", NE},
    {"dom", BN},   {"dra", NE}, {"ee", NE},   {"ext", BN},  {"jue", BN},  {"lic", NE},
    {"lun", BN},   {"mié", BN}, {"núm", BN},  {"pág", BN},  {"págs", BN}, {"párr", BN},
    {"párrf", BN}, {"sáb", BN}, {"sra", NE},  {"sras", NE}, {"sres", NE}, {"srta", NE},
    {"ud", NE},    {"uds", NE}, {"uu", AM},   {"vd", NE},   {"vie", BN},  {"aprox", NE},
    {NULL, 0},
};
static const char *const s_es_starters[] = {
    "ayer", "como", "con",  "cuando", "después", "el",    "ella", "en",  "es",
    "esta", "este", "hay",  "hoy",    "la",      "las",   "lo",   "los", "luego",
    "no",   "para", "pero", "por",    "se",      "según", "su",   "sus", "también",
    "un",   "una",  "y",    "ya",     "yo",      "él",    NULL,
};
static const char *const s_es_speech_verbs[] = {
    "afirmó",   "añadió",    "aseguró", "dijo", "explicó",
    "preguntó", "respondió", "señaló",  NULL,
};
static const char *const s_es_ordinal_nouns[] = {NULL};

static const abbreviation_t s_fa_abbreviations[] = {
    {"ق.م", AM},
    {"ه.ش", AM},
    {"ه.ق", AM},
    {NULL, 0},
};

static const abbreviation_t s_fi_abbreviations[] = {
    {"esim", NE}, {"jne", PE}, {"klo", BN}, {"ks", NE},  {"milj", AM},
    {"mm", AM},   {"ns", NE},  {"tri", NE}, {"yms", PE}, {NULL, 0},
};
static const char *const s_fi_starters[] = {
    "he", "hän", "ja", "kun", "me", "mutta", "ne", "nyt", "se", "tämä", NULL,
};
static const char *const s_fi_speech_verbs[] = {
    "kertoi", "kertoo", "kysyi", "sanoi", "totesi", NULL,
};

static const abbreviation_t s_fr_abbreviations[] = {
    {"av", NE},   {"boul", BN}, {"c.-à-d", NE}, {"chap", BN}, {"déc", AM},  {"env", NE},
    {"févr", AM}, {"janv", AM}, {"juil", AM},   {"m", NE},    {"mlle", NE}, {"mm", NE},
    {"mme", NE},  {"mmes", NE}, {"pr", NE},     {"éd", AM},   {"avr", AM},  {NULL, 0},
};
static const char *const s_fr_starters[] = {
    "alors", "au",   "ce", "cela", "ces",   "cette", "dans", "de", "depuis",
    "elle",  "en",   "et", "il",   "ils",   "je",    "la",   "le", "les",
    "mais",  "nous", "on", "pour", "selon", "un",    "une",  NULL,
};
static const char *const s_fr_speech_verbs[] = {
    "affirme", "ajoute", "déclare", "dit", "explique", "lance", "souligne", NULL,
};

static const abbreviation_t s_hi_abbreviations[] = {
    {"डॉ", NE},
    {"श्री", NE},
    {"सं", AM},
    {NULL, 0},
};

static const abbreviation_t s_it_abbreviations[] = {
    {"amm", NE},      {"arch", NE}, {"avv", NE},    {"cfr", NE}, {"dott", NE},
    {"dott.ssa", NE}, {"dir", NE},  {"ecc", PE},    {"egr", NE}, {"geom", NE},
    {"ing", NE},      {"pag", BN},  {"psicol", NE}, {"rag", NE}, {"sig", NE},
    {"sig.ra", NE},   {"sigg", NE}, {"p.es", NE},   {NULL, 0},
};
static const char *const s_it_starters[] = {
    "che", "con",  "e",   "gli",    "i",      "il", "in", "la",  "le", "lo", "ma",
    "non", "oggi", "per", "questa", "questo", "si", "un", "una", "è",  NULL,
};
static const char *const s_it_speech_verbs[] = {
    "aggiunge", "dice", "disse", "ha", "spiega", NULL,
};

static const abbreviation_t s_kk_abbreviations[] = {
    {"б.з.б", AM}, {"т.б", PE}, {"ж", AM}, {"млн", AM}, {"млрд", AM}, {NULL, 0},
};
static const char *const s_kk_starters[] = {
    "бұл", "ол", "мен", "біз", "олар", "және", "бірақ", "енді", NULL,
};

static const abbreviation_t s_mr_abbreviations[] = {
    {"डॉ", NE},
    {"श्री", NE},
    {NULL, 0},
};

static const abbreviation_t s_nl_abbreviations[] = {
    {"bijv", NE},  {"blz", BN},  {"bv", NE}, {"d.w.z", NE}, {"dhr", NE},
    {"m.b.t", NE}, {"mevr", NE}, {"mw", NE}, {"o.a", NE},   {NULL, 0},
};
static const char *const s_nl_starters[] = {
    "de",  "dat", "dit",  "een", "en",  "er",  "het",
    "hij", "ik",  "maar", "we",  "wij", "zij", NULL,
};

static const abbreviation_t s_no_abbreviations[] = {
    {"bl.a", NE}, {"dvs", NE}, {"evt", NE}, {"f.eks", NE}, {"hhv", NE},
    {"ifb", NE},  {"jf", NE},  {"kl", BN},  {"mht", NE},   {"mv", AM},
    {"osv", AM},  {"pga", NE}, {NULL, 0},
};
static const char *const s_no_starters[] = {
    "de",  "den", "der", "det", "en", "et",  "han", "hun", "i",
    "jeg", "men", "nå",  "når", "og", "som", "vi",  NULL,
};
static const char *const s_no_speech_verbs[] = {"sa", "sier", "spurte", NULL};

static const abbreviation_t s_pl_abbreviations[] = {
    {"godz", BN}, {"im", NE}, {"inż", NE}, {"mld", AM}, {"mln", AM}, {"np", NE},
    {"św", NE},   {"tj", NE}, {"tys", AM}, {"tzw", NE}, {"ul", NE},  {NULL, 0},
};
static const char *const s_pl_starters[] = {
    "ale", "i",   "jak", "jest", "na", "nie", "on",
    "ona", "oni", "po",  "to",   "w",  "we",  NULL,
};
static const char *const s_pl_ordinal_nouns[] = {
    "stycznia", "lutego",   "marca",        "kwietnia",  "maja",    "czerwca", "lipca",
    "sierpnia", "września", "października", "listopada", "grudnia", NULL,
};

static const abbreviation_t s_pt_abbreviations[] = {
    {"av", NE},   {"cap", BN},  {"dra", NE},  {"eng", NE},   {"exma", NE},
    {"exmo", NE}, {"ltda", AM}, {"p.ex", NE}, {"pág", BN},   {"profa", NE},
    {"sr", NE},   {"sra", NE},  {"srta", NE}, {"v.exa", NE}, {NULL, 0},
};
static const char *const s_pt_starters[] = {
    "a",    "as",   "com",  "e",   "ela",     "ele", "eles", "em", "esta",
    "este", "hoje", "isso", "mas", "na",      "no",  "não",  "o",  "ontem",
    "os",   "para", "por",  "se",  "segundo", "um",  "uma",  NULL,
};
static const char *const s_pt_speech_verbs[] = {
    "acrescentou", "afirmou",  "contou",    "declarou",
    "disse",       "explicou", "perguntou", NULL,
};

static const abbreviation_t s_ru_abbreviations[] = {
    {"акад", NE}, {"ген", NE},  {"гг", AM},  {"др", PE},  {"им", NE},   {"кв", BN},
    {"млн", AM},  {"млрд", AM}, {"пгт", NE}, {"пр", NE},  {"проф", NE}, {"рис", BN},
    {"руб", PE},  {"см", NE},   {"стр", BN}, {"т.д", PE}, {"т.е", NE},  {"т.к", NE},
    {"т.п", PE},  {"тыс", AM},  {"ул", NE},  {"д", BN},   {NULL, 0},
};
static const char *const s_ru_starters[] = {
    "а",   "в",     "вчера", "для",  "если", "за",      "и",      "из",  "к",
    "как", "когда", "мы",    "на",   "не",   "но",      "однако", "он",  "она",
    "они", "по",    "после", "при",  "с",    "сегодня", "так",    "там", "тогда",
    "у",   "что",   "это",   "этот", "я",    NULL,
};
static const char *const s_ru_speech_verbs[] = {
    "заявил", "заявила", "сказал", "сказала", "спросил", "спросила", "ответил", NULL,
};

static const abbreviation_t s_sk_abbreviations[] = {
    {"a.s", AM},  {"atď", PE},  {"mil", AM},   {"mld", AM}, {"napr", NE},
    {"príp", NE}, {"resp", NE}, {"s.r.o", AM}, {"str", NE}, {"tj", NE},
    {"tzv", NE},  {"ul", NE},   {"č", BN},     {NULL, 0},
};
static const char *const s_sk_starters[] = {
    "a",   "ako", "ale",   "je", "keď", "na", "nie", "on", "ona",
    "oni", "po",  "preto", "sa", "tak", "to", "v",   NULL,
};
static const char *const s_sk_ordinal_nouns[] = {
    "januára", "februára",  "marca",    "apríla",   "mája",     "júna",   "júla",
    "augusta", "septembra", "októbra",  "novembra", "decembra", "január", "február",
    "marec",   "apríl",     "máj",      "jún",      "júl",      "august", "september",
    "október", "november",  "december", NULL,
};

static const abbreviation_t s_sv_abbreviations[] = {
    {"bl.a", NE}, {"d.v.s", NE}, {"dvs", NE}, {"f.d", NE},   {"fr.o.m", NE},
    {"jfr", NE},  {"kl", BN},    {"m.m", PE}, {"o.s.v", PE}, {"osv", PE},
    {"s.k", NE},  {"t.ex", NE},  {NULL, 0},
};
static const char *const s_sv_starters[] = {
    "de",  "den", "det", "där", "en",  "ett", "han", "hon", "i",
    "jag", "men", "nu",  "när", "och", "som", "vi",  NULL,
};
static const char *const s_sv_speech_verbs[] = {
    "frågade", "sa", "sade", "skriver", "säger", NULL,
};

static const abbreviation_t s_tr_abbreviations[] = {
    {"av", NE},  {"bkz", NE}, {"cad", NE}, {"doç", NE}, {"mah", NE}, {"sn", NE},
    {"sok", NE}, {"vb", AM},  {"yy", AM},  {"ör", NE},  {"örn", NE}, {NULL, 0},
};
static const char *const s_tr_starters[] = {
    "ama", "ancak", "ben", "bir", "biz", "bu", "o", "onlar", "ve", "şu", NULL,
};
/* "2. Dünya Savaşı", "3. Ordu", "1. Lig": ordinals before a capitalised
   noun of a name. */
static const char *const s_tr_ordinal_nouns[] = {
    "alay", "dünya", "kolordu", "lig", "ordu", "tugay", "tümen", NULL,
};
static const char *const s_tr_speech_verbs[] = {
    "açıkladı", "belirtti", "dedi", "sordu", "söyledi", NULL,
};

static const abbreviation_t s_uk_abbreviations[] = {
    {"акад", NE}, {"вул", NE},  {"грн", PE},  {"див", NE}, {"ім", NE},
    {"млн", AM},  {"млрд", AM}, {"проф", NE}, {"рр", AM},  {"т.д", PE},
    {"т.п", PE},  {"тис", AM},  {NULL, 0},
};
static const char *const s_uk_starters[] = {
    "але", "в",     "вона", "вони", "він", "за",  "і",  "й", "коли", "на",
    "не",  "після", "та",   "так",  "це",  "цей", "що", "у", "як",   NULL,
};
static const char *const s_uk_speech_verbs[] = {
    "додав", "заявив", "заявила", "зазначив", "сказав", "сказала", NULL,
};

static const abbreviation_t s_none_abbreviations[] = {{NULL, 0}};
static const char *const s_none_words[] = {NULL};

#define WORDS(starters, speech, ordinals)                                                \
    {                                                                                    \
        starters, speech, ordinals                                                       \
    }

static const language_t s_languages[] = {
    {"ar", PRECIS_ABBREV_COLON_ENDS | PRECIS_ABBREV_QUOTATION_WHOLE, s_ar_abbreviations,
     WORDS(s_none_words, s_none_words, s_none_words)},
    {"bg", PRECIS_ABBREV_QUOTATION_WHOLE, s_bg_abbreviations,
     WORDS(s_bg_starters, s_none_words, s_none_words)},
    {"cs", PRECIS_ABBREV_ORDINAL_PERIOD | PRECIS_ABBREV_QUOTATION_WHOLE,
     s_cs_abbreviations, WORDS(s_cs_starters, s_cs_speech_verbs, s_cs_ordinal_nouns)},
    {"da", PRECIS_ABBREV_ORDINAL_PERIOD | PRECIS_ABBREV_QUOTATION_WHOLE,
     s_da_abbreviations, WORDS(s_da_starters, s_da_speech_verbs, s_da_ordinal_nouns)},
    {"de", PRECIS_ABBREV_ORDINAL_PERIOD | PRECIS_ABBREV_QUOTATION_WHOLE,
     s_de_abbreviations, WORDS(s_de_starters, s_de_speech_verbs, s_de_ordinal_nouns)},
    {"el", PRECIS_ABBREV_QUOTATION_WHOLE, s_el_abbreviations,
     WORDS(s_none_words, s_none_words, s_none_words)},
    {"en", 0, s_none_abbreviations, WORDS(s_none_words, s_none_words, s_none_words)},
    {"es", PRECIS_ABBREV_QUOTATION_WHOLE, s_es_abbreviations,
     WORDS(s_es_starters, s_es_speech_verbs, s_es_ordinal_nouns)},
    {"fa", PRECIS_ABBREV_COLON_ENDS | PRECIS_ABBREV_QUOTATION_WHOLE, s_fa_abbreviations,
     WORDS(s_none_words, s_none_words, s_none_words)},
    {"fi", PRECIS_ABBREV_ORDINAL_PERIOD | PRECIS_ABBREV_QUOTATION_WHOLE,
     s_fi_abbreviations, WORDS(s_fi_starters, s_fi_speech_verbs, s_none_words)},
    {"fr", PRECIS_ABBREV_QUOTATION_WHOLE, s_fr_abbreviations,
     WORDS(s_fr_starters, s_fr_speech_verbs, s_none_words)},
    {"hi", PRECIS_ABBREV_QUOTATION_WHOLE, s_hi_abbreviations,
     WORDS(s_none_words, s_none_words, s_none_words)},
    {"hy", PRECIS_ABBREV_COLON_ENDS | PRECIS_ABBREV_QUOTATION_WHOLE, s_none_abbreviations,
     WORDS(s_none_words, s_none_words, s_none_words)},
    {"it", PRECIS_ABBREV_QUOTATION_WHOLE, s_it_abbreviations,
     WORDS(s_it_starters, s_it_speech_verbs, s_none_words)},
    {"kk", PRECIS_ABBREV_QUOTATION_WHOLE, s_kk_abbreviations,
     WORDS(s_kk_starters, s_none_words, s_none_words)},
    {"mr", PRECIS_ABBREV_QUOTATION_WHOLE, s_mr_abbreviations,
     WORDS(s_none_words, s_none_words, s_none_words)},
    {"nl", PRECIS_ABBREV_QUOTATION_WHOLE, s_nl_abbreviations,
     WORDS(s_nl_starters, s_none_words, s_none_words)},
    {"nb", PRECIS_ABBREV_ORDINAL_PERIOD | PRECIS_ABBREV_QUOTATION_WHOLE,
     s_no_abbreviations, WORDS(s_no_starters, s_no_speech_verbs, s_da_ordinal_nouns)},
    {"no", PRECIS_ABBREV_ORDINAL_PERIOD | PRECIS_ABBREV_QUOTATION_WHOLE,
     s_no_abbreviations, WORDS(s_no_starters, s_no_speech_verbs, s_da_ordinal_nouns)},
    {"pl", PRECIS_ABBREV_ORDINAL_PERIOD | PRECIS_ABBREV_QUOTATION_WHOLE,
     s_pl_abbreviations, WORDS(s_pl_starters, s_none_words, s_pl_ordinal_nouns)},
    {"pt", PRECIS_ABBREV_QUOTATION_WHOLE, s_pt_abbreviations,
     WORDS(s_pt_starters, s_pt_speech_verbs, s_none_words)},
    {"ru", PRECIS_ABBREV_QUOTATION_WHOLE, s_ru_abbreviations,
     WORDS(s_ru_starters, s_ru_speech_verbs, s_none_words)},
    {"sk", PRECIS_ABBREV_ORDINAL_PERIOD | PRECIS_ABBREV_QUOTATION_WHOLE,
     s_sk_abbreviations, WORDS(s_sk_starters, s_none_words, s_sk_ordinal_nouns)},
    {"sv", PRECIS_ABBREV_QUOTATION_WHOLE, s_sv_abbreviations,
     WORDS(s_sv_starters, s_sv_speech_verbs, s_none_words)},
    {"tr", PRECIS_ABBREV_ORDINAL_PERIOD | PRECIS_ABBREV_QUOTATION_WHOLE,
     s_tr_abbreviations, WORDS(s_tr_starters, s_tr_speech_verbs, s_tr_ordinal_nouns)},
    {"uk", PRECIS_ABBREV_QUOTATION_WHOLE, s_uk_abbreviations,
     WORDS(s_uk_starters, s_uk_speech_verbs, s_none_words)},
};

#define COUNT(array) (sizeof(array) / sizeof((array)[0]))

//  --------------------------------------------------------------------------
//  The sorted indexes

/* A bit per hash of each abbreviation: most words are no abbreviation, and
   the filter tells so without a search (the splitter asks at nearly every
   sentence end). */
#define FILTER_BITS 16384

struct _precis_abbrev_lang_t {
    const char *code; /* NULL for the neutral data */
    unsigned flags;
    const abbreviation_t **abbreviations;
    size_t abbreviation_count;
    uint64_t filter[FILTER_BITS / 64];
    const char **lists[PRECIS_WORDS_COUNT];
    size_t list_counts[PRECIS_WORDS_COUNT];
};

/* A word while an index is built: rank orders duplicates, lowest wins. */
typedef struct {
    const void *item;
    const char *word;
    size_t rank;
} ranked_t;

static precis_abbrev_lang_t s_indexes[COUNT(s_languages)];
static precis_abbrev_lang_t s_neutral;
static const abbreviation_t *s_abbreviation_pool[ABBREVIATION_POOL];
static size_t s_abbreviation_used;
static const char *s_word_pool[WORD_POOL];
static size_t s_word_used;
static ranked_t s_scratch[ABBREVIATION_POOL];
static pthread_once_t s_once = PTHREAD_ONCE_INIT;

static int s_compare_ranked(const void *a, const void *b)
{
    const ranked_t *x = a, *y = b;
    int order = strcmp(x->word, y->word);
    if (order)
        return order;
    return x->rank < y->rank ? -1 : x->rank > y->rank;
}

/* Sorts scratch[0..count), drops later duplicates, and moves the items into
   pool from *used on; returns how many were kept. */
static size_t s_sort_into(size_t count, const void **pool, size_t *used, size_t size)
{
    qsort(s_scratch, count, sizeof *s_scratch, s_compare_ranked);
    size_t kept = 0;
    for (size_t i = 0; i < count; i++) {
        if (i > 0 && strcmp(s_scratch[i].word, s_scratch[i - 1].word) == 0)
            continue;
        if (*used + kept >= size) {
            fprintf(stderr, "precis_abbrev: index pool too small\n");
            abort();
        }
        pool[*used + kept++] = s_scratch[i].item;
    }
    *used += kept;
    return kept;
}

static size_t s_add_abbreviations(const abbreviation_t *table, size_t count)
{
    for (; table->word; table++, count++) {
        if (count >= COUNT(s_scratch)) {
            fprintf(stderr, "precis_abbrev: scratch too small\n");
            abort();
        }
        s_scratch[count] = (ranked_t){table, table->word, count};
    }
    return count;
}

static size_t s_add_words(const char *const *list, size_t count)
{
    for (; *list; list++, count++) {
        if (count >= COUNT(s_scratch)) {
            fprintf(stderr, "precis_abbrev: scratch too small\n");
            abort();
        }
        s_scratch[count] = (ranked_t){*list, *list, count};
    }
    return count;
}

static const char *const *s_base_list(precis_word_list_t list)
{
    if (list == PRECIS_WORDS_STARTERS)
        return s_base_starters;
    if (list == PRECIS_WORDS_SPEECH_VERBS)
        return s_base_speech_verbs;
    return s_none_words;
}

/* Builds the index of languages[0..count) over the base table; the base
   comes first when base_first (the neutral index), else last. */
static void s_build(precis_abbrev_lang_t *index, const language_t *languages,
                    size_t count, bool base_first)
{
    size_t n = base_first ? s_add_abbreviations(s_base_abbreviations, 0) : 0;
    for (size_t k = 0; k < count; k++)
        n = s_add_abbreviations(languages[k].abbreviations, n);
    if (!base_first)
        n = s_add_abbreviations(s_base_abbreviations, n);
    index->abbreviations = s_abbreviation_pool + s_abbreviation_used;
    index->abbreviation_count = s_sort_into(n, (const void **)s_abbreviation_pool,
                                            &s_abbreviation_used, ABBREVIATION_POOL);
    for (int list = 0; list < PRECIS_WORDS_COUNT; list++) {
        n = base_first ? s_add_words(s_base_list(list), 0) : 0;
        for (size_t k = 0; k < count; k++)
            n = s_add_words(languages[k].lists[list], n);
        if (!base_first)
            n = s_add_words(s_base_list(list), n);
        index->lists[list] = s_word_pool + s_word_used;
        index->list_counts[list] =
            s_sort_into(n, (const void **)s_word_pool, &s_word_used, WORD_POOL);
    }
}

/* FNV-1a over the word's bytes, folded to a filter bit. */
static size_t s_filter_bit(const char *word)
{
    uint32_t hash = 2166136261u;
    for (const unsigned char *c = (const unsigned char *)word; *c; c++)
        hash = (hash ^ *c) * 16777619u;
    return (hash ^ (hash >> 15)) % FILTER_BITS;
}

static void s_build_filter(precis_abbrev_lang_t *index)
{
    for (size_t i = 0; i < index->abbreviation_count; i++) {
        size_t bit = s_filter_bit(index->abbreviations[i]->word);
        index->filter[bit / 64] |= (uint64_t)1 << (bit % 64);
    }
}

static void s_build_all(void)
{
    for (size_t k = 0; k < COUNT(s_languages); k++) {
        s_indexes[k].code = s_languages[k].code;
        s_indexes[k].flags = s_languages[k].flags;
        s_build(&s_indexes[k], &s_languages[k], 1, false);
        s_build_filter(&s_indexes[k]);
    }
    s_build(&s_neutral, s_languages, COUNT(s_languages), true);
    s_build_filter(&s_neutral);
}

const precis_abbrev_lang_t *precis_abbrev_lang(const char *code)
{
    pthread_once(&s_once, s_build_all);
    if (code)
        for (size_t k = 0; k < COUNT(s_languages); k++)
            if (strcmp(code, s_indexes[k].code) == 0)
                return &s_indexes[k];
    return &s_neutral;
}

bool precis_abbrev_is_neutral(const precis_abbrev_lang_t *lang)
{
    return lang->code == NULL;
}

unsigned precis_abbrev_flags(const precis_abbrev_lang_t *lang)
{
    return lang->flags;
}

static int s_compare_abbreviation(const void *key, const void *item)
{
    return strcmp((const char *)key, (*(const abbreviation_t *const *)item)->word);
}

precis_abbrev_kind_t precis_abbrev_find(const precis_abbrev_lang_t *lang,
                                        const char *word)
{
    size_t bit = s_filter_bit(word);
    if (!(lang->filter[bit / 64] & ((uint64_t)1 << (bit % 64))))
        return PRECIS_ABBREV_NONE;
    const abbreviation_t *const *found =
        bsearch(word, lang->abbreviations, lang->abbreviation_count,
                sizeof *lang->abbreviations, s_compare_abbreviation);
    return found ? (*found)->kind : PRECIS_ABBREV_NONE;
}

static int s_compare_word(const void *key, const void *item)
{
    return strcmp((const char *)key, *(const char *const *)item);
}

bool precis_abbrev_has_word(const precis_abbrev_lang_t *lang, precis_word_list_t list,
                            const char *word)
{
    return bsearch(word, lang->lists[list], lang->list_counts[list],
                   sizeof *lang->lists[list], s_compare_word) != NULL;
}

//  --------------------------------------------------------------------------
//  Self test

typedef struct {
    const char *code;
    const char *word;
    precis_abbrev_kind_t kind;
} abbrev_case_t;

static const abbrev_case_t s_cases[] = {
    {NULL, "mr", NE},
    {NULL, "said", PRECIS_ABBREV_NONE},
    {"de", "bzw", NE},
    {"de", "mr", NE}, /* the base applies too */
    {"en", "bzw", PRECIS_ABBREV_NONE},
    {NULL, "bzw", NE},
    {"es", "srta", NE},
    {"ru", "ул", NE},
    {"ar", "د", NE},
    {"und", "пгт", NE},
    {"xx", "dott", NE}, /* unknown code: neutral */
    {"it", "psicol", NE},
};

int precis_abbrev_test(bool verbose)
{
    int failures = 0;
    for (size_t i = 0; i < COUNT(s_cases); i++) {
        const abbrev_case_t *c = &s_cases[i];
        precis_abbrev_kind_t kind =
            precis_abbrev_find(precis_abbrev_lang(c->code), c->word);
        if (kind != c->kind) {
            if (verbose)
                printf("abbrev: %s in %s is %d, expected %d\n", c->word,
                       c->code ? c->code : "(neutral)", kind, c->kind);
            failures++;
        }
    }
    const precis_abbrev_lang_t *de = precis_abbrev_lang("de");
    const precis_abbrev_lang_t *neutral = precis_abbrev_lang(NULL);
    bool ok =
        precis_abbrev_has_word(de, PRECIS_WORDS_STARTERS, "das") &&
        precis_abbrev_has_word(de, PRECIS_WORDS_STARTERS, "the") &&
        !precis_abbrev_has_word(precis_abbrev_lang("en"), PRECIS_WORDS_STARTERS, "das") &&
        precis_abbrev_has_word(neutral, PRECIS_WORDS_STARTERS, "hvad") &&
        precis_abbrev_has_word(neutral, PRECIS_WORDS_SPEECH_VERBS, "sagte") &&
        precis_abbrev_has_word(de, PRECIS_WORDS_ORDINAL_NOUNS, "oktober") &&
        !precis_abbrev_has_word(de, PRECIS_WORDS_ORDINAL_NOUNS, "the") &&
        precis_abbrev_is_neutral(neutral) && !precis_abbrev_is_neutral(de) &&
        (precis_abbrev_flags(precis_abbrev_lang("hy")) & PRECIS_ABBREV_COLON_ENDS) &&
        precis_abbrev_flags(neutral) == 0;
    if (!ok) {
        if (verbose)
            printf("abbrev: word lists or flags wrong\n");
        failures++;
    }
    /* Every entry is found through its language's index and the neutral one
       (the hash filter must let each through). */
    for (size_t k = 0; k < COUNT(s_languages); k++) {
        const precis_abbrev_lang_t *lang = precis_abbrev_lang(s_languages[k].code);
        for (const abbreviation_t *a = s_languages[k].abbreviations; a->word; a++)
            if (precis_abbrev_find(lang, a->word) == PRECIS_ABBREV_NONE ||
                precis_abbrev_find(neutral, a->word) == PRECIS_ABBREV_NONE) {
                if (verbose)
                    printf("abbrev: \"%s\" of %s not found\n", a->word,
                           s_languages[k].code);
                failures++;
            }
    }
    /* Lists are lower case: an upper-case ASCII letter could never match. */
    for (size_t i = 0; i < neutral->abbreviation_count; i++)
        for (const char *c = neutral->abbreviations[i]->word; *c; c++)
            if (*c >= 'A' && *c <= 'Z') {
                if (verbose)
                    printf("abbrev: \"%s\" is not lower case\n",
                           neutral->abbreviations[i]->word);
                failures++;
                break;
            }
    if (verbose && failures)
        printf("abbrev: %d failures\n", failures);
    return failures;
}
