"""The built-in pack on every form of the leaving words, language by language (issue 10).

The forms were found by an audit driven by language data, not by headlines: simplemma's
dictionaries map each inflected form to its lemma, so inverting them gives every form of a lemma;
each form was put into a sentence "STATE FORM TREATY" and matched with the pack, and the forms
that did not match were added (`rules/packs/treaty-withdrawal/forms.yaml`). The sentences below
are written by us for this test, per language and concept; none is in the evaluation set. The
near misses check that the markers that stop an alert (questions, calls, opinion, threats and
conditions, an organisation acting against a state, a return) hold in each language.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime

import pytest
from simplemma.strategies.dictionaries import DefaultDictionaryFactory

import rules

NOW = datetime(2026, 6, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("language", "concept", "title"),
    [
        (
            "en",
            "repudiate",
            "Venezuela repudiates the Inter-American Treaty of Reciprocal Assistance",
        ),
        ("en", "repudiate", "The junta repudiated the defence agreement with France"),
        (
            "de",
            "withdraw",
            "Berlin bestätigt, dass sich Ungarn aus dem IStGH zurückzieht",
        ),
        (
            "de",
            "withdraw",
            "Bekannt wurde, dass sich Argentinien aus der Weltgesundheitsorganisation zurückzog",
        ),
        ("de", "exit", "Wie Nicaragua aus der Organisation Amerikanischer Staaten austrat"),
        ("de", "exit", "Burkina Faso beschließt, aus der ECOWAS auszutreten"),
        ("de", "exit", "Italien entscheidet, aus der Neuen Seidenstraße auszusteigen"),
        ("de", "denounce", "Russland hat den Vertrag über den Offenen Himmel aufgekündigt"),
        ("de", "denounce", "Die Türkei kündigte die Istanbul-Konvention"),
        ("de", "denounce", "Ägypten beschließt, den Freundschaftsvertrag mit Moskau aufzuheben"),
        ("de", "terminate", "Mali und Niger beendeten das Verteidigungsabkommen mit Frankreich"),
        ("de", "freeze", "Armenien friert seine Mitgliedschaft in der OVKS ein"),
        ("de", "freeze", "Jerewan: Die Mitgliedschaft in der OVKS ist eingefroren"),
        (
            "fr",
            "withdraw",
            "Le Burundi se retira de la Cour pénale internationale, rappelle le texte",
        ),
        ("fr", "exit", "Le Nicaragua sortit de l'Organisation des États américains"),
        ("fr", "terminate", "Le Mali résilie l'accord de défense avec la France"),
        ("fr", "terminate", "Le Niger a résilié les accords militaires avec les États-Unis"),
        ("fr", "repudiate", "La junte répudie l'accord de paix d'Alger"),
        ("fr", "freeze", "L'Arménie gèle sa participation à l'OTSC"),
        ("fr", "freeze", "Erevan annonce le gel de sa participation à l'OTSC"),
        (
            "es",
            "withdraw",
            "Argentina confirmó que se retiraría de la Organización Mundial de la Salud",
        ),
        ("es", "exit", "Venezuela salió de la Organización de los Estados Americanos"),
        ("es", "abrogate", "El Congreso derogó el Tratado de Libre Comercio con Chile"),
        ("es", "annul", "Ecuador anuló el tratado bilateral de inversión con Estados Unidos"),
        ("es", "freeze", "Armenia congela su participación en la OTSC"),
        ("it", "exit", "Il Nicaragua uscì dall'Organizzazione degli Stati americani"),
        ("it", "exit", "Il Burkina Faso lasciò la ECOWAS a gennaio, ricorda il comunicato"),
        ("it", "freeze", "L'Armenia congela la sua partecipazione alla CSTO"),
        (
            "pt",
            "annul",
            "O Equador anulou o tratado bilateral de investimentos com os Estados Unidos",
        ),
        ("pt", "freeze", "A Armênia congela a sua participação na OTSC"),
        (
            "nl",
            "withdraw",
            "Het kabinet meldt dat Nederland zich uit het Energiehandvestverdrag terugtrok",
        ),
        (
            "nl",
            "exit",
            "Men herinnert eraan hoe Nicaragua uit de Organisatie van Amerikaanse Staten uittrad",
        ),
        ("nl", "denounce", "Hongarije zei het Statuut van Rome op"),
        ("nl", "freeze", "Armenië bevriest lidmaatschap van de CSTO"),
        ("sv", "withdraw", "Nicaragua har utträtt ur Organisationen för amerikanska stater"),
        ("sv", "revoke", "Ryssland upphäver avtalet om plutonium med USA"),
        ("sv", "freeze", "Armenien fryser sitt medlemskap i CSTO"),
        ("no", "revoke", "Russland opphever plutoniumavtalen med USA"),
        ("no", "freeze", "Armenia fryser medlemskapet i CSTO"),
        ("da", "withdraw", "Nicaragua er udtrådt af Organisationen af Amerikanske Stater"),
        ("da", "revoke", "Rusland ophæver plutoniumaftalen med USA"),
        ("da", "freeze", "Armenien fryser sit medlemskab af CSTO"),
        ("cs", "withdraw", "Rusko se stáhne z Římského statutu"),
        ("cs", "leave", "Maďarsko opustí Mezinárodní trestní soud"),
        ("cs", "freeze", "Arménie zmrazila členství v ODKB"),
        ("sk", "leave", "Maďarsko opustí Medzinárodný trestný súd"),
        ("sk", "freeze", "Arménsko zmrazilo členstvo v ODKB"),
        ("sl", "leave", "Madžarska zapusti Mednarodno kazensko sodišče"),
        ("sl", "exit", "Madžarska izstopi iz Mednarodnega kazenskega sodišča"),
        ("sl", "denounce", "Rusija odpove pogodbo o odprtem nebu"),
        ("sr", "withdraw", "Mađarska se povukla iz Međunarodnog krivičnog suda"),
        ("sr", "leave", "Mađarska napustila Međunarodni krivični sud"),
        ("sr", "exit", "Mađarska istupila iz Međunarodnog krivičnog suda"),
        ("sr", "denounce", "Rusija otkazala Ugovor o otvorenom nebu"),
        ("sr", "freeze", "Jermenija zamrzava članstvo u ODKB"),
        ("bg", "terminate", "Армения прекратява членството си в ОДКБ"),
        ("bg", "freeze", "Армения замразява членството си в ОДКБ"),
        ("ru", "freeze", "Армения заморозила членство в ОДКБ"),
        ("ru", "freeze", "Пашинян заявил о заморозке участия Армении в ОДКБ"),
        ("ru", "terminate", "Армения прекращает своё членство в ОДКБ"),
        ("uk", "freeze", "Вірменія заморозила членство в ОДКБ"),
        ("uk", "terminate", "Україна припиняє свою участь у Співдружності Незалежних Держав"),
        ("ro", "leave", "Ungaria a părăsit Curtea Penală Internațională"),
        ("ro", "terminate", "Mali reziliază acordul de apărare cu Franța"),
        ("ro", "freeze", "Armenia îngheață participarea la OTSC"),
        ("hu", "leave", "Magyarország elhagyja a Nemzetközi Büntetőbíróságot"),
        ("hu", "freeze", "Örményország befagyasztja tagságát a KBSZSZ-ben"),
        (
            "fi",
            "terminate",
            "Armenia lopettaa jäsenyytensä Kollektiivisen turvallisuuden sopimusjärjestössä",
        ),
        ("fi", "freeze", "Armenia jäädyttää jäsenyytensä KTSJ:ssä"),
        ("et", "denounce", "Venemaa ütleb avatud taeva lepingu üles"),
        (
            "et",
            "freeze",
            "Armeenia külmutab oma liikmesuse Kollektiivse Julgeoleku Lepingu Organisatsioonis",
        ),
        ("lv", "denounce", "Krievija uzteikusi līgumu par atvērtajām debesīm"),
        ("lt", "denounce", "Rusija nutraukia Atvirojo dangaus sutartį"),
        ("lt", "freeze", "Armėnija įšaldo narystę KSSO"),
        ("el", "leave", "Η Ουγγαρία εγκατέλειπε το Διεθνές Ποινικό Δικαστήριο, σημείωσε"),
        (
            "el",
            "suspend",
            "Η Ρωσία ανέστειλε τη συμμετοχή της στη Συνθήκη για τις Συμβατικές Δυνάμεις",
        ),
        ("el", "freeze", "Η Αρμενία παγώνει τη συμμετοχή της στον ΟΣΣΑ"),
        ("tr", "leave", "Macaristan Uluslararası Ceza Mahkemesi'ni terk etti"),
        ("tr", "freeze", "Ermenistan KGAÖ üyeliğini dondurdu"),
        ("id", "freeze", "Armenia membekukan keanggotaannya di CSTO"),
        ("is", "freeze", "Armenía frystir aðild sína að CSTO"),
        ("sq", "withdraw", "Hungaria tërhiqet nga Gjykata Penale Ndërkombëtare"),
        ("sq", "suspend", "Rusia pezulloi Traktatin e Forcave Konvencionale në Evropë"),
        ("sk", "withdraw", "Maďarsko sa stiahne z Medzinárodného trestného súdu"),
        # second pass, by concept: null and void, not renewing, letting lapse, ending or
        # freezing participation
        ("en", "notice", "Japan gives notice of termination of the Washington Naval Treaty"),
        ("en", "void", "Egypt declares the Anglo-Egyptian Treaty null and void"),
        ("en", "not_renew", "The Philippines will not renew the Visiting Forces Agreement"),
        ("en", "lapse", "Russia lets the grain deal lapse"),
        ("en", "lapse", "Russia allows the Black Sea Grain Initiative to expire"),
        (
            "en",
            "pull_plug",
            "Niger pulls the plug on its military agreement with the United States",
        ),
        ("en", "walk_away", "Mali walks away from the Algiers peace accord"),
        ("en", "exit", "Nicaragua exits the Organization of American States"),
        ("en", "end_part", "Armenia ends its participation in the CSTO"),
        ("en", "cease", "Venezuela ceases to be a member of the Organization of American States"),
        (
            "en",
            "notify",
            "Hungary notifies the UN Secretary-General of its withdrawal from the Rome Statute",
        ),
        ("en", "unsign", "The United States withdraws its signature from the Arms Trade Treaty"),
        ("de", "notice", "Japan kündigt das Washingtoner Flottenabkommen"),
        ("de", "void", "Ägypten erklärt den Vertrag mit Großbritannien für null und nichtig"),
        ("de", "not_renew", "Die Philippinen verlängern das Abkommen über Gaststreitkräfte nicht"),
        ("de", "end_part", "Armenien beendet seine Teilnahme an der OVKS"),
        ("de", "cease", "Venezuela ist kein Mitglied der OAS mehr"),
        ("fr", "void", "L'Égypte déclare nul et non avenu le traité anglo-égyptien"),
        (
            "fr",
            "not_renew",
            "Les Philippines ne renouvelleront pas l'accord sur les forces en visite",
        ),
        ("fr", "end_part", "L'Arménie met fin à sa participation à l'OTSC"),
        (
            "fr",
            "notify",
            "La Hongrie notifie au Secrétaire général de l'ONU son retrait du Statut de Rome",
        ),
        (
            "fr",
            "unsign",
            "Les États-Unis retirent leur signature du traité sur le commerce des armes",
        ),
        ("es", "void", "Egipto declara nulo el tratado anglo-egipcio"),
        ("es", "not_renew", "Filipinas no renovará el Acuerdo de Fuerzas Visitantes"),
        ("es", "end_part", "Armenia pone fin a su participación en la OTSC"),
        (
            "es",
            "notify",
            "Hungría notifica al secretario general de la ONU su retiro del Estatuto de Roma",
        ),
        ("it", "end_part", "L'Armenia pone fine alla sua partecipazione alla CSTO"),
        ("it", "not_renew", "Le Filippine non rinnoveranno l'accordo sulle forze in visita"),
        ("pt", "end_part", "A Armênia encerra sua participação na OTSC"),
        ("pt", "not_renew", "As Filipinas não vão renovar o acordo de forças visitantes"),
        ("ru", "not_renew", "Россия не будет продлевать зерновую сделку"),
        ("ru", "end_part", "Армения прекращает участие в ОДКБ"),
        (
            "ru",
            "notify",
            "Россия уведомила депозитария о выходе из Договора об обычных вооруженных силах",
        ),
        ("ru", "void", "Египет объявил недействительным англо-египетский договор"),
        ("uk", "end_part", "Україна припиняє участь у СНД"),
        ("pl", "end_part", "Armenia kończy udział w OUBZ"),
        ("pl", "not_renew", "Filipiny nie przedłużą umowy o siłach wizytujących"),
        ("nl", "end_part", "Armenië beëindigt zijn deelname aan de CSTO"),
        ("tr", "end_part", "Ermenistan KGAÖ'ye katılımını sonlandırdı"),
        ("ar", "end_part", "أرمينيا تنهي مشاركتها في منظمة معاهدة الأمن الجماعي"),
        ("ar", "freeze", "أرمينيا تجمد عضويتها في منظمة معاهدة الأمن الجماعي"),
        ("zh", "freeze", "亚美尼亚冻结集体安全条约组织成员资格"),
        ("zh", "end_part", "亚美尼亚终止参与集体安全条约组织"),
        ("ja", "freeze", "アルメニア、集団安全保障条約機構への参加を凍結"),
        ("ko", "freeze", "아르메니아, 집단안보조약기구 회원 자격 동결"),
        ("vi", "freeze", "Armenia đóng băng tư cách thành viên CSTO"),
        ("fa", "freeze", "ارمنستان عضویت خود در سازمان پیمان امنیت جمعی را تعلیق کرد"),
        ("hi", "freeze", "आर्मेनिया ने सामूहिक सुरक्षा संधि संगठन में अपनी सदस्यता निलंबित की"),
        ("sw", "exit", "Burkina Faso yajiondoa kutoka ECOWAS"),
        ("ha", "exit", "Nijar ta fice daga ECOWAS"),
        ("he", "freeze", "ארמניה מקפיאה את חברותה בארגון אמנת הביטחון הקולקטיבי"),
        ("sr", "end_part", "Jermenija okončava učešće u ODKB"),
        ("hu", "end_part", "Örményország megszünteti részvételét a KBSZSZ-ben"),
        ("ro", "end_part", "Armenia pune capăt participării la OTSC"),
        ("el", "end_part", "Η Αρμενία τερματίζει τη συμμετοχή της στον ΟΣΣΑ"),
        ("sv", "end_part", "Armenien avslutar sitt deltagande i CSTO"),
        ("cs", "end_part", "Arménie ukončuje členství v ODKB"),
        ("sk", "end_part", "Arménsko ukončuje členstvo v ODKB"),
        ("bg", "end_part", "Армения прекратява участието си в ОДКБ"),
        ("fi", "end_part", "Armenia lopettaa osallistumisensa KTSJ:n toimintaan"),
        ("lt", "end_part", "Armėnija nutraukia narystę KSSO"),
        ("lv", "end_part", "Armēnija izbeidz dalību KDLO"),
        (
            "et",
            "end_part",
            "Armeenia lõpetab osalemise Kollektiivse Julgeoleku Lepingu Organisatsioonis",
        ),
        ("id", "end_part", "Armenia mengakhiri keanggotaannya di CSTO"),
        # languages without simplemma data: the core verbs, ending, suspending, not renewing
        ("ar", "withdraw", "الولايات المتحدة تنسحب من منظمة الصحة العالمية"),
        ("ar", "denounce", "روسيا تلغي معاهدة السماء المفتوحة"),
        ("ar", "abrogate", "مصر تلغي المعاهدة الأنجلو مصرية"),
        ("ar", "terminate", "النيجر تنهي الاتفاق العسكري مع الولايات المتحدة"),
        ("ar", "suspend", "روسيا تعلق مشاركتها في معاهدة نيو ستارت"),
        ("ar", "not_renew", "الفلبين لن تجدد اتفاقية القوات الزائرة"),
        ("ar", "exit", "بوركينا فاسو تخرج من المجموعة الاقتصادية لدول غرب أفريقيا"),
        ("zh", "withdraw", "美国宣布退出世界卫生组织"),
        ("zh", "abrogate", "埃及废除英埃条约"),
        ("zh", "terminate", "尼日尔终止与美国的军事协定"),
        ("zh", "suspend", "俄罗斯暂停参与新削减战略武器条约"),
        ("zh", "not_renew", "菲律宾不再续签访问部队协定"),
        ("ja", "withdraw", "米国、世界保健機関から脱退"),
        ("ja", "terminate", "ニジェール、米国との軍事協定を破棄"),
        ("ja", "suspend", "ロシア、新戦略兵器削減条約の履行を停止"),
        ("ja", "abrogate", "エジプト、英埃条約を廃棄"),
        ("ko", "withdraw", "미국, 세계보건기구 탈퇴 선언"),
        ("ko", "terminate", "니제르, 미국과의 군사협정 파기"),
        ("ko", "suspend", "러시아, 뉴스타트 참여 중단"),
        ("ko", "abrogate", "이집트, 영국-이집트 조약을 폐기"),
        ("vi", "withdraw", "Mỹ rút khỏi Tổ chức Y tế Thế giới"),
        ("vi", "terminate", "Niger chấm dứt thỏa thuận quân sự với Mỹ"),
        ("vi", "suspend", "Nga đình chỉ tham gia Hiệp ước New START"),
        ("vi", "abrogate", "Ai Cập bãi bỏ hiệp ước Anh - Ai Cập"),
        ("he", "withdraw", "ארצות הברית פורשת מארגון הבריאות העולמי"),
        ("he", "suspend", "רוסיה משעה את השתתפותה באמנת סטארט החדשה"),
        ("fa", "withdraw", "آمریکا از سازمان بهداشت جهانی خارج شد"),
        ("fa", "terminate", "نیجر توافق نظامی با آمریکا را لغو کرد"),
        ("fa", "suspend", "روسیه مشارکت خود در پیمان استارت جدید را تعلیق کرد"),
        ("hi", "withdraw", "अमेरिका विश्व स्वास्थ्य संगठन से बाहर निकला"),
        ("hi", "terminate", "नाइजर ने अमेरिका के साथ सैन्य समझौता रद्द किया"),
        ("hi", "suspend", "रूस ने न्यू स्टार्ट संधि में अपनी भागीदारी निलंबित की"),
        ("ur", "withdraw", "امریکا عالمی ادارہ صحت سے دستبردار ہو گیا"),
        ("ur", "terminate", "نائجر نے امریکا کے ساتھ فوجی معاہدہ منسوخ کر دیا"),
        ("id", "terminate", "Niger membatalkan perjanjian militer dengan Amerika Serikat"),
        ("id", "suspend", "Rusia menangguhkan partisipasinya dalam Traktat New START"),
        ("id", "not_renew", "Filipina tidak akan memperpanjang Perjanjian Pasukan Kunjungan"),
        ("ms", "withdraw", "Amerika Syarikat menarik diri daripada Pertubuhan Kesihatan Sedunia"),
        ("sw", "terminate", "Niger yasitisha makubaliano ya kijeshi na Marekani"),
        ("sw", "suspend", "Urusi yasimamisha ushiriki wake katika Mkataba wa New START"),
        ("tl", "withdraw", "Umatras ang Estados Unidos sa World Health Organization"),
        ("tr", "terminate", "Nijer ABD ile askeri anlaşmayı feshetti"),
        ("tr", "not_renew", "Filipinler Ziyaretçi Kuvvetler Anlaşması'nı yenilemeyecek"),
        ("az", "withdraw", "ABŞ Ümumdünya Səhiyyə Təşkilatından çıxır"),
        ("kk", "withdraw", "АҚШ Дүниежүзілік денсаулық сақтау ұйымынан шығады"),
        ("ka", "withdraw", "აშშ ჯანდაცვის მსოფლიო ორგანიზაციიდან გადის"),
        ("hy", "withdraw", "ԱՄՆ-ը դուրս է գալիս Առողջապահության համաշխարհային կազմակերպությունից"),
        ("be", "withdraw", "ЗША выходзяць з Сусветнай арганізацыі аховы здароўя"),
        ("am", "withdraw", "አሜሪካ ከዓለም ጤና ድርጅት ወጣች"),
    ],
)
def test_each_form_of_leaving_alerts(
    builtin_ruleset: rules.RuleSet, language: str, concept: str, title: str
) -> None:
    document = rules.Document(title=title, language=language)
    assert builtin_ruleset.match(document, NOW), f"{language} {concept}: {title}"


@pytest.mark.parametrize(
    ("language", "kind", "title"),
    [
        ("ar", "question", "هل تنسحب المجر من المحكمة الجنائية الدولية؟"),
        ("ar", "threat", "ترامب يهدد بالانسحاب من حلف الناتو"),
        ("ar", "org", "الجامعة العربية تعلق عضوية سوريا"),
        ("cs", "question", "Vystoupí Maďarsko z Mezinárodního trestního soudu?"),
        ("cs", "threat", "Trump hrozí vystoupením z NATO"),
        ("da", "opinion", "Danmark bør udtræde af Den Europæiske Menneskerettighedskonvention"),
        ("de", "question", "Tritt Ungarn aus dem Internationalen Strafgerichtshof aus?"),
        ("de", "call", "Opposition fordert, dass Armenien aus der OVKS austritt"),
        ("de", "opinion", "Warum Armenien die OVKS verlassen muss"),
        ("de", "threat", "Trump droht mit dem Austritt aus der NATO"),
        (
            "de",
            "conditional",
            "Serbien könnte den Europarat verlassen, falls Kosovo aufgenommen wird",
        ),
        ("de", "org", "Die Afrikanische Union suspendiert die Mitgliedschaft Malis"),
        ("de", "opinion", "Warum Deutschland aus dem Energiecharta-Vertrag aussteigen sollte"),
        ("el", "opinion", "Γιατί η Ελλάδα πρέπει να αποχωρήσει από τη Σύμβαση της Οτάβας"),
        ("en", "question", "Is Hungary leaving the International Criminal Court?"),
        ("en", "call", "Opposition demands that Armenia quit the CSTO"),
        ("en", "opinion", "Why Armenia must leave the CSTO"),
        ("en", "threat", "Trump threatens to pull out of NATO"),
        ("en", "conditional", "Serbia could leave the Council of Europe if Kosovo is admitted"),
        ("en", "org", "The Arab League suspends Syria's membership"),
        (
            "en",
            "rejoin",
            "After leaving in 2019, Burundi rejoined the International Criminal Court",
        ),
        ("es", "question", "¿Abandonará Hungría la Corte Penal Internacional?"),
        ("es", "call", "La oposición exige que Armenia abandone la OTSC"),
        ("es", "threat", "Trump amenaza con retirarse de la OTAN"),
        ("es", "conditional", "Serbia podría abandonar el Consejo de Europa si Kosovo es admitido"),
        ("es", "org", "El Mercosur suspende a Venezuela"),
        ("es", "freeze_org", "El Mercosur congela la participación de Venezuela"),
        ("es", "opinion", "Por qué Argentina debería salir del Mercosur"),
        ("fa", "threat", "ترامپ تهدید به خروج از ناتو کرد"),
        ("fr", "question", "La Hongrie va-t-elle quitter la Cour pénale internationale ?"),
        ("fr", "call", "L'opposition exige que l'Arménie quitte l'OTSC"),
        ("fr", "threat", "Trump menace de se retirer de l'OTAN"),
        (
            "fr",
            "conditional",
            "La Serbie pourrait quitter le Conseil de l'Europe si le Kosovo est admis",
        ),
        ("fr", "org", "L'Union africaine suspend le Mali"),
        (
            "fr",
            "rejoin",
            "Après l'avoir quittée en 2019, le Burundi a réintégré la Cour pénale internationale",
        ),
        ("fr", "opinion", "Pourquoi l'Arménie devrait quitter l'OTSC"),
        ("fr", "opinion", "Tribune : il faut quitter le traité sur la Charte de l'énergie"),
        ("hi", "threat", "ट्रंप ने नाटो से हटने की धमकी दी"),
        ("hu", "question", "Kilép-e Magyarország a Nemzetközi Büntetőbíróságból?"),
        ("id", "threat", "Trump mengancam keluar dari NATO"),
        ("it", "question", "L'Ungheria uscirà dalla Corte penale internazionale?"),
        ("it", "call", "L'opposizione chiede che l'Armenia lasci la CSTO"),
        ("it", "threat", "Trump minaccia di ritirarsi dalla NATO"),
        ("it", "org", "L'Unione africana ha sospeso il Mali"),
        ("it", "opinion", "Perché l'Italia dovrebbe uscire dalla NATO"),
        ("ja", "threat", "トランプ氏、NATO脱退を示唆"),
        ("ko", "threat", "트럼프, 나토 탈퇴 위협"),
        ("nl", "question", "Treedt Hongarije uit het Internationaal Strafhof?"),
        ("nl", "threat", "Trump dreigt uit de NAVO te stappen"),
        ("nl", "opinion", "Waarom Nederland uit het Energiehandvestverdrag zou moeten stappen"),
        ("no", "opinion", "Norge bør melde seg ut av Europarådet"),
        ("pl", "question", "Czy Węgry wystąpią z Międzynarodowego Trybunału Karnego?"),
        ("pl", "call", "Opozycja wzywa Armenię do wystąpienia z OUBZ"),
        ("pl", "threat", "Trump grozi wycofaniem się z NATO"),
        ("pl", "org", "Unia Afrykańska zawiesiła Mali"),
        ("pl", "opinion", "Dlaczego Polska powinna wystąpić z konwencji stambulskiej"),
        ("pt", "question", "A Hungria vai sair do Tribunal Penal Internacional?"),
        ("pt", "threat", "Trump ameaça retirar-se da OTAN"),
        ("pt", "org", "O Mercosul suspende a Venezuela"),
        ("pt", "opinion", "Por que o Brasil deveria sair do Tribunal Penal Internacional"),
        ("ro", "threat", "Trump amenință că se retrage din NATO"),
        ("ro", "question", "Se va retrage Ungaria din Curtea Penală Internațională?"),
        ("ru", "question", "Выйдет ли Венгрия из Международного уголовного суда?"),
        ("ru", "call", "Оппозиция призывает Армению выйти из ОДКБ"),
        ("ru", "threat", "Трамп пригрозил выходом из НАТО"),
        ("ru", "org", "Совет Европы приостановил членство России"),
        ("ru", "org", "Совет Европы исключил Россию"),
        ("sv", "question", "Lämnar Ungern Internationella brottmålsdomstolen?"),
        ("sv", "threat", "Trump hotar att lämna Nato"),
        ("sv", "opinion", "Därför borde Sverige lämna Europarådet"),
        ("tr", "question", "Macaristan Uluslararası Ceza Mahkemesi'nden çekilecek mi?"),
        ("tr", "threat", "Trump NATO'dan çekilmekle tehdit etti"),
        ("tr", "org", "Arap Birliği Suriye'nin üyeliğini askıya aldı"),
        ("uk", "question", "Чи вийде Угорщина з Міжнародного кримінального суду?"),
        ("uk", "threat", "Трамп погрожує виходом з НАТО"),
        ("uk", "org", "Рада Європи призупинила членство Росії"),
        ("vi", "threat", "Trump dọa rút khỏi NATO"),
        ("zh", "question", "匈牙利会退出国际刑事法院吗？"),
        ("zh", "threat", "特朗普威胁退出北约"),
        ("en", "call", "Opposition urges Russia not to let the grain deal lapse"),
        ("en", "question", "Will Russia let the grain deal lapse?"),
        ("de", "question", "Verlängern die Philippinen das Abkommen über Gaststreitkräfte nicht?"),
        ("hi", "org", "अफ्रीकी संघ ने माली की सदस्यता निलंबित की"),
        ("ko", "org", "아프리카연합, 말리 회원 자격 동결"),
        ("vi", "org", "Liên minh châu Phi đóng băng tư cách thành viên của Mali"),
        ("fr", "history", "Vingt ans après, le Burundi a réintégré la Cour pénale internationale"),
        (
            "ru",
            "history",
            "Через двадцать лет после того, как Пекин отказался продлевать договор, подписан новый",
        ),
        # other senses of the verbs added for them (destroying weapons, cancelling talks)
        ("ja", "other_sense", "日本、化学兵器禁止条約に基づき遺棄化学兵器を廃棄"),
        ("ja", "other_sense", "日本、核燃料を廃棄へ"),
        ("ko", "other_sense", "북한, 비확산조약에 따라 핵무기를 폐기"),
        ("hi", "talks", "भारत ने सिंधु जल संधि पर पाकिस्तान के साथ वार्ता रद्द की"),
        ("hi", "visit", "भारत ने नाटो शिखर सम्मेलन की यात्रा रद्द की"),
        ("tr", "question", "Filipinler Ziyaretçi Kuvvetler Anlaşması'nı yenilemeyecek mi?"),
        ("ar", "question", "هل تنسحب الولايات المتحدة من منظمة الصحة العالمية؟"),
        ("ar", "call", "المعارضة تطالب الحكومة بالانسحاب من منظمة الصحة العالمية"),
        ("zh", "call", "反对派呼吁政府退出世界卫生组织"),
        ("zh", "org", "非洲联盟暂停马里的成员资格"),
        ("ja", "question", "米国はWHOから脱退するのか"),
        ("ko", "question", "미국, 세계보건기구 탈퇴하나?"),
        (
            "id",
            "question",
            "Apakah Filipina tidak akan memperpanjang Perjanjian Pasukan Kunjungan?",
        ),
        ("he", "org", "מועצת אירופה השעתה את חברותה של רוסיה"),
    ],
)
def test_near_misses_in_each_language_do_not_alert(
    builtin_ruleset: rules.RuleSet, language: str, kind: str, title: str
) -> None:
    document = rules.Document(title=title, language=language)
    assert not builtin_ruleset.match(document, NOW), f"{language} {kind}: {title}"


def _forms(language: str, lemma: str) -> list[str]:
    """Every one-word form simplemma's dictionary maps to ``lemma``, the lemma included."""
    dictionary = DefaultDictionaryFactory().get_dictionary(language)
    by_lemma: defaultdict[str, set[str]] = defaultdict(set)
    for form, form_lemma in dictionary.items():
        if form_lemma == lemma:
            by_lemma[lemma].add(form)
    return sorted(f for f in by_lemma[lemma] | {lemma} if " " not in f)


@pytest.mark.parametrize(
    ("language", "lemma", "subject", "treaty"),
    [
        ("en", "repudiate", "Venezuela", "the Rio Treaty"),
        ("en", "denounce", "Venezuela", "the Rio Treaty"),
        ("fr", "résilier", "Le Mali", "l'accord de défense avec la France"),
        ("fr", "abroger", "Le Mali", "l'accord de défense avec la France"),
        ("fr", "suspendre", "La Russie", "sa participation au traité New START"),
        ("es", "derogar", "Chile", "el Tratado de Libre Comercio con Perú"),
        ("es", "denunciar", "Bolivia", "el Pacto de San José"),
        ("it", "abrogare", "L'Italia", "il trattato di amicizia con la Libia"),
        ("it", "revocare", "L'Italia", "il trattato di amicizia con la Libia"),
    ],
)
def test_every_dictionary_form_of_a_lemma_alerts(
    builtin_ruleset: rules.RuleSet, language: str, lemma: str, subject: str, treaty: str
) -> None:
    forms = _forms(language, lemma)
    assert len(forms) > 3, forms
    missed = [
        form
        for form in forms
        if not builtin_ruleset.match(rules.Document(title=f"{subject} {form} {treaty}"), NOW)
    ]
    assert missed == []
