package loadtest

import (
	"math/rand/v2"
	"strings"
)

// The seed text's vocabularies: word forms of Russian and English, most
// frequent first, from which messages draw words by Zipf's law. Function
// words lead; content words follow with their common inflected forms (the
// search index must match "сервер", "сервера" and "серверов" alike), the
// base forms ahead of the others. Written for Parley, roughly the talk of an
// office chat.

// Russian function words and frequent short words, in rough frequency order.
const ruFunction = `и в не на я что с он а как это по но к у из за так же от то все она мы вы ты бы мне его для
только было уже еще до или если ну да нет вот там тут когда где кто чем при о об без под над через после перед
между потом сейчас сегодня завтра вчера очень можно нужно надо тоже даже ли этот эта эти этого этой тот та те их
ее им нам вам тебе меня тебя нас вас себя свой своя свои мой моя мои твой наш ваш весь вся всех один одна два три
пять десять много мало больше меньше почему зачем какой какая какие который которая которые сам сама самый чтобы
потому поэтому спасибо пожалуйста привет коллеги ок хорошо ладно конечно просто вообще опять снова давно скоро
быстро медленно срочно важно понятно отлично нормально плохо вместе отдельно сразу позже раньше утром вечером днем
ночью всегда никогда иногда часто редко здесь туда сюда оттуда отсюда вроде кажется наверное точно примерно почти
около уже кстати например однако зато причем либо будет будут был была были есть нету могу может можем могут хочу
хочет хотим хотят буду будем давай давайте ага угу понял поняла принято согласен согласна готово сделано`

// Masculine nouns ending in a hard consonant: сервер, сервера, серверу,
// сервером, сервере, серверы, серверов.
const ruNounsMasc = `сервер файл чат отчет проект релиз тест клиент запрос ответ вопрос документ доступ код
интерфейс сайт портал сервис процесс результат план бюджет договор офис отдел менеджер инженер
дизайнер аналитик телефон ноутбук компьютер экран монитор принтер браузер лог архив диск каталог раздел пункт
шаг этап срок график праздник автобус самолет билет магазин ресторан торт фильм концерт заказ
контракт партнер продукт канал поток бот токен сертификат домен формат объект элемент параметр фильтр поиск индекс
запуск перезапуск коммит билд кластер контейнер образ инцидент алерт дашборд баг макет прототип спринт бэклог
стенд сценарий регламент приказ протокол семинар вебинар курс урок доклад слайд проектор микрофон
наушник звук текст шрифт стиль логотип баннер пост комментарий лайк опрос аккаунт профиль статус
рейтинг отзыв бонус штраф налог кредит депозит банк тариф лимит пакет модуль плагин драйвер`

// Feminine nouns ending in -а: команда, команды, команде, команду, командой.
const ruNounsFem = `команда группа работа система проблема ошибка программа минута сумма цена зарплата оплата
почта схема база кнопка папка ссылка картинка заявка поддержка настройка загрузка проверка сборка правка сделка
покупка погода машина дорога квартира комната школа книга музыка игра тема форма задержка нагрузка рассылка
подписка оценка доработка выгрузка разметка верстка заметка пометка метка отметка справка выписка карта фраза
строка колонка вкладка панель`

// Feminine nouns ending in -ия: версия, версии, версию, версией, версий.
const ruNounsIya = `версия функция информация компания ситуация операция категория история конференция презентация
документация миграция интеграция авторизация регистрация организация станция позиция сессия копия стратегия
технология лицензия инструкция транзакция`

// Neuter nouns ending in -ение: решение, решения, решению, решением, решении, решений, решениям.
const ruNounsEnie = `решение сообщение обновление приложение уведомление подключение изменение исправление значение
задание совещание предложение соединение описание название расписание обсуждение исследование тестирование
развертывание отображение хранение шифрование удаление создание редактирование сохранение восстановление
ограничение разрешение подтверждение приглашение мнение упражнение желание направление управление требование
выполнение`

// First-conjugation verbs in -ать: читать, читаю, читаешь, читает, читаем, читаете, читают, читал, читала, читали.
const ruVerbsAt = `читать делать знать думать работать отвечать понимать получать запускать загружать обсуждать
начинать решать слушать играть отдыхать помогать открывать закрывать скачивать показывать подключать отключать
рассказывать настраивать выполнять уточнять напоминать опаздывать собирать отправлять обновлять
исправлять добавлять удалять изменять проверять сохранять гулять`

// Verbs in -овать: тестировать, тестирую, тестируешь, тестирует, тестируем, тестируете, тестируют, тестировал…
const ruVerbsOvat = `тестировать планировать публиковать копировать редактировать использовать организовать
анализировать рекомендовать форматировать архивировать мигрировать фильтровать сортировать импортировать
экспортировать авторизовать интегрировать документировать мониторить`

// Second-conjugation verbs in -ить (the first person, with its consonant
// changes, left out): говорить, говорит, говорим, говорите, говорят, говорил, говорила, говорили.
const ruVerbsIt = `говорить звонить хранить чинить проверить обновить исправить добавить удалить изменить выполнить
починить отменить включить выключить сохранить пригласить объяснить оценить заменить решить оплатить
перезвонить напомнить поправить`

// Adjectives in -ый: новый, новая, новое, новые, нового, новой, новому, новым, новых, новую.
const ruAdjectives = `новый старый важный срочный нужный полный готовый первый быстрый медленный сложный удобный
понятный отличный обычный главный свободный занятый открытый закрытый личный публичный частный красивый
интересный скучный грустный веселый теплый холодный белый черный красный зеленый серый длинный верный правильный
безопасный опасный стабильный тестовый корпоративный мобильный серверный файловый текстовый квартальный
ежедневный еженедельный ежемесячный`

// English function words and frequent short words, in rough frequency order.
const enFunction = `the to and a of I you is it in that for we on this be with have are not can just do so
will it's at but if me my was there what they from all about our please thanks ok yes no your get let up out one
like know would think need now when then should could also here some any time today tomorrow yesterday morning
afternoon evening tonight week still again already maybe sure great good fine right sorry hi hello hey team guys
everyone anyone someone nothing something everything who how why where which because after before while until
since into over under than more most less very really much many few only even too well back soon later asap
done got going see look check go come make take give send let's i'm we're you're don't can't won't didn't isn't
it'll there's that's what's by as an or he she his her their them us these those been being had has did does
am were way new next last first other another same own each every both either neither`

// English nouns: the singular and the plural.
const enNouns = `server message chat file user team project meeting report task bug release build test update account
password channel group thread reply ticket issue request window screen phone laptop computer network link page
document table list note plan budget price order client customer manager developer designer engineer office room
desk call video picture photo question answer problem idea reason result point minute hour week month weekend
holiday trip car road city street house home school book letter word number system service product feature
version branch commit change database backup log error warning alert dashboard chart metric record field form
button menu icon theme color font layout style image sound voice camera microphone speaker headset keyboard mouse
printer cable router cloud disk folder archive contract invoice payment bank card deal partner vendor supplier
market sale goal step stage milestone deadline schedule calendar event invitation guest friend colleague boss
director lead intern student teacher doctor lunch dinner coffee tea pizza sandwich cake apple water game movie
song band concert slide deck draft comment review approval customer query index cluster node container image
pipeline job queue worker cache proxy token session cookie header endpoint request response timeout retry
incident outage fix patch hotfix sprint backlog story estimate demo prototype mockup sketch survey poll vote
badge label tag filter search result summary agenda minute memo policy rule license certificate domain address
region zone rack cabinet floor building parking train flight hotel taxi bus ticket visa passport`

// English regular verbs: the base, -s, -ed and -ing forms.
const enVerbs = `ask answer check fix test deploy update open close start finish help need want work call 
receive share review merge push pull install restart load save delete move change add remove look wait talk walk
play discuss agree explain follow join invite schedule cancel confirm approve reject report search filter sort
print copy paste click type upload download sign restore migrate monitor measure compare collect create
handle prepare present publish release reply mention notify remind book order charge refund deliver return
visit travel cook clean paint listen watch learn train support solve configure connect disconnect enable
disable block unblock assign close complete improve increase decrease count point mark archive export import
rename edit translate`

// English adjectives and adverbs, one form each.
const enOther = `new old important urgent ready quick slow simple hard easy nice clear small big large long short
high low free busy open closed private public secure safe stable broken empty full main final current previous
latest weekly daily monthly quarterly annual internal external mobile remote local global red green blue black
white happy sad cold warm late early quickly slowly probably actually basically finally usually always never
sometimes often together separately exactly almost nearly already yet`

// Vocabulary is a language's word forms, most frequent first.
type Vocabulary []string

var (
	vocabRU = buildRU()
	vocabEN = buildEN()
)

// VocabularyRU and VocabularyEN return the built-in vocabularies.
func VocabularyRU() Vocabulary { return vocabRU }
func VocabularyEN() Vocabulary { return vocabEN }

func buildRU() Vocabulary {
	var paradigms [][]string
	for _, w := range strings.Fields(ruNounsMasc) {
		pl, gen := "ы", "ов"
		if strings.ContainsAny(w[len(w)-2:], "гкх") {
			pl = "и"
		}
		if strings.HasSuffix(w, "й") { // сценарий, комментарий
			s := strings.TrimSuffix(w, "й")
			paradigms = append(paradigms, []string{w, s + "я", s + "ю", s + "ем", s + "и", s + "ев"})
			continue
		}
		if strings.HasSuffix(w, "ь") { // панель is feminine: handled below
			continue
		}
		paradigms = append(paradigms, []string{w, w + "а", w + "у", w + "ом", w + "е", w + pl, w + gen})
	}
	for _, w := range strings.Fields(ruNounsFem) {
		if strings.HasSuffix(w, "ь") { // панель, панели, панелью
			s := strings.TrimSuffix(w, "ь")
			paradigms = append(paradigms, []string{w, s + "и", s + "ью", s + "ей"})
			continue
		}
		s := strings.TrimSuffix(w, "а")
		pl := "ы"
		if strings.ContainsAny(s[len(s)-2:], "гкх") {
			pl = "и"
		}
		paradigms = append(paradigms, []string{w, s + pl, s + "е", s + "у", s + "ой"})
	}
	for _, w := range strings.Fields(ruNounsIya) {
		s := strings.TrimSuffix(w, "ия")
		paradigms = append(paradigms, []string{w, s + "ии", s + "ию", s + "ией", s + "ий"})
	}
	for _, w := range strings.Fields(ruNounsEnie) {
		s := strings.TrimSuffix(w, "ие")
		paradigms = append(paradigms, []string{w, s + "ия", s + "ию", s + "ием", s + "ии", s + "ий", s + "иям"})
	}
	for _, w := range strings.Fields(ruVerbsAt) {
		v := w[len(w)-len("ать"):][:2] // "а" or "я", as a two-byte rune
		s := strings.TrimSuffix(w, v+"ть")
		paradigms = append(paradigms, []string{w, s + v + "ю", s + v + "ешь", s + v + "ет", s + v + "ем", s + v + "ете",
			s + v + "ют", s + v + "л", s + v + "ла", s + v + "ли"})
	}
	for _, w := range strings.Fields(ruVerbsOvat) {
		if !strings.HasSuffix(w, "овать") { // мониторить conjugates like говорить
			s := strings.TrimSuffix(w, "ить")
			paradigms = append(paradigms, []string{w, s + "ит", s + "им", s + "ите", s + "ят", s + "ил", s + "ила", s + "или"})
			continue
		}
		s := strings.TrimSuffix(w, "овать")
		paradigms = append(paradigms, []string{w, s + "ую", s + "уешь", s + "ует", s + "уем", s + "уете", s + "уют",
			s + "овал", s + "овала", s + "овали"})
	}
	for _, w := range strings.Fields(ruVerbsIt) {
		s := strings.TrimSuffix(w, "ить")
		they := "ят"
		if strings.ContainsAny(s[len(s)-2:], "жшчщ") {
			they = "ат"
		}
		paradigms = append(paradigms, []string{w, s + "ит", s + "им", s + "ите", s + they, s + "ил", s + "ила", s + "или"})
	}
	for _, w := range strings.Fields(ruAdjectives) {
		s := strings.TrimSuffix(w, "ый")
		paradigms = append(paradigms, []string{w, s + "ая", s + "ое", s + "ые", s + "ого", s + "ой", s + "ому", s + "ым",
			s + "ых", s + "ую"})
	}
	return rank(strings.Fields(ruFunction), paradigms, 1)
}

func buildEN() Vocabulary {
	var paradigms [][]string
	for _, w := range strings.Fields(enNouns) {
		paradigms = append(paradigms, []string{w, enPlural(w)})
	}
	for _, w := range strings.Fields(enVerbs) {
		paradigms = append(paradigms, enVerbForms(w))
	}
	for _, w := range strings.Fields(enOther) {
		paradigms = append(paradigms, []string{w})
	}
	return rank(strings.Fields(enFunction), paradigms, 2)
}

func enPlural(w string) string {
	switch {
	case strings.HasSuffix(w, "s") || strings.HasSuffix(w, "x") || strings.HasSuffix(w, "ch") || strings.HasSuffix(w, "sh"):
		return w + "es"
	case strings.HasSuffix(w, "y") && !strings.ContainsAny(w[len(w)-2:len(w)-1], "aeiou"):
		return w[:len(w)-1] + "ies"
	}
	return w + "s"
}

func enVerbForms(w string) []string {
	switch {
	case strings.HasSuffix(w, "e"):
		return []string{w, w + "s", w + "d", w[:len(w)-1] + "ing"}
	case strings.HasSuffix(w, "y") && !strings.ContainsAny(w[len(w)-2:len(w)-1], "aeiou"):
		return []string{w, w[:len(w)-1] + "ies", w[:len(w)-1] + "ied", w + "ing"}
	case strings.HasSuffix(w, "sh") || strings.HasSuffix(w, "ch") || strings.HasSuffix(w, "x") || strings.HasSuffix(w, "s"):
		return []string{w, w + "es", w + "ed", w + "ing"}
	}
	return []string{w, w + "s", w + "ed", w + "ing"}
}

// rank puts the function words first, then the paradigms' first forms in a
// fixed shuffled order, then their second forms, and so on; a form met
// again keeps its first, higher rank.
func rank(function []string, paradigms [][]string, seed uint64) Vocabulary {
	seen := map[string]bool{}
	var out Vocabulary
	add := func(w string) {
		if !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
	}
	for _, w := range function {
		add(w)
	}
	r := rand.New(rand.NewPCG(seed, 0x9a41e))
	for form := 0; ; form++ {
		any := false
		order := r.Perm(len(paradigms))
		for _, i := range order {
			if form < len(paradigms[i]) {
				add(paradigms[i][form])
				any = true
			}
		}
		if !any {
			return out
		}
	}
}
