package progress

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestSpeedometerWindow(t *testing.T) {
	var s speedometer
	t0 := time.Unix(0, 0)
	if v := s.sample(t0, 0); v != -1 {
		t.Errorf("first sample gave %v", v)
	}
	// 10 MiB/s for 10 s, then a stall: the speed falls within the window.
	for i := 1; i <= 10; i++ {
		s.sample(t0.Add(time.Duration(i)*time.Second), int64(i)*10<<20)
	}
	var v float64
	for i := 11; i <= 20; i++ {
		v = s.sample(t0.Add(time.Duration(i)*time.Second), 100<<20)
	}
	if v != 0 {
		t.Errorf("speed %v after a 10 s stall, want 0", v)
	}
}

// TestFrameFits: with more transfers in flight than rows, the frame keeps
// within height-2 rows and width-1 columns and says how many it hides.
func TestFrameFits(t *testing.T) {
	v := view{total: 1 << 30, done: 1 << 29}
	for i := range 50 {
		v.items = append(v.items, row{name: fmt.Sprintf("images/blobs/sha256/%064d", i), current: int64(i) << 10, size: 1 << 20, moved: 1 << 10, elapsed: 2 * time.Second})
	}
	v.steps = []row{{name: "writing zarf-package-big-amd64-1.0.0.tar.zst", elapsed: 6 * time.Second}}
	for _, sz := range [][2]int{{80, 24}, {160, 40}, {40, 10}, {12, 5}, {1, 3}} {
		rows := layout(v, 25<<20, sz[0], sz[1])
		if len(rows) > sz[1]-2 {
			t.Errorf("%dx%d: %d rows", sz[0], sz[1], len(rows))
		}
		for _, r := range rows {
			if textWidth(r) > max(sz[0]-1, 1) {
				t.Errorf("%dx%d: row %q is %d wide", sz[0], sz[1], r, textWidth(r))
			}
		}
		if !strings.HasPrefix(rows[len(rows)-1], "total") && sz[0] > 5 {
			t.Errorf("%dx%d: last row %q is not the total", sz[0], sz[1], rows[len(rows)-1])
		}
	}
	rows := layout(v, 25<<20, 80, 24)
	for _, r := range append(rows[:19:19], rows[21]) {
		if !regexp.MustCompile(`^\S.* \[[=>-]{14,}\] `).MatchString(r) {
			t.Errorf("80 columns, row %q has no bar of 16", r)
		}
	}
	if len(rows) != 22 || rows[19] != "+31 more" || !strings.HasPrefix(rows[20], "writing zarf-package-big-amd64-1.0.0.tar.zst  6s") {
		t.Errorf("80x24 frame:\n%s", strings.Join(rows, "\n"))
	}
	if rows := layout(v, -1, 80, 2); rows != nil {
		t.Errorf("a 2-row terminal got %d rows", len(rows))
	}
	if rows := layout(view{}, -1, 80, 24); rows != nil {
		t.Errorf("nothing to show drew %q", rows)
	}
}
