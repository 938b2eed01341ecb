package plugin

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/docker/go-units"

	"github.com/docker-zarf/docker-zarf/internal/testregistry"
	"github.com/docker-zarf/docker-zarf/journey"
	"github.com/docker-zarf/docker-zarf/layout/layouttest"
)

// pageSize forces every tag list request to ask for n pages of two, so that
// listing a handful of tags takes several pages linked by Link headers, as a
// big repository on a real registry does.
func pageSize(n string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasSuffix(r.URL.Path, "/tags/list") {
				q := r.URL.Query()
				q.Set("n", n)
				r.URL.RawQuery = q.Encode()
			}
			next.ServeHTTP(w, r)
		})
	}
}

// tagSize is what ls must report for a tag: the config and layers of every
// manifest under it, read with go-containerregistry.
func tagSize(t *testing.T, repo, tag string) int64 {
	t.Helper()
	var n int64
	for _, d := range pushedIndex(t, repo+":"+tag).Manifests {
		m := pushedManifest(t, repo, d)
		n += m.Config.Size
		for _, l := range m.Layers {
			n += l.Size
		}
	}
	return n
}

func TestListPaginatedTags(t *testing.T) {
	reg := testregistry.Start(t, testregistry.WithHandler(pageSize("2")))
	cfg := emptyConfig(t)
	target := "oci://" + reg.Host + "/team"
	mustSucceed(t, runCLI(t, cfg, "publish", demoAmd64, target, "-q"))
	mustSucceed(t, runCLI(t, cfg, "publish", demoArm64, target, "-q"))
	for _, tag := range []string{"a", "b", "c", "d"} {
		mustSucceed(t, runCLI(t, cfg, "publish", demoArm64, target, "--tag", tag, "-q"))
	}
	skel := layouttest.Build(t, t.TempDir(), layouttest.Spec{Name: "demo", Version: "1.0.0", Arch: "skeleton",
		Files: map[string]layouttest.Content{"components/app.tar": layouttest.Random(1000, 1)}})
	mustSucceed(t, runCLI(t, cfg, "publish", skel, target, "--tag", "skel", "-q"))

	reg.Reset()
	r := mustSucceed(t, runCLI(t, cfg, "ls", "oci://"+reg.Host+"/team/demo", "--format", "json"))
	lists := 0
	for _, l := range reg.Requests() {
		if strings.HasSuffix(l.Path, "/tags/list") {
			lists++
		}
	}
	if lists < 3 {
		t.Fatalf("%d tag list requests for 6 tags in pages of 2, want at least 3", lists)
	}

	var rows []journey.Tag
	if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil {
		t.Fatalf("ls --format json printed %q: %v", r.stdout, err)
	}
	repo := reg.Host + "/team/demo"
	want := []journey.Tag{
		{Tag: "1.0.0", Architectures: []string{"amd64", "arm64"}, Size: tagSize(t, repo, "1.0.0")},
		{Tag: "a", Architectures: []string{"arm64"}, Size: tagSize(t, repo, "a")},
		{Tag: "b", Architectures: []string{"arm64"}, Size: tagSize(t, repo, "b")},
		{Tag: "c", Architectures: []string{"arm64"}, Size: tagSize(t, repo, "c")},
		{Tag: "d", Architectures: []string{"arm64"}, Size: tagSize(t, repo, "d")},
		{Tag: "skel", Architectures: []string{"skeleton"}, Size: tagSize(t, repo, "skel"), Skeleton: true},
	}
	slices.SortFunc(rows, func(a, b journey.Tag) int { return strings.Compare(a.Tag, b.Tag) })
	if len(rows) != len(want) {
		t.Fatalf("ls listed %+v, want %+v", rows, want)
	}
	for i := range want {
		slices.Sort(rows[i].Architectures)
		if rows[i].Tag != want[i].Tag || !slices.Equal(rows[i].Architectures, want[i].Architectures) ||
			rows[i].Size != want[i].Size || rows[i].Skeleton != want[i].Skeleton || rows[i].Size == 0 {
			t.Errorf("row %+v, want %+v", rows[i], want[i])
		}
	}

	text := mustSucceed(t, runCLI(t, cfg, "ls", "oci://"+reg.Host+"/team/demo")).stdout
	lines := strings.Split(strings.TrimSpace(text), "\n")
	if len(lines) != 7 || strings.Join(strings.Fields(lines[0]), " ") != "TAG ARCHITECTURES SIZE" {
		t.Fatalf("ls printed:\n%s", text)
	}
	for _, w := range want {
		line := findRow(lines[1:], w.Tag)
		if !strings.Contains(line, units.BytesSize(float64(w.Size))) || !strings.Contains(line, w.Architectures[len(w.Architectures)-1]) {
			t.Errorf("ls row for %s is %q, want its size %s and architectures %v", w.Tag, line, units.BytesSize(float64(w.Size)), w.Architectures)
		}
		if w.Skeleton != strings.Contains(line, "skeleton") {
			t.Errorf("ls row for %s is %q: skeleton marked wrongly", w.Tag, line)
		}
	}
}

// findRow is the text line of tag (its first column).
func findRow(lines []string, tag string) string {
	for _, l := range lines {
		if f := strings.Fields(l); len(f) > 0 && f[0] == tag {
			return l
		}
	}
	return ""
}

func TestListErrors(t *testing.T) {
	reg := testregistry.Start(t)
	cfg := emptyConfig(t)
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"unknown repository", []string{"ls", "oci://" + reg.Host + "/team/nothing"}, "listing the tags of " + reg.Host + "/team/nothing"},
		{"no scheme", []string{"ls", reg.Host + "/team/demo"}, "oci://"},
		{"bad output", []string{"ls", "oci://" + reg.Host + "/team/demo", "--format", "yaml"}, `--format "yaml"`},
		{"no argument", []string{"ls"}, "requires 1 argument"},
		{"unreachable", []string{"ls", "oci://127.0.0.1:1/team/demo", "--retries", "0"}, "connection refused"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, cfg, tc.args...)
			mustFail(t, r, tc.want)
			if r.stdout != "" {
				t.Fatalf("a failed ls printed %q", r.stdout)
			}
		})
	}
}

// TestListAlias: `docker zarf list` is `ls`.
func TestListAlias(t *testing.T) {
	reg := testregistry.Start(t)
	cfg := emptyConfig(t)
	mustSucceed(t, runCLI(t, cfg, "publish", flavored, "oci://"+reg.Host+"/team", "-q"))
	r := mustSucceed(t, runCLI(t, cfg, "list", "oci://"+reg.Host+"/team/flavored"))
	if findRow(strings.Split(r.stdout, "\n"), "0.2.0-upstream") == "" {
		t.Fatalf("list printed:\n%s", r.stdout)
	}
}
