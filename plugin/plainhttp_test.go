package plugin

import (
	"slices"
	"strings"

	"github.com/docker-zarf/docker-zarf/internal/testregistry"
)

// withPlainHTTP adds to args what a user would type to reach this test
// binary's plain-HTTP registries: docker-zarf never falls back to http,
// loopback included. A publish, pull, inspect or ls whose oci:// hosts are
// all plain gets --plain-http; a copy with one plain side gets
// --from-plain-http or --to-plain-http. Args that already say anything
// about plain HTTP (--plain-http=false to test the refusal) are kept as
// they are.
func withPlainHTTP(args []string) []string {
	if !slices.ContainsFunc(args, func(a string) bool {
		return slices.Contains([]string{"publish", "pull", "inspect", "ls", "list", "verify"}, a)
	}) {
		return args
	}
	var hosts []bool // per oci:// argument: is it plain?
	for _, a := range args {
		if strings.Contains(a, "plain-http") {
			return args
		}
		if rest, ok := strings.CutPrefix(a, "oci://"); ok {
			host, _, _ := strings.Cut(rest, "/")
			hosts = append(hosts, testregistry.IsPlainHTTP(host))
		}
	}
	out := slices.Clone(args)
	switch {
	case len(hosts) == 0:
	case !slices.Contains(hosts, false):
		out = append(out, "--plain-http")
	case len(hosts) == 2 && hosts[0]:
		out = append(out, "--from-plain-http")
	case len(hosts) == 2 && hosts[1]:
		out = append(out, "--to-plain-http")
	}
	return out
}
