package progress

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// maxNameWidth keeps a bar's name column narrow enough for the counters and
// speed to fit: an image blob title is 84 characters.
const maxNameWidth = 40

// minBarWidth is the narrowest bar worth drawing, brackets included; below
// it a row shows only its name and counters. Names give up columns, down
// to minNameWidth, for a bar of wantBarWidth.
const (
	minBarWidth  = 7
	wantBarWidth = 16
	minNameWidth = 16
)

// view is what one frame shows, copied under the tracker's lock.
type view struct {
	now          time.Time
	items, steps []row // oldest first
	total, done  int64
	moved        int64
}

type row struct {
	name          string
	current, size int64
	moved         int64
	elapsed       time.Duration
}

// layout turns a view into the frame's rows for a terminal of the given
// size: the oldest transfers in flight (with "+K more" for those that do
// not fit), the steps, and the total last, in at most height-2 rows (the
// frame plus the cursor's line never fill the screen, so drawing never
// scrolls) and each at most width-1 wide (a row as wide as the terminal
// wraps on some terminals). speed is the total's, -1 if unknown.
func layout(v view, speed float64, width, height int) []string {
	budget := height - 2
	if budget < 1 || (len(v.items) == 0 && len(v.steps) == 0 && v.total == 0) {
		return nil
	}
	usable := max(width-1, 1)
	steps := v.steps[:min(len(v.steps), budget-1)]
	slots := budget - 1 - len(steps)
	items, more := v.items, 0
	if len(items) > slots {
		shown := max(slots-1, 0)
		items, more = items[:shown], len(items)-shown
		if slots == 0 {
			more = 0 // no room even for the "+K more" row
		}
	}
	cols := columnsFor(v, items, speed).fit(usable)
	rows := make([]string, 0, budget)
	for _, r := range items {
		rows = append(rows, cols.line(r.name, r.current, r.size, counters(r.current, r.size), itemSpeed(r), usable))
	}
	if more > 0 {
		rows = append(rows, fit(fmt.Sprintf("+%d more", more), usable))
	}
	for _, s := range steps {
		rows = append(rows, stepLine(s, usable))
	}
	rows = append(rows, cols.line("total", v.done, v.total, totalCounters(v.done, v.total), speedText(speed), usable))
	return rows
}

// columns aligns the rows: every name, counter and speed column is as wide
// as its widest cell.
type columns struct{ name, counters, speed int }

func columnsFor(v view, items []row, speed float64) columns {
	c := columns{
		name:     utf8.RuneCountInString("total"),
		counters: utf8.RuneCountInString(totalCounters(v.done, v.total)),
		speed:    utf8.RuneCountInString(speedText(speed)),
	}
	for _, r := range items {
		c.name = max(c.name, min(utf8.RuneCountInString(r.name), maxNameWidth))
		c.counters = max(c.counters, utf8.RuneCountInString(counters(r.current, r.size)))
		c.speed = max(c.speed, utf8.RuneCountInString(itemSpeed(r)))
	}
	return c
}

// fit narrows the name column so that a bar of wantBarWidth fits in
// usable columns, keeping at least minNameWidth of each name.
func (c columns) fit(usable int) columns {
	room := usable - c.right() - 2 - wantBarWidth
	if c.name > room {
		c.name = max(room, min(c.name, minNameWidth))
	}
	return c
}

// right is the width of the counters and speed columns.
func (c columns) right() int {
	if c.speed > 0 {
		return c.counters + 1 + c.speed
	}
	return c.counters
}

// line lays out one bar row in usable columns, dropping the bar when it
// would be too narrow and cutting the row as a last resort.
func (c columns) line(name string, current, size int64, count, speed string, usable int) string {
	name = pad(shorten(name, c.name), c.name)
	right := padLeft(count, c.counters)
	if c.speed > 0 {
		right += " " + padLeft(speed, c.speed)
	}
	barWidth := usable - c.name - 1 - len([]rune(right)) - 1
	if barWidth < minBarWidth {
		return fit(name+" "+right, usable)
	}
	return name + " " + drawBar(current, size, barWidth) + " " + right
}

func stepLine(s row, usable int) string {
	info := fmt.Sprintf("%ds", int(s.elapsed.Seconds()))
	if s.size > 0 || s.current > 0 {
		info = counters(s.current, s.size) + "  " + info
	}
	room := usable - utf8.RuneCountInString(info) - 2
	if room < 10 {
		return fit(s.name, usable)
	}
	return shorten(s.name, room) + "  " + info
}

// drawBar draws [====>----] in width columns; an unknown size draws an
// empty bar.
func drawBar(current, size int64, width int) string {
	inner := width - 2
	n := 0
	if size > 0 {
		n = int(min(max(current, 0), size) * int64(inner) / size)
	}
	var b strings.Builder
	b.WriteByte('[')
	switch {
	case n >= inner:
		b.WriteString(strings.Repeat("=", inner))
	case n > 0:
		b.WriteString(strings.Repeat("=", n-1) + ">" + strings.Repeat("-", inner-n))
	default:
		b.WriteString(strings.Repeat("-", inner))
	}
	b.WriteByte(']')
	return b.String()
}

func counters(current, size int64) string {
	if size <= 0 {
		return FormatSize(current)
	}
	return FormatSize(current) + " / " + FormatSize(size)
}

// totalCounters adds a percentage rounded down, so the total reads 100%
// only when every byte is accounted for.
func totalCounters(done, total int64) string {
	if total <= 0 {
		return FormatSize(done)
	}
	return fmt.Sprintf("%s / %s %3d%%", FormatSize(done), FormatSize(total), done*100/total)
}

// itemSpeed is a transfer's average speed over its bytes moved since it
// started, blank for its first second.
func itemSpeed(r row) string {
	if r.elapsed < time.Second {
		return ""
	}
	return speedText(float64(r.moved) / r.elapsed.Seconds())
}

func speedText(bytesPerSecond float64) string {
	if bytesPerSecond < 0 {
		return ""
	}
	return FormatSize(int64(bytesPerSecond)) + "/s"
}

// shorten cuts name to at most n runes, marking the cut with "…"; lines
// above the bars keep the whole name.
func shorten(name string, n int) string {
	if utf8.RuneCountInString(name) <= n {
		return name
	}
	if n <= 1 {
		return string([]rune(name)[:max(n, 0)])
	}
	return string([]rune(name)[:n-1]) + "…"
}

func fit(s string, n int) string { return shorten(s, n) }

func pad(s string, n int) string {
	return s + strings.Repeat(" ", max(n-utf8.RuneCountInString(s), 0))
}

func padLeft(s string, n int) string {
	return strings.Repeat(" ", max(n-utf8.RuneCountInString(s), 0)) + s
}

func textWidth(s string) int { return utf8.RuneCountInString(s) }
