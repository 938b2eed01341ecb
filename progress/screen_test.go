package progress

import (
	"strconv"
	"strings"
)

// screen is the smallest terminal that can check the bars' output: it
// understands printable text (wrapping at the width, scrolling at the
// bottom), \r, \n, cursor up (ESC [ n A) and clear to the end of the
// screen (ESC [ J), which is all the bars write. The pty test in
// pty_test.go checks the same against a real terminal (tmux).
type screen struct {
	width, height int
	cells         [][]rune
	row, col      int
	scrolled      int // rows pushed into the scrollback
}

func newScreen(width, height int) *screen {
	s := &screen{width: width, height: height}
	for range height {
		s.cells = append(s.cells, nil)
	}
	return s
}

func (s *screen) Write(p []byte) (int, error) {
	in := []rune(string(p))
	for i := 0; i < len(in); i++ {
		switch c := in[i]; {
		case c == '\r':
			s.col = 0
		case c == '\n':
			s.col = 0 // the tty's onlcr
			s.down()
		case c == 0x1b && i+1 < len(in) && in[i+1] == '[':
			j := i + 2
			for j < len(in) && in[j] >= '0' && in[j] <= '9' {
				j++
			}
			n, _ := strconv.Atoi(string(in[i+2 : j]))
			switch in[j] {
			case 'A':
				s.row = max(s.row-max(n, 1), 0)
			case 'J':
				s.cells[s.row] = s.cells[s.row][:min(s.col, len(s.cells[s.row]))]
				for r := s.row + 1; r < s.height; r++ {
					s.cells[r] = nil
				}
			default:
				panic("screen: unexpected escape " + string(in[i:j+1]))
			}
			i = j
		default:
			if s.col == s.width {
				s.col = 0
				s.down()
			}
			line := s.cells[s.row]
			for len(line) <= s.col {
				line = append(line, ' ')
			}
			line[s.col] = c
			s.cells[s.row] = line
			s.col++
		}
	}
	return len(p), nil
}

func (s *screen) down() {
	if s.row < s.height-1 {
		s.row++
		return
	}
	s.cells = append(s.cells[1:], nil)
	s.scrolled++
}

// lines returns the screen's rows, trailing blanks cut.
func (s *screen) lines() []string {
	out := make([]string, 0, s.height)
	for _, l := range s.cells {
		out = append(out, strings.TrimRight(string(l), " "))
	}
	for len(out) > 0 && out[len(out)-1] == "" {
		out = out[:len(out)-1]
	}
	return out
}
