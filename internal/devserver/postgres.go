package devserver

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/lib/pq"
	persistencespb "go.temporal.io/server/api/persistence/v1"
	"go.temporal.io/server/common/config"
	"go.temporal.io/server/common/log"
	"go.temporal.io/server/common/metrics"
	"go.temporal.io/server/common/persistence"
	"go.temporal.io/server/common/persistence/serialization"
	persistencesql "go.temporal.io/server/common/persistence/sql"
	"go.temporal.io/server/common/persistence/sql/sqlplugin"
	postgresplugin "go.temporal.io/server/common/persistence/sql/sqlplugin/postgresql"
	"go.temporal.io/server/common/persistence/sql/sqlplugin/postgresql/driver"
	"go.temporal.io/server/common/persistence/sql/sqlplugin/postgresql/session"
	"go.temporal.io/server/common/resolver"
	"go.temporal.io/server/tools/common/schema"
	sqltool "go.temporal.io/server/tools/sql"
)

// Defaults of the PostgreSQL persistence.
const (
	// DefaultPostgresShards is the number of history shards of a new
	// PostgreSQL database when Options.NumHistoryShards is 0: several, as a
	// real deployment has, so that work spreads over shards as it does there.
	DefaultPostgresShards = 4
	// VisibilitySuffix names the visibility database: the default store is
	// in the URL's database <db>, visibility in <db>_visibility.
	VisibilitySuffix = "_visibility"
	// Embedded schemas of go.temporal.io/server/schema, the ones
	// temporal-sql-tool applies with --plugin postgres12.
	postgresSchema           = "postgresql/v12/temporal"
	postgresVisibilitySchema = "postgresql/v12/visibility"
	// postgresMaintenanceDB is the database connected to for CREATE DATABASE.
	postgresMaintenanceDB = "postgres"
	postgresDefaultPort   = "5432"
)

// A database name is quoted in CREATE/DROP DATABASE and must leave room
// for the visibility suffix in PostgreSQL's 63 bytes.
var postgresDBName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,51}$`)

// postgresTarget is a parsed Options.PostgresURL.
type postgresTarget struct {
	redacted string // the URL with its password replaced by xxxxx
	addr     string // host:port
	user     string
	password string
	db       string // default store; visibility in db+VisibilitySuffix
	attrs    map[string]string
}

// parsePostgresURL checks raw, postgres://user:password@host:port/dbname
// with optional query parameters (sslmode, connect_timeout, ... passed to
// the driver). Its errors never contain the password.
func parsePostgresURL(raw string) (*postgresTarget, error) {
	const want = "want postgres://user:password@host:port/dbname"
	u, err := url.Parse(raw)
	if err != nil {
		// url.Error repeats the whole URL, password included: keep only
		// the reason.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("devserver: invalid PostgreSQL URL (%s): %v", want, err)
	}
	redacted := u.Redacted()
	bad := func(format string, args ...any) error {
		return fmt.Errorf("devserver: invalid PostgreSQL URL %s: %s (%s)", redacted, fmt.Sprintf(format, args...), want)
	}
	if u.Scheme != "postgres" && u.Scheme != "postgresql" {
		return nil, bad("scheme %q is not postgres", u.Scheme)
	}
	if u.Opaque != "" || u.Hostname() == "" {
		return nil, bad("no host")
	}
	port := u.Port()
	if port == "" {
		port = postgresDefaultPort
	}
	if n, err := strconv.Atoi(port); err != nil || !validPort(n) {
		return nil, bad("port %q is not 1-65535", port)
	}
	db := strings.TrimPrefix(u.Path, "/")
	if db == "" {
		return nil, bad("no database name")
	}
	if !postgresDBName.MatchString(db) {
		return nil, bad("database name %q: use letters, digits and _ (at most 52, it gets the suffix %s)", db, VisibilitySuffix)
	}
	if u.Fragment != "" {
		return nil, bad("unexpected #fragment")
	}
	p := &postgresTarget{
		redacted: redacted,
		addr:     net.JoinHostPort(u.Hostname(), port),
		user:     u.User.Username(),
		db:       db,
		attrs:    map[string]string{},
	}
	p.password, _ = u.User.Password()
	// The server's driver puts the user name into a URL unescaped.
	if strings.ContainsAny(p.user, "@:/?#%[] \t") {
		return nil, bad("user name %q: the characters @ : / ? # %% [ ] and blanks are not supported", p.user)
	}
	for k, vs := range u.Query() {
		if len(vs) != 1 {
			return nil, bad("query parameter %q given %d times", k, len(vs))
		}
		p.attrs[k] = vs[0]
	}
	if _, ok := p.attrs["connect_timeout"]; !ok {
		// Without it the driver waits as long as the OS for an unreachable host.
		p.attrs["connect_timeout"] = "10"
	}
	return p, nil
}

// String is host:port/dbname, for messages.
func (p *postgresTarget) String() string { return p.addr + "/" + p.db }

func (p *postgresTarget) visibilityDB() string { return p.db + VisibilitySuffix }

// sqlConfig is the server's persistence config for database db.
//
// Each of the server's four services keeps its own connection pools: at
// most 10 connections to the default store and 4 to visibility each, 56 in
// all, within PostgreSQL's default max_connections of 100.
func (p *postgresTarget) sqlConfig(db string) *config.SQL {
	maxConns := 10
	if db == p.visibilityDB() {
		maxConns = 4
	}
	attrs := make(map[string]string, len(p.attrs))
	for k, v := range p.attrs {
		attrs[k] = v
	}
	return &config.SQL{
		PluginName:        postgresplugin.PluginName,
		DatabaseName:      db,
		ConnectAddr:       p.addr,
		ConnectProtocol:   "tcp",
		User:              p.user,
		Password:          p.password,
		ConnectAttributes: attrs,
		MaxConns:          maxConns,
		MaxIdleConns:      maxConns,
		MaxConnLifetime:   time.Hour,
	}
}

// storeConfig is the persistence the server is started with.
type storeConfig struct {
	name           string      // data store name in the server config
	main           *config.SQL // default store
	visibility     *config.SQL // nil: the default store's database
	shards         int32
	desc           string // for messages: "PostgreSQL host:port/db" or "SQLite ..."
	namespaceWhere string // for the namespace creation error
}

// preparePostgres creates the two databases if missing, sets up or updates
// their schemas as temporal-sql-tool does (setup-schema -v 0.0, then
// update-schema with the embedded versioned schema), checks the history
// shard count (prepareDatabase then creates the namespace).
func preparePostgres(st settings, logger log.Logger) (storeConfig, error) {
	p := st.pg
	sc := storeConfig{
		name:           "postgres-default",
		main:           p.sqlConfig(p.db),
		visibility:     p.sqlConfig(p.visibilityDB()),
		desc:           "PostgreSQL " + p.String(),
		namespaceWhere: "PostgreSQL database " + p.String(),
	}
	for _, d := range []struct{ db, schema string }{
		{p.db, postgresSchema},
		{p.visibilityDB(), postgresVisibilitySchema},
	} {
		if err := createPostgresDB(p, d.db, logger); err != nil {
			return sc, err
		}
		if err := setupPostgresSchema(p.sqlConfig(d.db), d.schema, logger); err != nil {
			return sc, fmt.Errorf("devserver: schema of PostgreSQL database %s/%s (%s): %w", p.addr, d.db, p.redacted, p.scrub(err))
		}
	}
	var err error
	if sc.shards, err = checkShardCount(sc.main, st.shards, DefaultPostgresShards, "PostgreSQL database "+p.String()); err != nil {
		return sc, p.scrub(err)
	}
	return sc, nil
}

// createPostgresDB creates database name unless it exists, connecting to
// the maintenance database "postgres" to do so: a user who may not create
// databases can still use one made for them.
func createPostgresDB(p *postgresTarget, name string, logger log.Logger) error {
	err := pingPostgres(p.sqlConfig(name))
	if err == nil {
		return nil
	}
	var pqErr *pq.Error
	if !errors.As(err, &pqErr) || pqErr.Code != pqUndefinedDatabase {
		return fmt.Errorf("devserver: cannot connect to PostgreSQL database %s/%s (%s): %w", p.addr, name, p.redacted, p.scrub(err))
	}
	if err := pingPostgres(p.sqlConfig(postgresMaintenanceDB)); err != nil {
		return fmt.Errorf("devserver: PostgreSQL %s: database %s does not exist, and connecting to database %s to create it failed: %w",
			p.redacted, name, postgresMaintenanceDB, p.scrub(err))
	}
	if err := sqltool.DoCreateDatabase(p.sqlConfig(name), postgresMaintenanceDB, logger); err != nil {
		return fmt.Errorf("devserver: PostgreSQL %s: database %s does not exist and creating it (connected to database %s) failed: %w",
			p.redacted, name, postgresMaintenanceDB, p.scrub(err))
	}
	return nil
}

// pqUndefinedDatabase is PostgreSQL's SQLSTATE for a missing database.
const pqUndefinedDatabase = "3D000"

// pingPostgres connects to the database of conf as the server's plugin
// does, and returns the driver's error as it is: the plugin's handle only
// logs it and returns "no usable database connection found".
func pingPostgres(conf *config.SQL) error {
	s, err := session.NewSession(conf, &driver.PQDriver{}, resolver.NewNoopResolver())
	if err != nil {
		return err
	}
	defer s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return s.PingContext(ctx)
}

// scrub removes the password from err's message, should a driver ever
// repeat it.
func (p *postgresTarget) scrub(err error) error {
	if err == nil || len(p.password) < 3 {
		return err
	}
	msg := err.Error()
	clean := msg
	for _, s := range []string{p.password, url.QueryEscape(p.password), url.PathEscape(p.password)} {
		clean = strings.ReplaceAll(clean, s, "xxxxx")
	}
	if clean == msg {
		return err
	}
	return errors.New(clean)
}

// setupPostgresSchema brings the database to the latest version of the
// embedded schema schemaName, creating it from scratch in an empty database.
func setupPostgresSchema(conf *config.SQL, schemaName string, logger log.Logger) error {
	conn, err := sqltool.NewConnection(conf, logger)
	if err != nil {
		return err
	}
	defer conn.Close()
	// Creates the version tables, and records version 0.0 when the
	// database has none yet; a database with a schema is left alone.
	if err := schema.NewSetupSchemaTask(conn, &schema.SetupConfig{InitialVersion: "0.0"}, logger).Run(); err != nil {
		return err
	}
	// Applies every versioned step above the database's version.
	return schema.NewUpdateSchemaTask(conn, &schema.UpdateConfig{DBName: conf.DatabaseName, SchemaName: schemaName}, logger).Run()
}

// checkShardCount returns the number of history shards to start with: the
// one the database was created with (want 0, or want equal to it), or for a
// database the server has not initialised yet want, or def when want is 0.
// A database's shard count cannot change once the server has written it.
func checkShardCount(conf *config.SQL, want, def int32, where string) (int32, error) {
	have, err := persistedShardCount(conf)
	if err != nil {
		return 0, fmt.Errorf("devserver: reading the history shard count of %s: %w", where, err)
	}
	switch {
	case have == 0 && want == 0:
		return def, nil
	case have == 0:
		return want, nil
	case want == 0 || want == have:
		return have, nil
	default:
		return 0, fmt.Errorf("devserver: %s was created with %d history shards, not the %d asked for: "+
			"the number of history shards of a Temporal database cannot change; "+
			"start with %d shards or use a new database", where, have, want, have)
	}
}

// persistedShardCount is the history shard count recorded in the cluster
// metadata of the database, 0 if the server has not run on it yet.
func persistedShardCount(conf *config.SQL) (int32, error) {
	db, err := persistencesql.NewSQLDB(sqlplugin.DbKindMain, conf, resolver.NewNoopResolver(), log.NewNoopLogger(), metrics.NoopMetricsHandler)
	if err != nil {
		return 0, err
	}
	defer func() { _ = db.Close() }()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	row, err := db.GetClusterMetadata(ctx, &sqlplugin.ClusterMetadataFilter{ClusterName: clusterName})
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	var md persistencespb.ClusterMetadata
	if err := serialization.Decode(persistence.NewDataBlob(row.Data, row.DataEncoding), &md); err != nil {
		return 0, fmt.Errorf("decoding cluster metadata: %w", err)
	}
	return md.GetHistoryShardCount(), nil
}

// RedactPostgresURL is rawURL with its password replaced by xxxxx, for
// printing; a URL that does not parse comes back as a placeholder.
func RedactPostgresURL(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "(invalid PostgreSQL URL)"
	}
	return u.Redacted()
}

// DropPostgres drops the databases a dev server uses for rawURL, <db> and
// <db>_visibility, if they exist; connections still open to them (a dev
// server's, once stopped) are ended first. It is for throwaway databases
// (tests, benchmarks): their workflows are gone.
func DropPostgres(rawURL string) error {
	p, err := parsePostgresURL(rawURL)
	if err != nil {
		return err
	}
	if err := pingPostgres(p.sqlConfig(postgresMaintenanceDB)); err != nil {
		return fmt.Errorf("devserver: cannot connect to PostgreSQL database %s/%s (%s): %w", p.addr, postgresMaintenanceDB, p.redacted, p.scrub(err))
	}
	conn, err := sqltool.NewConnection(p.sqlConfig(postgresMaintenanceDB), log.NewNoopLogger())
	if err != nil {
		return fmt.Errorf("devserver: PostgreSQL %s: %w", p.redacted, p.scrub(err))
	}
	defer conn.Close()
	for _, db := range []string{p.db, p.visibilityDB()} {
		var err error
		for try := 0; try < 20; try++ {
			if err = conn.Exec(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, db); err != nil {
				break
			}
			// db matches postgresDBName: quoting it is enough.
			if err = conn.Exec(`DROP DATABASE IF EXISTS "` + db + `"`); err == nil {
				break
			}
			time.Sleep(100 * time.Millisecond) // a terminated backend may linger
		}
		if err != nil {
			return fmt.Errorf("devserver: dropping PostgreSQL database %s/%s: %w", p.addr, db, p.scrub(err))
		}
	}
	return nil
}
