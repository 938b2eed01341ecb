//go:build !linux && !darwin

package layout

import "os"

// fileIdentity: without a ctime that writes move, a scan is never reused.
func fileIdentity(os.FileInfo) (string, bool) { return "", false }
