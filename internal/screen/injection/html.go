package injection

import (
	"bytes"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// maxHTMLDepth bounds the element stack the hidden-text scanner keeps; deeper
// nesting is treated as visible (the content is still screened as text).
const maxHTMLDepth = 256

// looksHTML reports whether content should be scanned as HTML.
func looksHTML(s []byte, contentType string) bool {
	if strings.Contains(strings.ToLower(contentType), "html") {
		return true
	}
	return bytes.Contains(s, []byte("<!--")) ||
		(bytes.Contains(s, []byte("</")) && (bytes.Contains(s, []byte("style=")) || bytes.Contains(s, []byte("hidden"))))
}

// hiddenHTML adds, as payloads, text a browser would not show: comments,
// text inside elements styled display:none, visibility:hidden, zero size,
// zero opacity or text coloured like its background, elements with the
// hidden attribute, and hidden inputs' values. The tokenizer is linear.
func (x *extractor) hiddenHTML(s []byte) {
	z := html.NewTokenizer(bytes.NewReader(s))
	z.SetMaxBuf(len(s) + 1)
	type elem struct {
		a      atom.Atom
		name   string
		hidden bool
	}
	var stack []elem
	off := 0
	hiddenDepth := 0 // number of hidden elements on the stack
	for !x.full() {
		tt := z.Next()
		if tt == html.ErrorToken {
			return
		}
		raw := z.Raw()
		start := off
		off += len(raw)
		switch tt {
		case html.CommentToken:
			if t := bytes.TrimSpace(z.Text()); len(t) > 0 {
				x.add("html-comment", t, start, off, 1)
			}
		case html.TextToken:
			if hiddenDepth > 0 {
				if t := bytes.TrimSpace(raw); len(t) > 0 {
					x.add("html-hidden", t, start, off, 1)
				}
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			a := atom.Lookup(name)
			hide, value := false, []byte(nil)
			for hasAttr {
				var k, v []byte
				k, v, hasAttr = z.TagAttr()
				switch string(k) {
				case "style":
					hide = hide || hiddenStyle(v)
				case "hidden":
					hide = true
				case "type":
					hide = hide || (a == atom.Input && bytes.EqualFold(v, []byte("hidden")))
				case "value":
					value = append(value[:0], v...)
				}
			}
			if hide && len(value) > 0 {
				x.add("html-hidden", value, start, off, 1)
			}
			if tt == html.SelfClosingTagToken || voidElement(a) || len(stack) >= maxHTMLDepth {
				continue
			}
			stack = append(stack, elem{a: a, name: string(name), hidden: hide})
			if hide {
				hiddenDepth++
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			for k := len(stack) - 1; k >= 0; k-- {
				if stack[k].name != string(name) {
					continue
				}
				for _, e := range stack[k:] {
					if e.hidden {
						hiddenDepth--
					}
				}
				stack = stack[:k]
				break
			}
		}
	}
}

func voidElement(a atom.Atom) bool {
	switch a {
	case atom.Area, atom.Base, atom.Br, atom.Col, atom.Embed, atom.Hr, atom.Img, atom.Input,
		atom.Link, atom.Meta, atom.Source, atom.Track, atom.Wbr:
		return true
	}
	return false
}

// hiddenStyle reports whether an inline style hides its element's text.
func hiddenStyle(v []byte) bool {
	var b [256]byte
	st := b[:0]
	for _, c := range v {
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' {
			continue
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		st = append(st, c)
	}
	var color, background []byte
	for decl := range bytes.SplitSeq(st, []byte(";")) {
		k, val, ok := bytes.Cut(decl, []byte(":"))
		if !ok {
			continue
		}
		val = bytes.TrimSuffix(val, []byte("!important"))
		switch string(k) {
		case "display":
			if string(val) == "none" {
				return true
			}
		case "visibility":
			if string(val) == "hidden" || string(val) == "collapse" {
				return true
			}
		case "opacity":
			if zeroLength(val) {
				return true
			}
		case "font-size", "line-height", "max-height", "height", "width", "max-width":
			if zeroLength(val) && string(k) != "line-height" || string(k) == "font-size" && tinyFont(val) {
				return true
			}
		case "color":
			color = val
			if string(val) == "transparent" {
				return true
			}
		case "background-color", "background":
			background = val
		case "text-indent", "left", "top", "margin-left":
			if bytes.HasPrefix(val, []byte("-")) && len(val) >= 5 { // -999px and beyond
				return true
			}
		}
	}
	if len(color) > 0 && len(background) > 0 {
		return bytes.Equal(canonColor(color), canonColor(background))
	}
	// white text with no background given is taken as white on white
	return len(color) > 0 && string(canonColor(color)) == "#ffffff"
}

func zeroLength(v []byte) bool {
	v = bytes.TrimRight(v, "pxemrt%")
	if len(v) == 0 {
		return false
	}
	for _, c := range v {
		if c != '0' && c != '.' {
			return false
		}
	}
	return true
}

func tinyFont(v []byte) bool {
	if !bytes.HasSuffix(v, []byte("px")) {
		return false
	}
	v = v[:len(v)-2]
	return len(v) == 1 && v[0] >= '0' && v[0] <= '2'
}

func canonColor(v []byte) []byte {
	switch string(v) {
	case "white", "#fff", "#ffffff", "rgb(255,255,255)", "#fffffe":
		return []byte("#ffffff")
	case "black", "#000", "#000000", "rgb(0,0,0)":
		return []byte("#000000")
	}
	return v
}
