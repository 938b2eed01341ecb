package plugin

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
)

func (o *outputOptions) validate(formats ...string) error {
	if !slices.Contains(formats, o.format) {
		return fmt.Errorf("-o %q is not one of %s", o.format, strings.Join(formats, ", "))
	}
	return nil
}

// print writes v as indented JSON for -o json, the text line otherwise, and
// nothing with --quiet.
func (o *outputOptions) print(w io.Writer, v any, format string, args ...any) error {
	switch {
	case o.format == "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	case o.quiet:
		return nil
	}
	_, err := fmt.Fprintf(w, format, args...)
	return err
}
