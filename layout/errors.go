package layout

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
)

// ErrSkeleton is wrapped by the error Open returns for a directory that holds
// a zarf.yaml but no checksums.txt: a skeleton package source, which Zarf
// publishes with architecture "skeleton". docker-zarf does not publish those
// yet.
var ErrSkeleton = errors.New("a package source, not a built package")

// ChecksumError reports bytes whose sha256 differs from the digest recorded
// for them.
type ChecksumError struct {
	// Path names what was checked: a file of the package
	// ("components/app.tar"), "checksums.txt" for the aggregate checksum in
	// zarf.yaml, or the .part000 header of a split package.
	Path string
	// Want is the recorded digest, "sha256:<hex>".
	Want string
	// Got is the digest of the bytes read, "sha256:<hex>".
	Got string
}

func (e *ChecksumError) Error() string {
	return fmt.Sprintf("%s: checksum mismatch: %s %s, %s %s", e.Path, e.wantSource(), e.Want, e.gotSource(), e.Got)
}

// wantSource says where the expected digest came from, so that the message
// tells the user which of two things to distrust.
func (e *ChecksumError) wantSource() string {
	switch {
	case e.Path == checksumsTxt:
		return "zarf.yaml's aggregateChecksum says"
	case strings.HasSuffix(e.Path, splitSuffix):
		return "the split header says"
	case isUnlisted(e.Path):
		// zarf.yaml or a signature that changed since Open hashed it.
		return "expected"
	}
	return "checksums.txt says"
}

func (e *ChecksumError) gotSource() string {
	switch {
	case e.Path == checksumsTxt:
		return "checksums.txt is"
	case strings.HasSuffix(e.Path, splitSuffix):
		return "the joined parts are"
	}
	return "content is"
}

// FormatError reports a package that is broken or unsafe: a missing or
// malformed member, a file that is not listed, a link, a path leaving the
// package, a bad split header.
type FormatError struct {
	// Path is the package as given to Open ("" when there is none, as in
	// Extract).
	Path string
	// Entry names the offending member ("" if none).
	Entry string
	// Err says what is wrong.
	Err error
}

func (e *FormatError) Error() string {
	msg := e.Err.Error()
	// Most messages already name the entry; say it only when they don't.
	if e.Entry != "" && !strings.Contains(msg, e.Entry) {
		msg = quoteName(e.Entry) + ": " + msg
	}
	if e.Path == "" {
		return msg
	}
	return e.Path + ": " + msg
}

func (e *FormatError) Unwrap() error { return e.Err }

// quoteName quotes a name from an archive only when it holds characters that
// would break a one-line message or hide what the name really is.
func quoteName(s string) string {
	if strings.ContainsFunc(s, func(r rune) bool { return !unicode.IsGraphic(r) || r == ' ' }) {
		return strconv.Quote(s)
	}
	return s
}

func formatErr(src, entry, format string, args ...any) error {
	return &FormatError{Path: src, Entry: entry, Err: fmt.Errorf(format, args...)}
}
