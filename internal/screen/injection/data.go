package injection

import (
	"bufio"
	"bytes"
	_ "embed"
	"encoding/base64"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// Example is one labelled text.
type Example struct {
	Text   string  `json:"text"`
	Label  int     `json:"label"` // 1 = injection
	Source string  `json:"source,omitempty"`
	Weight float64 `json:"-"`
	// Part is the sentence inserted into Text, when Text was made by
	// inserting one: training also learns from the short windows around
	// it (see instances).
	Part string `json:"-"`
}

// Dataset is what training reads: the training examples and, when a
// validation split was held out, the validation examples and the benign
// trigger-word texts used to measure over-defense.
type Dataset struct {
	Train  []Example
	Val    []Example
	Benign []string
}

// Files of the public training data (see ../shared/data/screen/README.md).
const (
	fileDeepsetTrain = "deepset-train.csv"
	fileDeepsetVal   = "deepset-val.csv"
	fileEmails       = "bipia-email-train.jsonl"
	fileTextAttacks  = "bipia-text-attack-train.json"
	fileCodeAttacks  = "bipia-code-attack-train.json"
)

// The repository's own examples, compiled in so that training is the same
// from any working directory.
var (
	//go:embed testdata/hard_negatives.txt
	ownHardNegatives string
	//go:embed testdata/positives.txt
	ownPositives string
	//go:embed testdata/benign_heldout.txt
	ownBenignHeldout string
	//go:embed testdata/email_sentences.txt
	ownEmailSentences string
	//go:embed testdata/task_positives.txt
	ownTaskPositives string
	//go:embed testdata/benign_triggers.txt
	ownBenignTriggers string
	//go:embed testdata/emails.txt
	ownEmails string
)

// BenignHeldout returns the repository's benign trigger-word texts that no
// model is trained on ("can I ignore this warning?"), for measuring
// over-defense.
func BenignHeldout() []string { return lines(ownBenignHeldout) }

// ReadLines reads texts one per line, skipping blank lines and # comments;
// a literal \n in a line stands for a line break.
func ReadLines(r io.Reader) ([]string, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	return lines(string(b)), nil
}

// ErrNoData is returned when the public training data is missing.
var ErrNoData = errors.New("training data not found")

// LoadDataset reads the public data in dir and the repository's own
// examples. With holdout, it keeps a validation split apart:
//   - deepset-val.csv;
//   - BIPIA attack categories held out whole (every third category, sorted
//     by name, of both the text and the code attacks), inserted at the
//     start, middle and end of held-out emails (every fifth email);
//   - benign negatives: the held-out emails, and the held-out emails with a
//     held-out benign trigger-word sentence inserted;
//   - every fourth of the repository's own positives and hard negatives;
//     the held-out hard negatives and testdata/benign_heldout.txt form the
//     benign trigger-word set.
//
// The files written only for training (e-mails, e-mail sentences, task
// positives, more trigger-word negatives) are never held out. Into every
// training e-mail go the training attacks, random task positives and
// random e-mail sentences (see insertVaried), so that what is learned is
// which sentences in mail are tasks for the model reading it.
//
// Without holdout, everything is used for training (the shipped model).
// The split is fold OfficialFold; see LoadDatasetFold for the others.
func LoadDataset(dir string, holdout bool, seed uint64) (*Dataset, error) {
	fold := -1
	if holdout {
		fold = OfficialFold
	}
	return LoadDatasetFold(dir, fold, seed)
}

// OfficialFold is the validation split the figures in docs/screening.md
// are reported on.
const OfficialFold = 2

// Folds is the number of category folds.
const Folds = 3

// LoadDatasetFold is LoadDataset with the validation split chosen by fold
// (0, 1 or 2; below 0, nothing is held out): the BIPIA categories whose
// index by sorted name is fold modulo 3, and a matching fifth of the
// e-mails and quarter of the own examples. Folds other than OfficialFold
// are for development, so that choices can be made without looking at the
// split the figures are reported on.
func LoadDatasetFold(dir string, fold int, seed uint64) (*Dataset, error) {
	holdout := fold >= 0
	rng := rand.New(rand.NewPCG(seed, seed^0x5eed))
	ds := &Dataset{}
	dtrain, err := readCSV(filepath.Join(dir, fileDeepsetTrain))
	if err != nil {
		return nil, err
	}
	dval, err := readCSV(filepath.Join(dir, fileDeepsetVal))
	if err != nil {
		return nil, err
	}
	emails, err := readEmails(filepath.Join(dir, fileEmails))
	if err != nil {
		return nil, err
	}
	textAtk, err := readAttacks(filepath.Join(dir, fileTextAttacks))
	if err != nil {
		return nil, err
	}
	codeAtk, err := readAttacks(filepath.Join(dir, fileCodeAttacks))
	if err != nil {
		return nil, err
	}
	known := map[string]bool{}
	for _, m := range []map[string][]string{textAtk, codeAtk} {
		for k := range m {
			known[k] = true
		}
	}
	posTagged, taskTagged := taggedLines(ownPositives), taggedLines(ownTaskPositives)
	if err := checkTags("testdata/positives.txt", posTagged, known); err != nil {
		return nil, err
	}
	if err := checkTags("testdata/task_positives.txt", taskTagged, known); err != nil {
		return nil, err
	}
	if err := checkKinds(known); err != nil {
		return nil, err
	}
	hard, pos := lines(ownHardNegatives), texts(posTagged)

	split := func(xs []string, every, rem int) (train, val []string) {
		for i, x := range xs {
			if holdout && i%every == rem {
				val = append(val, x)
			} else {
				train = append(train, x)
			}
		}
		return train, val
	}
	emTrain, emVal := split(emails, 5, (fold+2)%5)
	emTrain = append(emTrain, lines(ownEmails)...) // never held out
	hardTrain, hardVal := split(hard, 4, (fold+1)%4)
	posTrain, posVal := split(pos, 4, (fold+1)%4)
	heldOut := map[string]bool{}
	atkTrain, atkVal := splitCategories(textAtk, fold, heldOut)
	codeTrain, codeVal := splitCategories(codeAtk, fold, heldOut)
	atkTrain, atkVal = append(atkTrain, codeTrain...), append(atkVal, codeVal...)
	// own positives and task positives that resemble a held-out category
	// are not trained on (see tagPrefix)
	posTrain = slices.DeleteFunc(posTrain, heldOutText(posTagged, heldOut))

	add := func(dst *[]Example, src string, label int, texts ...string) {
		for _, t := range texts {
			*dst = append(*dst, Example{Text: t, Label: label, Source: src})
		}
	}
	// inserted adds part inserted into a text, cut to a window around it
	inserted := func(dst *[]Example, src string, label int, text, part string) {
		*dst = append(*dst, Example{Text: snippet(text, part), Label: label, Source: src, Part: part})
	}
	for _, e := range dtrain {
		add(&ds.Train, "deepset", e.Label, e.Text)
	}
	for _, e := range dval {
		if holdout {
			add(&ds.Val, "deepset", e.Label, e.Text)
		} else {
			add(&ds.Train, "deepset", e.Label, e.Text)
		}
	}
	add(&ds.Train, "own", 1, posTrain...)
	add(&ds.Train, "own", 0, hardTrain...)
	add(&ds.Train, "own", 0, lines(ownBenignTriggers)...)
	add(&ds.Train, "bipia-email", 0, emTrain...)
	mailNeg, tasks := lines(ownEmailSentences), taggedExcept(taskTagged, heldOut)
	for _, em := range emTrain {
		for _, a := range atkTrain {
			inserted(&ds.Train, "bipia", 1, insertVaried(rng, em, a), a)
		}
		for range 12 {
			h := hardTrain[rng.IntN(len(hardTrain))]
			inserted(&ds.Train, "bipia-email", 0, insertVaried(rng, em, h), h)
		}
		for range 32 {
			a := tasks[rng.IntN(len(tasks))]
			inserted(&ds.Train, "own-mail", 1, insertVaried(rng, em, a), a)
			h := mailNeg[rng.IntN(len(mailNeg))]
			inserted(&ds.Train, "own-mail", 0, insertVaried(rng, em, h), h)
		}
	}
	// generated tasks and requests (synth.go), from their own generator
	srng := rand.New(rand.NewPCG(seed, seed^0x5e7a))
	kinds, requests := kindsExcept(heldOut), requestsExcept(heldOut)
	for _, em := range emTrain {
		for range synthPerEmail {
			a := taskInjection(srng, kinds)
			inserted(&ds.Train, "synth", 1, insertVaried(srng, em, a), a)
			if a = foreignRequest(srng, requests); a != "" {
				inserted(&ds.Train, "synth", 1, insertVaried(srng, em, a), a)
			}
			if h := relatedRequest(srng, em); h != "" {
				inserted(&ds.Train, "synth", 0, insertVaried(srng, em, h), h)
			}
			h := personRequest(srng)
			inserted(&ds.Train, "synth", 0, insertVaried(srng, em, h), h)
		}
		for range synthPerEmail / 4 {
			add(&ds.Train, "synth-user", 0, userRequest(srng, kinds))
		}
	}
	for range shortNegatives {
		add(&ds.Train, "synth-user", 0, shortText(srng))
	}
	// short plain mail, alone and as a carrier of generated tasks
	for range plainMails {
		em := plainMail(srng)
		add(&ds.Train, "synth-mail", 0, em)
		a := taskInjection(srng, kinds)
		inserted(&ds.Train, "synth-mail", 1, insertVaried(srng, em, a), a)
	}
	// automated service mail (notifications, receipts, shipping, alerts),
	// alone and as a carrier of generated tasks; and the benign
	// trigger-word sentences inside training e-mails, not only alone.
	// From a generator of their own, so the examples above do not move.
	vrng := rand.New(rand.NewPCG(seed, seed^0x5e41))
	for range serviceMails {
		em := serviceMail(vrng)
		add(&ds.Train, "synth-service", 0, em)
		a := taskInjection(vrng, kinds)
		inserted(&ds.Train, "synth-service", 1, insertVaried(vrng, em, a), a)
	}
	triggers := lines(ownBenignTriggers)
	for _, em := range emTrain {
		for range triggersPerEmail {
			h := triggers[vrng.IntN(len(triggers))]
			inserted(&ds.Train, "own-mail", 0, insertVaried(vrng, em, h), h)
		}
	}
	for range 150 { // encoded noise in ordinary mail is not an attack
		em := emTrain[rng.IntN(len(emTrain))]
		add(&ds.Train, "bipia-email", 0, snippet(insert(em, noise(rng), rng.IntN(3)), ""))
	}
	// machine content (logs, CSV, JSON, dumps …) is not an attack; an
	// injection carried in a log line or a JSON field is. Drawn from its
	// own generator so the examples above do not move.
	mrng := rand.New(rand.NewPCG(seed, seed^0x3ac4))
	for range machineNegatives {
		add(&ds.Train, "machine", 0, MachineContent(mrng))
	}
	for range machinePositives {
		a := posTrain[mrng.IntN(len(posTrain))]
		if mrng.IntN(2) == 0 {
			a = tasks[mrng.IntN(len(tasks))]
		}
		t := MachineWithInjection(mrng, a)
		inserted(&ds.Train, "machine", 1, t, a)
	}
	// documents that are not mail (product pages, reviews, READMEs,
	// meeting notes, tickets, calendar entries …), from their own
	// generator: instructions to people in them are not attacks
	drng := rand.New(rand.NewPCG(seed, seed^0x0d0c))
	for range docNegatives {
		add(&ds.Train, "synth-doc", 0, docCarrier(drng))
	}
	// orders to the reader of a document and their ordinary twins
	// (reader.go)
	erng := rand.New(rand.NewPCG(seed, seed^0x4eade4))
	for range readerOrders {
		c := readerCarrier(erng)
		o := readerOrder(erng)
		inserted(&ds.Train, "synth-reader", 1, insertVaried(erng, c, o), o)
		b := mailNeg[erng.IntN(len(mailNeg))]
		if erng.IntN(3) == 0 {
			b = readerNote(erng)
		}
		inserted(&ds.Train, "synth-reader", 0, insertVaried(erng, c, b), b)
	}
	for range readerErrands {
		c := readerCarrier(erng)
		e := readerErrand(erng)
		inserted(&ds.Train, "synth-errand", 0, insertVaried(erng, c, e), e)
	}
	// chat transcripts: an order to whoever reads the chat as one
	// participant's line, its twin an ordinary line; and requests between
	// participants (chat.go)
	crng := rand.New(rand.NewPCG(seed, seed^0xc4a7))
	for range readerChats {
		o := readerChatOrder(crng)
		inserted(&ds.Train, "synth-chat", 1, chatCarrier(crng, o), o)
		b := pick(crng, chatMessages...)
		if crng.IntN(2) == 0 {
			b = pick(crng, chatRequests...)
		}
		inserted(&ds.Train, "synth-chat", 0, chatCarrier(crng, b), b)
	}
	// tool output with links and sentences in its fields (records.go)
	rrng := rand.New(rand.NewPCG(seed, seed^0x5ec0))
	for range recordNegatives {
		add(&ds.Train, "synth-record", 0, record(rrng))
	}
	if holdout {
		// the validation split draws from its own generator, so changes
		// to how training examples are generated do not move it
		rng := rand.New(rand.NewPCG(seed, seed^0x7a11))
		add(&ds.Val, "own", 1, posVal...)
		add(&ds.Val, "bipia-email", 0, emVal...)
		for _, em := range emVal {
			for _, a := range atkVal {
				for where := range 3 {
					add(&ds.Val, "bipia", 1, insert(em, a, where))
				}
			}
			for _, h := range hardVal {
				add(&ds.Val, "bipia-email", 0, insert(em, h, rng.IntN(3)))
			}
		}
		ds.Benign = append(hardVal, BenignHeldout()...)
	}
	weigh(ds.Train)
	return ds, nil
}

// groupWeight is the share of the total training weight each group of
// examples gets, so that the many generated BIPIA positives do not drown
// the few negatives.
var groupWeight = map[string][2]float64{ // [negative, positive]
	"deepset":       {1, 1},
	"own":           {5, 0.6},
	"bipia-email":   {1.5, 0},
	"bipia":         {0, 1.2},
	"own-mail":      {1.5, 1},
	"machine":       {0.3, 0.1},
	"synth":         {1.5, 1},
	"synth-user":    {0.25, 0},
	"synth-mail":    {1, 0.5},
	"synth-service": {1, 0.5},
	"synth-doc":     {0.5, 0},
	"synth-record":  {0.3, 0},
	"synth-reader":  {readerNegWeight, readerPosWeight},
	"synth-errand":  {0.25, 0},
	"synth-chat":    {readerNegWeight, readerPosWeight},
}

// readerOrders is how many generated orders to the reader (reader.go)
// training gets, each with an ordinary twin, and the training weights of
// the twins and of the orders.
const (
	readerOrders    = 600
	readerErrands   = 300
	readerChats     = 300
	readerNegWeight = 0.5
	readerPosWeight = 0.25
)

// docNegatives is how many generated documents that are not mail
// (docCarrier) training gets as negatives.
const docNegatives = 400

// serviceMails is how many generated service e-mails (serviceMail)
// training gets, as negatives and again with a generated task inserted
// as positives.
const serviceMails = 300

// triggersPerEmail is how many benign trigger-word sentences
// (benign_triggers.txt) are inserted into each training e-mail.
const triggersPerEmail = 6

// synthPerEmail is how many generated tasks, foreign and related
// requests go into each training e-mail.
const synthPerEmail = 16

// shortNegatives is how many short benign texts (subjects, references,
// identifiers) training gets.
const shortNegatives = 400

// plainMails is how many short plain e-mails (plainMail) training gets.
const plainMails = 400

// How many synthetic machine-content examples training gets.
const (
	machineNegatives = 1000
	machinePositives = 200
)

func weigh(xs []Example) {
	count := map[string]int{}
	for _, x := range xs {
		count[x.Source+strconv.Itoa(x.Label)]++
	}
	var total float64
	for k := range groupWeight {
		total += groupWeight[k][0] + groupWeight[k][1]
	}
	for i := range xs {
		x := &xs[i]
		share := groupWeight[x.Source][x.Label] / total
		x.Weight = share * float64(len(xs)) / float64(count[x.Source+strconv.Itoa(x.Label)])
	}
}

// splitCategories holds out every third category (by sorted name), those
// whose index is fold modulo 3 (none when fold is negative), and adds
// their names to heldOut.
func splitCategories(atk map[string][]string, fold int, heldOut map[string]bool) (train, val []string) {
	names := make([]string, 0, len(atk))
	for k := range atk {
		names = append(names, k)
	}
	slices.Sort(names)
	for i, n := range names {
		if fold >= 0 && i%Folds == fold {
			val = append(val, atk[n]...)
			heldOut[n] = true
		} else {
			train = append(train, atk[n]...)
		}
	}
	return train, val
}

// noise returns a random token of the kind mail is full of: base64
// blobs, hex digests, UUIDs and tracking URLs.
func noise(rng *rand.Rand) string {
	b := make([]byte, 12+rng.IntN(90))
	for i := range b {
		b[i] = byte(rng.UintN(256))
	}
	switch rng.IntN(4) {
	case 0:
		return base64.StdEncoding.EncodeToString(b)
	case 1:
		return hex.EncodeToString(b)
	case 2:
		return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:12])
	}
	return "https://click.example.com/t/" + base64.RawURLEncoding.EncodeToString(b) + "?utm_source=mail&id=" + hex.EncodeToString(b[:4])
}

// insert puts attack at the start (0), middle (1) or end (2) of email.
func insert(email, attack string, where int) string {
	switch where {
	case 0:
		return attack + "\n" + email
	case 2:
		return email + "\n" + attack
	}
	mid := len(email) / 2
	if i := strings.IndexByte(email[mid:], ' '); i >= 0 {
		mid += i
	}
	return email[:mid] + " " + attack + " " + email[mid:]
}

// glue is how an inserted sentence is joined to the e-mail around it;
// positives and negatives are inserted with the same glue, so the way a
// sentence is inserted is not itself a signal.
var glue = [][2]string{
	{" ", " "}, {"\n", "\n"}, {"\n\n", "\n\n"}, {" (", ") "},
	{"\nP.S. ", ""}, {" - ", " - "}, {"\n> ", "\n"}, {". ", ". "},
}

// insertVaried puts part into email at a random position (start, end,
// a sentence boundary or a random word boundary) with random glue, half
// of the time with bare spaces (no line break, no punctuation), so the
// model cannot rely on an inserted sentence standing on its own line.
func insertVaried(rng *rand.Rand, email, part string) string {
	g := glue[rng.IntN(len(glue))]
	if rng.IntN(2) == 0 {
		g = [2]string{" ", " "} // half spliced in bare, so line structure is no signal
	}
	switch rng.IntN(4) {
	case 0:
		return strings.TrimLeft(g[0], " .-") + part + g[1] + email
	case 1:
		return email + g[0] + part + strings.TrimRight(g[1], " -")
	}
	at := rng.IntN(len(email) + 1)
	sep := " "
	if rng.IntN(2) == 0 {
		sep = ". "
	}
	if i := strings.Index(email[at:], sep); i >= 0 {
		at += i + len(sep)
	} else {
		at = len(email)
	}
	return email[:at] + g[0] + part + g[1] + email[at:]
}

// snippet cuts a window-sized piece of text around part, as the detector
// will see it in its best window.
func snippet(text, part string) string {
	i := strings.Index(text, part)
	if i < 0 || len(text) <= window {
		return text
	}
	ctx := max(0, window-len(part)) / 2
	a, b := max(0, i-ctx), min(len(text), i+len(part)+ctx)
	return strings.ToValidUTF8(text[a:b], "")
}

func lines(s string) []string {
	var out []string
	for l := range strings.Lines(s) {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		out = append(out, strings.ReplaceAll(l, `\n`, "\n"))
	}
	return out
}

func open(path string) (*os.File, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s", ErrNoData, path)
	}
	return f, err
}

// readCSV reads text,label rows (a header row is skipped).
func readCSV(path string) ([]Example, error) {
	f, err := open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadCSV(f)
}

// ReadCSV reads text,label rows; a first row whose label is not a number
// is taken as a header.
func ReadCSV(r io.Reader) ([]Example, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	var out []Example
	for n := 0; ; n++ {
		rec, err := cr.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("read csv: %w", err)
		}
		if len(rec) < 2 {
			return nil, fmt.Errorf("read csv: row %d: want text,label", n+1)
		}
		label, err := strconv.Atoi(strings.TrimSpace(rec[len(rec)-1]))
		if err != nil {
			if n == 0 {
				continue
			}
			return nil, fmt.Errorf("read csv: row %d: label %q", n+1, rec[len(rec)-1])
		}
		out = append(out, Example{Text: rec[0], Label: label})
	}
}

// ReadJSONL reads {"text","label"} lines.
func ReadJSONL(r io.Reader) ([]Example, error) {
	var out []Example
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 16<<20)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var e Example
		if err := json.Unmarshal(line, &e); err != nil {
			return nil, fmt.Errorf("read jsonl: line %d: %w", n, err)
		}
		out = append(out, e)
	}
	return out, sc.Err()
}

func readEmails(path string) ([]string, error) {
	f, err := open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		var e struct {
			Context string `json:"context"`
		}
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			return nil, fmt.Errorf("read %s: %w", path, err)
		}
		out = append(out, e.Context)
	}
	return out, sc.Err()
}

func readAttacks(path string) (map[string][]string, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s", ErrNoData, path)
	}
	if err != nil {
		return nil, err
	}
	var m map[string][]string
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return m, nil
}
