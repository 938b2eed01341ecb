package registry

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/docker-zarf/docker-zarf/internal/testregistry"
)

// TestTagsPagination lists more tags than fit a page and follows the
// registry's Link headers.
func TestTagsPagination(t *testing.T) {
	reg := testregistry.Start(t)
	c := newTestClient(Options{})
	repo := mustRepo(t, reg, "tags/many")
	var want []string
	layer := newBlob(t, 10)
	for i := range 7 {
		tag := fmt.Sprintf("v%d", i)
		pushImage(t, c, repo, tag, layer)
		want = append(want, tag)
	}
	for _, page := range []int{0, 2, 3, 100} {
		t.Run(fmt.Sprintf("page %d", page), func(t *testing.T) {
			c.tagsPageSize = page
			reg.Reset()
			got, err := c.Tags(testCtx(t), repo)
			if err != nil {
				t.Fatalf("Tags: %v", err)
			}
			slices.Sort(got)
			if !slices.Equal(got, want) {
				t.Errorf("Tags = %q, want %q", got, want)
			}
			lists := 0
			for _, r := range reg.Requests() {
				if strings.HasSuffix(r.Path, "/tags/list") {
					lists++
				}
			}
			if wantLists := pages(len(want), page); lists != wantLists {
				t.Errorf("%d list requests, want %d", lists, wantLists)
			}
		})
	}
}

// pages is how many requests a listing of n tags takes with page size p
// (distribution sends a next link after every full page).
func pages(n, p int) int {
	if p == 0 || p > n {
		return 1
	}
	return n/p + 1
}

// TestTagsEndlessLinks: a proxy in front of a real registry that always
// adds a Link to a page never seen before cannot keep a listing going
// forever (it ran for minutes and grew to 1.6 GB): the listing stops after
// maxTagsPages pages with an error saying so.
func TestTagsEndlessLinks(t *testing.T) {
	var served atomic.Int64
	endless := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasSuffix(r.URL.Path, "/tags/list") {
				n := served.Add(1)
				w.Header().Set("Link", fmt.Sprintf(`<%s?n=100&last=page-%d>; rel="next"`, r.URL.Path, n))
			}
			next.ServeHTTP(w, r)
		})
	}
	reg := testregistry.Start(t, testregistry.WithHandler(endless))
	c := newTestClient(Options{})
	repo := mustRepo(t, reg, "tags/endless")
	pushImage(t, c, repo, "v1", newBlob(t, 10))
	tags, err := c.Tags(testCtx(t), repo)
	if err == nil || !strings.Contains(err.Error(), "pages of tags") {
		t.Fatalf("Tags = %d tags, %v; want an error about too many pages", len(tags), err)
	}
	if n := served.Load(); n != maxTagsPages {
		t.Errorf("%d pages requested, want %d", n, maxTagsPages)
	}
}
