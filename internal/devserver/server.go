// Package devserver runs a complete Temporal server inside the current
// process, for development: the frontend, history, matching and worker
// services on 127.0.0.1, persisted in an SQLite file so workflows survive a
// restart (or, with Options.PostgresURL, in PostgreSQL with several history
// shards, as a real deployment runs), one namespace (default "default")
// with the project's custom search attributes registered, and the Temporal
// Web UI served from the copy embedded in github.com/temporalio/ui-server/v2.
// Nothing needs installing but Go.
//
//	srv, err := devserver.Start(ctx, devserver.Options{
//		DBFile:           ".vpcflow/dev.db",
//		SearchAttributes: map[string]enums.IndexedValueType{"RouterState": enums.INDEXED_VALUE_TYPE_KEYWORD},
//	})
//	if err != nil { ... }
//	defer srv.Stop()
//	c, err := client.Dial(client.Options{HostPort: srv.FrontendHostPort(), Namespace: srv.Namespace()})
//
// It is modelled on `temporal server start-dev` (temporalio/cli,
// internal/devserver), which is not importable, with two differences: the
// namespace keeps closed workflows for a week rather than a day, and the
// database file runs in SQLite's WAL mode (several times faster).
//
// Known limits of embedding server v1.32.1, relevant only when one process
// starts servers repeatedly (tests):
//   - the server's SQLite plugin never closes its connection to a database,
//     so the file stays open until the process exits (a later Start on the
//     same file reuses that connection, which works); an in-memory database
//     is likewise kept until exit;
//   - the server's worker service does not stop the SDK worker of its
//     parent-close-policy processor, and the UI server never closes its gRPC
//     connection: each Start/Stop cycle leaves about 100 idle goroutines and
//     1 MB behind.
package devserver

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	uiserver "github.com/temporalio/ui-server/v2/server"
	uiconfig "github.com/temporalio/ui-server/v2/server/config"
	uiserveroptions "github.com/temporalio/ui-server/v2/server/server_options"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/server/common/authorization"
	"go.temporal.io/server/common/cluster"
	"go.temporal.io/server/common/config"
	"go.temporal.io/server/common/dynamicconfig"
	"go.temporal.io/server/common/log"
	"go.temporal.io/server/common/membership/static"
	sqliteplugin "go.temporal.io/server/common/persistence/sql/sqlplugin/sqlite"
	"go.temporal.io/server/common/primitives"
	sqliteschema "go.temporal.io/server/schema/sqlite"
	"go.temporal.io/server/temporal"
	"google.golang.org/protobuf/types/known/durationpb"
)

// Defaults (the first four as in `temporal server start-dev`).
const (
	DefaultIP           = "127.0.0.1"
	DefaultFrontendPort = 7233
	DefaultNamespace    = "default"
	// The UI listens on the frontend port plus this offset (7233 -> 8233).
	UIPortOffset = 1000
	// NamespaceRetention is how long closed workflows are kept in a namespace
	// the dev server creates. `temporal server start-dev` uses 24h; a week
	// keeps Friday's runs around on Monday. An existing database keeps the
	// retention it was created with.
	NamespaceRetention = 7 * 24 * time.Hour
)

const (
	clusterName    = "active"
	startupTimeout = 2 * time.Minute
	logOff         = slog.Level(100) // above every level the server uses
)

// Options configure Start. The zero value is a usable in-memory server on
// free ports with the UI.
type Options struct {
	// DBFile is the SQLite database file. It (and its directory) is created
	// and given the schema if missing; an existing file is reused, so
	// workflows survive a restart. SQLite keeps DBFile-wal and DBFile-shm
	// beside it. "" keeps everything in memory (tests).
	DBFile string
	// IP to listen on; default "127.0.0.1". "localhost" means 127.0.0.1.
	// An address other than loopback is refused unless AllowRemote is set:
	// the dev server is for this machine (see AllowRemote).
	IP string
	// AllowRemote lets IP be an address other machines reach. The dev
	// server has development defaults that are right on loopback only: no
	// authorization (any client may do anything in any namespace) and a
	// Web UI whose CSRF cookie is sent over plain HTTP.
	AllowRemote bool
	// FrontendPort is the gRPC port clients and workers dial. 0 picks free
	// ports for every listener, the UI included (unless UIPort says
	// otherwise): tests and benchmarks want that; the commands pass
	// DefaultFrontendPort. The frontend HTTP, history, matching and worker
	// ports are always picked free.
	FrontendPort int
	// UIPort serves the Web UI; default FrontendPort+1000 (8233). Negative
	// runs headless, without the UI.
	UIPort int
	// Namespace to create (if missing) and serve; default "default".
	Namespace string
	// SearchAttributes are registered in Namespace at every start. Attributes
	// already registered with the same type are fine; one registered with a
	// different type makes Start fail.
	SearchAttributes map[string]enums.IndexedValueType
	// Logger receives the server's warnings and errors (the server's info
	// and debug chatter is dropped). Default slog.Default().
	Logger *slog.Logger
	// DynamicConfig holds extra server dynamic config values, keyed like
	// "frontend.namespaceRPS.visibility"; they override the dev defaults.
	DynamicConfig map[string]any
	// PostgresURL, postgres://user:password@host:port/dbname, runs the
	// server on PostgreSQL (the server's postgres12 plugin) instead of
	// SQLite: the default store in database dbname, visibility in
	// dbname_visibility. Both are created if missing and given (or updated
	// to) the server's schema, as temporal-sql-tool does; query parameters
	// (sslmode=require, ...) go to the driver. DBFile must then be "".
	// The password never appears in errors or logs.
	PostgresURL string
	// NumHistoryShards is the number of history shards. A database keeps
	// the count it was created with: a different one makes Start fail. 0
	// means the database's count, or for a new database 1 with SQLite and
	// DefaultPostgresShards (4) with PostgreSQL.
	NumHistoryShards int32
}

// Server is a running dev server. Stop it to release its ports.
type Server struct {
	frontendHostPort string
	uiURL            string
	namespace        string
	database         string
	historyShards    int32

	server    temporal.Server
	ui        *uiserver.Server
	uiDone    chan struct{}
	logLevel  *slog.LevelVar
	releaseDB func()

	stopOnce sync.Once
	stopErr  error
}

// FrontendHostPort is the gRPC address for clients and workers, e.g.
// "127.0.0.1:7233".
func (s *Server) FrontendHostPort() string { return s.frontendHostPort }

// UIURL is the Web UI address, e.g. "http://127.0.0.1:8233", or "" when
// headless.
func (s *Server) UIURL() string { return s.uiURL }

// Namespace is the namespace the server was started with.
func (s *Server) Namespace() string { return s.namespace }

// Database describes the persistence, without any password: "PostgreSQL
// host:port/dbname", "SQLite file <path>" or "SQLite in memory".
func (s *Server) Database() string { return s.database }

// HistoryShards is the number of history shards the server runs with.
func (s *Server) HistoryShards() int32 { return s.historyShards }

// Stop shuts the UI and the server down and releases their ports and the
// database file, so Start may be called again on the same file. It is safe to
// call more than once; later calls return the first call's result.
func (s *Server) Stop() error {
	if s == nil {
		return nil
	}
	s.stopOnce.Do(func() {
		// While shutting down the server logs warnings and "context
		// canceled" errors routinely; drop them. A failure to stop is
		// returned instead.
		s.logLevel.Set(logOff)
		if s.ui != nil {
			s.ui.Stop()
			<-s.uiDone
		}
		if err := s.server.Stop(); err != nil {
			s.stopErr = fmt.Errorf("devserver: stopping temporal server: %w", err)
		}
		s.releaseDB()
	})
	return s.stopErr
}

// settings are Options resolved to concrete values.
type settings struct {
	ip           string // bind address
	connectIP    string // address to dial ip with
	frontendPort int
	httpPort     int
	historyPort  int
	matchingPort int
	workerPort   int
	uiPort       int // 0: pick a free one, unless headless
	headless     bool
	namespace    string
	dbPath       string          // absolute; "" in memory
	pg           *postgresTarget // nil: SQLite
	shards       int32           // NumHistoryShards; 0: the database's or the default
	attrs        map[string]enums.IndexedValueType
	logger       *slog.Logger
	dynConfig    map[string]any
}

// Start starts a dev server and returns once it serves requests: the
// namespace exists, the search attributes are registered and the UI answers.
// ctx bounds only the startup; the server runs until Stop.
func Start(ctx context.Context, opts Options) (*Server, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, startupTimeout)
		defer cancel()
	}

	st, err := resolve(opts)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("devserver: not started: %w", err)
	}

	// Ports the caller asked for get a clear error when taken; the rest are
	// picked free.
	if st.frontendPort != 0 {
		if err := checkPortFree(st.ip, st.frontendPort, "frontend"); err != nil {
			return nil, err
		}
	}
	if st.uiPort > 0 {
		if err := checkPortFree(st.ip, st.uiPort, "UI"); err != nil {
			return nil, err
		}
	}
	picker := newPortPicker(st.ip, st.frontendPort, st.uiPort)
	toPick := []*int{&st.frontendPort, &st.httpPort, &st.historyPort, &st.matchingPort, &st.workerPort}
	if !st.headless {
		toPick = append(toPick, &st.uiPort)
	}
	for _, p := range toPick {
		if *p == 0 {
			if *p, err = picker.pick(); err != nil {
				return nil, err
			}
		}
	}

	releaseDB, err := claimDB(st.dbKey())
	if err != nil {
		return nil, err
	}
	started := false
	defer func() {
		if !started {
			releaseDB()
		}
	}()

	logLevel := new(slog.LevelVar)
	logLevel.Set(slog.LevelWarn)
	sl := slog.New(levelFilter{min: logLevel, next: st.logger.Handler()})
	starting, booting := new(atomic.Bool), new(atomic.Bool)
	booting.Store(true)
	defer booting.Store(false)
	logger := serverLogger{sl: sl, starting: starting, booting: booting}

	stores, err := prepareDatabase(st, logger)
	if err != nil {
		return nil, err
	}

	serverOpts, err := serverOptions(st, stores, logger)
	if err != nil {
		return nil, err
	}
	srv, err := startTemporal(starting, serverOpts)
	if err != nil {
		return nil, err
	}
	s := &Server{
		frontendHostPort: net.JoinHostPort(st.connectIP, strconv.Itoa(st.frontendPort)),
		namespace:        st.namespace,
		database:         stores.desc,
		historyShards:    stores.shards,
		server:           srv,
		logLevel:         logLevel,
		releaseDB:        releaseDB,
	}
	fail := func(err error) (*Server, error) {
		_ = s.Stop()
		return nil, err
	}

	if err := waitReadyAndRegister(ctx, s.frontendHostPort, st, sl); err != nil {
		return fail(err)
	}
	if !st.headless {
		if err := s.startUI(ctx, st); err != nil {
			return fail(err)
		}
	}
	started = true
	// Say what the dev server is not, where it starts.
	st.logger.Info("Temporal dev server: no authorization, Web UI cookie over plain HTTP; for this machine only",
		"frontend", s.frontendHostPort, "ui", s.uiURL, "database", s.database, "historyShards", s.historyShards)
	return s, nil
}

// resolve validates opts and fills in defaults. Ports left 0 are picked later.
func resolve(opts Options) (settings, error) {
	st := settings{
		ip:           opts.IP,
		frontendPort: opts.FrontendPort,
		namespace:    opts.Namespace,
		logger:       opts.Logger,
		attrs:        opts.SearchAttributes,
		dynConfig:    opts.DynamicConfig,
	}
	if st.ip == "" || st.ip == "localhost" {
		st.ip = DefaultIP
	}
	ip := net.ParseIP(st.ip)
	if ip == nil {
		return st, fmt.Errorf("devserver: IP %q is not an IP address", opts.IP)
	}
	if !ip.IsLoopback() && !opts.AllowRemote {
		return st, fmt.Errorf("devserver: IP %s is not a loopback address: the dev server authorizes every client and serves its Web UI "+
			"over plain HTTP, which is right for this machine only; set AllowRemote to listen there anyway", st.ip)
	}
	st.connectIP = dialIP(st.ip)
	if st.namespace == "" {
		st.namespace = DefaultNamespace
	}
	if strings.ContainsAny(st.namespace, " \t\r\n/") {
		return st, fmt.Errorf("devserver: invalid namespace name %q", st.namespace)
	}
	if st.logger == nil {
		st.logger = slog.Default()
	}
	if err := validateSearchAttributes(st.attrs); err != nil {
		return st, err
	}

	switch {
	case opts.FrontendPort == 0:
		// leave 0: pick free ports for everything
	case !validPort(opts.FrontendPort):
		return st, fmt.Errorf("devserver: frontend port %d is out of range 1-65535", opts.FrontendPort)
	}
	switch {
	case opts.UIPort < 0:
		st.headless = true
	case opts.UIPort > 0 && !validPort(opts.UIPort):
		return st, fmt.Errorf("devserver: UI port %d is out of range 1-65535", opts.UIPort)
	case opts.UIPort > 0:
		st.uiPort = opts.UIPort
	case st.frontendPort != 0:
		st.uiPort = st.frontendPort + UIPortOffset
		if !validPort(st.uiPort) {
			return st, fmt.Errorf("devserver: default UI port %d (frontend port %d + %d) is out of range; set UIPort",
				st.uiPort, st.frontendPort, UIPortOffset)
		}
	}
	if st.uiPort != 0 && st.uiPort == st.frontendPort {
		return st, fmt.Errorf("devserver: UI port and frontend port are both %d", st.uiPort)
	}

	if opts.NumHistoryShards < 0 {
		return st, fmt.Errorf("devserver: NumHistoryShards %d is negative", opts.NumHistoryShards)
	}
	st.shards = opts.NumHistoryShards
	if opts.PostgresURL != "" {
		if opts.DBFile != "" {
			return st, errors.New("devserver: set DBFile or PostgresURL, not both")
		}
		var err error
		if st.pg, err = parsePostgresURL(opts.PostgresURL); err != nil {
			return st, err
		}
	}
	if opts.DBFile != "" {
		var err error
		if st.dbPath, err = checkDBPath(opts.DBFile); err != nil {
			return st, err
		}
	}
	return st, nil
}

// dbKey names the database for claimDB; "" for an in-memory one.
func (st settings) dbKey() string {
	if st.pg != nil {
		return "postgres://" + st.pg.String()
	}
	return st.dbPath
}

// checkDBPath makes path absolute, creates its directory and checks that
// SQLite will be able to write the file and its journal.
func checkDBPath(path string) (string, error) {
	// The path becomes part of an SQLite URI ("file:<path>?mode=rwc").
	if strings.ContainsAny(path, "?#%") {
		return "", fmt.Errorf("devserver: database file %q: the characters ? # %% are not supported in the path", path)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", fmt.Errorf("devserver: database file %q: %w", path, err)
	}
	dir := filepath.Dir(abs)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("devserver: cannot create directory for database file %s: %w", abs, err)
	}
	if fi, err := os.Stat(abs); err == nil && !fi.Mode().IsRegular() {
		return "", fmt.Errorf("devserver: database file %s is not a regular file", abs)
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("devserver: database file %s: %w", abs, err)
	}
	f, err := os.OpenFile(abs, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return "", fmt.Errorf("devserver: database file %s is not writable: %w", abs, err)
	}
	_ = f.Close()
	// SQLite creates its rollback journal next to the database.
	probe, err := os.CreateTemp(dir, ".devserver-probe-*")
	if err != nil {
		return "", fmt.Errorf("devserver: directory %s of the database file is not writable: %w", dir, err)
	}
	_ = probe.Close()
	_ = os.Remove(probe.Name())
	return abs, nil
}

var (
	openDBsMu sync.Mutex
	openDBs   = map[string]bool{}
)

// claimDB makes sure no other dev server in this process uses the database
// (a file, or postgres://host:port/dbname): two servers sharing one
// database would fight over its history shards.
func claimDB(path string) (release func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	openDBsMu.Lock()
	defer openDBsMu.Unlock()
	if openDBs[path] {
		what := "database file " + path
		if strings.HasPrefix(path, "postgres://") {
			what = "PostgreSQL database " + strings.TrimPrefix(path, "postgres://")
		}
		return nil, fmt.Errorf("devserver: %s is already used by a running dev server in this process", what)
	}
	openDBs[path] = true
	var once sync.Once
	return func() {
		once.Do(func() {
			openDBsMu.Lock()
			delete(openDBs, path)
			openDBsMu.Unlock()
		})
	}, nil
}

// prepareDatabase creates the schema in a new database (SQLite file or
// PostgreSQL), settles the number of history shards and creates the
// namespace (with the search attributes) if it is missing.
func prepareDatabase(st settings, logger log.Logger) (storeConfig, error) {
	var sc storeConfig
	var err error
	if st.pg != nil {
		sc, err = preparePostgres(st, logger)
	} else {
		sc, err = prepareSQLite(st)
	}
	if err != nil {
		return sc, err
	}

	ns, err := sqliteschema.NewNamespaceConfig(clusterName, st.namespace, false, st.attrs)
	if err != nil {
		return sc, fmt.Errorf("devserver: namespace %q: %w", st.namespace, err)
	}
	ns.Detail.Config.Retention = durationpb.New(NamespaceRetention)
	// Despite its package, CreateNamespaces works on any SQL store.
	if err := sqliteschema.CreateNamespaces(sc.main, ns); err != nil {
		return sc, fmt.Errorf("devserver: creating namespace %q in %s: %w", st.namespace, sc.namespaceWhere, err)
	}
	return sc, nil
}

// prepareSQLite creates the schema in a new database file and checks the
// history shard count of an existing one.
func prepareSQLite(st settings) (storeConfig, error) {
	conf := &config.SQL{PluginName: sqliteplugin.PluginName}
	sc := storeConfig{name: "sqlite-default", main: conf, desc: "SQLite in memory", namespaceWhere: "in-memory database"}
	if st.dbPath == "" {
		// A shared-cache in-memory database is created with its schema when
		// the server's SQLite plugin first connects to it.
		conf.DatabaseName = "devserver-" + rand.Text()
		conf.ConnectAttributes = map[string]string{"mode": "memory", "cache": "shared"}
	} else {
		conf.DatabaseName = st.dbPath
		conf.ConnectAttributes = map[string]string{
			"mode": "rwc",
			// Write-ahead log with fsync only at checkpoints: commits survive
			// a crash of the process, not necessarily of the OS. Measured on
			// 2 cores: ~30 workflows/s (6 activities each) against ~7 with
			// SQLite's default rollback journal, which fsyncs every commit.
			// The database then comes with -wal and -shm files beside it.
			"journal_mode": "wal",
			"synchronous":  "normal",
		}
		sc.desc = "SQLite file " + st.dbPath
		sc.namespaceWhere = st.dbPath + " (is it a Temporal dev server database?)"
		fi, err := os.Stat(st.dbPath)
		if err != nil {
			return sc, fmt.Errorf("devserver: database file %s: %w", st.dbPath, err)
		}
		if fi.Size() == 0 {
			if err := sqliteschema.SetupSchema(conf); err != nil {
				return sc, fmt.Errorf("devserver: creating the Temporal schema in %s: %w", st.dbPath, err)
			}
		} else {
			sc.shards, err = checkShardCount(conf, st.shards, 1, "database file "+st.dbPath)
			return sc, err
		}
	}
	sc.shards = max(st.shards, 1)
	return sc, nil
}

// serverOptions builds the Temporal server configuration.
func serverOptions(st settings, stores storeConfig, logger serverLogger) ([]temporal.ServerOption, error) {
	hostPort := func(port int) string { return net.JoinHostPort(st.connectIP, strconv.Itoa(port)) }
	service := func(port, httpPort int) config.Service {
		var svc config.Service
		svc.RPC.GRPCPort = port
		svc.RPC.HTTPPort = httpPort
		svc.RPC.BindOnIP = st.ip
		return svc
	}

	var conf config.Config
	conf.Global.Membership.MaxJoinDuration = 30 * time.Second
	conf.Global.Membership.BroadcastAddress = st.connectIP
	conf.Persistence.DefaultStore = stores.name
	conf.Persistence.VisibilityStore = stores.name
	conf.Persistence.NumHistoryShards = stores.shards
	conf.Persistence.DataStores = map[string]config.DataStore{stores.name: {SQL: stores.main}}
	if stores.visibility != nil {
		const visibility = "visibility"
		conf.Persistence.VisibilityStore = visibility
		conf.Persistence.DataStores[visibility] = config.DataStore{SQL: stores.visibility}
	}
	conf.ClusterMetadata = &cluster.Config{
		EnableGlobalNamespace:    false,
		FailoverVersionIncrement: 10,
		MasterClusterName:        clusterName,
		CurrentClusterName:       clusterName,
		ClusterInformation: map[string]cluster.ClusterInformation{
			clusterName: {
				Enabled:                true,
				InitialFailoverVersion: 1,
				RPCAddress:             hostPort(st.frontendPort),
				HTTPAddress:            hostPort(st.httpPort),
				// ClusterID left empty: the server generates and persists one.
			},
		},
	}
	conf.DCRedirectionPolicy.Policy = "noop"
	conf.Services = map[string]config.Service{
		string(primitives.FrontendService): service(st.frontendPort, st.httpPort),
		string(primitives.HistoryService):  service(st.historyPort, 0),
		string(primitives.MatchingService): service(st.matchingPort, 0),
		string(primitives.WorkerService):   service(st.workerPort, 0),
	}
	conf.Archival.History.State = "disabled"
	conf.Archival.Visibility.State = "disabled"
	conf.NamespaceDefaults.Archival.History.State = "disabled"
	conf.NamespaceDefaults.Archival.Visibility.State = "disabled"
	conf.PublicClient.HostPort = hostPort(st.frontendPort)

	authorizer, err := authorization.GetAuthorizerFromConfig(&conf.Global.Authorization)
	if err != nil {
		return nil, fmt.Errorf("devserver: authorizer: %w", err)
	}
	claimMapper, err := authorization.GetClaimMapperFromConfig(&conf.Global.Authorization, logger)
	if err != nil {
		return nil, fmt.Errorf("devserver: claim mapper: %w", err)
	}

	dc := dynamicconfig.StaticClient{}
	for k, v := range devDynamicConfig {
		dc[dynamicconfig.MakeKey(k)] = v
	}
	for k, v := range st.dynConfig {
		dc[dynamicconfig.MakeKey(k)] = v
	}

	return []temporal.ServerOption{
		temporal.WithConfig(&conf),
		temporal.ForServices(temporal.DefaultServices),
		// One process: no ringpop membership, hence no membership ports.
		temporal.WithStaticHosts(map[primitives.ServiceName]static.Hosts{
			primitives.FrontendService: static.SingleLocalHost(hostPort(st.frontendPort)),
			primitives.HistoryService:  static.SingleLocalHost(hostPort(st.historyPort)),
			primitives.MatchingService: static.SingleLocalHost(hostPort(st.matchingPort)),
			primitives.WorkerService:   static.SingleLocalHost(hostPort(st.workerPort)),
		}),
		temporal.WithLogger(logger),
		temporal.WithAuthorizer(authorizer),
		temporal.WithClaimMapper(func(*config.Config) authorization.ClaimMapper { return claimMapper }),
		temporal.WithDynamicConfigClient(dc),
		temporal.WithChainedFrontendGrpcInterceptors(limitSignalAndUpdatePayloads),
	}, nil
}

// devDynamicConfig are the dev server's dynamic config defaults.
var devDynamicConfig = map[string]any{
	// Newly registered search attributes are usable at once (no cache
	// delay), so a workflow started right after Start can upsert them and
	// visibility queries can filter on them.
	"system.forceSearchAttributesCacheRefreshOnRead": true,
	// Reading search attributes from the database on every use costs
	// persistence calls; raise the per-host limits (same ratio as defaults).
	"frontend.persistenceMaxQPS": 10000,
	"history.persistenceMaxQPS":  45000,
	// The Web UI polls list/count queries; the default of 10/s throttles it.
	"frontend.namespaceRPS.visibility": 100,
	// Fewer cached workflow executions: less memory on a laptop.
	"history.hostLevelCacheMaxSize": 8192,
	// An Update is refused, before it reaches a worker, when it would make
	// the payloads of a workflow's in-flight Updates 64 KiB or more
	// (default 20 MiB): behind the frontend's own check of each Update
	// (limitSignalAndUpdatePayloads), what a cluster's operator sets
	// (docs/operations.md).
	"history.maxInFlightUpdatePayloads": maxSignalOrUpdateBytes,
}

// startTemporal builds and starts the server, turning the server's Fatal
// calls (for example "Failed to start gRPC listener") and panics into errors.
func startTemporal(starting *atomic.Bool, opts []temporal.ServerOption) (srv temporal.Server, err error) {
	starting.Store(true)
	defer starting.Store(false)
	defer func() {
		r := recover()
		if r == nil {
			return
		}
		if fe, ok := r.(fatalError); ok {
			err = fmt.Errorf("devserver: temporal server failed to start: %w", fe)
		} else {
			err = fmt.Errorf("devserver: temporal server panicked while starting: %v", r)
		}
		srv = nil
	}()
	srv, err = temporal.NewServer(opts...)
	if err != nil {
		return nil, fmt.Errorf("devserver: creating temporal server: %w", err)
	}
	if err := srv.Start(); err != nil {
		return nil, fmt.Errorf("devserver: starting temporal server: %w", err)
	}
	return srv, nil
}

// waitReadyAndRegister waits until the frontend serves the namespace, then
// registers the search attributes.
func waitReadyAndRegister(ctx context.Context, hostPort string, st settings, sl *slog.Logger) error {
	var c client.Client
	var err error
	for {
		c, err = client.DialContext(ctx, client.Options{
			HostPort:  hostPort,
			Namespace: st.namespace,
			Logger:    sdklog.NewStructuredLogger(sl),
		})
		if err == nil {
			_, err = c.WorkflowService().DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: st.namespace})
			if err == nil {
				break
			}
			c.Close()
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("devserver: server at %s not ready: %w (last error: %v)", hostPort, ctx.Err(), err)
		case <-time.After(100 * time.Millisecond):
		}
	}
	defer c.Close()
	return ensureSearchAttributes(ctx, c.OperatorService(), st.namespace, st.attrs)
}

// startUI serves the embedded Web UI and waits until it answers.
func (s *Server) startUI(ctx context.Context, st settings) (err error) {
	hostPort := net.JoinHostPort(st.ip, strconv.Itoa(st.uiPort))
	conf := &uiconfig.Config{
		Host:                st.ip,
		Port:                st.uiPort,
		TemporalGRPCAddress: s.frontendHostPort,
		EnableUI:            true,
		DefaultNamespace:    st.namespace,
		// Plain HTTP on localhost: the CSRF cookie must not require HTTPS.
		CORS:     uiconfig.CORS{CookieInsecure: true},
		HideLogs: true,
		// The UI would fetch news from temporal.io; it is meant to work offline.
		DisableNewsFetch: true,
	}
	if err := conf.Validate(); err != nil {
		return fmt.Errorf("devserver: UI config: %w", err)
	}
	var ui *uiserver.Server
	func() {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("devserver: creating UI server: %v", r)
			}
		}()
		ui = uiserver.NewServer(uiserveroptions.WithConfigProvider(conf))
	}()
	if err != nil {
		return err
	}
	// ui-server's Start blocks, and exits the process if it cannot listen, so
	// check the port right before.
	if err := checkPortFree(st.ip, st.uiPort, "UI"); err != nil {
		return err
	}
	s.ui, s.uiDone = ui, make(chan struct{})
	go func() {
		defer close(s.uiDone)
		_ = ui.Start()
	}()
	s.uiURL = "http://" + net.JoinHostPort(st.connectIP, strconv.Itoa(st.uiPort))

	hc := &http.Client{Timeout: 2 * time.Second}
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.uiURL+"/healthz", nil)
		resp, err := hc.Do(req)
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("devserver: UI at %s not ready: %w", hostPort, ctx.Err())
		case <-s.uiDone:
			return fmt.Errorf("devserver: UI server on %s stopped unexpectedly", hostPort)
		case <-time.After(50 * time.Millisecond):
		}
	}
}
