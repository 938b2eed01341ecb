// Package flags holds the flag groups that several commands share: the
// registry flags and the client they build (Remote, Side), --format and
// --quiet with the output rules that go with them (Output), and Zarf's
// --key and --verify (Signature). Each command in package plugin adds the
// groups it takes, as buildx's commands share util/buildflags.
package flags
