package formatter

import (
	"fmt"
	"strings"
	"unicode"
)

// Safe escapes the control characters in s (ESC, BEL, CR, …) as \xNN or
// \uNNNN, so that what a registry or a package says (an error message, a
// tag, an architecture, a layer title) is shown, never obeyed: ESC[2J in a
// tag must not clear the user's screen. JSON output needs none of this:
// encoding/json escapes control characters itself.
func Safe(s string) string {
	if !strings.ContainsFunc(s, isUnsafe) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case !isUnsafe(r):
			b.WriteRune(r)
		case r < 0x100:
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			fmt.Fprintf(&b, `\u%04x`, r)
		}
	}
	return b.String()
}

// isUnsafe is a control character other than newline and tab (docker's
// usage errors span lines on purpose; everything else is folded onto one
// line before it gets here), or a Unicode format character that can
// reorder what the terminal shows (bidirectional overrides).
func isUnsafe(r rune) bool {
	return (unicode.IsControl(r) && r != '\n' && r != '\t') || unicode.Is(unicode.Cf, r)
}
