package formatter

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/docker/go-units"

	"github.com/docker-zarf/docker-zarf/journey"
	"github.com/docker-zarf/docker-zarf/manifest"
)

// Layers writes inspect --layers: a table, or with format JSON one object
// per layer.
func Layers(w io.Writer, format string, layers []manifest.Layer) error {
	if format == JSON {
		type row struct {
			Title     string `json:"title"`
			Size      int64  `json:"size"`
			Digest    string `json:"digest"`
			MediaType string `json:"mediaType"`
		}
		rows := make([]row, 0, len(layers))
		for _, l := range layers {
			rows = append(rows, row{l.Title, l.Size, l.Digest, manifest.MediaTypeLayer})
		}
		return WriteJSON(w, rows)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TITLE\tSIZE\tDIGEST\tMEDIA TYPE")
	for _, l := range layers {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", Safe(l.Title), units.BytesSize(float64(l.Size)), l.Digest, manifest.MediaTypeLayer)
	}
	return tw.Flush()
}

// Tags writes ls: tag, architectures, size and, with digests, the digest
// each tag points at.
func Tags(w io.Writer, rows []journey.Tag, digests bool) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	head := "TAG\tARCHITECTURES\tSIZE"
	if digests {
		head += "\tDIGEST"
	}
	fmt.Fprintln(tw, head)
	for _, r := range rows {
		archs := Safe(strings.Join(r.Architectures, ","))
		if archs == "" {
			archs = "-"
		}
		line := fmt.Sprintf("%s\t%s\t%s", Safe(r.Tag), archs, units.BytesSize(float64(r.Size)))
		if digests {
			line += "\t" + r.Digest
		}
		fmt.Fprintln(tw, line)
	}
	return tw.Flush()
}

// Published writes what publish or copy did: head, the manifest and index
// digests, and the manifest the tag held before for this architecture, as
// docker push prints its digest.
func Published(w io.Writer, res journey.Published, head string) error {
	fmt.Fprintln(w, Safe(head))
	fmt.Fprintf(w, "%s: digest: %s size: %d\n", Safe(res.Architecture), res.Digest, res.Size)
	if res.IndexDigest != "" {
		fmt.Fprintf(w, "index: %s\n", res.IndexDigest)
	}
	if res.Replaced != "" {
		fmt.Fprintf(w, "replaced %s %s → %s\n", Safe(res.Architecture), res.Replaced, res.Digest)
	}
	return nil
}

// Verified writes what verify checked, under Zarf's "Verified OK".
func Verified(w io.Writer, verifiedOK string, res journey.Verified) error {
	_, err := fmt.Fprintf(w, "%s\n%s: signature and %d checksums\n", verifiedOK, Safe(res.Package), res.Files)
	return err
}

// Version is what `version` prints, and its JSON form.
type Version struct {
	Version             string `json:"version"`
	Commit              string `json:"commit,omitempty"`
	GoVersion           string `json:"goVersion"`
	Platform            string `json:"platform"`
	GoContainerRegistry string `json:"goContainerRegistry,omitempty"`
	DockerCLI           string `json:"dockerCli,omitempty"`
}

// Text writes v as `docker version` writes a component.
func (v Version) Text(w io.Writer) error {
	_, err := fmt.Fprintf(w, "docker-zarf %s\n commit: %s\n go: %s %s\n go-containerregistry: %s\n docker/cli: %s\n",
		v.Version, orUnknown(v.Commit), v.GoVersion, v.Platform, orUnknown(v.GoContainerRegistry), orUnknown(v.DockerCLI))
	return err
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}
