package layout

import (
	"fmt"
	"os"
	"syscall"
)

// fileIdentity is what tells one file's contents from another's without
// reading them: device and inode, and the ctime, which every write moves
// and no user can set back.
func fileIdentity(fi os.FileInfo) (string, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return "", false
	}
	return fmt.Sprintf("%d:%d:%d.%d", st.Dev, st.Ino, st.Ctim.Sec, st.Ctim.Nsec), true
}
