package registry

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
)

// Bounds of a tag listing, whatever the registry answers: a registry whose
// Link header always names a new page must not make it endless, nor hold
// its pages in memory without end. The byte budget covers every page
// together; no real repository comes near it (100,000 tags of 50
// characters are about 5 MB).
const (
	maxTagsBytes = 32 << 20
	maxTagsPages = 1000
)

// Tags lists every tag of repo, following the registry's pagination (the
// Link: <...>; rel="next" header, which carries n and last). The listing
// fails when a Link leads back to a page already read, or past 1000 pages
// or 32 MiB of pages in all.
func (c *Client) Tags(ctx context.Context, repo name.Repository) ([]string, error) {
	hc, err := c.client(ctx, repo, pullScope(repo))
	if err != nil {
		return nil, err
	}
	next := c.endpoint(repo, "tags/list")
	if c.tagsPageSize > 0 {
		next += fmt.Sprintf("?n=%d", c.tagsPageSize)
	}
	var tags []string
	seen := map[string]bool{}
	budget := int64(maxTagsBytes)
	rt := c.retrier(opTags)
	for pages := 0; next != ""; pages++ {
		switch {
		case seen[next]:
			return nil, newError(opTags, repo, fmt.Errorf("pagination loops back to %s", redactURLString(next)))
		case pages == maxTagsPages:
			return nil, newError(opTags, repo, fmt.Errorf("more than %d pages of tags: giving up", maxTagsPages))
		}
		seen[next] = true
		var page []string
		var size int64
		cur := next
		err := rt.run(ctx, func() error {
			var err error
			page, next, size, err = c.tagsPage(ctx, hc, repo, cur, budget)
			return err
		})
		if err != nil {
			return nil, err
		}
		budget -= size
		tags = append(tags, page...)
	}
	return tags, nil
}

const opTags = "list tags"

// tagsPage reads one page of at most budget bytes and returns its tags, the
// next page's URL and its size.
func (c *Client) tagsPage(ctx context.Context, hc *http.Client, repo name.Repository, u string, budget int64) ([]string, string, int64, error) {
	const op = opTags
	resp, err := c.send(ctx, hc, repo, request{op: op, method: http.MethodGet, url: u, ok: []int{http.StatusOK}})
	if err != nil {
		return nil, "", 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, budget+1))
	if err != nil {
		return nil, "", 0, newError(op, repo, err)
	}
	if int64(len(body)) > budget {
		return nil, "", 0, newError(op, repo, fmt.Errorf("tag list over %d bytes in all: giving up", maxTagsBytes))
	}
	var list struct {
		Tags []string `json:"tags"`
	}
	if err := json.Unmarshal(body, &list); err != nil {
		return nil, "", 0, newError(op, repo, fmt.Errorf("decoding the tag list: %w", err))
	}
	next, err := nextLink(resp)
	if err != nil {
		return nil, "", 0, newError(op, repo, err)
	}
	return list.Tags, next, int64(len(body)), nil
}

// nextLink returns the absolute URL of a Link header's rel="next", or "".
func nextLink(resp *http.Response) (string, error) {
	for _, v := range resp.Header.Values("Link") {
		for _, link := range strings.Split(v, ",") {
			i, j := strings.Index(link, "<"), strings.Index(link, ">")
			if i < 0 || j < i || !strings.Contains(strings.ReplaceAll(link[j:], " ", ""), `rel="next"`) {
				continue
			}
			u, err := resp.Request.URL.Parse(link[i+1 : j])
			if err != nil {
				return "", fmt.Errorf("bad Link header: %w", err)
			}
			return u.String(), nil
		}
	}
	return "", nil
}
