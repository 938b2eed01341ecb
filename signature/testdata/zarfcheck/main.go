// Cross-check (see README.md): sign with docker-zarf's signature package,
// verify with Zarf v0.84.0's own signing code (cosign verify-blob underneath).
package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/docker-zarf/docker-zarf/signature"
	"github.com/zarf-dev/zarf/src/pkg/signing"
)

func verify(dir, pub string) error {
	opts := signing.DefaultVerifyBlobOptions()
	opts.Key = pub
	opts.BundlePath = filepath.Join(dir, "zarf.bundle.sig")
	return signing.CosignVerifyBlobWithOptions(context.Background(), filepath.Join(dir, "zarf.yaml"), opts)
}

func main() {
	td := os.Args[1] // signature/testdata
	out := os.Args[2]
	keyPEM, _ := os.ReadFile(filepath.Join(td, "zarf-test-cosign.key"))
	key, err := signature.LoadPrivateKey(keyPEM, []byte("test"))
	if err != nil {
		panic(err)
	}
	unsigned, _ := os.ReadFile(filepath.Join(td, "unsigned-zarf.yaml"))
	s, err := signature.Sign(unsigned, key)
	if err != nil {
		panic(err)
	}
	ours := filepath.Join(out, "ours")
	fx := filepath.Join(out, "fixture")
	os.MkdirAll(ours, 0o755)
	os.MkdirAll(fx, 0o755)
	os.WriteFile(filepath.Join(ours, "zarf.yaml"), s.ZarfYAML, 0o644)
	os.WriteFile(filepath.Join(ours, "zarf.bundle.sig"), s.Bundle, 0o644)
	b, _ := os.ReadFile(filepath.Join(td, "signed-zarf.yaml"))
	os.WriteFile(filepath.Join(fx, "zarf.yaml"), b, 0o644)
	b, _ = os.ReadFile(filepath.Join(td, "signed-zarf.bundle.sig"))
	os.WriteFile(filepath.Join(fx, "zarf.bundle.sig"), b, 0o644)

	fmt.Println("fixture, right key:", verify(fx, filepath.Join(td, "cosign.pub")))
	fmt.Println("fixture, wrong key:", verify(fx, filepath.Join(td, "zarf-test-cosign.pub")))
	fmt.Println("ours, right key:", verify(ours, filepath.Join(td, "zarf-test-cosign.pub")))
	fmt.Println("ours, wrong key:", verify(ours, filepath.Join(td, "cosign.pub")))

	// A legacy zarf.yaml.sig written by Zarf's own code (cosign sign-blob
	// without a bundle), read back by docker-zarf.
	leg := filepath.Join(out, "legacy")
	os.MkdirAll(leg, 0o755)
	y := []byte(strings.Replace(string(unsigned), "  signed: false\n", "", 1))
	os.WriteFile(filepath.Join(leg, "zarf.yaml"), y, 0o644)
	so := signing.DefaultSignBlobOptions()
	so.Key = filepath.Join(td, "zarf-test-cosign.key")
	so.Password = "test"
	so.NewBundleFormat = false
	so.OutputSignature = filepath.Join(leg, "zarf.yaml.sig")
	if _, err := signing.CosignSignBlobWithOptions(context.Background(), filepath.Join(leg, "zarf.yaml"), so); err != nil {
		panic(err)
	}
	sig, _ := os.ReadFile(so.OutputSignature)
	fmt.Printf("legacy sig file: %q\n", sig)
	pubPEM, _ := os.ReadFile(filepath.Join(td, "zarf-test-cosign.pub"))
	pub, _ := signature.LoadPublicKey(pubPEM)
	res, err := signature.Verify(signature.Package{ZarfYAML: y, Legacy: sig}, pub)
	fmt.Printf("legacy by Zarf, verified by docker-zarf: %+v %v\n", res, err)
	other, _ := os.ReadFile(filepath.Join(td, "cosign.pub"))
	opub, _ := signature.LoadPublicKey(other)
	_, err = signature.Verify(signature.Package{ZarfYAML: y, Legacy: sig}, opub)
	fmt.Println("legacy by Zarf, wrong key:", err)
}
