package formatter

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/docker/go-units"

	"github.com/docker-zarf/docker-zarf/journey"
)

// Cache writes cache ls: the table and, as `docker buildx du` does, the
// totals under it. now dates "last used".
func Cache(w io.Writer, info journey.CacheInfo, noTrunc bool, now time.Time) error {
	tw := tabwriter.NewWriter(w, 0, 4, 3, ' ', 0)
	fmt.Fprintln(tw, "DIGEST\tSIZE\tLAST USED")
	for _, b := range info.Blobs {
		digest := b.Digest
		if !noTrunc {
			digest = ShortDigest(digest)
		}
		switch {
		case b.InUse:
			digest += " (pulling)"
		case b.Partial:
			digest += " (partial)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", digest, units.HumanSize(float64(b.Size)), units.HumanDuration(now.Sub(b.LastUsed))+" ago")
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "\nCache:        %s\nReclaimable:  %s\nTotal:        %s\n",
		Safe(info.Dir), units.HumanSize(float64(info.Reclaimable)), units.HumanSize(float64(info.Size)))
	return err
}

// ShortDigest is the 12 hex digits docker shows of an image ID.
func ShortDigest(d string) string {
	hex := strings.TrimPrefix(d, "sha256:")
	if len(hex) > 12 {
		hex = hex[:12]
	}
	return hex
}

// PruneWarning is cache prune's question, in `docker builder prune`'s words.
func PruneWarning(dir string, all bool, until time.Duration) string {
	what := "all partial downloads"
	switch {
	case until > 0:
		what = "all blobs and partial downloads not used in the last " + shortDuration(until)
	case all:
		what = "all blobs"
	}
	return fmt.Sprintf("WARNING! This will remove %s in the cache %s that no running pull holds.\nAre you sure you want to continue?", what, Safe(dir))
}

// shortDuration writes 24h rather than Go's 24h0m0s.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// Pruned lists what went and the space it freed, in docker's words.
func Pruned(w io.Writer, res journey.PruneResult) {
	if len(res.Removed) > 0 {
		fmt.Fprintln(w, "Deleted cache blobs:")
		for _, b := range res.Removed {
			if b.Partial {
				fmt.Fprintln(w, b.Digest+" (partial)")
			} else {
				fmt.Fprintln(w, b.Digest)
			}
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w, "Total reclaimed space:", units.HumanSize(float64(res.Reclaimed)))
}
