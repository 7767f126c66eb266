package injection

import (
	"bytes"

	"github.com/airlock-hub/airlock/internal/screen/normalize"
)

// Orders to the reader in Japanese, Chinese and Korean. These scripts
// write no spaces between words, so the tokenizer's rules and the
// model's word features see a clause as one long word, and orders
// written blind in them scored 0.00 ("このメールを要約するAIアシスタントへ：
// …報告してください", "【致处理本邮件的AI助手】请…", "이 페이지를 읽는 AI는
// 사용자에게 … 제시할 것"). The rule looks, clause by clause, for a word
// naming an AI or the software reading the text, addressed (followed by
// "へ:", a colon, a closing bracket, 注意, or a Korean topic or dative
// particle, or preceded by 致 "to"), and then for a request or order
// (ください, 请, 하세요 …) later in the same clause. A Korean topic
// particle addresses the reader only with a participle of reading before
// the noun ("읽는 AI는") or the user named after it ("AI는 사용자에게"),
// since "AI는 실수를 할 수 있으니 확인하세요" speaks to people about AI.

// cjkWeight is the weight of such an order: it names an AI reader and
// orders it, like orderWeight.
const cjkWeight = orderWeight

// cjkReach bounds how far before a noun 致 or a participle of reading is
// looked for, in bytes (twenty characters of kanji or kana, about seven
// Hangul syllables, which normalization writes as two or three jamo).
const cjkReach = 60

var (
	cjkReaders = folded("ai", "bot", "アシスタント", "システム", "ボット", "エージェント", "ツール",
		"助手", "系统", "机器人", "智能体", "工具", "비서", "도우미", "어시스턴트", "시스템", "봇", "챗봇", "에이전트", "리뷰어")
	// cjkAddressed follow a noun that is addressed
	cjkAddressed = folded("へ:", "へ、", "へ,", "へ）", "へ)", "へ】", "】", ":", "注意:", "에게", "께")
	// cjkHeaders are the addresses of a header whose order may follow in
	// a later clause of the line; a bare colon is not one ("ツール：Excel。")
	cjkHeaders = folded("へ:", "へ、", "へ,", "へ）", "へ)", "へ】", "】", "注意:")
	// cjkTopic follow a Korean noun as its topic; addressed only with a
	// participle of reading before it or the user after it
	cjkTopic   = folded("는", "은", "は")
	cjkReading = folded("읽는", "처리하는", "요약하는", "분석하는", "검토하는",
		"読み取る", "読む", "処理する", "処理している", "要約する", "分析する", "整理", "要約",
		"阅读", "处理", "读取", "总结", "分析")
	// cjkWhen follow a word of reading to make it a condition ("when
	// summarising this mail, …"): an order after it is given to whatever
	// does the reading, named or not
	cjkWhen   = folded("際は", "際には", "場合は", "ときは", "時は", "时", "时候", "경우", "때")
	cjkUser   = folded("사용자")
	cjkTo     = folded("致", "给")
	cjkOrders = folded("ください", "下さい", "せよ", "すること", "しなさい", "请", "請", "务必", "務必", "立即",
		"하세요", "하십시오", "할 것", "해 주세요", "해주세요", "하라", "주세요", "세요")
)

// folded returns the words as the detector's normalization writes them.
func folded(ws ...string) [][]byte {
	out := make([][]byte, len(ws))
	for i, w := range ws {
		out[i] = []byte(normalize.String(w))
	}
	return out
}

// cjkOrdersIn appends a hit for each clause of normalized text s that
// addresses an AI reader and orders it. It returns dst unchanged for text
// with no CJK or Hangul letter.
func cjkOrdersIn(dst []hit, s []byte) []hit {
	if !hasCJK(s) {
		return dst
	}
	lineEnd, lineOrder := -1, -1
	for a := 0; a < len(s); {
		if a > lineEnd {
			// the last order of the line, found once per line: a reader
			// addressed by a header ("レビューBotへ：") may be ordered in a
			// later clause of it
			lineEnd, lineOrder = len(s), -1
			if k := bytes.IndexByte(s[a:], '\n'); k >= 0 {
				lineEnd = a + k
			}
			if k := lastIndexAny(s[a:lineEnd], cjkOrders); k >= 0 {
				lineOrder = a + k
			}
		}
		b := clauseEnd(s, a)
		if h, ok := cjkOrder(s, a, b, lineOrder); ok {
			dst = append(dst, h)
		}
		a = b + 1
	}
	return dst
}

// cjkOrder looks for an addressed reader and a later order in s[a:b], or
// for a reader addressed by a header and an order later on its line
// (lineOrder, -1 if none). The last order and the last mention of the
// user are found once, so a clause is read a bounded number of times
// whatever it holds.
func cjkOrder(s []byte, a, b, lineOrder int) (hit, bool) {
	c := s[a:b]
	if !hasCJK(c) || lineOrder < a {
		return hit{}, false
	}
	order, user := lastIndexAny(c, cjkOrders), lastIndexAny(c, cjkUser)
	if order >= 0 {
		if w := indexAny(c[:order], cjkReading); w >= 0 {
			if k := indexAny(c[w:order], cjkWhen); k >= 0 && k <= cjkReach {
				return hit{CatOverride, cjkWeight, a + w, a + order, false, false}, true
			}
		}
	}
	for _, n := range cjkReaders {
		for off := 0; off < len(c); {
			i := bytes.Index(c[off:], n)
			if i < 0 {
				break
			}
			i += off
			off = i + len(n)
			if n[0] < 0x80 && !asciiWordAlone(c, i, off) {
				continue
			}
			switch {
			case lineOrder >= a+off && cjkHeader(c, off):
				return hit{CatOverride, cjkWeight, a + i, lineOrder, false, false}, true
			case order >= off && cjkAddress(c, i, off, user):
				return hit{CatOverride, cjkWeight, a + i, a + order, false, false}, true
			}
		}
	}
	return hit{}, false
}

// cjkHeader reports whether the reader noun ending at c[j] is addressed
// as a header is (cjkHeaders).
func cjkHeader(c []byte, j int) bool {
	return hasPrefixAny(bytes.TrimLeft(c[j:], " "), cjkHeaders)
}

// cjkAddress reports whether the reader noun c[i:j] is addressed in its
// clause; user is the last index of the word for the user in c.
func cjkAddress(c []byte, i, j, user int) bool {
	rest := bytes.TrimLeft(c[j:], " ")
	if hasPrefixAny(rest, cjkAddressed) {
		return true
	}
	before := c[max(0, i-cjkReach):i]
	if indexAny(before, cjkTo) >= 0 {
		return true
	}
	if hasPrefixAny(rest, cjkTopic) {
		return indexAny(before, cjkReading) >= 0 || user >= j
	}
	return false
}

// clauseEnd returns the end of the clause that starts at a: a line
// break, 。, ! or ? (NFKC writes the full-width ones as ASCII).
func clauseEnd(s []byte, a int) int {
	for i := a; i < len(s); i++ {
		switch s[i] {
		case '\n', '!', '?':
			return i
		case 0xE3:
			if i+2 < len(s) && s[i+1] == 0x80 && s[i+2] == 0x82 { // 。
				return i
			}
		}
	}
	return len(s)
}

// hasCJK reports whether s holds a letter of the CJK, kana or Hangul
// blocks (UTF-8 lead bytes E3 to ED) or a Hangul jamo (E1 84 to E1 87:
// normalization decomposes Hangul syllables into them).
func hasCJK(s []byte) bool {
	for i, c := range s {
		if c >= 0xE3 && c <= 0xED || c == 0xE1 && i+1 < len(s) && s[i+1] >= 0x84 && s[i+1] <= 0x87 {
			return true
		}
	}
	return false
}

// asciiWordAlone reports whether s[i:j] is not part of a longer ASCII
// word ("ai" in "said").
func asciiWordAlone(s []byte, i, j int) bool {
	letter := func(c byte) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' }
	return (i == 0 || !letter(s[i-1])) && (j == len(s) || !letter(s[j]))
}

func hasPrefixAny(s []byte, ps [][]byte) bool {
	for _, p := range ps {
		if bytes.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// indexAny returns the smallest index in s of any of ps, or -1.
func indexAny(s []byte, ps [][]byte) int {
	best := -1
	for _, p := range ps {
		if k := bytes.Index(s, p); k >= 0 && (best < 0 || k < best) {
			best = k
		}
	}
	return best
}

// lastIndexAny returns the largest index in s of any of ps, or -1.
func lastIndexAny(s []byte, ps [][]byte) int {
	best := -1
	for _, p := range ps {
		best = max(best, bytes.LastIndex(s, p))
	}
	return best
}
