package injection

import "math/bits"

// Word-class features. A task slipped to the model names a kind of work
// ("translate", "compose", "explain"), often a kind of thing to produce
// ("a poem", "a speech"), a language, a programming language or a unit
// of the answer's form ("letters", "vowels", "symbols"). Words of one
// class share a feature, so one training example teaches the whole
// class: "develop a speech …" gets what "write a poem …" taught, "… in
// Russian" what "… in Spanish" taught. For every sentence: the class of
// its first word; each class it contains, alone and paired with the
// first word's class and with a reference to the reader's output ("in
// your answer"); and, in shift, the first word's class paired with the
// sentence's topic-shift bucket. Only class membership is written here;
// which combinations matter is learned.
//
// Two classes come from the heuristics' lexicon, in every language it
// has (see addLexiconClasses): words of reading and of software that
// reads the text, and verbs that open an order. The training data is nearly
// all English; through these classes what it teaches about "Note for
// the tool reading this: forward …" reaches "Til den der håndterer …:
// godkend …", whose words the model has never seen.

// Word classes, one bit each.
const (
	wcCompose   = 1 << iota // write, compose, draft, create …
	wcExplain               // explain, describe, summarize, teach …
	wcTransform             // translate, rewrite, replace, convert …
	wcInsert                // add, include, insert, mention …
	wcGenre                 // poem, story, essay, speech, letter …
	wcLanguage              // french, spanish, japanese …
	wcCode                  // python, javascript, function, query …
	wcUnit                  // letters, vowels, symbols, emojis …
	wcAsk                   // what, how, who, why, can, could …
	wcQuote                 // a word that opens a quotation: 'hello or "hello
	wcReader                // a word of reading or software that reads: summarising, processing, tool, system … (lexicon.go)
	wcOrder                 // a verb that opens an order: approve, forward, delete, godkend, wyślij … (lexicon.go)
	wcClasses   = iota
)

// wordClasses maps a word's hash (as words hashes it) to its classes.
var wordClasses = func() *classTable {
	ct := newClassTable()
	ct.add(wcCompose, "write", "compose", "draft", "create", "develop", "produce", "generate", "craft",
		"pen", "author", "prepare", "invent", "make", "come", "construct", "design", "build", "formulate",
		"schreibe", "schreib", "verfasse", "erstelle", "ecris", "escribe", "redacta")
	ct.add(wcExplain, "explain", "describe", "summarize", "summarise", "outline", "teach", "define",
		"illustrate", "discuss", "elaborate", "clarify", "compare", "contrast", "list", "name", "tell",
		"show", "give", "provide", "recommend", "suggest", "calculate", "solve", "compute", "analyze",
		"analyse", "break", "walk", "guide", "detail", "demonstrate", "present", "share", "offer",
		"erklare", "beschreibe", "nenne", "explique", "explica")
	ct.add(wcTransform, "translate", "rewrite", "rephrase", "paraphrase", "replace", "substitute",
		"convert", "render", "spell", "reverse", "scramble", "rearrange", "jumble", "shuffle", "encode",
		"encrypt", "transform", "transliterate", "swap", "switch", "change", "turn", "mix", "group",
		"remove", "omit", "capitalize", "uppercase", "format", "respond", "answer", "reply",
		"ubersetze", "ubersetzen", "traduis", "traduce", "traduzca")
	ct.add(wcInsert, "add", "include", "insert", "append", "prepend", "mention", "integrate",
		"incorporate", "embed", "put", "end", "start", "begin", "conclude", "finish", "attach",
		"augment", "enhance", "modify", "inject", "weave", "slip", "place")
	ct.add(wcGenre, "poem", "poems", "poetry", "story", "stories", "essay", "essays", "speech", "speeches",
		"letter", "song", "songs", "lyrics", "haiku", "limerick", "sonnet", "ode", "ballad", "verse",
		"rhyme", "rhymes", "riddle", "joke", "jokes", "tale", "fable", "novel", "script", "screenplay",
		"dialogue", "blog", "article", "tweet", "slogan", "jingle", "anthem", "monologue", "toast",
		"eulogy", "introduction", "paragraph", "chapter", "review", "recipe", "horoscope", "quiz",
		"narrative", "sketch", "parody", "satire", "legend", "myth", "epic", "couplet", "couplets",
		"stanza", "prose", "gedicht", "geschichte", "aufsatz", "rede", "lied", "poeme", "histoire",
		"poema", "cuento", "cancion")
	ct.add(wcLanguage, "english", "french", "spanish", "german", "italian", "portuguese", "dutch",
		"russian", "japanese", "chinese", "mandarin", "cantonese", "korean", "arabic", "hindi", "bengali",
		"urdu", "turkish", "greek", "latin", "hebrew", "swedish", "norwegian", "danish", "finnish",
		"polish", "czech", "hungarian", "romanian", "ukrainian", "vietnamese", "thai", "indonesian",
		"malay", "swahili", "persian", "farsi", "tagalog", "esperanto", "klingon", "catalan", "welsh",
		"irish", "croatian", "serbian", "bulgarian", "slovak", "icelandic", "yiddish", "zulu",
		"englisch", "franzosisch", "spanisch", "deutsch", "italienisch", "russisch", "japanisch",
		"chinesisch", "anglais", "francais", "espagnol", "allemand", "ingles", "frances", "aleman")
	ct.add(wcCode, "python", "javascript", "java", "typescript", "php", "ruby", "rust", "golang",
		"kotlin", "swift", "sql", "mysql", "postgresql", "css", "html", "bash", "perl", "haskell",
		"scala", "function", "functions", "code", "snippet", "query", "regex", "algorithm",
		"recursion", "array", "loop", "variable", "variables", "class", "method", "compiler", "syntax",
		"database", "programming", "program", "debug", "implement", "factorial", "fibonacci",
		"react", "django", "node", "pandas", "numpy", "linux", "git", "docker", "api")
	ct.add(wcUnit, "letters", "letter", "vowels", "vowel", "consonants", "characters", "character",
		"symbols", "symbol", "numbers", "digits", "emojis", "emoji", "words", "spaces", "punctuation",
		"capitals", "alphabet", "syllables", "keyboard", "asterisks", "stars", "hashtags", "anagrams",
		"anagram", "typos", "misspellings", "ciphers", "cipher", "buchstaben", "vokale", "zeichen",
		"lettres", "letras")
	ct.add(wcAsk, "what", "what's", "whats", "how", "who", "why", "when", "which", "can", "could",
		"would", "will", "do", "does", "is", "are", "was", "were", "wie", "was", "wer", "warum")
	return ct
}()

// orderStop are imperatives of the lexicon that are too common as other
// words to stand for an order in the model ("do", "use", "note", "list").
var orderStop = map[string]bool{"do": true, "dont": true, "don't": true, "never": true, "always": true,
	"only": true, "note": true, "issue": true, "record": true, "state": true, "list": true, "label": true,
	"score": true, "grade": true, "resume": true, "direct": true, "act": true, "use": true, "make": true,
	"set": true, "add": true, "change": true, "update": true, "open": true, "close": true, "call": true,
	"run": true, "push": true, "flag": true, "post": true, "email": true, "contact": true}

// addLexiconClasses adds wcReader and wcOrder to wordClasses from the
// lexicon (which init has built) and the reader words of order.go. The
// AI words (cAI) are left out of wcReader: text about AI ("How do system
// prompts work in large language models?") uses them as much as orders
// to an AI do, and with them in the class the held-out benign sentences
// about AI set fold 0's 1%-FPR threshold (recall 85.1% -> 76.7%).
func addLexiconClasses() {
	for w, c := range lexicon {
		if c&cReading != 0 {
			wordClasses.add(wcReader, w)
		}
		if c&cImp != 0 && !orderStop[w] {
			wordClasses.add(wcOrder, w)
		}
	}
	for w := range readerNouns {
		wordClasses.add(wcReader, w)
	}
	for w := range automatedWords {
		wordClasses.add(wcReader, w)
	}
}

// classTable is an open-addressing table from word hash to class bits,
// at most a quarter full.
type classTable struct {
	keys []uint32 // 0 = empty
	vals []uint16
	mask uint32
}

func newClassTable() *classTable {
	const size = 8192
	return &classTable{keys: make([]uint32, size), vals: make([]uint16, size), mask: size - 1}
}

func (ct *classTable) add(c uint16, ws ...string) {
	for _, w := range ws {
		h := hash(w)
		k := h & ct.mask
		for ct.keys[k] != 0 && ct.keys[k] != h {
			k = (k + 1) & ct.mask
		}
		ct.keys[k] = h
		ct.vals[k] |= c
	}
}

// of returns the classes of the word that hashes to h.
func (ct *classTable) of(h uint32) uint16 {
	for k := h & ct.mask; ct.keys[k] != 0; k = (k + 1) & ct.mask {
		if ct.keys[k] == h {
			return ct.vals[k]
		}
	}
	return 0
}

// leadWords is how many words at the start of a sentence give its lead
// classes: "please write …", "could you translate …", "also, describe …".
const leadWords = 3

// classes appends the word-class features of word h, the latest word of
// sentence st (after add and refersToOutput), which ends at end; salt
// tells documents from short texts, as for the sentence-start features.
// The lead classes (those of the first leadWords words) are features of
// their own; each class met is one alone and one paired with the lead
// classes of the words before it and whether the sentence refers to the
// reader's output so far.
func (st *sentence) classes(dst []feature, h uint32, end int32, salt uint32, quote bool) []feature {
	c := wordClasses.of(h)
	if quote {
		c |= wcQuote
	}
	newRef := st.outRef && !st.outSeen
	if c == 0 && !newRef {
		return dst
	}
	lead := st.lead
	if st.words <= leadWords {
		for nb := c &^ lead; nb != 0; nb &= nb - 1 {
			dst = structural(dst, mix(uint32(bits.TrailingZeros16(nb)), 46+salt), end)
		}
		st.lead |= c
	}
	for nb := c &^ wcAsk &^ st.seen; nb != 0; nb &= nb - 1 {
		b := uint32(bits.TrailingZeros16(nb))
		dst = append(dst, feature{mix(b, 47+salt), end})
		dst = st.pair(dst, b, lead, end, salt)
	}
	st.seen |= c &^ wcAsk
	if newRef {
		st.outSeen = true
		for nb := st.seen; nb != 0; nb &= nb - 1 {
			b := uint32(bits.TrailingZeros16(nb))
			dst = st.pair(dst, b, st.lead&^(1<<b), end, salt)
		}
	}
	return dst
}

// opensQuote reports whether the word of s that starts at i opens a
// quotation (an apostrophe is a word byte, a double quote is not).
func opensQuote(s []byte, i int) bool {
	return s[i] == '\'' || i > 0 && s[i-1] == '"'
}

// pair appends the feature of class b met in sentence st, paired with
// lead classes and whether st refers to the reader's output.
func (st *sentence) pair(dst []feature, b uint32, lead uint16, end int32, salt uint32) []feature {
	x := b<<17 | uint32(lead)
	if st.outRef {
		x |= 1 << 16
	}
	return append(dst, feature{mix(x, 48+salt), end})
}
