package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
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

	"github.com/vpcflow/vpcflow/contract"
	"github.com/vpcflow/vpcflow/internal/cloudclients"
	"github.com/vpcflow/vpcflow/internal/cloudsim"
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
	cmd  *exec.Cmd
	done chan error
	logs *os.File
}

// startWorkerProcess runs the worker binary with only the environment it
// needs: nothing of the bench's own environment leaks in but PATH and HOME.
func startWorkerProcess(bin, frontend, namespace, simURL, logPath string) (*workerProcess, error) {
	logs, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "-health=", "-metrics=127.0.0.1:0", "-log-level=warn")
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
	p := &workerProcess{cmd: cmd, done: make(chan error, 1), logs: logs}
	go func() { p.done <- cmd.Wait() }()
	return p, nil
}

func (p *workerProcess) stop() {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(40 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
	p.logs.Close()
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
}

type footprintConfig struct {
	immediate int           // workflows run through the worker with immediate transitions
	waiting   []int         // numbers of workflows held waiting at once
	window    time.Duration // how long the waiting is observed
	workerBin string        // prebuilt worker; "" builds one
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
	proc, err := startWorkerProcess(bin, st.temporal.FrontendHostPort(), st.temporal.Namespace(), s.url, filepath.Join(dir, tag+".log"))
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
		jobs := take(n)
		var stuck []string
		for _, j := range jobs {
			stuck = append(stuck, j.key)
		}
		if err := s.srv.SetFaults(cloudsim.Faults{Stuck: stuck}); err != nil {
			return rows, workerCPU, err
		}
		before, _ := readProc(pid)
		connects0 := s.srv.CallCount("ConnectRouterInterface")
		start := time.Now()
		var wg sync.WaitGroup
		out := make([]outcome, n)
		sem := make(chan struct{}, 50) // starts in flight; the workflows all run at once
		for k, j := range jobs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				sem <- struct{}{}
				o := outcome{id: j.id, key: j.key, start: time.Now()}
				run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: j.id, TaskQueue: contract.TaskQueue,
					TypedSearchAttributes: j.attrs}, j.workflowType, j.input)
				<-sem
				if err == nil {
					o.runID = run.GetRunID()
					err = run.Get(ctx, nil)
				}
				o.end, o.err = time.Now(), err
				out[k] = o
			}()
		}
		// Every workflow is waiting once its connect is made.
		for s.srv.CallCount("ConnectRouterInterface")-connects0 < n {
			if err := sleep(ctx, 200*time.Millisecond); err != nil {
				return rows, workerCPU, err
			}
			if time.Since(start) > 5*time.Minute {
				return rows, workerCPU, fmt.Errorf("footprint: only %d of %d workflows reached the wait; worker log:\n%s",
					s.srv.CallCount("ConnectRouterInterface")-connects0, n, proc.tail())
			}
		}
		_ = sleep(ctx, 2*time.Second)
		w0, _ := readProc(pid)
		d0 := s.srv.CallCount("DescribeRouterInterfaces")
		_ = sleep(ctx, cfg.window)
		w1, err := readProc(pid)
		if err != nil {
			return rows, workerCPU, err
		}
		d1 := s.srv.CallCount("DescribeRouterInterfaces")
		waitRow := footprintRow{Binary: name, Phase: fmt.Sprintf("%d waiting at once", n), Workflows: n, RSS: w1.RSS, HWM: w1.HWM,
			CPU: w1.CPU - w0.CPU, Window: cfg.window, CPUPerSec: (w1.CPU - w0.CPU).Seconds() / cfg.window.Seconds(),
			DescribeRPS: float64(d1-d0) / cfg.window.Seconds()}
		if err := s.srv.SetFaults(cloudsim.Faults{}); err != nil { // releases every held interface
			return rows, workerCPU, err
		}
		wg.Wait()
		after, err := readProc(pid)
		if err != nil {
			return rows, workerCPU, err
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
			return rows, workerCPU, fmt.Errorf("footprint: %d of %d waiting workflows failed, first: %v; worker log:\n%s", failed, n, firstErr, proc.tail())
		}
		waitRow.CPUPerWf = (after.CPU - before.CPU) / time.Duration(n)
		waitRow.Elapsed = time.Since(start)
		waitRow.HWM = after.HWM
		rows = append(rows, waitRow)
		progress(fmt.Sprintf("footprint %s: %d waiting: RSS %d MiB, %.3f CPU s/s", name, n, waitRow.RSS>>20, waitRow.CPUPerSec))
	}
	return rows, workerCPU, nil
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
