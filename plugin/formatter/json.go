package formatter

import (
	"encoding/json"
	"io"
)

// Output formats: the same two on every command, as docker's --format.
const (
	Text = "text"
	JSON = "json"
)

// WriteJSON writes v as indented JSON, the form of every --format json.
func WriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// WriteIndentedJSON re-indents a JSON document (a zarf.yaml turned into
// JSON) the way WriteJSON writes values.
func WriteIndentedJSON(w io.Writer, doc []byte) error {
	var v any
	if err := json.Unmarshal(doc, &v); err != nil {
		return err
	}
	return WriteJSON(w, v)
}
