package injection

// Word classes for the heuristics; they share a uint32 with cLead and
// cAddr (heuristics.go), so there is no room for another. Words are matched after normalization
// (lower case, accents stripped: "führe" is "fuhre", "ß" is "ss").
const (
	cOverride  uint32 = 1 << iota // ignore, disregard, forget …
	cInstr                        // instructions, rules, prompt …
	cPrior                        // previous, above, all, your …
	cAll                          // everything, alles
	cReveal                       // reveal, print, show …
	cSecret                       // prompt, password, credentials …
	cOwn                          // your, initial, hidden … (whose secret)
	cSend                         // send, forward, upload …
	cSensitive                    // passwords, conversation, contacts …
	cYou                          // you, du
	cNow                          // now, jetzt
	cPretend                      // pretend, roleplay, imagine …
	cJail                         // jailbreak, unfiltered, dan …
	cAI                           // ai, assistant, llm …
	cTool                         // tool, function, shell …
	cExec                         // call, run, execute …
	cNew                          // new, neue, updated
	cAre                          // are, bist, sind
	cNo                           // no, without, ohne, keine
	cLimits                       // restrictions, filters, limits …
	cGreet                        // dear, hey, hello, attention …
	cAIv                          // ai, assistant, llm … (not "agent": estate agents get mail)
	cReading                      // reading, processing, summarizing …
	cThis                         // this, these, the
	cMsg                          // note, message, memo … (to someone; not "instructions for a model", which people write about)
	cForTo                        // for, to, an, fur
	cOutput                       // output, result, results, response …
	cPath                         // a path or file that holds secrets (~/.ssh, /etc/passwd, .env); see secretPath
	cPathVerb                     // read, cat, print, send … (what is done to a secret file)
	cImp                          // tell, reply, approve, delete … (a verb that opens an order)
)

// lexicon maps a word to its classes while init builds it; lexWords,
// made from it, is what the tokenizer reads.
var (
	lexicon  = map[string]uint32{}
	lexWords lexTable
)

func init() {
	add := func(c uint32, words ...string) {
		for _, w := range words {
			lexicon[w] |= c
		}
	}
	add(cOverride, "ignore", "ignoring", "ignored", "disregard", "disregarding", "forget", "forgetting",
		"skip", "override", "overrule", "bypass", "neglect", "abandon", "discard", "drop", "omit",
		"vergiss", "vergesse", "vergessen", "vergesst", "ignoriere", "ignorieren", "ignoriert", "missachte",
		"missachten", "ubergehe", "verwirf", "olvida", "ignora", "oublie", "ignorez", "oubliez",
		"ignorierst", "vergisst", "missachtest", "ignoras", "ignori", "negeer", "negeren", "zignoruj", "ignorera")
	add(cInstr, "instructions", "instruction", "directions", "directives", "directive", "rules",
		"guidelines", "prompt", "prompts", "constraints", "restrictions", "guardrails", "programming",
		"orders", "commands", "assignments", "assignment", "task", "tasks", "context", "policies",
		"anweisungen", "anweisung", "befehle", "regeln", "vorgaben", "aufgaben", "aufgabe", "instruktionen",
		"instrucciones", "consignes", "istruzioni",
		"instrucoes", "instructies", "instrukcje", "instruktioner", "instruccion", "instrucao",
		"istruzione", "instructie")
	add(cPrior, "previous", "prior", "above", "earlier", "preceding", "all", "any", "your", "system",
		"original", "initial", "former", "foregoing", "vorherigen", "vorherige", "bisherigen", "obigen",
		"alle", "deine", "ihre", "vorangegangenen", "fruheren", "todas", "anteriores", "precedenti", "toutes")
	add(cAll, "everything", "alles", "all", "todo", "tout")
	add(cReveal, "reveal", "print", "show", "display", "output", "repeat", "tell", "give", "leak", "dump",
		"write", "list", "return", "provide", "spell", "disclose", "expose", "recite", "zeige", "zeig",
		"gib", "verrate", "nenne", "wiederhole", "ausgeben", "schreibe", "offenbare")
	add(cSecret, "prompt", "prompts", "instructions", "password", "passwords", "secret", "secrets",
		"credentials", "key", "keys", "token", "tokens", "configuration", "passwort", "passworter",
		"geheimnis", "zugangsdaten", "anweisungen")
	add(cOwn, "your", "initial", "original", "hidden", "secret", "full", "entire", "complete",
		"verbatim", "exact", "deine", "deinen", "dein", "ihre", "ihren", "geheimen", "ursprunglichen")
	add(cSend, "send", "forward", "email", "mail", "upload", "post", "transmit", "exfiltrate", "leak",
		"copy", "submit", "deliver", "cc", "bcc", "schicke", "schick", "sende", "senden", "leite",
		"weiterleiten", "ubermittle", "lade", "forwarding", "sending", "uploading",
		"envoie", "envoyez", "transferez", "envia", "enviar", "reenvia", "reenviar", "manda", "invia", "inoltra",
		"inviare", "stuur", "verstuur", "doorsturen", "encaminhe", "envie", "wyslij", "przeslij", "skicka",
		"vidarebefordra")
	add(cSensitive, "passwords", "password", "credentials", "secrets", "keys", "key", "tokens", "token",
		"conversation", "history", "chat", "contacts", "inbox", "emails", "messages", "everything",
		"files", "documents", "report", "data", "prompt", "confidential", "private", "personal",
		"login", "logins", "cookies", "session", "financial", "finance", "ssh", "wallet", "passwort",
		"zugangsdaten", "daten", "dokumente", "verlauf",
		"contrasena", "contrasenas", "wachtwoord", "wachtwoorden", "senha", "senhas", "haslo", "hasla", "losenord",
		"credenciales", "identifiants", "credenziali", "payroll", "salaries", "salary", "salaris", "gehalter",
		"salarios", "nominas", "stipendi", "salaires")
	add(cYou, "you", "du", "you're", "youre")
	add(cNow, "now", "jetzt", "nun", "henceforth", "ahora", "maintenant")
	add(cPretend, "pretend", "roleplay", "imagine", "simulate", "impersonate", "emulate",
		"stell", "spiele", "spiel", "tu", "verhalte", "act", "behave")
	add(cJail, "jailbreak", "jailbroken", "jailbreaking", "dan", "unrestricted", "unfiltered", "uncensored",
		"unlocked", "godmode", "amoral", "unethical", "uneingeschrankt", "unzensiert")
	add(cAI, "ai", "assistant", "model", "llm", "chatbot", "gpt", "chatgpt", "agent", "bot", "ki",
		"claude", "copilot", "gemini", "assistent", "sprachmodell", "assistants", "models", "llms",
		"chatbots", "agents", "bots", "copilots", "assistenten", "summarizer", "summariser",
		"summarizers", "summarisers", "crawler", "crawlers", "scraper", "scrapers", "ia", "l'ia",
		"assistente", "asistente", "agente", "agentes", "agenti", "assistenti", "asistentes", "assistentes", "asystent")
	add(cTool, "tool", "tools", "function", "functions", "api", "command", "commands", "shell",
		"terminal", "script", "plugin", "browser", "endpoint", "webhook", "curl", "wget", "bash",
		"powershell", "werkzeug", "befehl")
	add(cExec, "call", "invoke", "run", "execute", "use", "trigger", "launch", "perform", "fuhre",
		"ausfuhren", "calling", "invoking", "running", "executing")
	add(cNew, "new", "neue", "neuen", "neues", "updated", "real", "actual", "true", "nueva", "nouvelles",
		"novas", "nuevas", "nuove", "nieuwe", "nouvelle", "nuovi", "nowe", "nya", "nuovo", "novo", "nuevo")
	add(cAre, "are", "is", "bist", "sind", "eres", "es")
	add(cNo, "no", "without", "ohne", "keine", "zero", "none", "free")
	add(cGreet, "dear", "hey", "hello", "hi", "attention", "achtung", "hallo", "liebe", "lieber", "greetings")
	add(cAIv, "ai", "assistant", "llm", "chatbot", "gpt", "chatgpt", "bot", "ki", "claude", "copilot",
		"gemini", "assistent", "sprachmodell", "model", "assistants", "chatbots", "llms", "bots", "copilots",
		"summarizer", "summariser", "summarizers", "summarisers", "ia", "l'ia",
		"assistente", "asistente", "assistenti", "asistentes", "asystent")
	add(cReading, "reading", "processing", "summarizing", "summarising", "parsing", "analyzing",
		"analysing", "handling", "reviewing", "scanning", "liest", "verarbeitet", "browsing",
		"crawling", "scraping", "indexing", "screening", "evaluating", "assessing", "grading",
		"triaging", "transcribing",
		"summarizes", "summarises", "triages", "lit", "lisent", "traite", "traitent", "riassumono", "riassume",
		"legge", "leggono", "lee", "leen", "leyendo", "procesa", "procesan", "procesando", "elabora", "elaborano",
		"lendo", "processa", "processam", "processando", "leest", "lezen", "verwerkt", "verwerken", "bearbeitet",
		"bearbeiten", "lesen", "zusammenfasst", "czyta", "przetwarza", "behandlar",
		"approving", "sorting", "ranking", "automating", "analizza", "analizzano", "analiza", "analizan",
		"analysiert", "sammanfattar", "sammanfattas", "analyseert", "samenvat",
		"summarise", "summarize", "translating", "assisting", "generating", "drafting", "analyses", "analyzes",
		"analyse", "traduit", "genere", "redige", "resuma", "resumiendo", "traduciendo", "analizando", "genera",
		"redacta", "riassumendo", "traducendo", "analizzando", "resumindo", "traduzindo", "analisando", "gerando",
		"ubersetzt", "auswertet", "vertaalt", "hanterar", "oversatter", "streszczasz", "streszcza", "tlumaczy",
		"zpracovava", "shrnuje", "cte", "isleyen")
	add(cThis, "this", "these", "the", "my", "our", "diese", "diesen", "dieses", "den", "die")
	add(cMsg, "note", "message", "memo", "reminder", "notice", "hinweis", "nachricht",
		"nota", "notas", "aviso", "avviso", "opmerking", "notitie", "uwaga", "anteckning", "ps", "p.s", "remarque",
		"bericht")
	add(cForTo, "for", "to", "fur", "an")
	add(cOutput, "output", "outputs", "result", "results", "response", "contents", "content", "ausgabe", "ergebnis")
	add(cPathVerb, "read", "cat", "print", "show", "display", "output", "dump", "reveal", "send", "upload",
		"post", "exfiltrate", "leak", "return", "include", "attach", "paste", "fetch", "access", "grab",
		"collect", "extract", "email", "forward", "list", "lies", "lese", "sende", "schicke", "zeige")
	add(cImp, "tell", "say", "write", "reply", "respond", "answer", "approve", "reject", "close",
		"delete", "remove", "erase", "wipe", "send", "forward", "book", "buy", "sell", "pay", "transfer",
		"wire", "accept", "share", "click", "visit", "open", "run", "execute", "call", "push", "install",
		"download", "include", "insert", "add", "append", "mention", "recommend", "rate", "rank",
		"report", "state", "describe", "ignore", "disregard", "forget", "list", "print", "reveal",
		"output", "return", "translate", "summarize", "summarise", "stop", "do", "make", "give", "mark",
		"grant", "disable", "enable", "copy", "paste", "post", "upload", "email", "contact", "change",
		"update", "use", "treat", "claim", "praise", "promote", "inform", "warn", "ask", "redirect",
		"navigate", "fetch", "retrieve", "extract", "collect", "hide", "never", "always", "only",
		"dont", "don't", "ensure", "confirm", "classify", "label", "flag", "skip", "act", "pretend",
		"antworte", "schreibe", "sende", "leite", "ignoriere", "vergiss", "lösche",
		"losche", "reponds", "ecris", "envoie", "oublie", "score", "grade", "assess", "evaluate", "consider",
		"choose", "select", "pick", "prioritize", "prioritise", "favor", "favour", "rewrite", "rephrase",
		"edit", "modify", "set", "configure", "deploy", "uberweise", "zahle", "schicke", "gib", "nenne",
		"sag", "sage", "frage", "ubersetze", "fasse", "loesche", "resume", "traduis", "transfere",
		"dis", "envoyez", "repondez", "record", "note", "issue", "refund", "shortlist", "direct",
		"indiquez", "indique", "ecrivez", "supprimez", "supprime", "transferez", "ajoutez", "ajoute", "dites",
		"signalez", "approuvez", "validez", "cliquez", "ouvrez", "payez", "virez", "recommandez", "mentionnez",
		"traduisez", "resumez", "effacez", "annulez", "acceptez", "reservez", "donnez", "communiquez", "copiez",
		"collez", "executez", "lancez", "dire", "ecrire", "envoyer", "indiquer", "mentionner", "inclure",
		"repondre", "indica", "escribe", "escriba", "borra", "borre", "elimina", "elimine", "envia", "reenvia",
		"responde", "responda", "busca", "busque", "anade", "agrega", "di", "diga", "aprueba", "apruebe", "paga",
		"transfiere", "recomienda", "menciona", "traduce", "olvida", "deja", "cancela", "acepta", "reserva",
		"copia", "pega", "ejecuta", "abre", "haz", "marca", "reembolsa", "cambia", "crea", "decir", "escribir",
		"enviar", "indicar", "mencionar", "incluir", "responder", "scrivete", "scrivi", "indicate", "cancella",
		"invia", "inoltra", "rispondi", "rispondete", "aggiungi", "dite", "approva", "trasferisci", "raccomanda",
		"consiglia", "menziona", "traduci", "riassumi", "ignora", "dimentica", "accetta", "prenota", "esegui",
		"apri", "imposta", "disattiva", "attiva", "segna", "rimborsa", "scrivere", "inviare", "indicare",
		"menzionare", "includere", "rispondere", "escreva", "apague", "exclua", "envie", "encaminhe", "adicione",
		"aprove", "pague", "transfira", "recomende", "mencione", "traduza", "resuma", "esqueca", "aceite", "copie",
		"abra", "crie", "defina", "desative", "marque", "altere", "mude", "informe", "stuur", "verstuur",
		"schrijf", "verwijder", "antwoord", "beantwoord", "voeg", "zeg", "keur", "betaal", "vertaal", "negeer",
		"vergeet", "accepteer", "boek", "kopieer", "voer", "zet", "markeer", "wijzig", "meld", "zeggen",
		"schrijven", "sturen", "vermelden", "loschen", "erstatte", "markiere", "melde", "melden", "genehmige",
		"bezahle", "empfehle", "erwahne", "fuge", "trage", "setze", "deaktiviere", "aktiviere", "erstelle",
		"offne", "klicke", "akzeptiere", "buche", "kopiere", "teile", "storniere", "usun", "napisz", "odpowiedz",
		"zatwierdz", "zaplac", "przelej", "dodaj", "powiedz", "zignoruj", "zapomnij", "skopiuj", "zmien", "utworz",
		"radera", "skriv", "svara", "godkann", "betala", "overfor", "lagg", "ignorera", "glom", "kopiera", "skapa",
		"vermeld", "apaga", "dm", "switch", "riporta", "namn", "chiedi", "pregunta", "demande", "demandez",
		"bloqueia", "bloquea", "blocca", "rsvp", "schedule", "unsubscribe", "merge", "render", "skicka", "afferma",
		"uvedte", "pomin", "acknowledge", "resolve", "sconsiglia", "zaakceptuj", "proveri")
	add(cLimits, "restrictions", "filters", "filter", "limits", "limitations", "rules", "censorship",
		"guidelines", "boundaries", "ethics", "morals", "einschrankungen", "regeln", "grenzen", "filtern")
	addIntl(add)
	markLeads()
	lexWords = newLexTable(lexicon)
	addLexiconClasses()
}
