package formatter

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/docker-zarf/docker-zarf/registry"
)

// TestDescribe pins the line the user reads for each failure with a remedy.
func TestDescribe(t *testing.T) {
	const host = "reg.example.com"
	regErr := func(op string, status int, code string) error {
		return fmt.Errorf("pushing layer components/app.tar: %w",
			&registry.Error{Op: op, Host: host, Repository: "ns/pkg", StatusCode: status, Code: code, Message: "details"})
	}
	cases := []struct {
		name string
		err  error
		want string // the whole line, or a prefix ending in "…"
	}{
		{"401", regErr("HEAD blob", 401, "UNAUTHORIZED"), "Error: authentication required for reg.example.com: run docker login reg.example.com"},
		{"403", regErr("upload blob", 403, "DENIED"), "Error: authentication required for reg.example.com: run docker login reg.example.com"},
		{"404 push", regErr("upload blob", 404, "NAME_UNKNOWN"), "Error: repository ns/pkg does not exist; some registries (ECR) need it created first"},
		{"404 pull", fmt.Errorf("resolving x: %w", &registry.Error{Op: "GET manifest", Host: host, Repository: "ns/pkg", StatusCode: 404, Code: "NAME_UNKNOWN", Message: "repository name not known to registry"}),
			"Error: resolving x: GET manifest…"},
		{"413", regErr("upload blob", 413, ""), "Error: reg.example.com rejected a request body as too large (413); publish with --chunk-size, e.g. --chunk-size 64MiB"},
		{"416", regErr("upload blob", 416, ""), "Error: reg.example.com rejected an upload chunk (416); use a smaller --chunk-size, e.g. --chunk-size 4MiB, or none"},
		{"429", regErr("upload blob", 429, "TOOMANYREQUESTS"), "Error: reg.example.com is rate limiting requests (429) and the retries ran out; wait a while and run the command again"},
		{"digest mismatch", fmt.Errorf("pulling layer components/app.tar: %w",
			&registry.Error{Op: "GET blob", Host: host, Repository: "ns/pkg", Err: fmt.Errorf("sha256:ab…: %w", registry.ErrDigestMismatch)}),
			"Error: pulling layer components/app.tar: …digest mismatch"},
		{"full disk", fmt.Errorf("writing out/pkg.tar.zst: %w", &os.PathError{Op: "write", Path: "out/.pkg.tmp", Err: syscall.ENOSPC}),
			"Error: no space left on device: writing out/pkg.tar.zst: write out/.pkg.tmp: no space left on device; free some space and run the command again"},
		{"oversized manifest", fmt.Errorf("resolving x: %w", &registry.Error{Op: "GET manifest", Host: host, Repository: "ns/pkg", Err: registry.ErrManifestTooLarge}),
			"Error: resolving x: …manifest larger than 4 MiB"},
		{"cancelled", fmt.Errorf("pushing: %w", context.Canceled), "Error: cancelled"},
		{"multi-line", errors.New("first\nsecond\n\tthird"), "Error: first second third"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := Describe(tc.err)
			if strings.Contains(got, "\n") {
				t.Fatalf("not one line: %q", got)
			}
			if prefix, rest, ok := strings.Cut(tc.want, "…"); ok {
				if !strings.HasPrefix(got, prefix) || !strings.Contains(got, rest) {
					t.Fatalf("Describe = %q, want %q…%q", got, prefix, rest)
				}
				return
			}
			if got != tc.want {
				t.Fatalf("Describe = %q\n          want %q", got, tc.want)
			}
		})
	}
}
