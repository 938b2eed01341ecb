// Package layout reads and writes Zarf packages on disk. It does no network
// I/O.
//
// Open accepts every form a Zarf package takes on disk: a zstd-compressed tar
// (.tar.zst, Zarf's default), a plain tar (metadata.uncompressed: true), a
// split package (a .part000 JSON header and .part001… data parts, streamed as
// one archive and never joined on disk) and an unpacked directory. Open
// validates the whole package before it returns, so nothing is pushed from a
// package that is broken: zarf.yaml parses, checksums.txt matches the
// aggregate checksum in zarf.yaml, the files present are exactly those listed,
// and no entry is unsafe (links, devices, paths leaving the package).
//
// File contents are verified while they stream: every reader from
// Package.Open and Package.Walk checks the size and sha256 of the bytes at
// EOF, so each file is read and hashed exactly once. Inputs are read-only.
//
// Write produces deterministic archives like Zarf's (sorted entries, parent
// directory entries, zeroed times and owners) atomically; Extract unpacks an
// archive without letting any entry escape its directory.
//
// Package layouttest builds valid (or deliberately broken) packages for tests.
package layout
