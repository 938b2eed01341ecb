package registry

import "github.com/docker-zarf/docker-zarf/progress"

// nopBar stands in for a nil progress.Bar.
type nopBar struct{}

func (nopBar) Add(int64)        {}
func (nopBar) SetCurrent(int64) {}
func (nopBar) Done()            {}
func (nopBar) Skip(string)      {}
func (nopBar) Abort(error)      {}

func orNop(b progress.Bar) progress.Bar {
	if b == nil {
		return nopBar{}
	}
	return b
}
