package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/docker-zarf/docker-zarf/internal/faultproxy"
)

// The credentials every tool logs in with; the proxy's token server checks them.
const benchUser, benchPass = "bench", "bench"

// benchProxy is a registry D away behind token auth: the requests and new
// connections of each command are counted and delayed by D each (the token
// requests too), and reach the registry (which has no auth of its own)
// without credentials.
type benchProxy struct {
	Host    string
	counter *faultproxy.Counter
	srv     *http.Server
}

// startProxy serves on a free loopback port in front of upstream (host:port).
func startProxy(upstream string, d time.Duration) (*benchProxy, error) {
	target, err := url.Parse("http://" + upstream)
	if err != nil {
		return nil, err
	}
	rp := httputil.NewSingleHostReverseProxy(target)
	// The Host header stays the proxy's, so the registry's Location headers
	// point back through the proxy.
	// Enough idle connections for every tool's concurrency: the default
	// two would make the proxy itself open connections the tools did not.
	rp.Transport = &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 64, IdleConnTimeout: time.Minute}
	counter := &faultproxy.Counter{}
	var h http.Handler = rp
	h = faultproxy.NewBearerAuth(benchUser, benchPass).Middleware(h)
	lat := faultproxy.Latency{D: d}
	h = lat.Middleware(h)
	h = counter.Middleware(h)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &benchProxy{Host: ln.Addr().String(), counter: counter, srv: &http.Server{Handler: h, ReadHeaderTimeout: time.Minute}}
	// A new connection costs a round trip too, as its TCP handshake would.
	go func() { _ = p.srv.Serve(counter.Listener(lat.Listener(ln))) }()
	return p, nil
}

func (p *benchProxy) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = p.srv.Shutdown(ctx)
}

// writeDockerConfig logs every tool in to hosts: docker-zarf, crane, oras
// and Zarf all read $DOCKER_CONFIG/config.json.
func writeDockerConfig(dir string, hosts ...string) error {
	auth := base64.StdEncoding.EncodeToString([]byte(benchUser + ":" + benchPass))
	auths := map[string]any{}
	for _, h := range hosts {
		auths[h] = map[string]string{"auth": auth}
	}
	b, err := json.MarshalIndent(map[string]any{"auths": auths}, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "config.json"), b, 0o600); err != nil {
		return fmt.Errorf("writing the docker config: %w", err)
	}
	return nil
}
