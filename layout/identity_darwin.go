package layout

import (
	"fmt"
	"os"
	"syscall"
)

// fileIdentity: see identity_linux.go; darwin names the ctime Ctimespec.
func fileIdentity(fi os.FileInfo) (string, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return "", false
	}
	return fmt.Sprintf("%d:%d:%d.%d", st.Dev, st.Ino, st.Ctimespec.Sec, st.Ctimespec.Nsec), true
}
