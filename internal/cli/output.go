package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
)

// printJSON writes v as indented JSON.
func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// printTable writes rows under header, aligned in columns.
func printTable(w io.Writer, header []string, rows [][]string) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	line := func(cols []string) {
		for i, c := range cols {
			if i > 0 {
				fmt.Fprint(tw, "\t")
			}
			fmt.Fprint(tw, c)
		}
		fmt.Fprintln(tw)
	}
	line(header)
	for _, r := range rows {
		line(r)
	}
	return tw.Flush()
}

// emit prints v as JSON, or calls text for the text form.
func (a *app) emit(v any, text func(io.Writer) error) error {
	if a.output == "json" {
		return printJSON(a.out, v)
	}
	return text(a.out)
}

// emitTable prints items as a JSON array of their JSON forms, or as a
// table under header; row gives an item's JSON form and table row.
func emitTable[I, J any](a *app, header []string, items []I, row func(I) (J, []string)) error {
	out := make([]J, 0, len(items))
	rows := make([][]string, 0, len(items))
	for _, it := range items {
		j, r := row(it)
		out = append(out, j)
		rows = append(rows, r)
	}
	return a.emit(out, func(w io.Writer) error { return printTable(w, header, rows) })
}
