package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/vpcflow/vpcflow/activities"
	"github.com/vpcflow/vpcflow/contract"
	"github.com/vpcflow/vpcflow/internal/cloudclients"
	"github.com/vpcflow/vpcflow/internal/cloudsim"
	"github.com/vpcflow/vpcflow/internal/telemetry"
)

// Footprint: the worker binary (`go build ./worker`) runs as its own process,
// configured by the environment as in production, against
// the bench's Temporal server and a cloudsim; the bench reads its
// /proc/<pid>/status (VmRSS, VmHWM) and /proc/<pid>/stat (utime+stime).

type procSample struct {
	RSS, HWM int64         // bytes
	CPU      time.Duration // user+system
}

func readProc(pid int) (procSample, error) {
	var s procSample
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return s, err
	}
	for _, line := range strings.Split(string(status), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		kb, _ := strconv.ParseInt(f[1], 10, 64)
		switch f[0] {
		case "VmRSS:":
			s.RSS = kb << 10
		case "VmHWM:":
			s.HWM = kb << 10
		}
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return s, err
	}
	// Fields after the command (which may hold spaces) in parentheses.
	rest := string(stat)[strings.LastIndexByte(string(stat), ')')+2:]
	f := strings.Fields(rest)
	if len(f) < 13 {
		return s, fmt.Errorf("short /proc/%d/stat", pid)
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64) // field 14 overall
	stime, _ := strconv.ParseInt(f[12], 10, 64) // field 15
	const clockTicks = 100                      // USER_HZ on Linux
	s.CPU = time.Duration(utime+stime) * time.Second / clockTicks
	return s, nil
}

// selfCPU is this process's user+system CPU time.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// moduleRoot is the directory of go.mod (the bench may run from elsewhere,
// e.g. as a test in internal/bench).
func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("not inside the vpcflow module")
	}
	return filepath.Dir(mod), nil
}

// buildWorker runs `go build pkg` into dir/name.
func buildWorker(ctx context.Context, dir, pkg, name string) (string, error) {
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, name)
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, pkg)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build %s: %v\n%s", pkg, err, out)
	}
	return bin, nil
}

type workerProcess struct {
	metrics string // its /metrics URL
	cmd     *exec.Cmd
	done    chan error
	logs    *os.File
	stopped sync.Once
}

// startWorkerProcess runs the worker binary with only the environment it
// needs: nothing of the bench's own environment leaks in but PATH and HOME.
func startWorkerProcess(bin, frontend, namespace, simURL, logPath string, args ...string) (*workerProcess, error) {
	logs, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0") // a free port for its metrics
	if err != nil {
		logs.Close()
		return nil, err
	}
	metricsAddr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(bin, append([]string{"-health=", "-metrics=" + metricsAddr, "-log-level=warn"}, args...)...)
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"),
		"TEMPORAL_ADDRESS=" + frontend, "TEMPORAL_NAMESPACE=" + namespace,
		"ALIBABA_CLOUD_ACCESS_KEY_ID=" + cloudsim.DefaultAccessKeyID,
		"ALIBABA_CLOUD_ACCESS_KEY_SECRET=" + cloudsim.DefaultAccessKeySecret,
		cloudclients.EnvAlibabaVPCEndpoint + "=" + simURL,
		"HUAWEICLOUD_SDK_AK=" + cloudsim.DefaultHuaweiAK, "HUAWEICLOUD_SDK_SK=" + cloudsim.DefaultHuaweiSK,
		"HUAWEICLOUD_SDK_PROJECT_ID=" + cloudsim.DefaultHuaweiProjectID,
		cloudclients.EnvHuaweiAPIGEndpoint + "=" + simURL,
	}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		logs.Close()
		return nil, err
	}
	p := &workerProcess{cmd: cmd, done: make(chan error, 1), logs: logs, metrics: "http://" + metricsAddr + "/metrics"}
	go func() { p.done <- cmd.Wait() }()
	return p, nil
}

// stop stops the process (once: later calls do nothing).
func (p *workerProcess) stop() {
	p.stopped.Do(func() {
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(40 * time.Second):
			_ = p.cmd.Process.Kill()
			<-p.done
		}
		p.logs.Close()
	})
}

func (p *workerProcess) tail() string {
	f, err := os.Open(p.logs.Name())
	if err != nil {
		return ""
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if len(lines) > 20 {
			lines = lines[1:]
		}
	}
	return strings.Join(lines, "\n")
}

// footprintRow is one measurement of a worker process.
type footprintRow struct {
	Binary      string        `json:"binary"`
	Phase       string        `json:"phase"`
	Workflows   int           `json:"workflows"`
	RSS         int64         `json:"rssBytes"`
	HWM         int64         `json:"peakRssBytes"`
	CPU         time.Duration `json:"cpu"`
	CPUPerWf    time.Duration `json:"cpuPerWorkflow"`
	CPUPerSec   float64       `json:"cpuSecondsPerSecond"` // while waiting
	Window      time.Duration `json:"window"`
	Elapsed     time.Duration `json:"elapsed"`
	DescribeRPS float64       `json:"describePerSecond"` // while waiting
	// CallsPerWaitMinute are the Describe calls while waiting, per wait a
	// minute; ReadsPerWaitMinute the waits' reads (vpcflow_wait_reads),
	// and CallsPerRead the calls per read: what sharing saves.
	CallsPerWaitMinute float64 `json:"callsPerWaitMinute,omitempty"`
	ReadsPerWaitMinute float64 `json:"readsPerWaitMinute,omitempty"`
	CallsPerRead       float64 `json:"callsPerRead,omitempty"`
	Throttled          int     `json:"throttled,omitempty"` // calls answered Throttling.*
}

// waitRound is a wait's slowest pace (activities.DefaultPollSchedule.Max).
var waitRound = activities.DefaultPollSchedule.Max

// waitReads is what the worker's /metrics says its waits for Active read.
func waitReads(ctx context.Context, url string) (float64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var total float64
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		// Prometheus names a counter with _total.
		if strings.HasPrefix(line, telemetry.MetricWaitReads+"_total{") && strings.Contains(line, telemetry.TagWait+`="WaitRouterInterfaceActive"`) {
			if v, err := strconv.ParseFloat(line[strings.LastIndexByte(line, ' ')+1:], 64); err == nil {
				total += v
			}
		}
	}
	return total, sc.Err()
}

type footprintConfig struct {
	immediate int           // workflows run through the worker with immediate transitions
	waiting   []int         // numbers of workflows held waiting at once
	window    time.Duration // how long the waiting is observed
	workerBin string        // prebuilt worker; "" builds one
	// quotaWaiting is how many waits the quota phase holds under a cloudsim
	// quota of 20 calls a second per API; 0 skips it.
	quotaWaiting int
	// stickyCache is the footprint worker's -sticky-cache (0: its default).
	stickyCache int
}

// runFootprint measures ./worker's build (binary size, packages linked,
// beside ./starter's, which carries the dev stack) and then its process
// through the footprint's phases, against a cloudsim of its own.
func runFootprint(ctx context.Context, st *stack, cfg footprintConfig, dir string, progress func(string)) (builds []buildRow, rows []footprintRow, workerCPU time.Duration, err error) {
	for _, pkg := range []string{"./worker", "./starter"} {
		progress("building " + pkg)
		b, err := measureBuild(ctx, dir, pkg)
		if err != nil {
			return builds, nil, 0, err
		}
		builds = append(builds, b)
	}
	bin := cfg.workerBin
	if bin == "" {
		bin = builds[0].path
	}
	rows, workerCPU, err = measureWorker(ctx, st, cfg, "./worker", bin, "fp", dir, progress)
	return builds, rows, workerCPU, err
}

// buildRow is what building a command costs and links.
type buildRow struct {
	Package  string `json:"package"`
	Bytes    int64  `json:"bytes"`    // the binary, as go build writes it
	Packages int    `json:"packages"` // go list -deps: every package linked, standard library included
	path     string
}

func measureBuild(ctx context.Context, dir, pkg string) (buildRow, error) {
	r := buildRow{Package: pkg}
	var err error
	if r.path, err = buildWorker(ctx, dir, pkg, strings.TrimPrefix(pkg, "./")); err != nil {
		return r, err
	}
	fi, err := os.Stat(r.path)
	if err != nil {
		return r, err
	}
	r.Bytes = fi.Size()
	root, err := moduleRoot()
	if err != nil {
		return r, err
	}
	cmd := exec.CommandContext(ctx, "go", "list", "-deps", pkg)
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		return r, fmt.Errorf("go list -deps %s: %w", pkg, err)
	}
	r.Packages = strings.Count(string(out), "\n")
	return r, nil
}

// measureWorker runs one worker binary through the footprint's phases.
func measureWorker(ctx context.Context, st *stack, cfg footprintConfig, name, bin, tag, dir string, progress func(string)) (rows []footprintRow, workerCPU time.Duration, err error) {
	total := cfg.immediate
	for _, n := range cfg.waiting {
		total += n
	}
	s, err := startSim(benchFixture(total, immediate(), false), nil)
	if err != nil {
		return nil, 0, err
	}
	defer s.stop()
	// Sized for the most waits at once: an activity slot each (the SDK's
	// default is 1,000), and quotas that do not pace the bench's cloud
	// (the quota phase runs with an account's).
	most := 0
	for _, n := range cfg.waiting {
		most = max(most, n)
	}
	args := []string{fmt.Sprintf("-max-activities=%d", most+200), "-call-quotas=*=600000", "-task-queue-activities-per-second=100000"}
	if cfg.stickyCache > 0 {
		args = append(args, fmt.Sprintf("-sticky-cache=%d", cfg.stickyCache))
	}
	proc, err := startWorkerProcess(bin, st.temporal.FrontendHostPort(), st.temporal.Namespace(), s.url, filepath.Join(dir, tag+".log"), args...)
	if err != nil {
		return nil, 0, err
	}
	defer proc.stop()
	defer func() {
		if s, err := readProc(proc.cmd.Process.Pid); err == nil {
			workerCPU = s.CPU
		}
	}()
	c, err := st.dial(ctx, nil, false)
	if err != nil {
		return nil, 0, err
	}
	defer c.Close()
	if err := waitPollers(ctx, c, contract.TaskQueue); err != nil {
		return nil, 0, fmt.Errorf("%s: %w; worker log:\n%s", name, err, proc.tail())
	}
	pid := proc.cmd.Process.Pid
	_ = sleep(ctx, time.Second)
	idle, err := readProc(pid)
	if err != nil {
		return nil, 0, err
	}
	rows = []footprintRow{{Binary: name, Phase: "idle, polling", RSS: idle.RSS, HWM: idle.HWM, CPU: idle.CPU}}

	next := 0
	take := func(n int) []job {
		jobs := make([]job, n)
		for k := range n {
			in := networkChange(next+k, false)
			in.WaitTimeout = contract.Duration(waitOutlastingStarts(n))
			jobs[k] = job{id: fmt.Sprintf("bench/%s/%d", tag, next+k), key: in.RouterInterfaceId,
				workflowType: contract.NetworkChange.Type, input: in,
				attrs: contract.StartSearchAttributes(in.RegionId, in.RouterInterfaceId, in.VpnConnectionId)}
		}
		next += n
		return jobs
	}

	if cfg.immediate > 0 {
		before, _ := readProc(pid)
		res := runLoad(ctx, c, contract.TaskQueue, take(cfg.immediate), 100)
		after, err := readProc(pid)
		if err != nil {
			return rows, workerCPU, err
		}
		if f := res.failed(); len(f) > 0 {
			return rows, workerCPU, fmt.Errorf("footprint: %d of %d workflows failed, first: %v; worker log:\n%s", len(f), len(res.outcomes), f[0].err, proc.tail())
		}
		rows = append(rows, footprintRow{Binary: name, Phase: "immediate transitions, 100 in flight", Workflows: cfg.immediate,
			RSS: after.RSS, HWM: after.HWM, CPU: after.CPU - before.CPU,
			CPUPerWf: (after.CPU - before.CPU) / time.Duration(cfg.immediate), Elapsed: res.elapsed})
		progress(fmt.Sprintf("footprint %s: %d immediate workflows, %s CPU each", name, cfg.immediate, ms(rows[len(rows)-1].CPUPerWf)))
	}

	for _, n := range cfg.waiting {
		row, err := measureWaiting(ctx, c, s, proc, take(n), cfg.window, progress)
		if err != nil {
			return rows, workerCPU, err
		}
		row.Binary = name
		rows = append(rows, row)
		progress(fmt.Sprintf("footprint %s: %d waiting: RSS %d MiB, %.3f CPU s/s, %.2f calls per wait a minute, %.3f per read", name, n, row.RSS>>20,
			row.CPUPerSec, row.CallsPerWaitMinute, row.CallsPerRead))
	}
	if cfg.quotaWaiting > 0 {
		if s, err := readProc(proc.cmd.Process.Pid); err == nil {
			workerCPU = s.CPU
		}
		proc.stop() // the quota phase's worker is the only one on the queue
		row, err := measureQuota(ctx, st, c, bin, cfg.quotaWaiting, cfg.window, filepath.Join(dir, tag+"-quota.log"), progress)
		if err != nil {
			return rows, workerCPU, err
		}
		row.Binary = name
		rows = append(rows, row)
		progress(fmt.Sprintf("footprint %s: %d waiting under the quota: %d throttled, %.3f calls per read", name, row.Workflows,
			row.Throttled, row.CallsPerRead))
	}
	return rows, workerCPU, nil
}

// startsWithin is how long n waits may take to start: the engine on these
// 2 cores starts about 5 a second while the ones already waiting heartbeat.
func startsWithin(n int) time.Duration {
	return max(20*time.Minute, time.Duration(n)*300*time.Millisecond)
}

// waitOutlastingStarts is a wait's timeout long enough that the first wait
// is still waiting when the last one starts (the default 10 minutes is not,
// at 10,000).
func waitOutlastingStarts(n int) time.Duration {
	return min(contract.MaxWaitTimeout, startsWithin(n)+contract.DefaultWaitTimeout)
}

// measureWaiting starts the jobs' NetworkChanges with their interfaces
// held Connecting, measures the worker process while they all wait for
// Active (RSS, CPU, Describe calls over window), then releases them and
// waits for them to complete.
func measureWaiting(ctx context.Context, c client.Client, s *sim, proc *workerProcess, jobs []job, window time.Duration, progress func(string)) (footprintRow, error) {
	n := len(jobs)
	pid := proc.cmd.Process.Pid
	var stuck []string
	for _, j := range jobs {
		stuck = append(stuck, j.key)
	}
	if err := s.srv.SetFaults(cloudsim.Faults{Stuck: stuck}); err != nil {
		return footprintRow{}, err
	}
	before, _ := readProc(pid)
	connects0 := s.srv.CallCount("ConnectRouterInterface")
	start := time.Now()
	// Starts, 50 in flight; the workflows all run at once. Their results
	// are asked for only after the release: 10,000 callers long-polling
	// for a result that will not come would be a load of the bench's own
	// on the server, which no real caller makes.
	var started sync.WaitGroup
	out := make([]outcome, n)
	runs := make([]client.WorkflowRun, n)
	sem := make(chan struct{}, 50)
	for k, j := range jobs {
		started.Add(1)
		go func() {
			defer started.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			out[k] = outcome{id: j.id, key: j.key, start: time.Now()}
			run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: j.id, TaskQueue: contract.TaskQueue,
				TypedSearchAttributes: j.attrs}, j.workflowType, j.input)
			if err != nil {
				out[k].end, out[k].err = time.Now(), err
				return
			}
			out[k].runID, runs[k] = run.GetRunID(), run
		}()
	}
	// Every workflow is waiting once its connect is made.
	told := time.Now()
	for s.srv.CallCount("ConnectRouterInterface")-connects0 < n {
		if err := sleep(ctx, 200*time.Millisecond); err != nil {
			return footprintRow{}, err
		}
		if time.Since(told) > time.Minute { // a run of 10,000 starts for half an hour
			told = time.Now()
			if st, err := readProc(pid); err == nil {
				progress(fmt.Sprintf("footprint: %d of %d waiting after %s; worker RSS %d MiB", s.srv.CallCount("ConnectRouterInterface")-connects0,
					n, time.Since(start).Round(time.Second), st.RSS>>20))
			}
		}
		if time.Since(start) > startsWithin(n) {
			return footprintRow{}, fmt.Errorf("footprint: only %d of %d workflows reached the wait; worker log:\n%s",
				s.srv.CallCount("ConnectRouterInterface")-connects0, n, proc.tail())
		}
	}
	// The waits' first reads come fast (the backoff from 1 s): measure
	// once they poll at their steady pace.
	_ = sleep(ctx, max(2*time.Second, waitRound))
	w0, _ := readProc(pid)
	d0 := s.srv.CallCount("DescribeRouterInterfaces")
	r0, err := waitReads(ctx, proc.metrics)
	if err != nil {
		return footprintRow{}, fmt.Errorf("footprint: the worker's metrics: %w", err)
	}
	_ = sleep(ctx, window)
	w1, err := readProc(pid)
	if err != nil {
		return footprintRow{}, err
	}
	d1 := s.srv.CallCount("DescribeRouterInterfaces")
	r1, err := waitReads(ctx, proc.metrics)
	if err != nil {
		return footprintRow{}, fmt.Errorf("footprint: the worker's metrics: %w", err)
	}
	rps := float64(d1-d0) / window.Seconds()
	row := footprintRow{Phase: fmt.Sprintf("%d waiting at once", n), Workflows: n, RSS: w1.RSS, HWM: w1.HWM,
		CPU: w1.CPU - w0.CPU, Window: window, CPUPerSec: (w1.CPU - w0.CPU).Seconds() / window.Seconds(),
		DescribeRPS: rps, CallsPerWaitMinute: rps * 60 / float64(n), ReadsPerWaitMinute: (r1 - r0) / window.Minutes() / float64(n)}
	if r1 > r0 {
		row.CallsPerRead = float64(d1-d0) / (r1 - r0)
	}
	progress(fmt.Sprintf("footprint: %d waiting, all started in %s: RSS %d MiB, %.3f CPU s/s, %.2f calls per wait a minute, %.3f per read; releasing them",
		n, time.Since(start).Round(time.Second), row.RSS>>20, row.CPUPerSec, row.CallsPerWaitMinute, row.CallsPerRead))
	if err := s.srv.SetFaults(cloudsim.Faults{}); err != nil { // releases every held interface
		return row, err
	}
	started.Wait()
	var wg sync.WaitGroup
	for k := range runs {
		if runs[k] == nil {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			out[k].err = runs[k].Get(ctx, nil)
			out[k].end = time.Now()
		}()
	}
	wg.Wait()
	after, err := readProc(pid)
	if err != nil {
		return row, err
	}
	failed := 0
	var firstErr error
	for _, o := range out {
		if o.err != nil {
			failed++
			if firstErr == nil {
				firstErr = o.err
			}
		}
	}
	if failed > 0 {
		return row, fmt.Errorf("footprint: %d of %d waiting workflows failed, first: %v; worker log:\n%s", failed, n, firstErr, proc.tail())
	}
	row.CPUPerWf = (after.CPU - before.CPU) / time.Duration(n)
	row.Elapsed = time.Since(start)
	row.HWM = after.HWM
	for _, call := range s.srv.Calls("") {
		if strings.HasPrefix(call.Code, "Throttling") {
			row.Throttled++
		}
	}
	return row, nil
}

// measureQuota runs n waiting changes, on a worker process of its own told
// that the account's quota is 20 calls a second per API (its default share
// and one worker), against a cloudsim that answers Throttling.User above
// that: what vpcflow does to an account's quota.
func measureQuota(ctx context.Context, st *stack, c client.Client, bin string, n int, window time.Duration, logPath string, progress func(string)) (footprintRow, error) {
	s, err := startSim(benchFixture(n, immediate(), false), nil)
	if err != nil {
		return footprintRow{}, err
	}
	defer s.stop()
	if err := s.srv.SetQuotas(cloudsim.Quotas{PerSecond: map[string]float64{"*": 20}, PerAccount: true}); err != nil {
		return footprintRow{}, err
	}
	proc, err := startWorkerProcess(bin, st.temporal.FrontendHostPort(), st.temporal.Namespace(), s.url, logPath,
		fmt.Sprintf("-max-activities=%d", n+200), "-call-quotas=*=1200", "-task-queue-activities-per-second=50")
	if err != nil {
		return footprintRow{}, err
	}
	defer proc.stop()
	if err := waitPollers(ctx, c, contract.TaskQueue); err != nil {
		return footprintRow{}, fmt.Errorf("quota worker: %w; worker log:\n%s", err, proc.tail())
	}
	jobs := make([]job, n)
	for k := range n {
		in := networkChange(k, false)
		jobs[k] = job{id: fmt.Sprintf("bench/quota/%d", k), key: in.RouterInterfaceId, workflowType: contract.NetworkChange.Type, input: in,
			attrs: contract.StartSearchAttributes(in.RegionId, in.RouterInterfaceId, in.VpnConnectionId)}
	}
	row, err := measureWaiting(ctx, c, s, proc, jobs, window, progress)
	row.Phase = fmt.Sprintf("%d waiting, account quota 20 calls/s per API", n)
	return row, err
}

// waitPollers waits until a worker polls queue.
func waitPollers(ctx context.Context, c client.Client, queue string) error {
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		resp, err := c.DescribeTaskQueue(ctx, queue, enums.TASK_QUEUE_TYPE_WORKFLOW)
		if err == nil && len(resp.GetPollers()) > 0 {
			return nil
		}
		if err := sleep(ctx, 200*time.Millisecond); err != nil {
			return err
		}
	}
	return fmt.Errorf("no worker polls task queue %s", queue)
}
