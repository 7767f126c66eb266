package normalize

// confusables folds letters that look like ASCII letters but are not
// changed by NFKC: Cyrillic and Greek lookalikes, Latin small capitals and
// a few others. Fullwidth forms, mathematical alphanumerics, circled and
// superscript letters are already folded by NFKC. Folding Cyrillic and
// Greek garbles genuine Russian or Greek text, which costs nothing here:
// the detector only needs to see Latin-script attacks that hide behind
// lookalikes.
var confusables = map[rune]byte{
	// Cyrillic lower case
	'а': 'a', 'в': 'b', 'е': 'e', 'ё': 'e', 'к': 'k', 'м': 'm', 'н': 'h', 'о': 'o',
	'р': 'p', 'с': 'c', 'т': 't', 'у': 'y', 'х': 'x', 'і': 'i', 'ї': 'i', 'ј': 'j',
	'ѕ': 's', 'ԁ': 'd', 'ԛ': 'q', 'ԝ': 'w', 'һ': 'h', 'ӏ': 'l', 'ɡ': 'g', 'ү': 'y',
	'ь': 'b', 'ѵ': 'v', 'ո': 'n', 'ս': 'u', 'օ': 'o', 'ց': 'g', 'զ': 'q',
	// Cyrillic upper case
	'А': 'a', 'В': 'b', 'Е': 'e', 'Ё': 'e', 'К': 'k', 'М': 'm', 'Н': 'h', 'О': 'o',
	'Р': 'p', 'С': 'c', 'Т': 't', 'У': 'y', 'Х': 'x', 'І': 'i', 'Ї': 'i', 'Ј': 'j',
	'Ѕ': 's', 'Ԁ': 'd', 'Ԛ': 'q', 'Ԝ': 'w', 'Һ': 'h', 'Ӏ': 'l', 'Ү': 'y', 'Ь': 'b',
	// Greek
	'α': 'a', 'β': 'b', 'γ': 'y', 'ε': 'e', 'ι': 'i', 'κ': 'k', 'ν': 'v', 'ο': 'o',
	'ρ': 'p', 'τ': 't', 'υ': 'u', 'χ': 'x', 'ω': 'w', 'ϲ': 'c', 'ϳ': 'j',
	'Α': 'a', 'Β': 'b', 'Ε': 'e', 'Ζ': 'z', 'Η': 'h', 'Ι': 'i', 'Κ': 'k', 'Μ': 'm',
	'Ν': 'n', 'Ο': 'o', 'Ρ': 'p', 'Τ': 't', 'Υ': 'y', 'Χ': 'x', 'Ϲ': 'c',
	// Latin lookalikes and small capitals
	'ı': 'i', 'ȷ': 'j', 'ɑ': 'a', 'ɩ': 'i', 'ʟ': 'l', 'ɪ': 'i', 'ɴ': 'n', 'ʀ': 'r',
	'ʏ': 'y', 'ᴀ': 'a', 'ʙ': 'b', 'ᴄ': 'c', 'ᴅ': 'd', 'ᴇ': 'e', 'ғ': 'f', 'ʜ': 'h',
	'ᴊ': 'j', 'ᴋ': 'k', 'ᴍ': 'm', 'ᴏ': 'o', 'ᴘ': 'p', 'ǫ': 'q', 'ꜱ': 's', 'ᴛ': 't',
	'ᴜ': 'u', 'ᴠ': 'v', 'ᴡ': 'w', 'ᴢ': 'z', 'ℊ': 'g', 'ø': 'o', 'Ø': 'o',
	// punctuation lookalikes
	'‐': '-', '‑': '-', '‒': '-', '–': '-', '—': '-', '−': '-', '‘': '\'', '’': '\'',
	'‚': ',', '“': '"', '”': '"', '„': '"', '«': '"', '»': '"', '‹': '<', '›': '>',
	'ǀ': '|', '∣': '|', '⁄': '/', '∕': '/', '꞉': ':', 'ː': ':', '։': ':', '׃': ':',
}

func confusable(r rune) (byte, bool) {
	b, ok := confusables[r]
	return b, ok
}
