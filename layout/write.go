package layout

import (
	"archive/tar"
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/docker-zarf/docker-zarf/internal/claim"
)

// Entry is one file for Write.
type Entry struct {
	// Path is slash-separated and relative: "components/app.tar".
	Path string
	// Size is the exact length of the content; Write fails if Open yields
	// more or fewer bytes.
	Size int64
	// Open returns the content. It may block until the content is ready (a
	// download still running); Write calls it once, in archive order, and
	// closes the reader.
	Open func() (io.ReadCloser, error)
	// Move, when set, is used instead of Open by FormatDir: it returns the
	// path of a complete file holding exactly this entry's content, which
	// Write renames into place rather than copying. Like Open it may block.
	// The caller vouches for the content (a verified download); Write checks
	// only its size. If the rename fails (another file system), Write falls
	// back to Open. Default (nil): always copy.
	Move func() (string, error)
}

// Write writes entries to dst in the given format, atomically: to a
// temporary name beside dst, synced, then renamed. On error or when ctx is
// cancelled nothing is left at dst nor any temporary file.
//
// The archive is deterministic, like Zarf's: entries sorted by path (walk
// order), a directory entry before the first file under it, mode 0644 for
// files and 0755 for directories, times zero (1970), uid/gid 0 and no user
// or group names. FormatTarZst compresses with every core at zstd's fastest
// level (see newEncoder). FormatDir writes the files into a temporary directory beside dst and
// renames it (dst must not exist or be empty).
func Write(ctx context.Context, dst string, format Format, entries []Entry) error {
	sorted, err := planEntries(entries)
	if err != nil {
		return fmt.Errorf("writing %s: %w", dst, err)
	}
	switch format {
	case FormatTarZst, FormatTar:
		err = writeArchive(ctx, dst, format == FormatTarZst, sorted)
	case FormatDir:
		err = writeDir(ctx, dst, sorted)
	default:
		err = fmt.Errorf("unknown format %q (want tar.zst, tar or dir)", format)
	}
	if err != nil {
		return fmt.Errorf("writing %s: %w", dst, err)
	}
	return nil
}

// planEntries checks entries and returns them in archive order.
func planEntries(entries []Entry) ([]Entry, error) {
	sorted := slices.Clone(entries)
	for _, e := range sorted {
		if err := checkPath(e.Path); err != nil {
			return nil, fmt.Errorf("entry %s: %w", quoteName(e.Path), err)
		}
		if e.Size < 0 || e.Open == nil {
			return nil, fmt.Errorf("entry %s: negative size or no Open", e.Path)
		}
	}
	slices.SortFunc(sorted, func(a, b Entry) int { return comparePaths(a.Path, b.Path) })
	// In walk order everything under "a/" comes right after "a".
	for i := 1; i < len(sorted); i++ {
		prev, cur := sorted[i-1].Path, sorted[i].Path
		if prev == cur {
			return nil, fmt.Errorf("entry %s is given twice", cur)
		}
		if strings.HasPrefix(cur, prev+"/") {
			return nil, fmt.Errorf("entry %s is both a file and a directory", prev)
		}
	}
	return sorted, nil
}

func writeArchive(ctx context.Context, dst string, compress bool, entries []Entry) (err error) {
	tmp, cl, err := createTemp(dst)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
		cl.Release()
	}()
	bw := bufio.NewWriterSize(tmp, bufSize)
	if err := writeTar(ctx, bw, compress, entries); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	return commitFile(tmp, dst)
}

// writeTar writes the archive to w, through a zstd encoder if compress.
func writeTar(ctx context.Context, w io.Writer, compress bool, entries []Entry) (err error) {
	if compress {
		enc, err := newEncoder(w)
		if err != nil {
			return err
		}
		// Close stops the encoder's goroutines on every path; on success it
		// also writes the end of the frame, so its error counts.
		defer func() {
			if cerr := enc.Close(); err == nil {
				err = cerr
			}
		}()
		w = enc
	}
	tw := tar.NewWriter(w)
	written := make(map[string]bool)
	buf := make([]byte, bufSize)
	for _, e := range entries {
		if err := writeDirs(tw, written, e.Path); err != nil {
			return err
		}
		if err := tw.WriteHeader(header(e.Path, tar.TypeReg, e.Size)); err != nil {
			return err
		}
		if err := copyEntry(ctx, tw, e, buf); err != nil {
			return err
		}
	}
	return tw.Close()
}

// writeDirs writes the directory entries above p that are not written yet.
func writeDirs(tw *tar.Writer, written map[string]bool, p string) error {
	for _, d := range parents(p) {
		if written[d] {
			continue
		}
		if err := tw.WriteHeader(header(d, tar.TypeDir, 0)); err != nil {
			return err
		}
		written[d] = true
	}
	return nil
}

// header is a tar header with everything that varies between machines
// zeroed. Zarf's archives carry no "/" after directory names either.
func header(name string, flag byte, size int64) *tar.Header {
	mode := int64(0o644)
	if flag == tar.TypeDir {
		mode = 0o755
	}
	return &tar.Header{Typeflag: flag, Name: name, Size: size, Mode: mode, ModTime: time.Unix(0, 0)}
}

// copyEntry copies exactly e.Size bytes of e's content to w.
func copyEntry(ctx context.Context, w io.Writer, e Entry, buf []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	rc, err := e.Open()
	if err != nil {
		return fmt.Errorf("opening %s: %w", e.Path, err)
	}
	defer rc.Close()
	r := ctxReader{ctx, rc}
	// writerOnly hides ReaderFrom (of *os.File), which would copy in 32 KiB
	// pieces instead of using buf.
	n, err := io.CopyBuffer(writerOnly{w}, io.LimitReader(r, e.Size), buf)
	if err != nil {
		return fmt.Errorf("copying %s: %w", e.Path, err)
	}
	if n < e.Size {
		return fmt.Errorf("%s: got %d bytes, want %d: %w", e.Path, n, e.Size, io.ErrUnexpectedEOF)
	}
	// Read on to EOF: a verifying reader reports a mismatch there.
	extra, err := r.Read(buf[:1])
	if extra > 0 {
		return fmt.Errorf("%s: more than the %d bytes declared", e.Path, e.Size)
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("copying %s: %w", e.Path, err)
	}
	return nil
}

type writerOnly struct{ io.Writer }

// createTemp creates a hidden file beside dst, claimed for this process
// (SweepTemps leaves it alone while the claim holds). Unlike os.CreateTemp
// it creates it 0666 less the umask, the mode os.Create gives, so the
// renamed archive has ordinary permissions.
func createTemp(dst string) (*os.File, *claim.Claim, error) {
	name, cl, err := claimTemp(dst)
	if err != nil {
		return nil, nil, err
	}
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o666)
	if err != nil {
		cl.Release()
		return nil, nil, err
	}
	return f, cl, nil
}

// tempMarker is in every temporary name Write uses; SweepTemps looks for it.
const tempMarker = ".tmp-"

// claimTemp picks a fresh temporary name beside dst and claims it.
func claimTemp(dst string) (string, *claim.Claim, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", nil, err
	}
	name := filepath.Join(filepath.Dir(dst), "."+filepath.Base(dst)+tempMarker+hex.EncodeToString(b[:]))
	cl, err := claim.Hold(name)
	if err != nil {
		return "", nil, err
	}
	return name, cl, nil
}

// SweepTemps removes from dir the temporary files and directories that a
// Write killed midway left behind. Those of a Write still running in
// another process are claimed and stay.
func SweepTemps(dir string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	seen := map[string]bool{}
	for _, e := range entries {
		n := strings.TrimSuffix(e.Name(), claim.Suffix)
		if !strings.HasPrefix(n, ".") || !strings.Contains(n, tempMarker) || seen[n] {
			continue
		}
		seen[n] = true
		claim.Sweep(filepath.Join(dir, n))
	}
}

// commitFile syncs and closes tmp, renames it to dst and syncs the directory
// so that the rename itself survives a crash.
func commitFile(tmp *os.File, dst string) error {
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return err
	}
	syncDir(filepath.Dir(dst))
	return nil
}

// syncDir makes a rename durable. Its failure is ignored: the content is
// complete and in place, and some file systems cannot sync directories.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
