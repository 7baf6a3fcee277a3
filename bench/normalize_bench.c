/*  normalize_bench - the normalizer's speed alone, by script.

    Builds a few MB of text per script (English news from the sample
    articles, mostly ASCII with typographic quotes; pure ASCII synthetic
    news; Greek, Cyrillic and CJK paragraphs written for this benchmark,
    repeated), cut into articles of about 2 KB at paragraph boundaries as
    the normalize worker sees them. Times precis_normalizer_run over them,
    best of three rounds of at least --min-time seconds, next to utf8proc's
    own utf8proc_NFC on the same articles. Prints key=value lines.

    normalize_bench [--samples PATH] [--mb N] [--min-time S]
*/
#define _GNU_SOURCE
#include "bench_data.h"
#include "precis_normalizer.h"
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

static const char greek[] =
    "Το δημοτικό συμβούλιο της Θεσσαλονίκης ενέκρινε την Πέμπτη το σχέδιο για "
    "τη νέα γραμμή του μετρό, μετά από συζήτηση που κράτησε σχεδόν τέσσερις ώρες. "
    "Ο δήμαρχος δήλωσε ότι τα έργα θα ξεκινήσουν την άνοιξη και θα διαρκέσουν "
    "τρία χρόνια.\n\n"
    "Οι κάτοικοι της ανατολικής πλευράς της πόλης ζητούν εδώ και χρόνια καλύτερη "
    "σύνδεση με το κέντρο. «Περιμένουμε πολύ καιρό», είπε μια εκπαιδευτικός που "
    "ταξιδεύει κάθε μέρα με το λεωφορείο.\n\n"
    "Το κόστος του έργου υπολογίζεται σε 420 εκατομμύρια ευρώ, από τα οποία το "
    "μεγαλύτερο μέρος θα καλυφθεί από ευρωπαϊκά κονδύλια.";

static const char cyrillic[] =
    "Городской совет Новосибирска в четверг одобрил план строительства нового "
    "моста через Обь после почти четырёх часов обсуждения. Мэр заявил, что работы "
    "начнутся весной и продлятся три года.\n\n"
    "Жители левого берега давно жалуются на пробки в часы пик. «Мы ждали этого "
    "решения десять лет», — сказала учительница, которая каждый день ездит на "
    "работу на автобусе.\n\n"
    "Стоимость проекта оценивается в 38 миллиардов рублей; большую часть средств "
    "выделит федеральный бюджет, остальное — область.";

static const char cjk[] =
    "市议会星期四以九票对八票通过了关闭港湾大桥私家车通行的计划，辩论持续了将近四个小时。"
    "提出该计划的议员表示，这是本届议会最重要的决定之一。\n\n"
    "反对者则认为，沿街商户没有得到充分的咨询。交通部门估计，每个工作日约有一万四千辆汽车"
    "经过大桥，大部分车辆将改走环城公路。\n\n"
    "東京都は木曜日、新しい図書館の開館時間を延長すると発表した。利用者からは「夜も勉強で"
    "きる場所がほしい」という声が多く寄せられていた。\n\n"
    "서울시는 목요일 강변 공원의 복원 계획을 발표했다. 공사는 내년 봄에 시작되어 삼 년 "
    "동안 "
    "계속될 예정이다.";

typedef struct {
    char **articles; /* NUL-terminated */
    size_t *lens;
    size_t count;
    size_t bytes;
} corpus_t;

/* Repeats source (paragraphs separated by blank lines) to about total bytes
   and cuts it into articles of about 2 KB at paragraph boundaries. */
static void corpus_build(corpus_t *corpus, const char *source, size_t source_len,
                         size_t total)
{
    memset(corpus, 0, sizeof *corpus);
    size_t capacity = total / 1024 + 16;
    corpus->articles = malloc(capacity * sizeof *corpus->articles);
    corpus->lens = malloc(capacity * sizeof *corpus->lens);
    size_t offset = 0;
    while (corpus->bytes < total) {
        char *article = malloc(4096 + source_len);
        size_t len = 0;
        while (len < 2048) {
            const char *end = strstr(source + offset, "\n\n");
            size_t paragraph =
                end ? (size_t)(end - (source + offset)) : source_len - offset;
            if (len) {
                memcpy(article + len, "\n\n", 2);
                len += 2;
            }
            memcpy(article + len, source + offset, paragraph);
            len += paragraph;
            offset = end ? (size_t)(end - source) + 2 : 0;
        }
        article[len] = '\0';
        if (corpus->count == capacity) {
            capacity *= 2;
            corpus->articles =
                realloc(corpus->articles, capacity * sizeof *corpus->articles);
            corpus->lens = realloc(corpus->lens, capacity * sizeof *corpus->lens);
        }
        corpus->articles[corpus->count] = article;
        corpus->lens[corpus->count++] = len;
        corpus->bytes += len;
    }
}

static void corpus_free(corpus_t *corpus)
{
    for (size_t i = 0; i < corpus->count; i++)
        free(corpus->articles[i]);
    free(corpus->articles);
    free(corpus->lens);
}

typedef size_t (*pass_fn)(void *state, const corpus_t *corpus);

static size_t precis_pass(void *state, const corpus_t *corpus)
{
    size_t out = 0;
    for (size_t i = 0; i < corpus->count; i++) {
        size_t len = 0;
        free(precis_normalizer_run(state, corpus->articles[i], corpus->lens[i], &len));
        out += len;
    }
    return out;
}

static size_t utf8proc_pass(void *state, const corpus_t *corpus)
{
    size_t out = 0;
    for (size_t i = 0; i < corpus->count; i++) {
        utf8proc_uint8_t *nfc =
            utf8proc_NFC((const utf8proc_uint8_t *)corpus->articles[i]);
        out += nfc ? strlen((char *)nfc) : 0;
        free(nfc);
    }
    return out;
}

/* MB/s of input, best of three rounds of at least min_time seconds. */
static double measure(pass_fn pass, void *state, const corpus_t *corpus, double min_time,
                      const char *label, size_t *out_bytes)
{
    *out_bytes = pass(state, corpus); /* warm-up */
    double best = 0;
    for (int round = 0; round < 3; round++) {
        double start = bench_now(), elapsed;
        size_t passes = 0;
        do {
            pass(state, corpus);
            passes++;
            elapsed = bench_now() - start;
            bench_progress("normalize: %s round %d/3", label, round + 1);
        } while (elapsed < min_time);
        double rate = (double)(passes * corpus->bytes) / elapsed / 1e6;
        if (rate > best)
            best = rate;
    }
    bench_progress_done();
    return best;
}

int main(int argc, char **argv)
{
    const char *samples = "samples/articles.jsonl";
    double mb = 4, min_time = 1;
    static const struct option long_options[] = {
        {"samples", required_argument, NULL, 's'},
        {"mb", required_argument, NULL, 'm'},
        {"min-time", required_argument, NULL, 't'},
        {NULL, 0, NULL, 0}};
    int option;
    while ((option = getopt_long(argc, argv, "", long_options, NULL)) != -1) {
        switch (option) {
        case 's':
            samples = optarg;
            break;
        case 'm':
            mb = atof(optarg);
            break;
        case 't':
            min_time = atof(optarg);
            break;
        default:
            fprintf(stderr,
                    "usage: normalize_bench [--samples PATH] [--mb N] [--min-time S]\n");
            return 2;
        }
    }
    size_t total = (size_t)(mb * 1e6);

    /* English news: the sample texts joined (synthetic when they are missing). */
    bench_set_t set;
    if (bench_set_load(&set, NULL, samples, 8) != 0)
        return 1;
    size_t news_len = 0;
    char *news = malloc(set.text_bytes + 2 * set.count + 1);
    for (size_t i = 0; i < set.count; i++) {
        if (news_len) {
            memcpy(news + news_len, "\n\n", 2);
            news_len += 2;
        }
        memcpy(news + news_len, set.items[i].text, set.items[i].text_len);
        news_len += set.items[i].text_len;
    }
    news[news_len] = '\0';
    bench_set_free(&set);
    size_t ascii_len;
    char *ascii = bench_synthetic_text(64 * 1024, 7, &ascii_len);

    struct {
        const char *name;
        const char *text;
        size_t len;
    } scripts[] = {
        {"news", news, news_len},           {"ascii", ascii, ascii_len},
        {"greek", greek, sizeof greek - 1}, {"cyrillic", cyrillic, sizeof cyrillic - 1},
        {"cjk", cjk, sizeof cjk - 1},
    };
    precis_normalizer_t *normalizer = precis_normalizer_new();
    for (size_t s = 0; s < sizeof scripts / sizeof scripts[0]; s++) {
        corpus_t corpus;
        corpus_build(&corpus, scripts[s].text, scripts[s].len, total);
        size_t ascii_bytes = 0;
        for (size_t i = 0; i < scripts[s].len; i++)
            ascii_bytes += (unsigned char)scripts[s].text[i] < 0x80;
        size_t precis_out, nfc_out;
        double precis_rate = measure(precis_pass, normalizer, &corpus, min_time,
                                     scripts[s].name, &precis_out);
        double nfc_rate =
            measure(utf8proc_pass, NULL, &corpus, min_time, scripts[s].name, &nfc_out);
        printf("norm_%s_mb=%.2f\n", scripts[s].name, (double)corpus.bytes / 1e6);
        printf("norm_%s_ascii_share=%.3f\n", scripts[s].name,
               (double)ascii_bytes / (double)scripts[s].len);
        printf("norm_%s_precis_mb_per_s=%.1f\n", scripts[s].name, precis_rate);
        printf("norm_%s_nfc_mb_per_s=%.1f\n", scripts[s].name, nfc_rate);
        printf("norm_%s_out_ratio=%.4f\n", scripts[s].name,
               (double)precis_out / (double)corpus.bytes);
        fflush(stdout);
        corpus_free(&corpus);
    }
    precis_normalizer_destroy(&normalizer);
    free(news);
    free(ascii);
    return 0;
}
