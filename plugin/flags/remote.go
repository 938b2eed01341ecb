package flags

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/docker/cli/cli/command"
	"github.com/docker/cli/cli/debug"
	"github.com/docker/go-units"
	"github.com/spf13/pflag"

	"github.com/docker-zarf/docker-zarf/plugin/formatter"
	"github.com/docker-zarf/docker-zarf/plugin/keychain"
	"github.com/docker-zarf/docker-zarf/registry"
)

// Remote are the flags every command that talks to a registry shares.
type Remote struct {
	kc          *keychain.Keychain // made by Client; read by Explain
	plainHTTP   bool
	insecure    bool
	retries     int
	Concurrency int
	chunkSize   string
}

// AddFlags adds the registry flags every remote command takes.
func (o *Remote) AddFlags(fs *pflag.FlagSet) {
	fs.BoolVar(&o.plainHTTP, "plain-http", false, "Use plain HTTP, not HTTPS, for the registry")
	fs.BoolVar(&o.insecure, "insecure-skip-tls-verify", false, "Skip TLS certificate verification for the registry")
	fs.IntVar(&o.retries, "retries", 5, "How many times to retry a request that failed for a transient reason (0: never retry)")
	fs.IntVar(&o.Concurrency, "concurrency", 6, "How many blobs to transfer at a time")
}

// AddChunkFlag is only for commands that upload.
func (o *Remote) AddChunkFlag(fs *pflag.FlagSet) {
	fs.StringVar(&o.chunkSize, "chunk-size", "", "Upload blobs in chunks of this size (e.g. 64MiB) for registries or proxies that limit request bodies")
}

func (o *Remote) validate() error {
	if o.Concurrency < 1 {
		return fmt.Errorf("--concurrency must be at least 1, got %d", o.Concurrency)
	}
	if o.retries < 0 {
		return fmt.Errorf("--retries must not be negative, got %d", o.retries)
	}
	if _, err := o.chunkBytes(); err != nil {
		return err
	}
	return nil
}

func (o *Remote) chunkBytes() (int64, error) {
	if o.chunkSize == "" {
		return 0, nil
	}
	n, err := units.RAMInBytes(o.chunkSize)
	if err != nil || n < 1 {
		return 0, fmt.Errorf("--chunk-size %q is not a size such as 64MiB", o.chunkSize)
	}
	return n, nil
}

// keychain is the command's one keychain: both sides of a copy share it,
// and explain asks it afterwards which hosts had credentials.
func (o *Remote) keychain(dockerCli command.Cli) *keychain.Keychain {
	if o.kc == nil {
		o.kc = keychain.New(dockerCli.ConfigFile, dockerCli.Err())
	}
	return o.kc
}

// Explain marks a 401 or 403 from a registry that was sent credentials
// as rejected credentials, which need another remedy than missing ones.
func (o *Remote) Explain(err error) error {
	var rerr *registry.Error
	if err == nil || o.kc == nil || !errors.As(err, &rerr) {
		return err
	}
	if rerr.StatusCode == http.StatusUnauthorized || rerr.StatusCode == http.StatusForbidden {
		if o.kc.HadCredentials(rerr.Host) {
			return formatter.RejectedCredentials(err, rerr.Host, rerr.StatusCode)
		}
	}
	return err
}

// Side are copy's per-registry transport flags, oras cp's
// --from-plain-http and --to-plain-http and their TLS pair. --plain-http
// and --insecure-skip-tls-verify keep meaning both sides.
type Side struct {
	plainHTTP bool
	insecure  bool
}

// AddFlags adds --SIDE-plain-http and --SIDE-insecure-skip-tls-verify.
func (o *Side) AddFlags(fs *pflag.FlagSet, side, what string) {
	fs.BoolVar(&o.plainHTTP, side+"-plain-http", false, "Use plain HTTP for "+what)
	fs.BoolVar(&o.insecure, side+"-insecure-skip-tls-verify", false, "Skip TLS certificate verification for "+what)
}

// SideClient is the client of one side of a copy.
func (o *Remote) SideClient(dockerCli command.Cli, userAgent string, side Side) (*registry.Client, error) {
	return o.Client(dockerCli, userAgent, func(ro *registry.Options) {
		ro.PlainHTTP = o.plainHTTP || side.plainHTTP
		ro.InsecureSkipTLSVerify = o.insecure || side.insecure
	})
}

// Client builds the registry client from the flags and docker's config.
// tune adjusts the options for one command (pull leaves fsync to the end).
func (o *Remote) Client(dockerCli command.Cli, userAgent string, tune ...func(*registry.Options)) (*registry.Client, error) {
	if err := o.validate(); err != nil {
		return nil, err
	}
	chunk, _ := o.chunkBytes()
	opts := registry.Options{
		Keychain:              o.keychain(dockerCli),
		PlainHTTP:             o.plainHTTP,
		InsecureSkipTLSVerify: o.insecure,
		Retries:               o.retries,
		ChunkSize:             chunk,
		UserAgent:             userAgent,
	}
	if o.retries == 0 {
		// Options treats 0 as "default"; the user asked for no retries.
		opts.Retries = registry.NoRetry
	}
	if debug.IsEnabled() {
		opts.Debug = dockerCli.Err()
	}
	for _, t := range tune {
		t(&opts)
	}
	return registry.New(opts), nil
}

// Warner prints journey warnings on stderr as docker does.
func Warner(dockerCli command.Cli) func(string, ...any) {
	return func(format string, args ...any) {
		fmt.Fprintln(dockerCli.Err(), "WARNING: "+formatter.Safe(fmt.Sprintf(format, args...)))
	}
}
