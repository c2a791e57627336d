package startercli

import (
	"os"
	"slices"

	"github.com/spf13/pflag"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/contrib/envconfig"
)

// The temporal CLI's connection flags. Each one given stands for the
// TEMPORAL_* variable envconfig reads, so a flag wins over the variable,
// which wins over the config file's profile (TEMPORAL_CONFIG_FILE, default
// ~/.config/temporalio/temporal.toml), as in the temporal CLI.
var connectionFlags = []struct{ name, env, usage string }{
	{"address", "TEMPORAL_ADDRESS", "Temporal frontend, host:port (default localhost:7233)"},
	{"namespace", "TEMPORAL_NAMESPACE", "Temporal namespace (default \"default\")"},
	{"api-key", "TEMPORAL_API_KEY", "API key (Temporal Cloud); turns TLS on"},
	{"tls-cert-path", "TEMPORAL_TLS_CLIENT_CERT_PATH", "client certificate for mTLS"},
	{"tls-key-path", "TEMPORAL_TLS_CLIENT_KEY_PATH", "client key for mTLS"},
	{"tls-ca-path", "TEMPORAL_TLS_SERVER_CA_CERT_PATH", "CA certificate the server's is checked against"},
	{"profile", "TEMPORAL_PROFILE", "profile of the config file"},
	{"env", "TEMPORAL_PROFILE", "the temporal CLI's environment name: the profile of that name (as --profile)"},
	{"config-file", "TEMPORAL_CONFIG_FILE", "TOML config file of profiles (default ~/.config/temporalio/temporal.toml)"},
}

// connection holds the connection flags given: the value of each, keyed by
// its variable.
type connection struct{ set map[string]string }

// bind defines the flags on f.
func (c *connection) bind(f *pflag.FlagSet) {
	c.set = map[string]string{}
	for _, cf := range connectionFlags {
		f.Var(&envFlag{env: cf.env, set: c.set}, cf.name, cf.usage+" [$"+cf.env+"]")
	}
}

// clientOptions are the client options envconfig loads, with the flags
// given in place of their variables.
func (c *connection) clientOptions() (client.Options, error) {
	return envconfig.LoadClientOptions(envconfig.LoadClientOptionsRequest{EnvLookup: flagsOverEnv{c.set}})
}

// envFlag is a connection flag: it sets its variable in set.
type envFlag struct {
	env string
	set map[string]string
}

func (f *envFlag) String() string     { return f.set[f.env] }
func (f *envFlag) Set(v string) error { f.set[f.env] = v; return nil }
func (f *envFlag) Type() string       { return "string" }

// flagsOverEnv is the process's environment with the flags given in place
// of their variables.
type flagsOverEnv struct{ flags map[string]string }

func (e flagsOverEnv) LookupEnv(key string) (string, bool) {
	if v, ok := e.flags[key]; ok {
		return v, true
	}
	return os.LookupEnv(key)
}

func (e flagsOverEnv) Environ() []string {
	env := slices.Clone(os.Environ())
	for k, v := range e.flags {
		env = append(env, k+"="+v)
	}
	return env
}
