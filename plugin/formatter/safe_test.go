package formatter

import "testing"

func TestSafeEscapesControlCharacters(t *testing.T) {
	for in, want := range map[string]string{
		"plain 1.0.0":       "plain 1.0.0",
		"\x1b[2Jcleared":    `\x1b[2Jcleared`,
		"bell\a and \r":     `bell\x07 and \x0d`,
		"usage\n\tlines":    "usage\n\tlines",
		"rtl\u202eoverride": `rtl\u202eoverride`,
		"üñí 世界":            "üñí 世界",
	} {
		if got := Safe(in); got != want {
			t.Errorf("safe(%q) = %q, want %q", in, got, want)
		}
	}
}
