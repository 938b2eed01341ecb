package layout_test

import (
	"context"
	"io"
	"testing"

	"github.com/docker-zarf/docker-zarf/layout"
	"github.com/docker-zarf/docker-zarf/layout/layouttest"
)

// benchSize is the component size for benchmarks: big enough for
// throughput to dominate set-up.
const benchSize = 256 << 20

func BenchmarkOpenWalk(b *testing.B) {
	for _, form := range []layouttest.Form{layouttest.FormTarZst, layouttest.FormTar, layouttest.FormDir, layouttest.FormSplit} {
		b.Run(string(form), func(b *testing.B) {
			path := layouttest.Build(b, b.TempDir(), layouttest.Spec{
				Form:  form,
				Files: map[string]layouttest.Content{"components/big.tar": layouttest.Text(benchSize, 1)},
			})
			b.SetBytes(benchSize)
			for b.Loop() {
				p, err := layout.Open(context.Background(), path)
				if err != nil {
					b.Fatal(err)
				}
				err = p.Walk(context.Background(), func(f layout.File, r io.Reader) error {
					_, err := io.Copy(io.Discard, r)
					return err
				})
				p.Close()
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkWrite(b *testing.B) {
	content := layouttest.Text(benchSize, 1)
	entries := []layout.Entry{{Path: "components/big.tar", Size: benchSize, Open: func() (io.ReadCloser, error) {
		return io.NopCloser(content.Reader()), nil
	}}}
	for _, format := range []layout.Format{layout.FormatTarZst, layout.FormatTar} {
		b.Run(string(format), func(b *testing.B) {
			dst := b.TempDir() + "/out"
			b.SetBytes(benchSize)
			for b.Loop() {
				if err := layout.Write(context.Background(), dst, format, entries); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
