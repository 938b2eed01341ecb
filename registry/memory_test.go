package registry

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"math/rand/v2"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/docker-zarf/docker-zarf/internal/testregistry"
)

// genOpener streams size pseudo-random bytes, the same on every open.
func genOpener(size int64) func() (io.ReadCloser, error) {
	return func() (io.ReadCloser, error) {
		return io.NopCloser(io.LimitReader(rand.NewChaCha8([32]byte{7}), size)), nil
	}
}

// TestMemoryStaysFlat pushes and fetches a blob much larger than the heap
// may grow, sampling the heap meanwhile: nothing holds a blob in memory.
func TestMemoryStaysFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("moves 2 x 96 MiB")
	}
	const size = 96 << 20
	const slack = 40 << 20 // buffers of both client and in-process registry
	h := sha256.New()
	rc, _ := genOpener(size)()
	if _, err := io.Copy(h, rc); err != nil {
		t.Fatal(err)
	}
	d := v1.Descriptor{Size: size, Digest: v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(h.Sum(nil))}}
	reg := testregistry.Start(t)
	repo := mustRepo(t, reg, "mem/big")
	c := newTestClient(Options{})

	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	var peak atomic.Uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		var m runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
				runtime.ReadMemStats(&m)
				if m.HeapInuse > peak.Load() {
					peak.Store(m.HeapInuse)
				}
			}
		}
	}()
	err := c.PushBlob(testCtx(t), repo, d, genOpener(size), nil)
	if err == nil {
		err = c.Fetch(testCtx(t), repo, d, filepath.Join(t.TempDir(), "big"), nil)
	}
	close(stop)
	<-done
	if err != nil {
		t.Fatal(err)
	}
	grew := int64(peak.Load()) - int64(base.HeapInuse)
	t.Logf("heap grew by %d MiB at most", grew>>20)
	if grew > slack {
		t.Errorf("heap grew by %d MiB moving a %d MiB blob", grew>>20, size>>20)
	}
}
