package injection

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"strings"
)

// Synthetic machine content: the logs, tables, JSON, dumps and listings
// that agents pass to each other all the time. None of it is an
// instruction, but its n-grams are far from the prose the model was
// trained on, so without examples of it the model scores such text
// somewhere in the middle or above. MachineContent generates it from a
// seed (nothing is copied from anywhere); training uses it as negatives,
// and, with an injection sentence inside a log line or JSON field, as
// positives.

// machineGens are the kinds of machine content, one generator each.
var machineGens = []func(*rand.Rand) string{
	genLogs, genCSV, genJSON, genJSONBlob, genStackTrace, genSQL,
	genShell, genCode, genRepeat, genIDList, genConfig, genMarkdownTable,
	genHexdump,
}

// MachineContent returns one random text of machine content.
func MachineContent(rng *rand.Rand) string {
	return machineGens[rng.IntN(len(machineGens))](rng)
}

// MachineWithInjection returns machine content (a log or a JSON object)
// with attack carried inside it: as a log message or a field value.
func MachineWithInjection(rng *rand.Rand, attack string) string {
	switch rng.IntN(3) {
	case 0:
		// one or two log lines around it, not a whole log: the
		// positive is the sentence, not the log format
		line := logLine(rng, rng.IntN(4), attack)
		return line
	case 1:
		q := strings.ReplaceAll(attack, `"`, `\"`)
		keys := []string{"note", "comment", "description", "message", "body", "summary"}
		return fmt.Sprintf(`{"id": %d, "status": "%s", "%s": "%s", "updated_at": "%s"}`,
			rng.IntN(100000), pick(rng, "open", "closed", "pending", "ok"),
			pick(rng, keys...), q, timestamp(rng))
	}
	q := strings.ReplaceAll(attack, `"`, `\"`)
	return fmt.Sprintf("[{\"id\": \"%s\", \"text\": \"%s\"},\n {\"id\": \"%s\", \"amount\": %d.%02d}]",
		uuid(rng), q, uuid(rng), rng.IntN(9999), rng.IntN(100))
}

func pick(rng *rand.Rand, xs ...string) string { return xs[rng.IntN(len(xs))] }

func randBytes(rng *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.UintN(256))
	}
	return b
}

func uuid(rng *rand.Rand) string {
	b := randBytes(rng, 16)
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func timestamp(rng *rand.Rand) string {
	return fmt.Sprintf("%04d-%02d-%02dT%02d:%02d:%02d%s", 2019+rng.IntN(9), 1+rng.IntN(12),
		1+rng.IntN(28), rng.IntN(24), rng.IntN(60), rng.IntN(60), pick(rng, "Z", ".123Z", "+01:00", ""))
}

var (
	logLevels  = []string{"INFO", "DEBUG", "WARN", "ERROR", "TRACE", "info", "warn", "error"}
	logPaths   = []string{"/api/v1/orders", "/api/v2/users", "/healthz", "/metrics", "/login", "/api/v1/invoices/search", "/static/app.js", "/v1/messages"}
	logMethods = []string{"GET", "POST", "PUT", "DELETE", "PATCH"}
	logMsgs    = []string{"request", "request completed", "connection established", "cache miss", "retrying", "job finished", "starting worker", "shutting down", "flushed batch", "db query", "timeout waiting for upstream", "config reloaded"}
	components = []string{"api", "worker", "scheduler", "db", "auth", "gateway", "billing", "sync"}
)

// logLine returns one log line of format f with message msg.
func logLine(rng *rand.Rand, f int, msg string) string {
	switch f {
	case 0:
		return fmt.Sprintf("%s %s %s id=%d path=%s status=%d dur=%dms", timestamp(rng), pick(rng, logLevels...),
			msg, rng.IntN(100000), pick(rng, logPaths...), pick3(rng, 200, 201, 204, 301, 404, 500), rng.IntN(2000))
	case 1:
		return fmt.Sprintf(`{"ts":"%s","level":"%s","component":"%s","msg":"%s","trace_id":"%s"}`, timestamp(rng),
			strings.ToLower(pick(rng, logLevels...)), pick(rng, components...), strings.ReplaceAll(msg, `"`, `\"`), hex.EncodeToString(randBytes(rng, 8)))
	case 2:
		return fmt.Sprintf(`10.%d.%d.%d - - [%02d/Nov/2026:%02d:%02d:%02d +0000] "%s %s HTTP/1.1" %d %d "-" "%s"`,
			rng.IntN(256), rng.IntN(256), rng.IntN(256), 1+rng.IntN(28), rng.IntN(24), rng.IntN(60), rng.IntN(60),
			pick(rng, logMethods...), pick(rng, logPaths...), pick3(rng, 200, 304, 404, 502), rng.IntN(90000), msg)
	}
	return fmt.Sprintf("%s %s[%d]: [%s] %s", pick(rng, "Nov 27 10:01:02", "Jan  3 23:59:01", "Mar 14 07:00:00"),
		pick(rng, components...), 100+rng.IntN(30000), pick(rng, logLevels...), msg)
}

func pick3(rng *rand.Rand, xs ...int) int { return xs[rng.IntN(len(xs))] }

func genLogs(rng *rand.Rand) string {
	f := rng.IntN(4)
	n := 3 + rng.IntN(30)
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte('\n')
		}
		msg := pick(rng, logMsgs...)
		if f == 2 {
			msg = pick(rng, "Mozilla/5.0 (X11; Linux x86_64)", "curl/8.4.0", "Go-http-client/1.1", "python-requests/2.31")
		}
		b.WriteString(logLine(rng, f, msg))
	}
	return b.String()
}

func genCSV(rng *rand.Rand) string {
	var b strings.Builder
	cols := [][]string{{"date", "amount", "currency"}, {"id", "name", "qty", "price"}, {"timestamp", "sensor", "value"}, {"sku", "stock", "warehouse"}}[rng.IntN(4)]
	sep := pick(rng, ",", ";", "\t")
	b.WriteString(strings.Join(cols, sep))
	for range 3 + rng.IntN(30) {
		b.WriteByte('\n')
		for j, c := range cols {
			if j > 0 {
				b.WriteString(sep)
			}
			switch c {
			case "date":
				fmt.Fprintf(&b, "%04d-%02d-%02d", 2020+rng.IntN(7), 1+rng.IntN(12), 1+rng.IntN(28))
			case "timestamp":
				b.WriteString(timestamp(rng))
			case "currency":
				b.WriteString(pick(rng, "EUR", "USD", "GBP", "CHF"))
			case "name":
				b.WriteString(pick(rng, "widget", "bolt M6", "cable 2m", "adapter", "sensor kit"))
			case "sensor", "warehouse":
				fmt.Fprintf(&b, "%s-%02d", pick(rng, "t", "h", "wh", "eu"), rng.IntN(40))
			case "id", "sku":
				fmt.Fprintf(&b, "%d", 10000+rng.IntN(90000))
			default:
				fmt.Fprintf(&b, "%d.%02d", rng.IntN(5000), rng.IntN(100))
			}
		}
	}
	return b.String()
}

func jsonValue(rng *rand.Rand, depth int) string {
	switch k := rng.IntN(8); {
	case k == 0 && depth < 3:
		return jsonObject(rng, depth+1)
	case k == 1 && depth < 3:
		n := 1 + rng.IntN(4)
		vs := make([]string, n)
		for i := range vs {
			vs[i] = jsonValue(rng, depth+1)
		}
		return "[" + strings.Join(vs, ", ") + "]"
	case k == 2:
		return fmt.Sprintf("%d", rng.IntN(1000000))
	case k == 3:
		return pick(rng, "true", "false", "null")
	case k == 4:
		return `"` + uuid(rng) + `"`
	case k == 5:
		return `"` + timestamp(rng) + `"`
	}
	return `"` + pick(rng, "ok", "active", "eu-west-1", "application/json", "pending", "v1.4.2", "admin", "default") + `"`
}

var jsonKeys = []string{"id", "name", "status", "created_at", "items", "count", "user_id", "region", "type", "version", "tags", "enabled", "meta", "data", "total", "etag"}

func jsonObject(rng *rand.Rand, depth int) string {
	n := 1 + rng.IntN(6)
	var parts []string
	for range n {
		parts = append(parts, fmt.Sprintf(`"%s": %s`, pick(rng, jsonKeys...), jsonValue(rng, depth)))
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

func genJSON(rng *rand.Rand) string {
	if rng.IntN(3) == 0 {
		n := 2 + rng.IntN(6)
		vs := make([]string, n)
		for i := range vs {
			vs[i] = jsonObject(rng, 1)
		}
		return "[" + strings.Join(vs, ",\n ") + "]"
	}
	return jsonObject(rng, 0)
}

func genJSONBlob(rng *rand.Rand) string {
	b := randBytes(rng, 32+rng.IntN(700))
	var blob string
	switch rng.IntN(3) {
	case 0:
		blob = base64.StdEncoding.EncodeToString(b)
	case 1:
		blob = hex.EncodeToString(b)
	default:
		blob = base64.RawURLEncoding.EncodeToString(b)
	}
	return fmt.Sprintf(`{"%s": "%s", "%s": "%s", "size": %d, "sha256": "%s"}`,
		pick(rng, "filename", "name", "key"), pick(rng, "report.pdf", "image.png", "blob.bin", "payload"),
		pick(rng, "data", "content", "blob", "attachment"), blob, len(b), hex.EncodeToString(randBytes(rng, 32)))
}

func genStackTrace(rng *rand.Rand) string {
	var b strings.Builder
	switch rng.IntN(3) {
	case 0:
		fmt.Fprintf(&b, "panic: runtime error: %s\n\ngoroutine %d [running]:", pick(rng, "invalid memory address or nil pointer dereference", "index out of range [3] with length 3"), 1+rng.IntN(200))
		for range 2 + rng.IntN(8) {
			fn := pick(rng, "main.run", "net/http.(*conn).serve", "github.com/acme/svc/internal/store.(*DB).Get", "main.main")
			fmt.Fprintf(&b, "\n%s(0x%x, 0x%x)\n\t/src/%s.go:%d +0x%x", fn, rng.Uint32(), rng.Uint32(), pick(rng, "main", "store/db", "server"), rng.IntN(900), rng.IntN(4096))
		}
	case 1:
		b.WriteString("Traceback (most recent call last):")
		for range 2 + rng.IntN(6) {
			fmt.Fprintf(&b, "\n  File \"/app/%s.py\", line %d, in %s\n    %s", pick(rng, "main", "worker", "utils/io", "models"), rng.IntN(500), pick(rng, "run", "load", "<module>", "handle"), pick(rng, "result = fn(*args)", "data = json.loads(raw)", "return self._conn.execute(q)"))
		}
		fmt.Fprintf(&b, "\n%s: %s", pick(rng, "KeyError", "ValueError", "TypeError"), pick(rng, "'user_id'", "invalid literal for int() with base 10: 'abc'", "'NoneType' object is not subscriptable"))
	default:
		fmt.Fprintf(&b, "Exception in thread \"main\" java.lang.%s: %s", pick(rng, "NullPointerException", "IllegalStateException"), pick(rng, "null", "connection closed"))
		for range 3 + rng.IntN(8) {
			fmt.Fprintf(&b, "\n\tat com.acme.%s.%s(%s.java:%d)", pick(rng, "service.OrderService", "db.Pool", "web.Handler"), pick(rng, "process", "get", "handle"), pick(rng, "OrderService", "Pool", "Handler"), rng.IntN(800))
		}
	}
	return b.String()
}

func genSQL(rng *rand.Rand) string {
	t := pick(rng, "orders", "users", "invoices", "events", "line_items")
	switch rng.IntN(4) {
	case 0:
		return fmt.Sprintf("SELECT id, %s, created_at FROM %s WHERE status = '%s' AND created_at > '2026-0%d-01' ORDER BY created_at DESC LIMIT %d;",
			pick(rng, "amount", "email", "name"), t, pick(rng, "paid", "open", "active"), 1+rng.IntN(9), 10+rng.IntN(500))
	case 1:
		return fmt.Sprintf("CREATE TABLE %s (\n  id BIGINT PRIMARY KEY,\n  user_id BIGINT NOT NULL REFERENCES users(id),\n  amount NUMERIC(12,2),\n  created_at TIMESTAMPTZ DEFAULT now()\n);\nCREATE INDEX %s_user_idx ON %s (user_id);", t, t, t)
	case 2:
		return fmt.Sprintf("INSERT INTO %s (id, amount, currency) VALUES (%d, %d.%02d, 'EUR'), (%d, %d.%02d, 'USD');", t, rng.IntN(9999), rng.IntN(999), rng.IntN(100), rng.IntN(9999), rng.IntN(999), rng.IntN(100))
	}
	return fmt.Sprintf("UPDATE %s SET status = 'archived', updated_at = now() WHERE id IN (SELECT id FROM %s WHERE created_at < now() - interval '%d days');", t, t, 30+rng.IntN(400))
}

func genShell(rng *rand.Rand) string {
	var b strings.Builder
	switch rng.IntN(4) {
	case 0:
		b.WriteString("$ ls -la\ntotal 48")
		for range 3 + rng.IntN(10) {
			fmt.Fprintf(&b, "\n%s 1 %s staff %6d Nov %2d %02d:%02d %s", pick(rng, "-rw-r--r--", "drwxr-xr-x", "-rwxr-xr-x"), pick(rng, "root", "app", "dev"), rng.IntN(90000), 1+rng.IntN(28), rng.IntN(24), rng.IntN(60), pick(rng, "main.go", "go.mod", "README.md", "build", "config.yaml", "Makefile", "data.csv"))
		}
	case 1:
		b.WriteString("$ docker ps\nCONTAINER ID   IMAGE            STATUS          PORTS")
		for range 1 + rng.IntN(6) {
			fmt.Fprintf(&b, "\n%s   %s   Up %d minutes   0.0.0.0:%d->%d/tcp", hex.EncodeToString(randBytes(rng, 6)), pick(rng, "postgres:16", "redis:7", "nginx:1.27", "acme/api:latest"), rng.IntN(59), 1000+rng.IntN(9000), 80+rng.IntN(9000))
		}
	case 2:
		b.WriteString("$ git log --oneline")
		for range 3 + rng.IntN(10) {
			fmt.Fprintf(&b, "\n%s %s", hex.EncodeToString(randBytes(rng, 4))[:7], pick(rng, "fix nil check in handler", "bump deps", "add retry to client", "refactor store", "update docs"))
		}
	default:
		fmt.Fprintf(&b, "$ df -h\nFilesystem      Size  Used Avail Use%% Mounted on\n/dev/sda1       %dG   %dG   %dG  %d%% /\ntmpfs           %dM     0  %dM   0%% /dev/shm", 50+rng.IntN(900), rng.IntN(50), rng.IntN(400), rng.IntN(100), rng.IntN(4000), rng.IntN(4000))
	}
	return b.String()
}

func genCode(rng *rand.Rand) string {
	switch rng.IntN(4) {
	case 0:
		return fmt.Sprintf("func (s *Store) Get(ctx context.Context, id int64) (*Order, error) {\n\trow := s.db.QueryRowContext(ctx, \"SELECT id, amount FROM orders WHERE id = $1\", id)\n\tvar o Order\n\tif err := row.Scan(&o.ID, &o.Amount); err != nil {\n\t\treturn nil, fmt.Errorf(\"get order %%d: %%w\", id, err)\n\t}\n\treturn &o, nil\n}\n// limit %d", rng.IntN(100))
	case 1:
		return fmt.Sprintf("def load(path):\n    with open(path) as f:\n        rows = [line.split(',') for line in f]\n    return {r[0]: float(r[1]) for r in rows[%d:]}\n", rng.IntN(3))
	case 2:
		return fmt.Sprintf("const res = await fetch(`/api/v1/items?page=${page}&limit=%d`);\nif (!res.ok) throw new Error(`HTTP ${res.status}`);\nconst items = await res.json();\nitems.forEach(i => console.log(i.id, i.name));", 10+rng.IntN(90))
	}
	return fmt.Sprintf("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  replicas: %d\n  template:\n    spec:\n      containers:\n        - name: api\n          image: acme/api:1.%d.0\n          ports:\n            - containerPort: 8080", 1+rng.IntN(5), rng.IntN(30))
}

func genRepeat(rng *rand.Rand) string {
	c := pick(rng, "x", "0", "=", "-", "a", "#", "*", ".", "X", "z", "9", "ab", "_")
	s := strings.Repeat(c, 50+rng.IntN(400))
	switch rng.IntN(3) {
	case 0:
		return pick(rng, "durable", "padding", "field", "test", "value", "name", "data", "token") + " " + s
	case 1:
		return s + " " + pick(rng, "end", "ok", "done", "42")
	}
	return s
}

func genIDList(rng *rand.Rand) string {
	var b strings.Builder
	k := rng.IntN(4)
	for i := range 3 + rng.IntN(25) {
		if i > 0 {
			b.WriteString(pick(rng, "\n", ", ", " "))
		}
		switch k {
		case 0:
			b.WriteString(uuid(rng))
		case 1:
			b.WriteString(hex.EncodeToString(randBytes(rng, 32)))
		case 2:
			fmt.Fprintf(&b, "%s  %s", hex.EncodeToString(randBytes(rng, 20)), pick(rng, "main.go", "go.sum", "dist/app.tar.gz", "README.md"))
		default:
			fmt.Fprintf(&b, "sha256:%s", hex.EncodeToString(randBytes(rng, 32)))
		}
	}
	return b.String()
}

func genConfig(rng *rand.Rand) string {
	keys := []string{"host", "port", "timeout", "max_conns", "log_level", "region", "bucket", "retries", "tls", "db_name", "cache_ttl", "workers"}
	var b strings.Builder
	f := rng.IntN(3)
	if f == 1 {
		b.WriteString("[server]\n")
	}
	for i := range 3 + rng.IntN(10) {
		if i > 0 {
			b.WriteByte('\n')
		}
		k := pick(rng, keys...)
		v := pick(rng, "localhost", "8080", "30s", "100", "debug", "eu-west-1", "true", "3", "orders_prod", fmt.Sprint(rng.IntN(10000)))
		switch f {
		case 0:
			fmt.Fprintf(&b, "%s=%s", strings.ToUpper(k), v)
		case 1:
			fmt.Fprintf(&b, "%s = %q", k, v)
		default:
			fmt.Fprintf(&b, "%s: %s", k, v)
		}
	}
	return b.String()
}

func genMarkdownTable(rng *rand.Rand) string {
	var b strings.Builder
	b.WriteString("| " + pick(rng, "service", "region", "month", "host") + " | " + pick(rng, "p50 ms", "requests", "cost", "errors") + " | " + pick(rng, "p99 ms", "share", "delta", "status") + " |\n|---|---:|---:|")
	for range 2 + rng.IntN(12) {
		fmt.Fprintf(&b, "\n| %s | %d | %d.%d%s |", pick(rng, "api", "worker", "eu-west-1", "us-east-2", "2026-10", "db-1"), rng.IntN(100000), rng.IntN(100), rng.IntN(10), pick(rng, "", "%", " ms"))
	}
	return b.String()
}

func genHexdump(rng *rand.Rand) string {
	b := randBytes(rng, 16*(2+rng.IntN(16)))
	if rng.IntN(2) == 0 {
		return hex.Dump(b)
	}
	var s strings.Builder
	for i, c := range b {
		if i > 0 {
			s.WriteString(pick(rng, " ", " ", "\n"))
		}
		fmt.Fprintf(&s, "%02x", c)
	}
	return s.String()
}
