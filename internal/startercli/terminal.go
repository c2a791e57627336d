package startercli

import (
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"
)

// What the starter prints comes in part from outside it: a decision's By
// and Comment, failure messages from histories, states and messages a
// cloud answered. A terminal obeys the control sequences such text can
// hold (clear the screen, set the title, move the cursor and write "Approved"
// over a line), and a newline in it can fake a line of the starter's own.
// So every argument printed is data: say and sayln write control
// characters in arguments escaped (\n, \u001b, ...), and the App's writers
// escape any control character but newline and tab that reaches them by
// another road (terminalWriter).

// say is fmt.Fprintf with every string, error and Stringer argument on one
// line, its control characters escaped; the format is the starter's own.
func say(w io.Writer, format string, args ...any) {
	fmt.Fprintf(w, format, printable(args)...)
}

// sayln is fmt.Fprintln with the arguments escaped as say escapes them.
func sayln(w io.Writer, args ...any) {
	fmt.Fprintln(w, printable(args)...)
}

func printable(args []any) []any {
	out := make([]any, len(args))
	for i, a := range args {
		switch v := a.(type) {
		case string:
			out[i] = escapeControls(v, false)
		case error:
			out[i] = escapeControls(v.Error(), false)
		case fmt.Stringer:
			out[i] = escapeControls(v.String(), false)
		default:
			out[i] = a
		}
	}
	return out
}

// escapeControls writes s with its control and format characters (C0, DEL,
// C1, the bidirectional overrides and other invisible ones) as \uXXXX, and
// bytes that are not UTF-8 as U+FFFD: valid inside a JSON string as in a
// line of text. With keepLines, newlines and tabs stay.
func escapeControls(s string, keepLines bool) string {
	clean := true
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if escaped(r, size, keepLines) {
			clean = false
			break
		}
		i += size
	}
	if clean {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteRune(utf8.RuneError)
		case !escaped(r, size, keepLines):
			b.WriteRune(r)
		case r > 0xFFFF:
			r1, r2 := utf16Pair(r)
			fmt.Fprintf(&b, `\u%04x\u%04x`, r1, r2)
		default:
			fmt.Fprintf(&b, `\u%04x`, r)
		}
	}
	return b.String()
}

// escaped tells whether rune r (of size bytes) is written escaped.
func escaped(r rune, size int, keepLines bool) bool {
	switch {
	case r == utf8.RuneError && size == 1:
		return true
	case r == '\n' || r == '\t':
		return !keepLines
	case r == ' ':
		return false
	case unicode.IsControl(r) || unicode.In(r, unicode.Cf, unicode.Zl, unicode.Zp):
		return true
	}
	return !unicode.IsPrint(r) && !unicode.IsSpace(r)
}

func utf16Pair(r rune) (rune, rune) {
	r -= 0x10000
	return 0xD800 + (r>>10)&0x3FF, 0xDC00 + r&0x3FF
}

// terminalWriter escapes every control character but newline and tab in
// what is written to w: the last guard of the App's output, whatever path
// a string took to it. The JSON the starter prints stays valid JSON.
type terminalWriter struct{ w io.Writer }

func (t terminalWriter) Write(p []byte) (int, error) {
	if _, err := io.WriteString(t.w, escapeControls(string(p), true)); err != nil {
		return 0, err
	}
	return len(p), nil
}
