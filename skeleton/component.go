package skeleton

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/docker-zarf/docker-zarf/definition/v1alpha1"
)

// assembleComponent copies c's local resources into a staging directory
// laid out as Zarf's skeleton component (files/<i>/<base of target>,
// manifests/<name>-<i>.yaml, charts/<name>-<i>, values/<chart>-<i>,
// data/<i>/<base>), rewrites c's paths to point there, and tars the
// staging directory into buildDir/components/<name>.tar. A component with
// nothing local gets no tarball, as in Zarf.
func assembleComponent(c *v1alpha1.Component, srcDir, buildDir, tmpRoot string) (err error) {
	tmp, err := os.MkdirTemp(tmpRoot, "zarf-skeleton-component-")
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, os.RemoveAll(tmp)) }()
	stage := filepath.Join(tmp, c.Name)
	if err := os.MkdirAll(stage, 0o700); err != nil {
		return err
	}
	local := func(p string) string {
		if filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(srcDir, p)
	}
	if err := stageCharts(c, stage, local); err != nil {
		return err
	}
	if err := stageFiles(c, stage, local); err != nil {
		return err
	}
	for i, d := range c.DataInjections {
		rel := filepath.ToSlash(filepath.Join("data", strconv.Itoa(i), filepath.Base(d.Target.Path)))
		if err := copyPath(local(d.Source), filepath.Join(stage, rel)); err != nil {
			return fmt.Errorf("data injection %s: %w", d.Source, err)
		}
		c.DataInjections[i].Source = rel
	}
	if len(c.Manifests) > 0 {
		if err := os.MkdirAll(filepath.Join(stage, "manifests"), 0o700); err != nil {
			return err
		}
	}
	for mi, m := range c.Manifests {
		for fi, p := range m.Files {
			rel := filepath.ToSlash(filepath.Join("manifests", fmt.Sprintf("%s-%d.yaml", m.Name, fi)))
			if err := copyPath(local(p), filepath.Join(stage, rel)); err != nil {
				return fmt.Errorf("manifest %s: %w", p, err)
			}
			c.Manifests[mi].Files[fi] = rel
		}
		c.Manifests[mi].Kustomizations = nil
	}
	entries, err := os.ReadDir(stage)
	if err != nil || len(entries) == 0 {
		return err
	}
	// Zarf's staging always holds an empty "temp" directory by now.
	if err := os.MkdirAll(filepath.Join(stage, "temp"), 0o700); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(buildDir, "components"), 0o700); err != nil {
		return err
	}
	return writeTar(stage, c.Name, filepath.Join(buildDir, "components", c.Name+".tar"))
}

func stageCharts(c *v1alpha1.Component, stage string, local func(string) string) error {
	for ci := range c.Charts {
		ch := &c.Charts[ci]
		if ch.LocalPath != "" {
			rel := filepath.ToSlash(filepath.Join("charts", fmt.Sprintf("%s-%d", ch.Name, ci)))
			if err := copyPath(local(ch.LocalPath), filepath.Join(stage, rel)); err != nil {
				return fmt.Errorf("chart %s: %w", ch.LocalPath, err)
			}
			ch.LocalPath = rel
		}
		stem := ch.Name
		if ch.Version != "" {
			stem += "-" + ch.Version
		}
		values := func(list []string, offset int) error {
			for i, p := range list {
				if isURL(p) {
					continue
				}
				rel := filepath.ToSlash(filepath.Join("values", stem+"-"+strconv.Itoa(offset+i)))
				if err := copyPath(local(p), filepath.Join(stage, rel)); err != nil {
					return fmt.Errorf("chart values file %s: %w", p, err)
				}
				list[i] = rel
			}
			return nil
		}
		if err := values(ch.ValuesFiles, 0); err != nil {
			return err
		}
		if err := values(ch.TemplatedValuesFiles, len(ch.ValuesFiles)); err != nil {
			return err
		}
	}
	return nil
}

func stageFiles(c *v1alpha1.Component, stage string, local func(string) string) error {
	for i, f := range c.Files {
		if isURL(f.Source) {
			continue
		}
		rel := filepath.ToSlash(filepath.Join("files", strconv.Itoa(i), filepath.Base(f.Target)))
		dst := filepath.Join(stage, rel)
		if err := copyPath(local(f.Source), dst); err != nil {
			return fmt.Errorf("file %s: %w", f.Source, err)
		}
		c.Files[i].Source = rel
		c.Files[i].ExtractPath = ""
		if f.Shasum != "" {
			sum, err := sha256File(dst)
			if err != nil {
				return err
			}
			if sum != f.Shasum {
				return fmt.Errorf("sha mismatch for %s: expected %s, got %s", f.Source, f.Shasum, sum)
			}
		}
		mode := os.FileMode(0o600)
		if fi, err := os.Stat(dst); err == nil && (f.Executable || fi.IsDir()) {
			mode = 0o700
		}
		if err := os.Chmod(dst, mode); err != nil {
			return err
		}
	}
	return nil
}

// writeDocumentation writes documentation.tar as Zarf does: each file
// under its base name (prefixed "<key>-" when two share one), owner-only
// permissions, tarred from a staging directory whose root entry is ".".
func writeDocumentation(docs map[string]string, srcDir, buildDir, tmpRoot string) (err error) {
	if len(docs) == 0 {
		return nil
	}
	tmp, err := os.MkdirTemp(tmpRoot, "zarf-skeleton-docs-")
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, os.RemoveAll(tmp)) }()
	count := map[string]int{}
	for _, f := range docs {
		count[filepath.Base(f)]++
	}
	for key, f := range docs {
		name := filepath.Base(f)
		if count[name] > 1 {
			name = key + "-" + name
		}
		src := f
		if !filepath.IsAbs(src) {
			src = filepath.Join(srcDir, f)
		}
		dst := filepath.Join(tmp, name)
		if err := copyPath(src, dst); err != nil {
			return fmt.Errorf("documentation %s: %w", key, err)
		}
		if err := os.Chmod(dst, 0o600); err != nil {
			return err
		}
	}
	return writeTar(tmp, "", filepath.Join(buildDir, "documentation.tar"))
}

// copyPath copies a file, symlink or directory tree to dst, creating dst's
// parents, keeping permission bits and copying symlinks as symlinks, as
// Zarf's helper (otiai10/copy with its defaults) does.
func copyPath(src, dst string) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return err
	}
	fi, err := os.Lstat(src)
	if err != nil {
		return err
	}
	switch {
	case fi.Mode()&os.ModeSymlink != 0:
		target, err := os.Readlink(src)
		if err != nil {
			return err
		}
		return os.Symlink(target, dst)
	case fi.IsDir():
		if err := os.MkdirAll(dst, 0o700); err != nil {
			return err
		}
		entries, err := os.ReadDir(src)
		if err != nil {
			return err
		}
		for _, e := range entries {
			if err := copyPath(filepath.Join(src, e.Name()), filepath.Join(dst, e.Name())); err != nil {
				return err
			}
		}
		return os.Chmod(dst, fi.Mode().Perm())
	case fi.Mode().IsRegular():
		return copyFile(src, dst, fi.Mode().Perm())
	}
	return fmt.Errorf("%s is not a file, directory or symlink", src)
}

func copyFile(src, dst string, perm os.FileMode) (err error) {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, out.Close()) }()
	if _, err := io.Copy(out, in); err != nil {
		return err
	}
	return out.Chmod(perm)
}

// writeTar is Zarf's createReproducibleTarballFromDir: a walk of dir in
// lexical order, each entry named prefix/<relative path> (the root is
// prefix itself, directories without a trailing slash), zero times, ids
// and names, and permissions masked to the owner's.
func writeTar(dir, prefix, path string) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, f.Close()) }()
	tw := tar.NewWriter(f)
	defer func() { err = errors.Join(err, tw.Close()) }()
	return filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		link := ""
		if info.Mode().Type() == os.ModeSymlink {
			if link, err = os.Readlink(p); err != nil {
				return err
			}
		}
		h, err := tar.FileInfoHeader(info, link)
		if err != nil {
			return err
		}
		h.ModTime, h.AccessTime, h.ChangeTime = time.Time{}, time.Time{}, time.Time{}
		h.Uid, h.Gid, h.Uname, h.Gname = 0, 0, "", ""
		h.Mode &^= 0o077
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		h.Name = filepath.ToSlash(filepath.Join(prefix, rel))
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		if !info.Mode().IsRegular() {
			return nil
		}
		src, err := os.Open(p)
		if err != nil {
			return err
		}
		defer src.Close()
		_, err = io.Copy(tw, src)
		return err
	})
}
