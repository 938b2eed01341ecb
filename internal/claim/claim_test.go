package claim

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestSweepSparesHeldAndRemovesAbandoned(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "work")
	if err := os.Mkdir(p, 0o755); err != nil {
		t.Fatal(err)
	}
	c, err := Hold(p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Hold(p); err == nil {
		t.Fatal("a claimed path was claimed twice")
	}
	if Sweep(p) {
		t.Fatal("Sweep removed a path whose claim is held")
	}
	// A process that died leaves its lock file unheld.
	c.fl.Unlock()
	if !Sweep(p) {
		t.Fatal("Sweep kept a path whose owner is gone")
	}
	for _, q := range []string{p, p + Suffix} {
		if _, err := os.Stat(q); !os.IsNotExist(err) {
			t.Errorf("%s is still there", q)
		}
	}
}

func TestSweepUnclaimedByAge(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "legacy")
	if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if Sweep(p) {
		t.Fatal("Sweep removed a fresh unclaimed file: it may be about to be claimed")
	}
	old := time.Now().Add(-2 * LegacyAge)
	if err := os.Chtimes(p, old, old); err != nil {
		t.Fatal(err)
	}
	if !Sweep(p) {
		t.Fatal("Sweep kept an old unclaimed leftover")
	}
}

func TestReleaseRemovesTheLockFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f")
	c, err := Hold(p)
	if err != nil {
		t.Fatal(err)
	}
	c.Release()
	if _, err := os.Stat(p + Suffix); !os.IsNotExist(err) {
		t.Fatalf("lock file left: %v", err)
	}
	var nilClaim *Claim
	nilClaim.Release() // a nil claim is a no-op, for deferred cleanups
}
