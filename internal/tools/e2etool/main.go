// Command e2etool does the parts of scripts/e2e.sh that bash does badly:
// writing a bcrypt htpasswd file and comparing what docker-zarf pushed with
// what the Zarf CLI pushed (testdata/fixtures/registry), field by field.
//
//	e2etool htpasswd USER PASS
//	e2etool compare -registry HOST:PORT -user U -pass P -repo NS/NAME -tag TAG -fixture DIR -arch ARCH[,ARCH]
package main

import (
	"flag"
	"fmt"
	"os"

	"golang.org/x/crypto/bcrypt"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: e2etool htpasswd|compare …")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "htpasswd":
		err = htpasswd(os.Args[2:])
	case "compare":
		err = compare(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2etool:", err)
		os.Exit(1)
	}
}

func htpasswd(args []string) error {
	if len(args) != 2 {
		return fmt.Errorf("usage: e2etool htpasswd USER PASS")
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(args[1]), bcrypt.DefaultCost)
	if err != nil {
		return err
	}
	fmt.Printf("%s:%s\n", args[0], hash)
	return nil
}

type compareFlags struct {
	registry, user, pass, repo, tag, fixture, archs string
}

func parseCompare(args []string) (compareFlags, error) {
	var f compareFlags
	fs := flag.NewFlagSet("compare", flag.ContinueOnError)
	fs.StringVar(&f.registry, "registry", "", "registry host:port")
	fs.StringVar(&f.user, "user", "", "user")
	fs.StringVar(&f.pass, "pass", "", "password")
	fs.StringVar(&f.repo, "repo", "", "repository NS/NAME")
	fs.StringVar(&f.tag, "tag", "", "tag")
	fs.StringVar(&f.fixture, "fixture", "", "fixture directory (testdata/fixtures/registry/NAME)")
	fs.StringVar(&f.archs, "arch", "amd64", "architectures to compare, comma-separated")
	return f, fs.Parse(args)
}
