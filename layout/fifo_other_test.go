//go:build !unix

package layout_test

import "errors"

func mkfifo(string) error { return errors.New("no named pipes here") }
