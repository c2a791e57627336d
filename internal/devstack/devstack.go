// Package devstack runs the newcomer's whole world in one process: the
// embedded Temporal server with its Web UI (internal/devserver), cloudsim
// with its default fixture, and vpcflow's worker (internal/workerapp, the
// production wiring) with cloud clients pointed at cloudsim. `starter dev`
// and `starter demo` run it, and so do the end-to-end tests; nothing needs
// installing but Go. The production worker (./worker) links none of it.
package devstack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/vpcflow/vpcflow/activities"
	"github.com/vpcflow/vpcflow/contract"
	"github.com/vpcflow/vpcflow/internal/cloudsim"
	"github.com/vpcflow/vpcflow/internal/devserver"
	"github.com/vpcflow/vpcflow/internal/simclients"
	"github.com/vpcflow/vpcflow/internal/workerapp"
)

// Options configure Start. The commands set the ports they document
// (Temporal 7233, Web UI 8233, cloudsim 8380); zero ports are picked free.
type Options struct {
	// Dir holds the SQLite file of the Temporal server; "" means ".vpcflow".
	Dir string
	// InMemory keeps Temporal's state in memory (tests).
	InMemory bool
	// Postgres, postgres://user:password@host:port/dbname, keeps Temporal's
	// state in PostgreSQL instead of SQLite (devserver.Options.PostgresURL:
	// the databases are created if missing, with 4 history shards); Dir is
	// then unused.
	Postgres string
	// FrontendPort and UIPort as in devserver.Options (0: free ports;
	// UIPort < 0: no UI).
	FrontendPort int
	UIPort       int
	// CloudsimAddr is where cloudsim listens; "" means a free port on 127.0.0.1.
	CloudsimAddr string
	// CloudsimSpeed makes cloudsim's transitions run faster than the wall
	// clock (10 turns a 5 s connect into 0.5 s); 0 means 1.
	CloudsimSpeed float64
	// Fixture seeds cloudsim; nil means its default fixture.
	Fixture *cloudsim.Fixture
	Logger  *slog.Logger
}

// Stack is a running dev stack.
type Stack struct {
	Temporal    *devserver.Server
	Cloudsim    *cloudsim.Server
	CloudsimURL string
	cloudsimSrv *http.Server
}

// Start starts cloudsim, then the Temporal server with vpcflow's search
// attributes registered.
func Start(ctx context.Context, opts Options) (*Stack, error) {
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	sim, err := cloudsim.New(cloudsim.Options{Fixture: opts.Fixture, Clock: cloudsim.NewScaledClock(opts.CloudsimSpeed), Seed: time.Now().UnixNano()})
	if err != nil {
		return nil, fmt.Errorf("devstack: cloudsim: %w", err)
	}
	addr := opts.CloudsimAddr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("devstack: cloudsim cannot listen on %s (is another vpcflow dev stack running?): %w", addr, err)
	}
	s := &Stack{Cloudsim: sim, CloudsimURL: "http://" + ln.Addr().String(),
		cloudsimSrv: cloudsim.NewHTTPServer(addr, sim)}
	go func() {
		if err := s.cloudsimSrv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error("cloudsim stopped", "error", err)
		}
	}()

	dsOpts := devserver.Options{
		FrontendPort:     opts.FrontendPort,
		UIPort:           opts.UIPort,
		SearchAttributes: contract.SearchAttributeTypes(),
		Logger:           logger,
		PostgresURL:      opts.Postgres,
	}
	if opts.Postgres != "" && opts.InMemory {
		s.Stop()
		return nil, errors.New("devstack: Postgres and InMemory are both set")
	}
	if !opts.InMemory && opts.Postgres == "" {
		dir := opts.Dir
		if dir == "" {
			dir = ".vpcflow"
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			s.Stop()
			return nil, fmt.Errorf("devstack: state directory: %w", err)
		}
		dsOpts.DBFile = filepath.Join(dir, "temporal.db")
	}
	s.Temporal, err = devserver.Start(ctx, dsOpts)
	if err != nil {
		s.Stop()
		return nil, fmt.Errorf("devstack: %w", err)
	}
	return s, nil
}

// Activities builds the activities with clients that call this stack's
// cloudsim with its default fixture's keys.
func (s *Stack) Activities() (*activities.CloudActivities, error) {
	return simclients.Activities(s.CloudsimURL)
}

// ClientOptions reach this stack's Temporal server. It is in this process,
// over loopback: gzip of every gRPC request (the SDK's default, worth it
// over a WAN) only costs CPU, 5-8 ms per NetworkChange
// (docs/benchmarks.md).
func (s *Stack) ClientOptions() client.Options {
	return client.Options{HostPort: s.Temporal.FrontendHostPort(), Namespace: s.Temporal.Namespace(),
		ConnectionOptions: client.ConnectionOptions{GrpcCompression: &client.GrpcCompressionNone{}}}
}

// WorkerConfig is cfg pointed at this stack: its Temporal server, and
// activities whose clients call its cloudsim.
func (s *Stack) WorkerConfig(cfg workerapp.Config) (workerapp.Config, error) {
	acts, err := s.Activities()
	if err != nil {
		return cfg, fmt.Errorf("devstack: cloud clients for cloudsim: %w", err)
	}
	opts := s.ClientOptions()
	cfg.Temporal, cfg.Activities = &opts, acts
	return cfg, nil
}

// StartWorker runs a worker on this stack (cfg as WorkerConfig completes
// it) until stop is called or ctx ends, and returns once it polls. stop
// waits for the worker to finish; call it before Stop.
func (s *Stack) StartWorker(ctx context.Context, cfg workerapp.Config) (ready workerapp.Ready, stop func(), err error) {
	if cfg, err = s.WorkerConfig(cfg); err != nil {
		return ready, nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	readyCh := make(chan workerapp.Ready, 1)
	done := make(chan error, 1)
	cfg.Ready = func(r workerapp.Ready) { readyCh <- r }
	go func() { done <- workerapp.Run(ctx, cfg) }()
	select {
	case ready = <-readyCh:
		return ready, func() { cancel(); <-done }, nil
	case err = <-done:
		cancel()
		if err == nil { // ctx ended before the worker polled
			err = ctx.Err()
		}
		return ready, nil, fmt.Errorf("worker: %w", err)
	}
}

// Stop stops the Temporal server and cloudsim.
func (s *Stack) Stop() {
	if s.Temporal != nil {
		_ = s.Temporal.Stop()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = s.cloudsimSrv.Shutdown(ctx)
}
