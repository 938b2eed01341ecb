// Package formatter turns what the journeys return, and their errors, into
// what the user reads: text tables, indented JSON, one-line errors with a
// remedy, and escaped names in progress lines. It is docker/cli's
// cli/command/formatter for docker-zarf: the commands in package plugin
// choose what to print, this package decides how it looks. It knows
// neither cobra nor the docker CLI, so every view is tested on a buffer.
package formatter
