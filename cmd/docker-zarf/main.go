// Command docker-zarf is a Docker CLI plugin that publishes, pulls and
// inspects Zarf packages in OCI registries. Installed as
// ~/.docker/cli-plugins/docker-zarf it runs as `docker zarf …`; the same
// binary also runs standalone as `docker-zarf …`.
package main

import (
	"os"

	"github.com/docker-zarf/docker-zarf/plugin"
)

// version and commit are set at build time with -ldflags -X.
var (
	version = "dev"
	commit  = ""
)

func main() {
	os.Exit(plugin.Main(os.Args, plugin.BuildInfo{Version: version, Commit: commit}))
}
