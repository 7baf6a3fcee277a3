/*  precis_stopwords - function words of the languages precis knows.

    The lists below were written for precis: articles, pronouns,
    prepositions, conjunctions, auxiliary and modal verb forms, and the
    commonest adverbs of news prose. They are casefolded and separated by
    spaces; apostrophes are ASCII because the tokenizer folds them.
*/
#include "precis_stopwords.h"
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const word_lists[PRECIS_LANG_COUNT] = {
    [PRECIS_LANG_UND] = "",
    [PRECIS_LANG_EN] =
        "a an the and or but nor so yet if then than because while although though "
        "as of at by for from in into on onto off out over under up down to with without "
        "within about above below across after before against along among around behind "
        "between beyond during except inside near since through throughout toward "
        "towards "
        "until upon via per i me my mine myself we us our ours ourselves you your yours "
        "yourself yourselves he him his himself she her hers herself it its itself they "
        "them their theirs themselves this that these those who whom whose which what "
        "whatever whoever when where why how there here am is are was were be been being "
        "have has had having do does did doing done will would shall should can could "
        "may "
        "might must ought not no yes all any both each few more most other some such "
        "only "
        "own same too very just also even still already again ever never always often "
        "however therefore thus hence instead rather quite almost much many lot one ones "
        "said says say told according mr mrs ms dr i'm i've i'd i'll you're you've you'd "
        "you'll he's he'd he'll she's she'd she'll it's we're we've we'd we'll they're "
        "they've they'd they'll that's there's here's what's who's let's isn't aren't "
        "wasn't weren't hasn't haven't hadn't doesn't don't didn't won't wouldn't can't "
        "cannot couldn't shouldn't mustn't whether either neither every another else "
        "like unto via",
    [PRECIS_LANG_DE] =
        "der die das den dem des ein eine einen einem einer eines und oder aber denn "
        "sondern doch wenn als wie weil dass ob damit obwohl während bevor nachdem seit "
        "bis ich du er sie es wir ihr mich mir dich dir ihn ihm uns euch ihnen sich mein "
        "meine meinen meinem meiner dein deine sein seine seinen seinem seiner seines "
        "ihre ihren ihrem ihrer ihres unser unsere euer eure dieser diese dieses diesen "
        "diesem jener jene jenes welcher welche welches welchen wer wen wem wessen was "
        "wo wann warum wohin woher ist sind war waren bin bist seid gewesen wird werden "
        "wurde wurden worden hat haben hatte hatten habe hast kann können konnte konnten "
        "muss müssen musste soll sollen sollte will wollen wollte darf dürfen mag möchte "
        "nicht kein keine keinen keinem keiner auch noch schon nur sehr so dann da hier "
        "dort nun jetzt immer wieder mehr viel viele man alle alles allem allen aller "
        "jeder jede jedes jeden jedem mit von zu zum zur bei beim im in ins an am auf "
        "aus nach vor über unter zwischen durch für gegen ohne um neben hinter seit "
        "laut sowie etwa bereits dabei dazu damit darauf daran davon dafür dagegen "
        "also zwar sei seien würde würden",
    [PRECIS_LANG_FR] =
        "le la les l' un une des du de d' au aux et ou mais donc or ni car que qu' qui "
        "quoi dont où quand comme si ce cet cette ces c' ça cela ceci celui celle ceux "
        "celles je j' tu il elle on nous vous ils elles me m' te t' se s' lui leur leurs "
        "mon ma mes ton ta tes son sa ses notre nos votre vos y en ne n' pas plus moins "
        "très peu trop aussi bien encore déjà toujours jamais rien personne tout tous "
        "toute toutes autre autres même mêmes sans avec pour par sur sous dans entre "
        "vers chez contre depuis pendant avant après selon malgré parmi est sont était "
        "étaient été être suis es sommes êtes sera seront serait seraient fut ont a ai "
        "as avons avez avait avaient avoir eu aura auront aurait peut peuvent pouvait "
        "doit doivent fait faire lorsque puis alors ainsi donc cependant non oui dit",
    [PRECIS_LANG_ES] =
        "el la los las lo un una unos unas y e o u pero sino ni que qué quien quienes "
        "cual cuales cuyo cuya donde cuando como cómo si porque aunque mientras de del "
        "al a ante bajo con contra desde durante en entre hacia hasta mediante para por "
        "según sin sobre tras yo tú él ella ello nosotros nosotras vosotros ellos ellas "
        "usted ustedes me te se nos os le les mi mis tu tus su sus nuestro nuestra "
        "nuestros nuestras este esta esto estos estas ese esa eso esos esas aquel "
        "aquella "
        "es son era eran fue fueron ser sido siendo está están estaba estaban estar "
        "estado ha han he has hemos había habían haber hay puede pueden podría debe "
        "deben no sí muy más menos ya también tampoco aún todavía siempre nunca todo "
        "toda todos todas otro otra otros otras mismo misma tan tanto cada algo nada "
        "sólo solo así entonces luego dijo según",
    [PRECIS_LANG_IT] =
        "il lo la i gli le l' un uno una un' e ed o oppure ma però né che chi cui non "
        "se come quando dove perché anche ancora già sempre mai più meno molto poco "
        "tutto tutti tutta tutte altro altri altra altre stesso stessa di del dello "
        "della dell' dei degli delle d' a al allo alla ai agli alle all' da dal dallo "
        "dalla "
        "dai dagli dalle dall' in nel nello nella nei negli nelle nell' su sul sullo "
        "sulla sui sugli sulle sull' con col per tra fra io tu lui lei noi voi loro mi "
        "ti si ci vi ne gli mio mia miei mie tuo tua suo sua suoi sue nostro nostra "
        "vostro questo questa questi queste quello quella quelli quelle è sono era "
        "erano fu stato stata stati essere ho hai ha abbiamo avete hanno aveva avevano "
        "avere può possono deve devono sarà sarebbe dopo prima durante senza contro "
        "secondo verso così quindi poi dunque ha detto",
    [PRECIS_LANG_PT] =
        "o a os as um uma uns umas e ou mas nem que quem qual quais cujo onde quando "
        "como se porque embora enquanto de do da dos das em no na nos nas num numa ao "
        "aos à às por pelo pela pelos pelas para com sem sob sobre entre até desde "
        "contra durante após perante segundo eu tu ele ela nós vós eles elas você "
        "vocês me te lhe lhes meu minha meus minhas seu sua seus suas nosso nossa "
        "nossos nossas este esta isto estes estas esse essa isso esses essas aquele "
        "aquela aquilo é são era eram foi foram ser sido sendo está estão estava "
        "estavam estar esteve tem têm tinha tinham ter teve há havia pode podem deve "
        "devem não sim muito muitos muita mais menos já também ainda sempre nunca "
        "todo toda todos todas outro outra outros outras mesmo mesma tão cada algo "
        "nada só assim então depois antes disse",
    [PRECIS_LANG_NL] =
        "de het een en of maar want dus noch dat die dit deze wie wat welk welke waar "
        "wanneer waarom hoe als omdat hoewel terwijl voordat nadat sinds tot totdat "
        "van voor na naar in op aan bij met door over onder tussen uit om tegen zonder "
        "binnen buiten langs rond volgens ik jij je u hij zij ze wij we jullie mij me "
        "hem haar ons hun hen zich mijn jouw zijn is ben bent was waren geweest wordt "
        "worden werd werden heeft hebben had hadden heb hebt kan kunnen kon konden "
        "moet moeten moest zal zullen zou zouden wil willen wilde mag mogen niet geen "
        "ook nog al wel zeer heel erg veel meer minder nu dan toen hier daar er altijd "
        "nooit weer alle alles iets niets iemand niemand elk elke ieder andere zo zelf "
        "dezelfde hetzelfde even reeds echter zegt zei",
};

typedef struct {
    const char *word; /* points into word_lists */
    uint32_t len;
    uint32_t mask;
} slot_t;

struct _precis_stopwords_t {
    slot_t *slots;
    size_t mask; /* slot count - 1 (a power of two) */
    size_t counts[PRECIS_LANG_COUNT];
};

/* FNV-1a; the table is small and the words short. */
static uint32_t hash_word(const char *word, size_t len)
{
    uint32_t hash = 2166136261u;
    for (size_t i = 0; i < len; i++)
        hash = (hash ^ (unsigned char)word[i]) * 16777619u;
    return hash;
}

static slot_t *find_slot(const precis_stopwords_t *self, const char *word, size_t len)
{
    size_t index = hash_word(word, len) & self->mask;
    while (self->slots[index].word && !(self->slots[index].len == len &&
                                        memcmp(self->slots[index].word, word, len) == 0))
        index = (index + 1) & self->mask;
    return &self->slots[index];
}

/* Adds each word of a space-separated list to the table. */
static void add_list(precis_stopwords_t *self, precis_lang_id_t lang, const char *list)
{
    const char *word = list;
    while (*word) {
        while (*word == ' ')
            word++;
        size_t len = strcspn(word, " ");
        if (len == 0)
            break;
        slot_t *slot = find_slot(self, word, len);
        if (!slot->word) {
            slot->word = word;
            slot->len = (uint32_t)len;
        }
        if (!(slot->mask & (1u << lang)))
            self->counts[lang]++;
        slot->mask |= 1u << lang;
        word += len;
    }
}

precis_stopwords_t *precis_stopwords_new(void)
{
    precis_stopwords_t *self = calloc(1, sizeof *self);
    assert(self);
    /* Under a quarter full with every list loaded. */
    self->mask = 4096 - 1;
    self->slots = calloc(self->mask + 1, sizeof *self->slots);
    assert(self->slots);
    for (int lang = 1; lang < PRECIS_LANG_COUNT; lang++)
        add_list(self, (precis_lang_id_t)lang, word_lists[lang]);
    return self;
}

void precis_stopwords_destroy(precis_stopwords_t **self_p)
{
    assert(self_p);
    if (*self_p) {
        free((*self_p)->slots);
        free(*self_p);
        *self_p = NULL;
    }
}

uint32_t precis_stopwords_lookup(const precis_stopwords_t *self, const char *word,
                                 size_t len)
{
    assert(self);
    if (len == 0 || len > 24)
        return 0;
    return find_slot(self, word, len)->mask;
}

bool precis_stopwords_is(const precis_stopwords_t *self, precis_lang_id_t lang,
                         const char *word, size_t len)
{
    return (precis_stopwords_lookup(self, word, len) >> lang) & 1;
}

size_t precis_stopwords_elision(const precis_stopwords_t *self, const char *word,
                                size_t len, uint32_t *mask_p)
{
    for (size_t i = 1; i < len && i <= 5; i++)
        if (word[i] == '\'') {
            uint32_t mask = i + 2 <= len ? precis_stopwords_lookup(self, word, i + 1) : 0;
            if (mask_p)
                *mask_p = mask;
            return mask ? i + 1 : 0;
        }
    return 0;
}

size_t precis_stopwords_count(const precis_stopwords_t *self, precis_lang_id_t lang)
{
    assert(self);
    return lang < PRECIS_LANG_COUNT ? self->counts[lang] : 0;
}

int precis_stopwords_test(bool verbose)
{
    precis_stopwords_t *self = precis_stopwords_new();
    int failures = 0;
    struct {
        precis_lang_id_t lang;
        const char *word;
        bool expected;
    } cases[] = {
        {PRECIS_LANG_EN, "the", true},      {PRECIS_LANG_EN, "doesn't", true},
        {PRECIS_LANG_EN, "council", false}, {PRECIS_LANG_DE, "und", true},
        {PRECIS_LANG_DE, "über", true},     {PRECIS_LANG_DE, "the", false},
        {PRECIS_LANG_FR, "les", true},      {PRECIS_LANG_FR, "été", true},
        {PRECIS_LANG_ES, "según", true},    {PRECIS_LANG_IT, "della", true},
        {PRECIS_LANG_PT, "não", true},      {PRECIS_LANG_NL, "niet", true},
        {PRECIS_LANG_NL, "fiets", false},   {PRECIS_LANG_UND, "the", false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *word = cases[i].word;
        if (precis_stopwords_is(self, cases[i].lang, word, strlen(word)) !=
            cases[i].expected) {
            failures++;
            if (verbose)
                printf("stopwords: \"%s\" in %s should be %s\n", word,
                       precis_lang_code(cases[i].lang),
                       cases[i].expected ? "a stop word" : "none");
        }
    }
    /* "de" is a stop word in several languages at once. */
    uint32_t mask = precis_stopwords_lookup(self, "de", 2);
    if (!(mask & (1u << PRECIS_LANG_FR)) || !(mask & (1u << PRECIS_LANG_ES)) ||
        !(mask & (1u << PRECIS_LANG_NL)) || (mask & (1u << PRECIS_LANG_EN))) {
        failures++;
        if (verbose)
            printf("stopwords: wrong mask 0x%x for \"de\"\n", mask);
    }
    for (int lang = 1; lang < PRECIS_LANG_COUNT; lang++)
        if (precis_stopwords_count(self, (precis_lang_id_t)lang) < 100) {
            failures++;
            if (verbose)
                printf("stopwords: %s has only %zu words\n",
                       precis_lang_code((precis_lang_id_t)lang),
                       precis_stopwords_count(self, (precis_lang_id_t)lang));
        }
    if (precis_stopwords_lookup(self, "", 0) != 0)
        failures++;
    /* Elided articles are found; English contractions are not elisions. */
    if (precis_stopwords_elision(self, "l'homme", 7, &mask) != 2 ||
        !(mask & (1u << PRECIS_LANG_FR)) ||
        precis_stopwords_elision(self, "dell'anno", 9, NULL) != 5 ||
        precis_stopwords_elision(self, "don't", 5, NULL) != 0 ||
        precis_stopwords_elision(self, "l'", 2, NULL) != 0) {
        failures++;
        if (verbose)
            printf("stopwords: elision wrong\n");
    }
    precis_stopwords_destroy(&self);
    return failures ? 1 : 0;
}
