// Package plugin holds docker-zarf's commands: the cobra tree, its flags and
// output formats, the keychain built on docker's own credential lookup, and
// the journeys (publish, pull, inspect, copy) that tie the layout, manifest,
// registry and progress packages together.
//
// It is the only package that knows cobra and docker/cli. Main wires the
// docker CLI, chooses plugin or standalone mode and maps errors to exit
// codes, as buildx's main.go does.
package plugin
