// Command cloudsim runs the cloudsim emulator of the Alibaba Cloud VPC and
// Huawei Cloud APIG APIs on its own, for demos and manual testing:
//
//	go run ./internal/cloudsim/cmd/cloudsim --listen 127.0.0.1:8380 --speed 10
//
// Point the Alibaba SDK at it with client.Domain = "127.0.0.1:8380" and the
// Huawei SDK with WithEndpoints([]string{"http://127.0.0.1:8380"}); the
// credentials of the default fixture are printed at start. See the package
// documentation of internal/cloudsim for the admin API under /_cloudsim/.
//
// cloudsim listens on loopback only. To serve other machines, pass
// --allow-remote: a warning is logged, and the admin API then requires
// "Authorization: Bearer <token>" with the token of --admin-token, or one
// generated and printed once at start.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/vpcflow/vpcflow/internal/cloudsim"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "cloudsim:", err)
		os.Exit(1)
	}
}

func run() error {
	listen := flag.String("listen", "127.0.0.1:8380", "address to listen on; loopback only unless --allow-remote")
	allowRemote := flag.Bool("allow-remote", false,
		"allow a --listen address beyond loopback; the admin API then requires an admin token (--admin-token, or one generated and printed at start)")
	adminToken := flag.String("admin-token", "", "require 'Authorization: Bearer <token>' on every admin API request (/_cloudsim/), whatever its Host")
	fixturePath := flag.String("fixture", "", "YAML or JSON fixture file (default: the built-in demo fixture)")
	speed := flag.Float64("speed", 1, "simulated time runs this many times faster than wall time")
	manual := flag.Bool("manual-clock", false, "freeze simulated time; move it with POST /_cloudsim/clock/advance")
	seed := flag.Int64("seed", 1, "seed of the random faults")
	generate := flag.Int("generate", 0, "add this many load-test router interface pairs and routes to the built-in fixture")
	printFixture := flag.Bool("print-fixture", false, "print the fixture as YAML and exit")
	verbose := flag.Bool("verbose", false, "log every call")
	quirksJSON := flag.String("quirks", "", `quirks as a JSON object, e.g. '{"totalCountPerPage":true,"badGateway":{"DescribeRouterInterfaces":2}}' (see cloudsim.Quirks)`)
	quotasJSON := flag.String("quotas", "", `API quotas as a JSON object, e.g. '{"perSecond":{"DescribeRouterInterfaces":20,"*":50},"perAccount":true}' (see cloudsim.Quotas)`)
	flag.Parse()

	quirks, err := parseJSONFlag[cloudsim.Quirks]("quirks", *quirksJSON)
	if err != nil {
		return err
	}
	quotas, err := parseJSONFlag[cloudsim.Quotas]("quotas", *quotasJSON)
	if err != nil {
		return err
	}

	fixture := cloudsim.GenerateFixture(*generate)
	if *fixturePath != "" {
		f, err := cloudsim.LoadFixture(*fixturePath)
		if err != nil {
			return err
		}
		fixture = f
	}
	if *printFixture {
		out, err := fixture.YAML()
		if err != nil {
			return err
		}
		_, err = os.Stdout.Write(out)
		return err
	}

	remote, err := checkListenAddress(*listen, *allowRemote)
	if err != nil {
		return err
	}
	token, generatedToken, err := adminTokenFor(*adminToken, remote)
	if err != nil {
		return err
	}

	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	var clock cloudsim.Clock = cloudsim.NewScaledClock(*speed)
	if *manual {
		clock = cloudsim.NewManualClock(time.Now())
	}
	srv, err := cloudsim.New(cloudsim.Options{Fixture: fixture, Clock: clock, Seed: *seed, Logger: logger, AdminToken: token})
	if err != nil {
		return err
	}
	if err := srv.SetQuirks(quirks); err != nil {
		return fmt.Errorf("--quirks: %w", err)
	}
	if err := srv.SetQuotas(quotas); err != nil {
		return fmt.Errorf("--quotas: %w", err)
	}

	httpServer := cloudsim.NewHTTPServer(*listen, srv)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- httpServer.ListenAndServe() }()

	logger.Info("cloudsim listening", "addr", *listen, "speed", *speed, "manualClock", *manual, "quirks", *quirksJSON)
	if remote {
		logger.Warn("cloudsim is reachable beyond loopback (--allow-remote): anyone who can reach it can call the SDK APIs "+
			"with the fixture's credentials; the admin API requires the admin token", "addr", *listen)
	}
	if generatedToken {
		// Printed once: it is not stored anywhere else.
		logger.Warn("admin API token generated; send it as 'Authorization: Bearer <token>'", "adminToken", token)
	}
	if *fixturePath == "" {
		logger.Info("default credentials",
			"alibabaAccessKeyId", cloudsim.DefaultAccessKeyID, "alibabaAccessKeySecret", cloudsim.DefaultAccessKeySecret,
			"region", cloudsim.DefaultRegionID,
			"huaweiAK", cloudsim.DefaultHuaweiAK, "huaweiSK", cloudsim.DefaultHuaweiSK, "huaweiProjectId", cloudsim.DefaultHuaweiProjectID)
	}

	select {
	case err := <-errc:
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return err
	case <-ctx.Done():
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return httpServer.Shutdown(shutdownCtx)
	}
}

// parseJSONFlag reads a flag holding one JSON object (--quirks, --quotas).
// Unknown fields are rejected, as the admin API rejects them, so a typo
// does not silently do nothing.
func parseJSONFlag[T any](name, text string) (T, error) {
	var v T
	if strings.TrimSpace(text) == "" {
		return v, nil
	}
	dec := json.NewDecoder(strings.NewReader(text))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		return v, fmt.Errorf("--%s: %w", name, err)
	}
	if dec.More() {
		return v, fmt.Errorf("--%s: one JSON object expected", name)
	}
	return v, nil
}
