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

// maxTagsPage caps one page of a tag list.
const maxTagsPage = 16 << 20

// Tags lists every tag of repo, following the registry's pagination (the
// Link: <...>; rel="next" header, which carries n and last).
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
	for next != "" {
		if seen[next] {
			return nil, newError("list tags", repo, fmt.Errorf("pagination loops back to %s", redactURLString(next)))
		}
		seen[next] = true
		var page []string
		cur := next
		err := c.backoff.retry(ctx, func() error {
			var err error
			page, next, err = c.tagsPage(ctx, hc, repo, cur)
			return err
		})
		if err != nil {
			return nil, err
		}
		tags = append(tags, page...)
	}
	return tags, nil
}

// tagsPage reads one page and returns its tags and the next page's URL.
func (c *Client) tagsPage(ctx context.Context, hc *http.Client, repo name.Repository, u string) ([]string, string, error) {
	const op = "list tags"
	resp, err := c.send(ctx, hc, repo, request{op: op, method: http.MethodGet, url: u, ok: []int{http.StatusOK}})
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxTagsPage+1))
	if err != nil {
		return nil, "", newError(op, repo, err)
	}
	if len(body) > maxTagsPage {
		return nil, "", newError(op, repo, fmt.Errorf("tag list page over %d bytes", maxTagsPage))
	}
	var list struct {
		Tags []string `json:"tags"`
	}
	if err := json.Unmarshal(body, &list); err != nil {
		return nil, "", newError(op, repo, fmt.Errorf("decoding the tag list: %w", err))
	}
	next, err := nextLink(resp)
	if err != nil {
		return nil, "", newError(op, repo, err)
	}
	return list.Tags, next, nil
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
