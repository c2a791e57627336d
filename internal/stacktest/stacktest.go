// Package stacktest holds what the tests on the real stack (internal/e2e,
// internal/reliability) share: a test's context and workflow IDs, a client
// logger that stays quiet, the type of a workflow's failure, and waiting
// until workflows reach a stage.
package stacktest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"

	"github.com/vpcflow/vpcflow/contract"
)

// Ctx bounds a test: its context ends after d, or when the test does.
func Ctx(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// ID is a workflow ID of the test's own: the fixtures' resources are the
// same in every test, so their workflows are told apart by the test's name.
func ID(t testing.TB, id string) string {
	return id + "#" + strings.ReplaceAll(t.Name(), "/", "-")
}

// QuietLogger is a Temporal client logger that logs nothing: the tests'
// clients would otherwise log every expected failure.
func QuietLogger() log.Logger { return quiet{} }

type quiet struct{}

func (quiet) Debug(string, ...any) {}
func (quiet) Info(string, ...any)  {}
func (quiet) Warn(string, ...any)  {}
func (quiet) Error(string, ...any) {}

// FailureType is the type of the ApplicationError a workflow failed with:
// the cloud's code, or one of vpcflow's; "" for another error.
func FailureType(err error) string {
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		return appErr.Type()
	}
	return ""
}

// Progress asks a workflow for its progress.
func Progress(ctx context.Context, c client.Client, id string) (contract.Progress, error) {
	qctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	val, err := c.QueryWorkflow(qctx, id, "", contract.ProgressQuery)
	if err != nil {
		return contract.Progress{}, err
	}
	var p contract.Progress
	err = val.Get(&p)
	return p, err
}

// WaitStage waits until every workflow of ids reports stage in its
// progress, asking every 100 ms, and says what it last saw when ctx ends
// first.
func WaitStage(ctx context.Context, c client.Client, stage string, ids ...string) error {
	for {
		in := 0
		var other []string
		for _, id := range ids {
			p, err := Progress(ctx, c, id)
			switch {
			case err != nil:
				other = append(other, id+": "+err.Error())
			case p.Stage == stage:
				in++
			default:
				other = append(other, id+": "+p.Stage)
			}
		}
		if in == len(ids) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%d of %d workflows reached stage %s; others %v", in, len(ids), stage, other[:min(len(other), 3)])
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// Metrics reads the Prometheus text a worker serves at url (its /metrics),
// by family name; the test fails if it cannot.
func Metrics(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("scraping %s: %v", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("scraping %s: HTTP %d", url, resp.StatusCode)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("scraping %s: %v", url, err)
	}
	return families
}
