package injection

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// Generated tool output with prose and links: search results, issue and
// pull-request lists, product listings, calendar events, feeds, bookmark
// lists and bare URLs, as JSON, YAML, CSV and Markdown. The machine
// content of machine.go has no URLs and no sentences, and the positives
// of that group carry their attack in a "description" or "note" field, so
// without these the model learned that a URL, or a sentence in a JSON
// field, is a sign of an attack: `{"url": "https://example.org/x"}` alone
// scored 0.84. Training uses them as negatives (group synth-record).

// recordGens are the kinds of record, one generator each.
var recordGens = []func(*rand.Rand) string{
	genSearchResults, genIssueList, genProducts, genEvent, genFeed, genLinks, genURLs, genRecordYAML, genRecordCSV,
	genAnswer,
}

// recordNegatives is how many generated records training gets as negatives.
const recordNegatives = 400

// record returns one generated record.
func record(rng *rand.Rand) string { return recordGens[rng.IntN(len(recordGens))](rng) }

var (
	recHosts = []string{"example.org", "docs.example.com", "netbench.example.net", "shop.example.co.uk", "news.example.de",
		"github.com", "gitlab.example.io", "blog.example.fr", "wiki.example.org", "status.example.com", "cdn.example.net", "api.example.dev"}
	recPaths = []string{"wg-vs-ovpn", "guides/setup", "releases/v2.4.0", "pull/318", "issues/77", "products/skillet-28",
		"2026/03/pricing-update", "docs/api/auth", "search?q=heat+pump", "en/help/returns", "events/4471", "feed.xml", "a/b/blob/main/README.md"}
	recTopics = []string{"heat pumps", "VPN protocols", "sourdough starters", "Kubernetes upgrades", "bike lanes", "cast iron pans",
		"train fares", "solar panels", "password managers", "espresso grinders", "rust compilers", "city budgets", "hiking boots", "SQLite WAL mode"}
	recSnippets = []string{
		"A hands-on comparison of %s, updated monthly.",
		"Our test of %s: what worked, what did not, and what it costs.",
		"Everything you need to know about %s before you buy.",
		"Step-by-step guide to %s for beginners.",
		"Independent review of 12 %s, with measurements.",
		"The council discussed %s at last night's meeting.",
		"Read our FAQ on %s or contact support.",
		"Release notes: fixes for %s and faster start-up.",
		"Please reply if you have questions about %s.",
		"Click the link to read the full article on %s.",
		"Note: prices for %s include VAT.",
		"Tip: compare %s by total cost, not by the sticker price.",
		"Summary of the forum thread on %s.",
	}
	recTitles = []string{"%s: the 2026 guide", "Best %s compared", "Why %s matter", "How to choose %s", "%s explained",
		"Fix: %s not working after update", "Ask HN: experiences with %s?", "%s — price drop"}
	recUsers  = []string{"mkovacs", "ana-p", "dev-ops-helper", "jlee", "renovate[bot]", "dependabot[bot]", "s.ito", "priya"}
	recStates = []string{"open", "closed", "merged", "draft"}
)

func recURL(rng *rand.Rand) string {
	u := pick(rng, "https://", "https://", "http://") + pick(rng, recHosts...) + "/" + pick(rng, recPaths...)
	if rng.IntN(4) == 0 {
		sep := "?"
		if strings.Contains(u, "?") {
			sep = "&"
		}
		u += fmt.Sprintf("%sutm_source=%s&id=%d", sep, pick(rng, "mail", "feed", "search"), rng.IntN(100000))
	}
	return u
}

func recText(rng *rand.Rand, forms []string) string {
	return fmt.Sprintf(pick(rng, forms...), pick(rng, recTopics...))
}

// jsonStr quotes s as a JSON string (the generated texts hold no
// characters that need more than this).
func jsonStr(s string) string { return `"` + strings.ReplaceAll(s, `"`, `\"`) + `"` }

func genSearchResults(rng *rand.Rand) string {
	var items []string
	for range 1 + rng.IntN(5) {
		items = append(items, fmt.Sprintf(`{"title": %s, "url": %s, "snippet": %s}`,
			jsonStr(recText(rng, recTitles)), jsonStr(recURL(rng)), jsonStr(recText(rng, recSnippets))))
	}
	return fmt.Sprintf(`{"query": %s, "results": [%s]}`, jsonStr(pick(rng, recTopics...)), strings.Join(items, ",\n "))
}

func genIssueList(rng *rand.Rand) string {
	var items []string
	for range 1 + rng.IntN(4) {
		n := 1 + rng.IntN(9000)
		items = append(items, fmt.Sprintf(`{"number": %d, "title": %s, "state": %s, "user": {"login": %s}, "html_url": "https://github.com/acme/app/pull/%d", "body": %s}`,
			n, jsonStr(recText(rng, recTitles)), jsonStr(pick(rng, recStates...)), jsonStr(pick(rng, recUsers...)), n,
			jsonStr(pick(rng, "LGTM.", "Tests pass locally on my side.", "Can you rebase on main?", "Closing as duplicate of #12.",
				"Please add a changelog entry.", "Updated the docs link.", recText(rng, recSnippets)))))
	}
	return "[" + strings.Join(items, ",\n ") + "]"
}

func genProducts(rng *rand.Rand) string {
	return fmt.Sprintf(`{"name": %s, "price": {"amount": %d.%02d, "currency": %s}, "rating": %d.%d, "reviews": %d, "url": %s, "description": %s, "in_stock": %s}`,
		jsonStr(capitalize(pick(rng, recTopics...))), rng.IntN(900), rng.IntN(100), jsonStr(pick(rng, "EUR", "USD", "GBP")),
		1+rng.IntN(4), rng.IntN(10), rng.IntN(2000), jsonStr(recURL(rng)), jsonStr(recText(rng, recSnippets)), pick(rng, "true", "false"))
}

func genEvent(rng *rand.Rand) string {
	return fmt.Sprintf(`{"summary": %s, "start": %s, "location": %s, "description": %s, "htmlLink": %s, "attendees": [%s]}`,
		jsonStr(pick(rng, "Q2 roadmap review", "Team lunch", "Vendor call", "1:1", "Release retro")), jsonStr(timestamp(rng)),
		jsonStr(pick(rng, "Room Atlas", "Teams", "Zoom", "Berlin office, 3rd floor")),
		jsonStr(pick(rng, "Agenda: pricing test results, hiring plan.", "Please bring your laptop.", "Dial-in details below.", recText(rng, recSnippets))),
		jsonStr(recURL(rng)), jsonStr(pick(rng, "helena@example.org", "tom@example.com")))
}

// genAnswer is a question-and-answer record: an answer box, an FAQ
// entry, a knowledge-base hit.
func genAnswer(rng *rand.Rand) string {
	q := pick(rng, "how long do %s last", "are %s worth it", "best time to buy %s", "how to clean %s", "what are %s")
	return fmt.Sprintf(`{"%s": {"question": %s, "answer": %s, "source": %s}}`,
		pick(rng, "answer_box", "faq", "kb_hit", "featured_snippet", "qa"),
		jsonStr(fmt.Sprintf(q, pick(rng, recTopics...))), jsonStr(recText(rng, recSnippets)), jsonStr(recURL(rng)))
}

func genFeed(rng *rand.Rand) string {
	var b strings.Builder
	b.WriteString(`<rss version="2.0"><channel><title>` + pick(rng, "Example News", "Dev Blog", "Release notes") + "</title>\n")
	for range 1 + rng.IntN(4) {
		fmt.Fprintf(&b, "<item><title>%s</title><link>%s</link><description>%s</description></item>\n",
			recText(rng, recTitles), recURL(rng), recText(rng, recSnippets))
	}
	b.WriteString("</channel></rss>")
	return b.String()
}

func genLinks(rng *rand.Rand) string {
	var lines []string
	for range 1 + rng.IntN(6) {
		switch rng.IntN(3) {
		case 0:
			lines = append(lines, fmt.Sprintf("- [%s](%s)", recText(rng, recTitles), recURL(rng)))
		case 1:
			lines = append(lines, pick(rng, "url", "link", "homepage", "docs", "source", "Link", "See")+": "+recURL(rng))
		default:
			lines = append(lines, fmt.Sprintf(`{"%s": %s}`, pick(rng, "url", "href", "homepage", "link", "avatar_url"), jsonStr(recURL(rng))))
		}
	}
	return strings.Join(lines, "\n")
}

func genURLs(rng *rand.Rand) string {
	var us []string
	for range 1 + rng.IntN(3) {
		us = append(us, recURL(rng))
	}
	return strings.Join(us, pick(rng, "\n", " ", ", "))
}

func genRecordYAML(rng *rand.Rand) string {
	return fmt.Sprintf("title: %s\nurl: %s\nstatus: %s\nsummary: %s\nupdated: %s",
		recText(rng, recTitles), recURL(rng), pick(rng, recStates...), recText(rng, recSnippets), timestamp(rng))
}

func genRecordCSV(rng *rand.Rand) string {
	var b strings.Builder
	b.WriteString("id,title,url,notes")
	for range 2 + rng.IntN(8) {
		fmt.Fprintf(&b, "\n%d,%s,%s,%q", rng.IntN(100000), recText(rng, recTitles), recURL(rng), recText(rng, recSnippets))
	}
	return b.String()
}

// capitalize upper-cases the first letter of an ASCII word.
func capitalize(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}
