package layout

import (
	"archive/tar"
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
)

// Open streams the bytes of f, which must be one of p.Files (only its Path
// is used). The reader verifies as it goes: at EOF it checks the size and
// sha256 and returns a *ChecksumError instead of io.EOF on a mismatch, so
// read to EOF. It may be called concurrently, and the readers are
// independent. On a Seekable package it reads the file in place; on a
// compressed one it decompresses the archive again up to the file, which
// costs a pass over everything before it: publish uses that only to retry
// an upload that Walk's single pass could not finish.
func (p *Package) Open(f File) (io.ReadCloser, error) {
	return p.open(f, verified)
}

// OpenUnverified is Open without the sha256, for a reader that checks the
// bytes itself: a registry verifies every blob pushed to it against the
// digest the push names, and hashing a GiB costs more CPU than
// decompressing it. The reader still yields exactly f.Size bytes of the
// file, and a file that changed size since Open fails.
func (p *Package) OpenUnverified(f File) (io.ReadCloser, error) {
	return p.open(f, unverified)
}

// check tells whether readers hash what they read.
type check bool

const (
	verified   check = true
	unverified check = false
)

// reader wraps r in a verifier of f when c asks for one.
func (c check) reader(r io.Reader, closer io.Closer, f File) io.ReadCloser {
	if c == verified {
		return newVerifier(r, closer, f)
	}
	if closer == nil {
		return io.NopCloser(r)
	}
	return readCloser{r, closer}
}

type readCloser struct {
	io.Reader
	io.Closer
}

// sectionCloser is a seekable file section that closes its file, if any.
type sectionCloser struct {
	*io.SectionReader
	f io.Closer
}

func (s sectionCloser) Close() error {
	if s.f == nil {
		return nil
	}
	return s.f.Close()
}

func (p *Package) open(f File, c check) (io.ReadCloser, error) {
	i, ok := p.index[f.Path]
	if !ok {
		return nil, fmt.Errorf("%s: opening %s: %w", p.Source, f.Path, fs.ErrNotExist)
	}
	if !p.Seekable() {
		return p.openStreamed(i, c)
	}
	return p.openEntry(p.entries[i], c)
}

// openStreamed decompresses the archive up to entry i and returns a
// verifying reader of it that releases the decoder when closed.
func (p *Package) openStreamed(i int, c check) (io.ReadCloser, error) {
	raw, err := p.rawArchive()
	if err != nil {
		return nil, err
	}
	dec, err := newDecoderChecking(bufio.NewReaderSize(raw, bufSize), c)
	if err != nil {
		raw.Close()
		return nil, fmt.Errorf("%s: %w", p.Source, err)
	}
	release := closerFunc(func() error { dec.Close(); return raw.Close() })
	tr := tar.NewReader(dec)
	for j := 0; j <= i; j++ {
		if _, err := p.nextStreamed(tr, j); err != nil {
			release()
			return nil, err
		}
	}
	return c.reader(tr, release, p.entries[i].file), nil
}

type closerFunc func() error

func (c closerFunc) Close() error { return c() }

func (p *Package) openEntry(e entry, c check) (io.ReadCloser, error) {
	switch {
	case p.root != nil:
		return p.openDirFile(e.file, c)
	case p.split != nil:
		r := p.split.reader(e.off, e.file.Size)
		return c.reader(r, r, e.file), nil
	case p.file != nil && c == unverified:
		// A Seeker lets an upload resume without keeping what it sent.
		return sectionCloser{io.NewSectionReader(p.file, e.off, e.file.Size), nil}, nil
	case p.file != nil:
		return newVerifier(io.NewSectionReader(p.file, e.off, e.file.Size), nil, e.file), nil
	}
	return nil, fmt.Errorf("%s: opening %s: package is closed", p.Source, e.file.Path)
}

func (p *Package) openDirFile(f File, c check) (io.ReadCloser, error) {
	fh, err := p.root.Open(f.Path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p.Source, err)
	}
	info, err := fh.Stat()
	if err == nil && (!info.Mode().IsRegular() || info.Size() != f.Size) {
		err = fmt.Errorf("%s changed since the package was opened (was %d bytes, now %d)", f.Path, f.Size, info.Size())
	}
	if err != nil {
		fh.Close()
		return nil, fmt.Errorf("%s: %w", p.Source, err)
	}
	if c == unverified {
		// Nothing checks the length at EOF: yield f.Size bytes at most.
		return sectionCloser{io.NewSectionReader(fh, 0, f.Size), fh}, nil
	}
	return newVerifier(fh, fh, f), nil
}

// Walk calls fn for every file in archive order (walk order for a
// directory), with a reader that verifies like Open's. r is valid only
// during fn; fn need not read it all (what is not read is not verified).
// Walk works for every form: a compressed archive is decompressed again,
// once, and each file is hashed once as fn reads it. Walk stops at the first
// error and returns it; fn's own errors come back unwrapped.
func (p *Package) Walk(ctx context.Context, fn func(f File, r io.Reader) error) error {
	return p.walk(ctx, fn, verified)
}

// WalkUnverified is Walk without the sha256, as OpenUnverified is Open
// without it: r yields exactly f.Size bytes.
func (p *Package) WalkUnverified(ctx context.Context, fn func(f File, r io.Reader) error) error {
	return p.walk(ctx, fn, unverified)
}

func (p *Package) walk(ctx context.Context, fn func(f File, r io.Reader) error, c check) error {
	if p.Seekable() {
		return p.walkSeekable(ctx, fn, c)
	}
	return p.walkStream(ctx, fn, c)
}

func (p *Package) walkSeekable(ctx context.Context, fn func(File, io.Reader) error, c check) error {
	for _, e := range p.entries {
		if err := ctx.Err(); err != nil {
			return err
		}
		rc, err := p.openEntry(e, c)
		if err != nil {
			return err
		}
		err = fn(e.file, ctxReader{ctx, rc})
		rc.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// walkStream decompresses the archive and checks that it still holds the
// entries Open found, in the same order.
func (p *Package) walkStream(ctx context.Context, fn func(File, io.Reader) error, c check) error {
	raw, err := p.rawArchive()
	if err != nil {
		return err
	}
	defer raw.Close()
	dec, err := newDecoderChecking(bufio.NewReaderSize(raw, bufSize), c)
	if err != nil {
		return fmt.Errorf("%s: %w", p.Source, err)
	}
	defer dec.Close()
	tr := tar.NewReader(ctxReader{ctx, dec})
	for i := 0; ; {
		f, err := p.nextStreamed(tr, i)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := fn(f, c.reader(tr, nil, f)); err != nil {
			return err
		}
		i++
	}
}

// nextStreamed advances to the next regular file, which must be the i-th
// entry found by Open; io.EOF once all have been seen.
func (p *Package) nextStreamed(tr *tar.Reader, i int) (File, error) {
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) && i == len(p.entries) {
			return File{}, io.EOF
		}
		if errors.Is(err, io.EOF) {
			return File{}, formatErr(p.Source, "", "the archive changed since the package was opened (%s is gone)", quoteName(p.entries[i].file.Path))
		}
		if err != nil {
			return File{}, readFailure(p.Source, "reading the archive", err)
		}
		if hdr.Typeflag == tar.TypeDir || hdr.Typeflag == tar.TypeXGlobalHeader {
			continue
		}
		name, _ := entryPath(hdr.Name)
		if i >= len(p.entries) || hdr.Typeflag != tar.TypeReg || name != p.entries[i].file.Path || hdr.Size != p.entries[i].file.Size {
			return File{}, formatErr(p.Source, "", "the archive changed since the package was opened (at %s)", quoteName(hdr.Name))
		}
		return p.entries[i].file, nil
	}
}

// rawArchive returns the archive's bytes from the start.
func (p *Package) rawArchive() (io.ReadCloser, error) {
	switch {
	case p.split != nil:
		return p.split.reader(0, p.size), nil
	case p.file != nil:
		return io.NopCloser(io.NewSectionReader(p.file, 0, p.size)), nil
	}
	return nil, fmt.Errorf("%s: package is closed", p.Source)
}
