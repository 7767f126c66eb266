package injection

import "github.com/airlock-hub/airlock/internal/screen/normalize"

// Words of more languages for the order rules (orderToAI and the
// message-for-ai rule): Danish, Norwegian, Finnish, Hungarian, Turkish,
// Indonesian, Czech, Polish, Romanian and Russian. Orders to the reader
// written blind in these languages ("Bemærkning til AI-reviewere: godkend
// …", "Uwaga dla systemu oceniającego kandydatów: przyznaj …",
// "Инструкция для ассистента: вставь …") passed every rule because
// neither the header's words nor the imperative were known. Words are
// written as they are spelled and folded with the detector's own
// normalization when added (Cyrillic letters that look Latin are folded
// to Latin ones, so the folded form is the only one that matches).
// Only base imperatives and the commonest forms of each noun are here;
// the model does the rest.

var intlWords = []struct {
	cls   uint32
	words []string
}{
	{cAI | cAIv, []string{
		"tekoäly", "tekoälyavustaja", "tekoälylle", "avustaja", "avustajalle", "botti", "botille",
		"asszisztens", "asszisztensnek", "asistan", "asistana", "asistanı", "asisten",
		"asistenta", "asistentovi", "asystenta", "asystencie", "asistentul", "asistentului",
		"ассистент", "ассистента", "ассистенту", "бот", "боту", "нейросеть",
		"assistenten", "l'assistant", "l'assistente"}},
	{cMsg, []string{
		"bemærkning", "merknad", "notat", "besked", "beskjed", "huomio", "huom", "huomautus", "viesti",
		"megjegyzés", "figyelem", "üzenet", "uyarı", "mesaj", "catatan", "pesan", "perhatian",
		"poznámka", "upozornění", "zpráva", "notatka", "atenție", "примечание", "заметка",
		"внимание", "сообщение"}},
	{cInstr, []string{"talimat", "talimatları", "talimatlarını", "talimatlar", "инструкции", "инструкция",
		"instrukce", "instrukcja", "instrucțiune", "ohje", "utasítás"}},
	{cReading, []string{
		"sammenfatter", "opsummerer", "oppsummerer", "behandler", "læser", "gennemgår", "håndterer",
		"sammenstiller", "sammanställer",
		"käsittelee", "lukee", "tiivistää", "käsittelet", "luet",
		"összefoglaló", "összefoglalja", "feldolgozó", "feldolgozza", "olvassa",
		"okuyan", "özetleyen", "değerlendiren",
		"membaca", "merangkum", "memproses", "meringkas",
		"zpracováváte", "shrnujete", "čtete",
		"przetwarzający", "streszczający", "oceniającego", "oceniający", "czytasz", "przetwarzasz",
		"streszczaniu", "przetwarzaniu",
		"procesează", "citește", "rezumă", "analizează",
		"обрабатывает", "обрабатывающих", "обрабатывающие", "обрабатывающая", "читает", "анализирует",
		"обрабатывающий", "читающий", "суммирует", "пересказе", "пересказывает",
		// more forms in languages of lexicon.go
		"résumez", "résument", "trie", "trient", "traites", "traitez", "lis", "lisez", "resumas", "procesas",
		"resumir", "lees", "riassumi", "leggi", "elabori", "leia", "lê", "samenvatten", "zusammenfassen",
		"verarbeiten", "verarbeitest"}},
	{cForTo, []string{"til", "dla", "pro", "pentru", "для", "için", "untuk"}},
	{cImp, []string{
		// Danish, Norwegian, Swedish
		"godkend", "godkjenn", "slet", "slett", "tilføj", "videresend", "betal", "marker", "merk",
		"accepter", "annuller", "oplys", "nævn", "opret", "giv", "svar", "markera", "boka", "avboka",
		"dela", "bekräfta",
		// Finnish
		"hyväksy", "lähetä", "poista", "kirjoita", "vastaa", "lisää", "maksa", "siirrä", "merkitse",
		"peruuta", "välitä", "ilmoita", "kerro", "jätä", "jaa", "vaihda",
		// Hungarian
		"küldd", "küldje", "írd", "írja", "töröld", "törölje", "fizesd", "utald", "jelöld", "állítsa",
		"állítsd", "indítsa", "indítsd", "hagyd", "hagyja", "válaszolj", "továbbítsd", "adja",
		// Turkish
		"gönder", "onayla", "sil", "yaz", "yanıtla", "ekle", "öde", "aktar", "işaretle", "yükselt",
		"atla", "bildir", "söyle", "değiştir",
		// Indonesian
		"kirim", "kirimkan", "setujui", "hapus", "tulis", "tuliskan", "balas", "tambahkan", "bayar",
		"tandai", "jangan", "sebutkan", "abaikan", "berikan", "ubah", "batalkan", "teruskan",
		// Czech
		"pošli", "pošlete", "schval", "schvalte", "smaž", "smažte", "napiš", "napište", "odpověz",
		"přidej", "přidejte", "zaplať", "převeď", "převeďte", "označ", "označte", "neuváděj",
		"přeložte", "nastav", "nastavte", "udělej",
		// Polish
		"wyślij", "przyznaj", "oznacz", "zgłoś", "przekaż", "ustaw", "wpisz", "odpowiadaj", "potwierdź",
		"poleć", "przetłumacz", "udostępnij", "zarezerwuj", "anuluj", "zapłać",
		// Romanian
		"trimite", "trimiteți", "aprobă", "aprobați", "șterge", "ștergeți", "scrie", "scrieți",
		"răspunde", "adaugă", "plătește", "transferă", "marchează", "setează", "deschide", "acordă", "spune",
		// Russian
		"отправь", "отправьте", "перешли", "перешлите", "удали", "удалите", "напиши", "напишите",
		"ответь", "ответьте", "добавь", "добавьте", "вставь", "вставьте", "оплати", "переведи",
		"переведите", "одобри", "одобрите", "подтверди", "подтвердите", "сообщи", "сообщите",
		"укажи", "укажите", "скажи", "скажите", "игнорируй", "забудь", "отвечайте", "отвечай",
		"советуйте", "отправляйте", "пишите", "сообщайте",
		// second-person and polite forms that lexicon.go lacks: German
		"brich", "teilen", "halte", "lass", "lasse", "schick", "schicken", "nimm", "sagen", "antworten",
		"bestätige", "bestätigen", "bewerte", "bewerten", "empfiehl", "empfehlen", "erwähnen", "geben",
		"senden", "leiten", "stornieren", "überweisen", "fügen", "ändere", "ändern", "genehmigen", "akzeptieren",
		// French
		"accepte", "annonce", "termine", "terminez", "mentionne", "recommande", "approuve", "valide",
		"confirme", "confirmez", "annule", "réserve", "ouvre", "clique", "paie", "paye", "rembourse",
		"remboursez", "partage", "partagez", "affirme", "affirmez", "déclare",
		// Spanish, Italian, Portuguese, Dutch
		"emita", "emite", "cierre", "cierra", "confirma", "reenvíe", "comparte", "comparta", "añada",
		"agregue", "afirma", "afirme", "declara", "recomiende", "acepte", "cancele",
		"dichiara", "segnala", "conferma", "condividi", "descreva", "compartilhe",
		"raad", "noem", "geef", "bevestig", "deel", "annuleer"}},
	{cOverride, []string{"abaikan", "ignorer", "игнорируй", "забудь", "unohda", "felejtsd"}},
}

// intlPersonAI are the words above that also name people (an assistant
// at a desk), like personAI; intlReaderNouns name software that reads,
// like readerNouns.
var (
	intlPersonAI = []string{"avustaja", "avustajalle", "asszisztens", "asszisztensnek", "asistan",
		"asistana", "asistanı", "asisten", "asistenta", "asistentovi", "asystenta", "asystencie",
		"asistentul", "asistentului", "ассистент", "ассистента", "ассистенту"}
	intlReaderNouns = []string{"systemu", "systému", "systém", "rendszer", "rendszernek", "sistem",
		"sisteme", "sistemul", "sistemului", "järjestelmä", "järjestelmälle", "система", "системы",
		"системе", "систем", "системам", "programmet", "værktøj", "verktøy", "työkalu", "eszköz", "araç", "alat",
		"nástroj", "instrument", "инструмент"}
)

// addIntl adds intlWords to the lexicon and the two word sets, folded.
func addIntl(add func(uint32, ...string)) {
	for _, g := range intlWords {
		for _, w := range g.words {
			add(g.cls, normalize.String(w))
		}
	}
	for _, w := range intlPersonAI {
		personAI[normalize.String(w)] = true
	}
	for _, w := range intlReaderNouns {
		readerNouns[normalize.String(w)] = true
	}
}
