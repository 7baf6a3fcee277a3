/*  precis_lang_samples - one short news text per language, for self tests.

    The texts were written for precis (the same made-up story in every
    language: a new bridge opens in May, two years late). Keep them sorted
    by code; the test below checks that every stop-word list has one.
*/
#include "precis_lang_samples.h"
#include "precis_lang.h"
#include <stdio.h>
#include <string.h>

static const precis_lang_sample_t samples[] = {
    {"ar",
     "أعلنت الحكومة يوم الاثنين أن الجسر الجديد على النهر سيفتح أمام حركة المرور في "
     "شهر مايو. وقال الوزير إن المشروع تأخر عامين بسبب الخلاف على التكاليف، لكن العمل "
     "يسير الآن بسرعة.",
     "على", "الحكومة", "حكومة"},
    {"ca",
     "L'ajuntament va anunciar dilluns que el nou pont sobre el riu s'obrirà al trànsit "
     "al mes de maig. Les obres es van endarrerir dos anys per una disputa sobre els "
     "costos, però ara avancen amb rapidesa, segons el conseller.",
     "el", "obres", "obra"},
    {"cs",
     "Vláda v pondělí oznámila, že nový most přes řeku bude otevřen pro dopravu v "
     "květnu. Stavba se zpozdila o dva roky kvůli sporu o náklady, ale nyní podle "
     "ministra postupuje rychle a bez dalších potíží.",
     "se", NULL, NULL},
    {"da",
     "Regeringen meddelte mandag, at den nye bro over floden åbner for trafik i maj. "
     "Byggeriet blev forsinket to år på grund af en strid om omkostningerne, men nu går "
     "arbejdet hurtigt, siger ministeren.",
     "at", "omkostningerne", "omkostninger"},
    {"de",
     "Die Regierung hat am Montag mitgeteilt, dass die neue Brücke über den Fluss im "
     "Mai für den Verkehr geöffnet wird. Der Bau hat sich wegen eines Streits über die "
     "Kosten um zwei Jahre verzögert, sagte der Minister.",
     "die", "brücke", "brücken"},
    {"el",
     "Η κυβέρνηση ανακοίνωσε τη Δευτέρα ότι η νέα γέφυρα πάνω από τον ποταμό θα "
     "ανοίξει για την κυκλοφορία τον Μάιο. Τα έργα καθυστέρησαν δύο χρόνια λόγω "
     "διαφωνίας για το κόστος, αλλά τώρα προχωρούν γρήγορα.",
     "την", "γέφυρα", "γέφυρες"},
    {"en",
     "The government said on Monday that the new bridge over the river will open to "
     "traffic in May. Work was delayed by two years because of a dispute over costs, "
     "but the minister said it is now moving quickly.",
     "the", "bridges", "bridge"},
    {"es",
     "El Gobierno anunció el lunes que el nuevo puente sobre el río se abrirá al "
     "tráfico en mayo. Las obras se retrasaron dos años por una disputa sobre los "
     "costes, pero ahora avanzan con rapidez, según el ministro.",
     "el", "puentes", "puente"},
    {"eu",
     "Gobernuak astelehenean jakinarazi zuen ibaiaren gaineko zubi berria maiatzean "
     "irekiko dela trafikorako. Lanak bi urte atzeratu ziren kostuen inguruko eztabaida "
     "baten ondorioz, baina orain azkar eta ondo doaz, ministroaren arabera.",
     "eta", "kostuen", "kostu"},
    {"fi",
     "Hallitus ilmoitti maanantaina, että joen yli kulkeva uusi silta avataan "
     "liikenteelle toukokuussa. Rakennustyöt viivästyivät kaksi vuotta kustannuksia "
     "koskevan kiistan vuoksi, mutta nyt työ etenee nopeasti, sanoi ministeri.",
     "että", "ministeri", "ministerin"},
    {"fr",
     "Le gouvernement a annoncé lundi que le nouveau pont sur le fleuve sera ouvert à la "
     "circulation en mai. Les travaux ont pris deux ans de retard à cause d'un différend "
     "sur les coûts, mais ils avancent maintenant vite.",
     "le", "coûts", "coût"},
    {"ga",
     "D'fhógair an rialtas Dé Luain go n-osclófar an droichead nua thar an abhainn don "
     "trácht i mí na Bealtaine. Cuireadh moill dhá bhliain ar an obair mar gheall ar "
     "aighneas faoi na costais, ach tá sí ag dul ar aghaidh go tapa anois.",
     "an", "mbád", "bád"},
    {"hi",
     "सरकार ने सोमवार को बताया कि नदी पर बना नया पुल मई में यातायात के लिए खोल दिया "
     "जाएगा। लागत को लेकर विवाद के कारण निर्माण कार्य दो साल देर से चल रहा है, लेकिन "
     "मंत्री के अनुसार अब काम तेज़ी से हो रहा है।",
     "के", "सरकारों", "सरकार"},
    {"hu",
     "A kormány hétfőn bejelentette, hogy a folyó feletti új híd májusban nyílik meg a "
     "forgalom előtt. Az építkezés két évet késett a költségekről szóló vita miatt, de "
     "a miniszter szerint most gyorsan halad a munka.",
     "hogy", "költségek", "költség"},
    {"hy",
     "Կառավարությունը երկուշաբթի հայտարարեց, որ գետի վրայով անցնող նոր կամուրջը "
     "մայիսին կբացվի երթևեկության համար։ Շինարարությունը երկու տարով ուշացել է "
     "ծախսերի շուրջ վեճի պատճառով, բայց հիմա աշխատանքները արագ են ընթանում։",
     "որ", "կամուրջը", "կամուրջ"},
    {"id",
     "Pemerintah mengumumkan pada hari Senin bahwa jembatan baru di atas sungai itu "
     "akan dibuka untuk lalu lintas pada bulan Mei. Pembangunannya tertunda dua tahun "
     "karena sengketa soal biaya, tetapi kini pekerjaan berjalan cepat, kata menteri.",
     "bahwa", "jembatannya", "jembatan"},
    {"it",
     "Il governo ha annunciato lunedì che il nuovo ponte sul fiume sarà aperto al "
     "traffico a maggio. I lavori hanno subito due anni di ritardo a causa di una "
     "disputa sui costi, ma ora procedono rapidamente, secondo il ministro.",
     "il", "costi", "costo"},
    {"ja",
     "政府は月曜日、川に架かる新しい橋が五月に開通すると発表した。費用をめぐる対立のた"
     "め工事は二年遅れたが、大臣によると現在は順調に進んでいるという。",
     "は", NULL, NULL},
    {"lt",
     "Vyriausybė pirmadienį paskelbė, kad naujas tiltas per upę eismui bus atidarytas "
     "gegužės mėnesį. Statybos dėl ginčo dėl išlaidų vėlavo dvejus metus, tačiau dabar "
     "darbai vyksta sparčiai, sakė ministras.",
     "kad", "tiltas", "tilto"},
    {"ne",
     "सरकारले सोमबार नदीमाथिको नयाँ पुल जेठ महिनामा यातायातका लागि खुला गरिने "
     "जानकारी दिएको छ। लागतसम्बन्धी विवादका कारण निर्माण दुई वर्ष ढिला भएको थियो, तर "
     "अहिले काम छिटो भइरहेको मन्त्रीले बताए।",
     "तर", "सरकारले", "सरकार"},
    {"nl",
     "De regering heeft maandag bekendgemaakt dat de nieuwe brug over de rivier in mei "
     "voor het verkeer opengaat. De bouw liep twee jaar vertraging op door een geschil "
     "over de kosten, maar volgens de minister gaat het werk nu snel.",
     "de", "ministers", "minister"},
    {"no",
     "Regjeringen opplyste mandag at den nye brua over elva åpner for trafikk i mai. "
     "Byggingen ble forsinket med to år på grunn av en strid om kostnadene, men nå går "
     "arbeidet raskt, sier statsråden til avisen.",
     "at", "kostnadene", "kostnader"},
    {"pl",
     "Rząd poinformował w poniedziałek, że nowy most na rzece zostanie otwarty dla "
     "ruchu w maju. Budowa opóźniła się o dwa lata z powodu sporu o koszty, ale teraz "
     "prace idą szybko, powiedział minister.",
     "się", NULL, NULL},
    {"pt",
     "O governo anunciou na segunda-feira que a nova ponte sobre o rio será aberta ao "
     "trânsito em maio. As obras atrasaram dois anos por causa de uma disputa sobre os "
     "custos, mas agora avançam depressa, segundo o ministro.",
     "que", "pontes", "ponte"},
    {"ro",
     "Guvernul a anunțat luni că noul pod peste râu va fi deschis traficului în luna "
     "mai. Lucrările au întârziat doi ani din cauza unei dispute privind costurile, dar "
     "acum avansează rapid, potrivit ministrului.",
     "că", "costurile", "costuri"},
    {"ru",
     "Правительство в понедельник сообщило, что новый мост через реку откроют для "
     "движения в мае. Строительство задержалось на два года из-за спора о расходах, но "
     "теперь работы идут быстро, заявил министр.",
     "что", "мост", "моста"},
    {"sr",
     "Влада је у понедељак саопштила да ће нови мост преко реке бити отворен за "
     "саобраћај у мају. Радови су каснили две године због спора око трошкова, али сада "
     "напредују брзо, рекао је министар.",
     "је", "мост", "моста"},
    {"sv",
     "Regeringen meddelade på måndagen att den nya bron över älven öppnas för trafik i "
     "maj. Bygget försenades två år på grund av en tvist om kostnaderna, men nu går "
     "arbetet snabbt, säger ministern.",
     "på", "kostnaderna", "kostnader"},
    {"ta",
     "புதிய பாலம் மே மாதம் போக்குவரத்துக்குத் திறக்கப்படும் என்று அரசு திங்கள்கிழமை "
     "அறிவித்தது. செலவு தொடர்பான சர்ச்சையால் கட்டுமானப் பணிகள் இரண்டு ஆண்டுகள் "
     "தாமதமானது, ஆனால் இப்போது வேலை வேகமாக நடக்கிறது என்று அமைச்சர் கூறினார்.",
     "என்று", "பணிகள்", "பணி"},
    {"tr",
     "Hükümet pazartesi günü nehir üzerindeki yeni köprünün mayıs ayında trafiğe "
     "açılacağını duyurdu. İnşaat, maliyetler konusundaki bir anlaşmazlık nedeniyle iki "
     "yıl gecikti, ancak bakana göre çalışmalar şimdi hızla ilerliyor.",
     "bir", "maliyetler", "maliyet"},
    {"yi",
     "די רעגירונג האָט מאָנטיק געמאָלדן אַז די נײַע בריק איבערן טײַך וועט געעפֿנט ווערן "
     "פֿאַר פֿאַרקער אין מײַ. די אַרבעט האָט זיך פֿאַרשפּעטיקט מיט צוויי יאָר צוליב אַ "
     "סיכסוך וועגן די קאָסטן, אָבער איצט גייט עס גיך.",
     "די", "בריקן", "בריק"},
    {"zh",
     "政府星期一宣布，横跨河流的新桥将于五月通车。由于在费用问题上的争议，工程比原计划推"
     "迟了两年，但部长说现在进展很快。市民们对这个消息表示欢迎。",
     "在", NULL, NULL},
};

const precis_lang_sample_t *precis_lang_samples(size_t *count_p)
{
    *count_p = sizeof samples / sizeof samples[0];
    return samples;
}

int precis_lang_samples_test(bool verbose)
{
    int failures = 0;
    size_t count;
    const precis_lang_sample_t *all = precis_lang_samples(&count);
    /* One sample per language with a list, in the lists' order. */
    if (count != precis_lang_count()) {
        failures++;
        if (verbose)
            printf("lang_samples: %zu samples for %zu languages\n", count,
                   precis_lang_count());
    }
    for (size_t i = 0; i < count; i++) {
        bool ordered = i == 0 || strcmp(all[i - 1].code, all[i].code) < 0;
        bool listed = precis_lang_from_code(all[i].code) != PRECIS_LANG_UND;
        bool whole = strlen(all[i].text) >= 200 && strstr(all[i].text, all[i].stop) &&
                     (all[i].stem_a == NULL) == (all[i].stem_b == NULL);
        if (!ordered || !listed || !whole) {
            failures++;
            if (verbose)
                printf("lang_samples: %s: %s\n", all[i].code,
                       !ordered  ? "out of order"
                       : !listed ? "no stop-word list"
                                 : "short, or its stop word missing");
        }
    }
    return failures ? 1 : 0;
}
