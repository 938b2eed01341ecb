package registry

import (
	"net/url"
	"strings"
	"testing"
)

func TestRedaction(t *testing.T) {
	tests := []struct {
		in      string
		hidden  []string
		visible []string
	}{
		{"https://r.io/token?scope=repository%3Aa%3Apull&service=r.io", nil, []string{"scope=", "service=r.io"}},
		{"https://s3.aws/b/o?X-Amz-Signature=abc123&X-Amz-Credential=AKIA&X-Amz-Security-Token=tok&X-Amz-Expires=60", []string{"abc123", "AKIA", "=tok"}, []string{"X-Amz-Expires=60"}},
		{"https://blob.core/c?sig=s3cr3t&se=2025", []string{"s3cr3t"}, []string{"se=2025"}},
		{"https://user:pass@r.io/v2/", []string{"pass", "user"}, []string{"r.io/v2/"}},
		{"https://r.io/oauth?access_token=t0k&refresh_token=r3f&code=c0de", []string{"t0k", "r3f", "c0de"}, nil},
	}
	for _, tt := range tests {
		u, err := url.Parse(tt.in)
		if err != nil {
			t.Fatal(err)
		}
		got := redactURL(u)
		for _, s := range tt.hidden {
			if strings.Contains(got, s) {
				t.Errorf("redactURL(%s) = %s shows %q", tt.in, got, s)
			}
		}
		for _, s := range tt.visible {
			if !strings.Contains(got, s) {
				t.Errorf("redactURL(%s) = %s hides %q", tt.in, got, s)
			}
		}
	}
	headers := []struct{ name, value, want string }{
		{"Authorization", "Bearer abc", redacted},
		{"Proxy-Authorization", "Basic abc", redacted},
		{"Cookie", "a=b", redacted},
		{"Set-Cookie", "a=b", redacted},
		{"X-Registry-Token", "t", redacted},
		{"Www-Authenticate", `Bearer realm="https://a/token"`, `Bearer realm="https://a/token"`},
		{"Location", "/v2/a/blobs/uploads/1?_state=x&token=t", "/v2/a/blobs/uploads/1?_state=x&token=REDACTED"},
		{"Link", `</v2/a/tags/list?n=2&last=b>; rel="next"`, `</v2/a/tags/list?n=2&last=b>; rel="next"`},
		{"Content-Type", "application/json", "application/json"},
		{"Docker-Content-Digest", "sha256:abc", "sha256:abc"},
	}
	for _, h := range headers {
		if got := redactHeader(h.name, h.value); got != h.want {
			t.Errorf("redactHeader(%s, %s) = %s, want %s", h.name, h.value, got, h.want)
		}
	}
}
