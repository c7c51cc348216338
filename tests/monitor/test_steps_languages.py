"""The steps of a withdrawal read in many languages: the built-in pack's ``steps`` vocabulary
(rules/packs/treaty-withdrawal/steps.yaml and the regional files) and the prospective patterns of
``monitor.core.steps`` (future auxiliaries and verb forms, "in six months"), on headlines and
leads of our own."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import pytest

from monitor.core.steps import StepReading, read_step
from monitor.rulepacks import load_rules
from rules import Document, Entity

RULES = load_rules(None)
NOW = datetime(2025, 6, 1, tzinfo=UTC)


def _entities(title: str, summary: str, *, must_match: bool = True) -> Sequence[Entity]:
    doc = Document(title=title, summary=summary)
    matches = RULES.match(doc, NOW)
    if must_match:
        assert matches, f"the pack should match: {title}"
        return matches[0].entities
    return matches[0].entities if matches else RULES.entities(doc)


def _read(title: str, summary: str = "", *, must_match: bool = True) -> StepReading:
    return read_step(
        title, summary, _entities(title, summary, must_match=must_match), year=NOW.year
    )


# One report per step and language: (language, step, headline, lead).
# fmt: off
STEPS = [
    # Spanish
    ("es", "announcement",
     "Argentina anuncia su retirada de la Organización Mundial de la Salud",
     "El portavoz presidencial dijo que el país dejará el organismo por diferencias sobre la "
     "pandemia."),
    ("es", "suspension",
     "Rusia suspende su participación en el tratado New START",
     "Moscú asegura que la medida es reversible."),
    ("es", "government_decision",
     "El Consejo de Ministros acuerda la retirada de España del Tratado sobre la Carta de la "
     "Energía",
     "La decisión fue adoptada este martes en Madrid."),
    ("es", "parliament_vote",
     "El Parlamento de Hungría vota la salida del país de la Corte Penal Internacional",
     "La ley obtuvo 134 votos a favor y 37 en contra."),
    ("es", "signed_into_law",
     "Putin firmó la ley que retira a Rusia del Tratado de Cielos Abiertos",
     "La norma entra así en el ordenamiento ruso."),
    ("es", "notification",
     "Nicaragua notifica a la OEA su retiro de la organización",
     "La carta de denuncia fue entregada en Washington."),
    ("es", "entry_into_force",
     "Burundi deja de ser parte de la Corte Penal Internacional",
     "La salida del Estatuto de Roma se hizo efectiva este viernes."),
    ("es", "reversal",
     "Sudáfrica revoca su retirada de la Corte Penal Internacional",
     "Pretoria retiró la notificación presentada ante la ONU tras un fallo judicial."),
    # Portuguese
    ("pt", "announcement",
     "Argentina anuncia saída da Organização Mundial da Saúde",
     "O porta-voz da Presidência disse que o país deixará a agência."),
    ("pt", "suspension",
     "Rússia suspende participação no tratado New START",
     "Moscou diz que a medida pode ser revertida."),
    ("pt", "government_decision",
     "Conselho de Ministros decide retirar Angola da OPEP",
     "A decisão foi tomada na quinta-feira em Luanda."),
    ("pt", "parliament_vote",
     "Deputados da Hungria votaram a saída do país do Tribunal Penal Internacional",
     "A lei teve 134 votos a favor e 37 contra."),
    ("pt", "signed_into_law",
     "Putin assinou a lei que retira a Rússia do Tratado de Céus Abertos",
     "O texto passa agora a integrar a legislação russa."),
    ("pt", "notification",
     "Nicarágua notifica a OEA da sua saída da organização",
     "A carta de denúncia foi entregue em Washington."),
    ("pt", "entry_into_force",
     "Burundi deixou de ser parte do Tribunal Penal Internacional",
     "A saída do Estatuto de Roma entrou em vigor nesta sexta-feira."),
    ("pt", "reversal",
     "África do Sul revoga a retirada do Tribunal Penal Internacional",
     "Pretória retirou a notificação entregue à ONU após uma decisão judicial."),
    # Italian
    ("it", "announcement",
     "L'Argentina annuncia l'uscita dall'Organizzazione mondiale della sanità",
     "Il portavoce presidenziale ha detto che il Paese lascerà l'agenzia."),
    ("it", "suspension",
     "La Russia sospende la partecipazione al trattato New START",
     "Mosca afferma che la misura è reversibile."),
    ("it", "government_decision",
     "Il Consiglio dei ministri delibera l'uscita dell'Italia dal Trattato sulla Carta "
     "dell'energia",
     "Il testo è stato adottato martedì a Palazzo Chigi."),
    ("it", "parliament_vote",
     "Il Parlamento ungherese vota l'uscita dalla Corte penale internazionale",
     "La legge è passata con 134 voti favorevoli e 37 contrari."),
    ("it", "signed_into_law",
     "Putin firma la legge che ritira la Russia dal Trattato sui cieli aperti",
     "Il testo entra così nell'ordinamento russo."),
    ("it", "notification",
     "Il Nicaragua notifica all'OSA il ritiro dall'organizzazione",
     "La lettera di denuncia è stata consegnata a Washington."),
    ("it", "entry_into_force",
     "Il Burundi non fa più parte della Corte penale internazionale",
     "Il ritiro dallo Statuto di Roma è entrato in vigore venerdì."),
    ("it", "reversal",
     "Il Sudafrica revoca il ritiro dalla Corte penale internazionale",
     "Pretoria ha ritirato la notifica consegnata all'ONU dopo una sentenza."),
    # French
    ("fr", "announcement",
     "L'Argentine annonce son retrait de l'Organisation mondiale de la santé",
     "Le porte-parole de la présidence a évoqué des divergences sur la pandémie."),
    ("fr", "suspension",
     "La Russie suspend sa participation au traité New START",
     "Moscou assure que la mesure est réversible."),
    ("fr", "government_decision",
     "Le Conseil des ministres acte le retrait de la France du traité sur la charte de l'énergie",
     "La décision a été prise mercredi à l'Élysée."),
    ("fr", "parliament_vote",
     "Les députés hongrois ont voté le retrait de la Cour pénale internationale",
     "La loi a recueilli 134 voix pour et 37 contre."),
    ("fr", "signed_into_law",
     "Poutine promulgue la loi retirant la Russie du traité Ciel ouvert",
     "Le texte a été publié sur le portail officiel."),
    ("fr", "notification",
     "Le Venezuela dépose sa lettre de retrait de l'OEA",
     "Caracas a remis le document au secrétariat de l'organisation à Washington."),
    ("fr", "entry_into_force",
     "Le retrait du Burundi de la Cour pénale internationale est entré en vigueur",
     "Le pays ne fait plus partie du Statut de Rome depuis vendredi."),
    ("fr", "reversal",
     "L'Afrique du Sud revient sur son retrait de la Cour pénale internationale",
     "Pretoria a révoqué la notification adressée à l'ONU après un jugement."),
    # German
    ("de", "announcement",
     "Argentinien hat den Austritt aus der Weltgesundheitsorganisation angekündigt",
     "Der Präsidentensprecher begründete den Schritt mit Differenzen in der Pandemie."),
    ("de", "suspension",
     "Russland setzt Teilnahme am New-START-Vertrag aus und friert Inspektionen ein",
     "Moskau nennt die Aussetzung umkehrbar."),
    ("de", "government_decision",
     "Bundesregierung beschließt Austritt aus dem Energiecharta-Vertrag",
     "Das Kabinett billigte am Mittwoch die Vorlage."),
    ("de", "parliament_vote",
     "Ungarisches Parlament stimmt für Austritt aus dem Internationalen Strafgerichtshof",
     "Das Gesetz wurde mit 134 zu 37 Stimmen angenommen."),
    ("de", "signed_into_law",
     "Putin unterzeichnet das Gesetz zum Austritt aus dem Open-Skies-Vertrag",
     "Der Text ist damit Teil der russischen Rechtsordnung."),
    ("de", "notification",
     "Südafrika hat die Kündigung des Römischen Statuts übermittelt",
     "Die Austrittserklärung ging beim UN-Generalsekretär ein."),
    ("de", "entry_into_force",
     "Austritt Burundis aus dem Internationalen Strafgerichtshof ist wirksam",
     "Seit Freitag ist das Land nicht mehr Vertragspartei des Römischen Statuts."),
    ("de", "reversal",
     "Südafrika widerruft den Austritt aus dem Internationalen Strafgerichtshof",
     "Pretoria hat die Kündigung nach einem Gerichtsurteil zurückgezogen."),
    # Dutch
    ("nl", "announcement",
     "Argentinië heeft vertrek uit de Wereldgezondheidsorganisatie aangekondigd",
     "De woordvoerder van de president noemde meningsverschillen over de pandemie."),
    ("nl", "suspension",
     "Rusland schort deelname aan het New START-verdrag op",
     "Moskou noemt de opschorting omkeerbaar."),
    ("nl", "government_decision",
     "Kabinet besluit tot opzegging van het Energiehandvestverdrag",
     "De ministerraad nam het besluit vrijdag."),
    ("nl", "parliament_vote",
     "Hongaars parlement stemt voor uittreding uit het Internationaal Strafhof",
     "De wet werd aangenomen met 134 stemmen voor en 37 tegen."),
    ("nl", "signed_into_law",
     "Poetin ondertekent de wet over uittreding uit het Open Skies-verdrag",
     "De tekst is daarmee deel van het Russische recht."),
    ("nl", "notification",
     "Zuid-Afrika heeft de VN in kennis gesteld van uittreding uit het Internationaal Strafhof",
     "De opzeggingsbrief werd bij de secretaris-generaal ingediend."),
    ("nl", "entry_into_force",
     "Uittreding van Burundi uit het Internationaal Strafhof is van kracht",
     "Het land is sinds vrijdag geen partij meer bij het Statuut van Rome."),
    ("nl", "reversal",
     "Zuid-Afrika trekt de opzegging in van het lidmaatschap van het Internationaal Strafhof",
     "Pretoria deed dat na een uitspraak van het hooggerechtshof."),
    # Swedish
    ("sv", "announcement",
     "Argentina meddelar utträde ur Världshälsoorganisationen",
     "Presidentens talesperson hänvisade till meningsskiljaktigheter under pandemin."),
    ("sv", "suspension",
     "Ryssland suspenderar deltagandet i New START-avtalet",
     "Moskva säger att åtgärden kan hävas."),
    ("sv", "government_decision",
     "Regeringen beslutar om utträde ur energistadgefördraget",
     "Beslutet fattades vid torsdagens regeringssammanträde."),
    ("sv", "parliament_vote",
     "Riksdagen röstade för utträde ur Ottawakonventionen",
     "Beslutet fattades med 250 röster mot 40."),
    ("sv", "signed_into_law",
     "Putin undertecknade lagen om utträde ur Open Skies-avtalet",
     "Texten ingår nu i rysk rätt."),
    ("sv", "notification",
     "Sydafrika har underrättat FN om utträde ur Internationella brottmålsdomstolen",
     "Utträdesanmälan lämnades till generalsekreteraren."),
    ("sv", "entry_into_force",
     "Burundis utträde ur Internationella brottmålsdomstolen trädde i kraft",
     "Landet är inte längre part i Romstadgan sedan fredagen."),
    ("sv", "reversal",
     "Sydafrika återkallar uppsägningen av Romstadgan",
     "Beslutet kom efter en dom i högsta domstolen."),
    # Polish
    ("pl", "announcement",
     "Argentyna ogłasza wystąpienie ze Światowej Organizacji Zdrowia",
     "Rzecznik prezydenta mówił o różnicach zdań w czasie pandemii."),
    ("pl", "suspension",
     "Rosja zawiesza udział w traktacie New START",
     "Moskwa twierdzi, że decyzja jest odwracalna."),
    ("pl", "government_decision",
     "Rada Ministrów przyjęła projekt ustawy o wypowiedzeniu konwencji ottawskiej",
     "Dokument trafi teraz do dalszych prac."),
    ("pl", "parliament_vote",
     "Sejm przegłosował wypowiedzenie konwencji ottawskiej",
     "Za ustawą głosowało 413 posłów."),
    ("pl", "signed_into_law",
     "Prezydent podpisał ustawę o wypowiedzeniu konwencji ottawskiej",
     "Ustawa została opublikowana w Dzienniku Ustaw."),
    ("pl", "notification",
     "Polska złożyła wypowiedzenie konwencji ottawskiej u depozytariusza",
     "Notyfikacja trafiła do sekretarza generalnego ONZ."),
    ("pl", "entry_into_force",
     "Wystąpienie Polski z konwencji ottawskiej weszło w życie",
     "Polska nie jest już stroną traktatu zakazującego min przeciwpiechotnych."),
    ("pl", "reversal",
     "RPA wycofała wypowiedzenie Statutu Rzymskiego",
     "Decyzja zapadła po wyroku sądu najwyższego."),
    # Czech
    ("cs", "announcement",
     "Argentina oznámila vystoupení ze Světové zdravotnické organizace",
     "Mluvčí prezidenta hovořil o rozdílných názorech během pandemie."),
    ("cs", "suspension",
     "Rusko pozastavuje účast ve smlouvě New START",
     "Moskva tvrdí, že krok je vratný."),
    ("cs", "government_decision",
     "Vláda rozhodla o vystoupení z Istanbulské úmluvy",
     "Usnesení vlády bylo přijato v pondělí."),
    ("cs", "parliament_vote",
     "Maďarští poslanci odhlasovali vystoupení z Mezinárodního trestního soudu",
     "Pro zákon hlasovalo 134 poslanců."),
    ("cs", "signed_into_law",
     "Putin podepsal zákon o vystoupení Ruska ze Smlouvy o otevřeném nebi",
     "Text je tak součástí ruského práva."),
    ("cs", "notification",
     "Jihoafrická republika notifikovala OSN vystoupení z Mezinárodního trestního soudu",
     "Oznámení o vystoupení převzal generální tajemník."),
    ("cs", "entry_into_force",
     "Vystoupení Burundi z Mezinárodního trestního soudu vstoupilo v platnost",
     "Země už není členem Římského statutu."),
    ("cs", "reversal",
     "Jihoafrická republika zrušila rozhodnutí o vystoupení z Mezinárodního trestního soudu",
     "Stalo se tak po rozsudku nejvyššího soudu."),
    # Russian
    ("ru", "announcement",
     "Аргентина объявила о выходе из Всемирной организации здравоохранения",
     "Пресс-секретарь президента сослался на разногласия во время пандемии."),
    ("ru", "suspension",
     "Россия приостанавливает участие в Договоре о СНВ",
     "В Москве называют шаг обратимым."),
    ("ru", "government_decision",
     "Правительство России приняло постановление о выходе из соглашения СНГ",
     "Документ подписал премьер-министр."),
    ("ru", "parliament_vote",
     "Госдума проголосовала за денонсацию Договора по открытому небу",
     "Закон поддержали 400 депутатов."),
    ("ru", "signed_into_law",
     "Путин подписал закон о денонсации Договора по открытому небу",
     "Документ опубликован на портале правовой информации."),
    ("ru", "notification",
     "Россия направила депозитарию уведомление о выходе из Договора по открытому небу",
     "Нота передана генеральному секретарю."),
    ("ru", "entry_into_force",
     "Россия перестала быть участницей Договора по открытому небу",
     "Выход вступил в силу в полночь."),
    ("ru", "reversal",
     "ЮАР отозвала уведомление о выходе из Международного уголовного суда",
     "Решение принято после постановления суда."),
    # Ukrainian
    ("uk", "announcement",
     "Аргентина оголосила про вихід із Всесвітньої організації охорони здоров'я",
     "Речник президента послався на розбіжності під час пандемії."),
    ("uk", "suspension",
     "Росія призупиняє участь у Договорі про СНО",
     "У Москві називають крок зворотним."),
    ("uk", "government_decision",
     "Кабмін схвалив постанову про вихід України з угоди СНД",
     "Документ ухвалено на засіданні уряду."),
    ("uk", "parliament_vote",
     "Верховна Рада проголосувала за вихід із Конвенції про заборону протипіхотних мін",
     "За відповідний закон проголосували 300 депутатів."),
    ("uk", "signed_into_law",
     "Зеленський підписав закон про вихід з Оттавської конвенції",
     "Документ опубліковано на сайті парламенту."),
    ("uk", "notification",
     "Україна направила депозитарію ноту про вихід з Оттавської конвенції",
     "Повідомлення отримав генеральний секретар ООН."),
    ("uk", "entry_into_force",
     "Вихід Росії з Договору про відкрите небо набув чинності",
     "Росія більше не є учасницею угоди."),
    ("uk", "reversal",
     "ПАР відкликала повідомлення про вихід з Міжнародного кримінального суду",
     "Рішення ухвалено після вердикту суду."),
    # Turkish
    ("tr", "announcement",
     "Arjantin, Dünya Sağlık Örgütü'nden çekildiğini açıkladı",
     "Sözcü, pandemi sürecindeki görüş ayrılıklarına dikkat çekti."),
    ("tr", "suspension",
     "Rusya, Yeni START Antlaşması'na katılımını askıya aldı",
     "Moskova adımın geri alınabilir olduğunu söyledi."),
    ("tr", "government_decision",
     "Cumhurbaşkanı kararıyla Türkiye İstanbul Sözleşmesi'nden çekildi",
     "Karar gece yarısı duyuruldu."),
    ("tr", "parliament_vote",
     "Macaristan Meclisi, Uluslararası Ceza Mahkemesi'nden çekilme yasasını kabul etti",
     "Yasa 134 oyla kabul edildi."),
    ("tr", "signed_into_law",
     "Putin, Açık Semalar Antlaşması'ndan çekilme yasasını imzaladı",
     "Yasa Resmi Gazete'de yayımlandı."),
    ("tr", "notification",
     "Güney Afrika, Uluslararası Ceza Mahkemesi'nden çekilme kararını BM'ye bildirdi",
     "Bildirim BM Genel Sekreteri'ne iletildi."),
    ("tr", "entry_into_force",
     "Türkiye'nin İstanbul Sözleşmesi'nden çekilmesi yürürlüğe girdi",
     "Türkiye artık sözleşmenin tarafı değil."),
    ("tr", "reversal",
     "Güney Afrika, Uluslararası Ceza Mahkemesi'nden çekilme kararından vazgeçti",
     "Karar mahkeme kararının ardından geldi."),
    # Arabic
    ("ar", "announcement",
     "الأرجنتين تعلن انسحابها من منظمة الصحة العالمية",
     "قال المتحدث باسم الرئاسة إن الخلافات خلال الجائحة وراء القرار."),
    ("ar", "suspension",
     "روسيا تعلق مشاركتها في معاهدة ستارت الجديدة",
     "وقالت موسكو إن الخطوة قابلة للتراجع."),
    ("ar", "government_decision",
     "مجلس الوزراء يقرر انسحاب الدولة من منظمة أوبك",
     "واتخذ القرار في جلسة استثنائية."),
    ("ar", "parliament_vote",
     "البرلمان المجري يصوت على الانسحاب من المحكمة الجنائية الدولية",
     "وأيد القانون 134 نائبا."),
    ("ar", "signed_into_law",
     "بوتين يوقع قانون انسحاب روسيا من معاهدة الأجواء المفتوحة",
     "ونشر القانون في الجريدة الرسمية."),
    ("ar", "notification",
     "جنوب أفريقيا تخطر الأمم المتحدة بانسحابها من المحكمة الجنائية الدولية",
     "وتسلم الأمين العام الإخطار الرسمي."),
    ("ar", "entry_into_force",
     "انسحاب بوروندي من المحكمة الجنائية الدولية يدخل حيز التنفيذ",
     "ولم تعد بوروندي طرفا في نظام روما الأساسي."),
    ("ar", "reversal",
     "جنوب أفريقيا تتراجع عن الانسحاب من المحكمة الجنائية الدولية",
     "وجاء ذلك بعد حكم قضائي."),
    # Chinese
    ("zh", "announcement",
     "阿根廷宣布退出世界卫生组织",
     "总统发言人表示，双方在疫情期间存在分歧。"),
    ("zh", "suspension",
     "俄罗斯暂停参与《新削减战略武器条约》",
     "莫斯科表示这一措施是可逆的。"),
    ("zh", "government_decision",
     "日本内阁决定退出国际捕鲸委员会",
     "官房长官在记者会上说明了理由。"),
    ("zh", "parliament_vote",
     "匈牙利议会表决通过退出国际刑事法院",
     "法案以134票赞成获得通过。"),
    ("zh", "signed_into_law",
     "普京签署法律退出《开放天空条约》",
     "文件已在法律信息门户网站公布。"),
    ("zh", "notification",
     "南非向联合国秘书长递交退出国际刑事法院的书面通知",
     "通知已送达保存人。"),
    ("zh", "entry_into_force",
     "布隆迪退出国际刑事法院正式生效",
     "布隆迪不再是《罗马规约》缔约国。"),
    ("zh", "reversal",
     "南非撤回退出国际刑事法院的决定",
     "此前法院裁定该程序违宪。"),
    # Japanese
    ("ja", "announcement",
     "アルゼンチン、世界保健機関からの脱退を発表",
     "大統領報道官はパンデミック対応を巡る対立を理由に挙げた。"),
    ("ja", "suspension",
     "ロシア、新戦略兵器削減条約の履行を停止",
     "ロシア外務省は措置は撤回可能だとしている。"),
    ("ja", "government_decision",
     "政府、国際捕鯨委員会からの脱退を閣議決定",
     "官房長官が記者会見で明らかにした。"),
    ("ja", "parliament_vote",
     "ハンガリー議会、国際刑事裁判所からの脱退を可決",
     "賛成134、反対37だった。"),
    ("ja", "signed_into_law",
     "プーチン大統領、領空開放条約からの脱退法に署名",
     "法律は公布された。"),
    ("ja", "notification",
     "南アフリカ、国際刑事裁判所からの脱退を国連事務総長に通告",
     "通告は寄託者に届いた。"),
    ("ja", "entry_into_force",
     "ブルンジの国際刑事裁判所からの脱退が発効",
     "ブルンジはローマ規程の締約国ではなくなった。"),
    ("ja", "reversal",
     "南アフリカ、国際刑事裁判所からの脱退を撤回",
     "裁判所の判断を受けた措置だ。"),
]
# fmt: on


def test_every_step_is_written_in_fifteen_languages() -> None:
    steps = {step for _, step, *_ in STEPS}
    for language in {language for language, *_ in STEPS}:
        assert {step for lang, step, *_ in STEPS if lang == language} == steps
    assert len({language for language, *_ in STEPS}) >= 15


@pytest.mark.parametrize(("language", "step", "title", "summary"), STEPS)
def test_each_step_is_read_in_each_language(
    language: str, step: str, title: str, summary: str
) -> None:
    # the pack masks a sentence that reports a reversal (it is no withdrawal), so a report of
    # one only matches through another sentence; its step words are read all the same
    reading = _read(title, summary, must_match=step != "reversal")
    assert reading.step == step, (language, reading)
    assert reading.strong


# A step named for later: (language, the step named, headline, lead). The word is found, and
# dropped as prospective.
# fmt: off
PROSPECTIVE = [
    ("es", "entry_into_force",
     "Hungría notificó su retirada de la Corte Penal Internacional",
     "La salida de la Corte Penal Internacional se hará efectiva dentro de un año."),
    ("es", "parliament_vote",
     "Hungría dejará la Corte Penal Internacional",
     "El Parlamento votará la salida de la Corte Penal Internacional la próxima semana."),
    ("pt", "entry_into_force",
     "A saída da Hungria do Tribunal Penal Internacional passa a valer dentro de um ano",
     ""),
    ("it", "entry_into_force",
     "L'uscita dell'Ungheria dalla Corte penale internazionale diventa effettiva tra un anno",
     ""),
    ("fr", "entry_into_force",
     "Le retrait de la Hongrie de la Cour pénale internationale prendra effet dans un an",
     ""),
    ("de", "entry_into_force",
     "Ungarns Austritt aus dem Internationalen Strafgerichtshof wird in einem Jahr wirksam",
     ""),
    ("de", "parliament_vote",
     "Ungarn will aus dem Internationalen Strafgerichtshof austreten",
     "Das Parlament soll nächste Woche über den Austritt abstimmen."),
    ("nl", "entry_into_force",
     "Uittreding van Hongarije uit het Internationaal Strafhof wordt over een jaar van kracht",
     ""),
    ("sv", "entry_into_force",
     "Ungerns utträde ur Internationella brottmålsdomstolen träder i kraft om ett år",
     ""),
    ("pl", "entry_into_force",
     "Wystąpienie Polski z konwencji ottawskiej wejdzie w życie za sześć miesięcy",
     ""),
    ("cs", "entry_into_force",
     "Vystoupení Maďarska z Mezinárodního trestního soudu vstoupí v platnost za rok",
     ""),
    ("ru", "entry_into_force",
     "Выход России из Договора по открытому небу вступит в силу через шесть месяцев",
     ""),
    ("uk", "entry_into_force",
     "Вихід Угорщини з Міжнародного кримінального суду набуде чинності через рік",
     ""),
    ("tr", "entry_into_force",
     "Türkiye'nin İstanbul Sözleşmesi'nden çekilmesi 1 Temmuz'da yürürlüğe girecek",
     ""),
    ("ar", "entry_into_force",
     "انسحاب المجر من المحكمة الجنائية الدولية سيدخل حيز التنفيذ بعد عام",
     ""),
    ("zh", "entry_into_force",
     "匈牙利退出国际刑事法院将于一年后生效",
     ""),
    ("ja", "entry_into_force",
     "ハンガリーの国際刑事裁判所からの脱退、1年後に発効する見通し",
     ""),
]
# fmt: on


@pytest.mark.parametrize(("language", "step", "title", "summary"), PROSPECTIVE)
def test_a_step_announced_for_later_is_not_this_report(
    language: str, step: str, title: str, summary: str
) -> None:
    reading = _read(title, summary)
    assert step in reading.named, (language, reading)
    assert reading.step != step, (language, reading)


# The exit taking effect, then the same exit said to take effect later, in more languages:
# (language, it took effect, it will take effect).
# fmt: off
TAKING_EFFECT = [
    ("ro",
     "Retragerea Ungariei din Curtea Penală Internațională a intrat în vigoare",
     "Retragerea Ungariei din Curtea Penală Internațională va intra în vigoare peste un an"),
    ("el",
     "Η αποχώρηση της Ουγγαρίας από το Διεθνές Ποινικό Δικαστήριο τέθηκε σε ισχύ",
     "Η αποχώρηση της Ουγγαρίας από το Διεθνές Ποινικό Δικαστήριο τίθεται σε ισχύ σε έξι μήνες"),
    ("hu",
     "Hatályba lépett Magyarország kilépése a Nemzetközi Büntetőbíróságból",
     "Magyarország kilépése a Nemzetközi Büntetőbíróságból egy év múlva lép hatályba"),
    ("bg",
     "Излизането на Унгария от Международния наказателен съд влезе в сила",
     "Излизането на Унгария от Международния наказателен съд ще влезе в сила след една година"),
    ("hr",
     "Izlazak Mađarske iz Međunarodnog kaznenog suda stupio je na snagu",
     "Izlazak Mađarske iz Međunarodnog kaznenog suda stupit će na snagu za godinu dana"),
    ("sr",
     "Излазак Мађарске из Међународног кривичног суда ступио је на снагу",
     "Излазак Мађарске из Међународног кривичног суда ступиће на снагу за годину дана"),
    ("sk",
     "Vystúpenie Maďarska z Medzinárodného trestného súdu nadobudlo účinnosť",
     "Vystúpenie Maďarska z Medzinárodného trestného súdu nadobudne účinnosť o rok"),
    ("sl",
     "Izstop Madžarske iz Mednarodnega kazenskega sodišča je začel veljati",
     "Izstop Madžarske iz Mednarodnega kazenskega sodišča bo začel veljati čez eno leto"),
    ("fi",
     "Unkarin ero Kansainvälisestä rikostuomioistuimesta astui voimaan",
     "Unkarin ero Kansainvälisestä rikostuomioistuimesta tulee voimaan vuoden kuluttua"),
    ("et",
     "Ungari lahkumine Rahvusvahelisest Kriminaalkohtust jõustus",
     "Ungari lahkumine Rahvusvahelisest Kriminaalkohtust jõustub aasta pärast"),
    ("lv",
     "Ungārijas izstāšanās no Starptautiskās Krimināltiesas stājās spēkā",
     "Ungārijas izstāšanās no Starptautiskās Krimināltiesas stāsies spēkā pēc gada"),
    ("lt",
     "Vengrijos pasitraukimas iš Tarptautinio baudžiamojo teismo įsigaliojo",
     "Vengrijos pasitraukimas iš Tarptautinio baudžiamojo teismo įsigalios po metų"),
    ("da",
     "Ungarns udtræden af Den Internationale Straffedomstol trådte i kraft",
     "Ungarns udtræden af Den Internationale Straffedomstol træder i kraft om et år"),
    ("no",
     "Ungarns utmelding av Den internasjonale straffedomstolen trådte i kraft",
     "Ungarns utmelding av Den internasjonale straffedomstolen trer i kraft om ett år"),
    ("is",
     "Úrsögn Ungverjalands úr Alþjóðlega sakamáladómstólnum tók gildi",
     "Úrsögn Ungverjalands úr Alþjóðlega sakamáladómstólnum tekur gildi eftir eitt ár"),
    ("he",
     "פרישת הונגריה מבית הדין הפלילי הבינלאומי נכנסה לתוקף",
     "פרישת הונגריה מבית הדין הפלילי הבינלאומי תיכנס לתוקף בעוד שנה"),
    ("fa",
     "خروج مجارستان از دیوان کیفری بین‌المللی اجرایی شد",
     "خروج مجارستان از دیوان کیفری بین‌المللی یک سال دیگر نافذ خواهد شد"),
    ("hi",
     "हंगरी का अंतरराष्ट्रीय आपराधिक न्यायालय से हटने का फैसला प्रभावी हो गया",
     "हंगरी का अंतरराष्ट्रीय आपराधिक न्यायालय से हटने का फैसला एक साल बाद प्रभावी होगा"),
    ("ur",
     "ہنگری کی بین الاقوامی فوجداری عدالت سے علیحدگی نافذ ہو گئی",
     "ہنگری کی بین الاقوامی فوجداری عدالت سے علیحدگی ایک سال بعد نافذ ہو جائے گی"),
    ("id",
     "Penarikan diri Hungaria dari Mahkamah Pidana Internasional mulai berlaku",
     "Penarikan diri Hungaria dari Mahkamah Pidana Internasional akan mulai berlaku dalam satu "
     "tahun"),
    ("ms",
     "Penarikan diri Hungary daripada Mahkamah Jenayah Antarabangsa berkuat kuasa",
     "Penarikan diri Hungary daripada Mahkamah Jenayah Antarabangsa akan berkuat kuasa dalam "
     "tempoh setahun"),
    ("vi",
     "Việc Hungary rút khỏi Tòa án Hình sự Quốc tế có hiệu lực",
     "Việc Hungary rút khỏi Tòa án Hình sự Quốc tế sẽ có hiệu lực sau một năm"),
    ("ko",
     "헝가리의 국제형사재판소 탈퇴가 발효됐다",
     "헝가리의 국제형사재판소 탈퇴는 1년 후 발효될 예정이다"),
    ("sw",
     "Hungary imejiondoa rasmi kutoka Mahakama ya Kimataifa ya Uhalifu",
     "Uamuzi wa Hungary wa kujiondoa kutoka Mahakama ya Kimataifa ya Uhalifu itaanza kutumika "
     "baada ya mwaka mmoja"),
    ("ha",
     "Ficewar Hungary daga Kotun Hukunta Manyan Laifuka ta Duniya ta fara aiki",
     "Ficewar Hungary daga Kotun Hukunta Manyan Laifuka ta Duniya za ta fara aiki bayan shekara "
     "guda"),
    ("tl",
     "Epektibo na ang pag-alis ng Hungary sa International Criminal Court",
     "Magkakabisa ang pag-alis ng Hungary sa International Criminal Court makalipas ang isang "
     "taon"),
    ("az",
     "Macarıstanın Beynəlxalq Cinayət Məhkəməsindən çıxması qüvvəyə mindi",
     "Macarıstanın Beynəlxalq Cinayət Məhkəməsindən çıxması bir ildən sonra qüvvəyə minəcək"),
    ("kk",
     "Венгрияның Халықаралық қылмыстық соттан шығуы күшіне енді",
     "Венгрияның Халықаралық қылмыстық соттан шығуы бір жылдан кейін күшіне енеді"),
    ("ka",
     "უნგრეთის გასვლა რომის სტატუტიდან ძალაში შევიდა",
     "უნგრეთის გასვლა რომის სტატუტიდან ერთ წელიწადში ძალაში შევა"),
    ("hy",
     "Հունգարիայի դուրս գալը Միջազգային քրեական դատարանից ուժի մեջ մտավ",
     "Հունգարիայի դուրս գալը Միջազգային քրեական դատարանից մեկ տարի անց ուժի մեջ կմտնի"),
    ("be",
     "Выхад Венгрыі з Міжнароднага крымінальнага суда ўступіў у сілу",
     "Выхад Венгрыі з Міжнароднага крымінальнага суда ўступіць у сілу праз год"),
    ("mk",
     "Излегувањето на Унгарија од Меѓународниот кривичен суд стапи во сила",
     "Излегувањето на Унгарија од Меѓународниот кривичен суд ќе стапи во сила за една година"),
    ("sq",
     "Largimi i Hungarisë nga Gjykata Penale Ndërkombëtare hyri në fuqi",
     "Largimi i Hungarisë nga Gjykata Penale Ndërkombëtare do të hyjë në fuqi pas një viti"),
]
# fmt: on


@pytest.mark.parametrize(("language", "took_effect", "will_take_effect"), TAKING_EFFECT)
def test_taking_effect_now_and_later(
    language: str, took_effect: str, will_take_effect: str
) -> None:
    now = _read(took_effect)
    assert now.step == "entry_into_force", (language, now)
    later = _read(will_take_effect)
    assert "entry_into_force" in later.named, (language, later)
    assert later.step != "entry_into_force", (language, later)


@pytest.mark.parametrize(
    ("title", "summary", "step"),
    [
        # English "an" and the "an" of "Russian" are not the French "an" (a year), nor the
        # Tagalog "ay" the Turkish "ay" (a month): the notification is the report's step
        (
            "Latvia quits the Ottawa landmine convention",
            "Riga notified the UN Secretary-General of its withdrawal, citing the Russian threat.",
            "notification",
        ),
        (
            "Duterte: Pilipinas, kumalas na sa International Criminal Court",
            "Ang abiso ay ipinadala sa Kalihim-Heneral ng UN.",
            "notification",
        ),
        # a date's year is no span of years
        (
            "Россия вышла из Договора по открытому небу",
            "Россия направила депозитариям уведомление 18 декабря 2025 года.",
            "notification",
        ),
        # Italian "ma" (but) is not the Polish "ma" (is to)
        (
            "L'Ungheria lascia la Corte penale internazionale",
            "A Budapest si è votato, ma l'opposizione protesta.",
            "parliament_vote",
        ),
    ],
)
def test_a_word_of_one_language_does_not_misread_another(
    title: str, summary: str, step: str
) -> None:
    assert _read(title, summary).step == step


@pytest.mark.parametrize(
    "title",
    [
        "Russland widerruft die Ratifizierung des Atomteststopp-Vertrags",
        "Russia revokes its ratification of the nuclear test ban treaty",
        "Rusia revoca la ratificación del Tratado de Prohibición Completa de los Ensayos Nucleares",
    ],
)
def test_revoking_a_ratification_is_leaving_not_a_reversal(title: str) -> None:
    assert _read(title, must_match=False).step != "reversal"
