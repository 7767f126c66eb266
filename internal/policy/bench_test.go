package policy

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/airlock-hub/airlock/internal/store"
)

const (
	benchPolicies = 1000
	benchEntities = 10000
	benchSegments = 100
)

// benchFiles returns a 1,000-policy set in the shape of a large
// deployment: per-segment messaging and topics, per-agent tool grants,
// per-agent forbids, approval rules and a few global rules.
func benchFiles() []store.PolicyFile {
	var global, segs, agents strings.Builder
	global.WriteString(starterText)
	n := strings.Count(starterText, "@id(")
	for s := 0; s < benchSegments; s++ {
		fmt.Fprintf(&segs, "@id(\"peers-%d\")\npermit (principal in Segment::\"seg%d\", action == Action::\"SendMessage\", resource in Segment::\"seg%d\");\n", s, s, s)
		fmt.Fprintf(&segs, "@id(\"topics-%d\")\npermit (principal in Segment::\"seg%d\", action in [Action::\"Publish\", Action::\"Subscribe\"], resource in Segment::\"seg%d\") when { resource is Topic };\n", s, s, s)
		fmt.Fprintf(&segs, "@approval(\"2\") @id(\"humans-%d\")\npermit (principal in Segment::\"seg%d\", action == Action::\"SendMessage\", resource is Human) when { context.risk < 50 };\n", s, s)
		n += 3
	}
	for i := 0; n < benchPolicies; i++ {
		a := i * 13 % benchEntities
		if i%10 == 0 {
			fmt.Fprintf(&agents, "@id(\"block-%d\")\nforbid (principal == Agent::\"a%d\", action, resource) when { context.risk > 90 };\n", i, a)
		} else {
			fmt.Fprintf(&agents, "@id(\"tool-%d\")\npermit (principal == Agent::\"a%d\", action == Action::\"CallTool\", resource == Tool::\"t%d\") when { context.request has method && [\"read\", \"list\"].contains(context.request.method) };\n", i, a, i%50)
		}
		n++
	}
	return []store.PolicyFile{
		{Name: "global.cedar", Text: global.String()},
		{Name: "segments.cedar", Text: segs.String()},
		{Name: "agents.cedar", Text: agents.String()},
	}
}

// benchRequests returns a mix of requests over 10,000 agents.
func benchRequests() []Request {
	now := time.Now()
	agent := func(i int) Entity {
		e := Agent(fmt.Sprintf("a%d", i%benchEntities), fmt.Sprintf("seg%d", i%benchSegments))
		e.Owner, e.Risk = "owner", int64(i%100)
		return e
	}
	var reqs []Request
	for i := 0; i < 4096; i++ {
		p := agent(i * 7919)
		r := Request{Principal: p, Now: now, Risk: int64(i % 100)}
		switch i % 6 {
		case 0, 1:
			r.Action, r.Resource = "SendMessage", agent(i*7919+benchSegments*(i%3))
		case 2:
			r.Action, r.Resource = "Publish", Entity{Type: TypeTopic, ID: "events", Segment: p.Segment}
		case 3:
			r.Action, r.Resource = "CallTool", Entity{Type: TypeTool, ID: fmt.Sprintf("t%d", i%50)}
			r.Attrs = map[string]any{"method": "read"}
		case 4:
			r.Action, r.Resource = "SendMessage", Human("h")
			r.Grants = []store.Grant{{ID: "g", Principal: p.String(), Action: "SendMessage", Resource: `Human::"h"`, Created: now.Add(-time.Hour), Expires: now.Add(time.Hour)}}
		case 5:
			r.Action, r.Resource = "WhoAmI", p
		}
		reqs = append(reqs, r)
	}
	return reqs
}

func BenchmarkDecide(b *testing.B) {
	e := NewEngine()
	if err := e.Apply(1, benchFiles()); err != nil {
		b.Fatal(err)
	}
	if _, s := e.Active(); s.Len() != benchPolicies {
		b.Fatalf("set has %d policies, want %d", s.Len(), benchPolicies)
	}
	reqs := benchRequests()
	lat := make([]time.Duration, 0, 1<<20)
	allowed := 0
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		start := time.Now()
		d := e.Decide(reqs[i%len(reqs)])
		lat = append(lat, time.Since(start))
		if d.Effect == Allow {
			allowed++
		}
		if len(d.Errors) > 0 {
			b.Fatalf("decision failed: %v", d.Errors)
		}
	}
	b.StopTimer()
	if allowed == 0 {
		b.Fatal("nothing was allowed: the benchmark measures nothing")
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds())/1e3, "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds())/1e3, "p99-µs")
}

func BenchmarkApply(b *testing.B) {
	files := benchFiles()
	e := NewEngine()
	b.ReportAllocs()
	var v int64
	for b.Loop() {
		v++
		if err := e.Apply(v, files); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/apply")
}

// BenchmarkDecideWhoAmI is the hub's most frequent question, an agent's
// WhoAmI under the starter policy, asked over and over (as every call of
// one connection does); from the second call on it is a cache hit.
func BenchmarkDecideWhoAmI(b *testing.B) {
	e := NewEngine()
	if err := e.Apply(1, StarterFiles()); err != nil {
		b.Fatal(err)
	}
	p := Agent("bench-agent", "")
	req := Request{Principal: p, Action: "WhoAmI", Resource: p, Grants: []store.Grant{}}
	b.ReportAllocs()
	for b.Loop() {
		if d := e.Decide(req); d.Effect != Allow {
			b.Fatalf("got %+v, want allow", d)
		}
	}
}
