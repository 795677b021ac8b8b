// gilwall's Go companion: the article's own Go strategies, measured.
//
// "Async I/O Is Not Enough" sets its Python strategies beside a Go program: each task fetches
// features over HTTP (net/http, blocking the goroutine, not the thread) and then does CPU work,
// either one task after another (serial) or one goroutine per task with a sync.WaitGroup, which
// Go's scheduler spreads over GOMAXPROCS threads. This program runs those two strategies
// against gilwall's feature server (its httpbin-compatible /delay/{seconds}) and prints one JSON
// document of measured points on stdout. `gilwall go` builds it once, runs it, adds the ideal
// model's prediction to every point and writes gilwall's report format (runtime "go").
//
// The CPU work is gilwall's own square-root kernel written in Go, bit for bit: the same noise
// per task (SplitMix64 of the task's number), the same additions in the same order and a
// correctly rounded square root, so a task's result equals gilwall's for the same iteration
// count and the point's checksum proves the work was done. It is calibrated here, on this
// goroutine's OS thread CPU clock, so -cpu-ms 100 means 100 ms of Go CPU time.
//
// -as-written also runs the loop as the article wrote it: `result += math.Sqrt(12345.6789 *
// noise)` with the result never used, started in N+1 goroutines (`i <= n`). The compiler sees
// that nothing reads the result and deletes the square root and the addition, leaving an empty
// counter loop; the document gives both loops' speed (iterations per ms) so the report can say
// so. Written for Go 1.19 (Debian bookworm's golang-go): the standard library only.
//
// Run it by hand with a server running (`gilwall serve`):
//
//	go run gilwall_go.go -url http://127.0.0.1:8000 -tasks 4 -io-ms 200 -cpu-ms 100
//
// Progress goes to stderr.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand"
	"net/http"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
	"unsafe"
)

// outputFormat is the version of the JSON this program prints; `gilwall go` refuses others.
const outputFormat = 1

// Limits matching gilwall's own, so bad input fails here too, by name.
const (
	maxTasks   = 100_000
	maxMs      = 60_000.0
	maxRepeats = 1_000
	maxIters   = 1 << 40
)

// The strategies, as the command line and the document name them.
const (
	serialName    = "serial"
	goroutineName = "goroutines"
	asWrittenName = "goroutines-as-written"
)

// ---------------------------------------------------------------------------------------------
// The CPU work (article step 3)
// ---------------------------------------------------------------------------------------------

// mix64 is SplitMix64's finaliser, as gilwall's core has it.
func mix64(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	return z ^ (z >> 31)
}

// noiseFor is the article's `noise = random.random()`, made deterministic per task (the first
// float of SplitMix64 seeded with the task's number), so every runtime computes the same result
// for the same task.
func noiseFor(seed uint64) float64 {
	return float64(mix64(seed+0x9E3779B97F4A7C15)>>11) / float64(uint64(1)<<53)
}

// sqrtLoop is the article's loop kept alive: `result += sqrt(x)` with the argument moving by 1
// each iteration (a compiler may hoist a loop-invariant square root; CPython evaluates it every
// time), and the result returned, so the compiler must compute every iteration. Kept out of
// line so that the loop is compiled once, the same for every caller.
//
//go:noinline
func sqrtLoop(seed uint64, iterations int64) float64 {
	result := 0.0
	x := 12345.6789 * noiseFor(seed)
	for i := int64(0); i < iterations; i++ {
		result += math.Sqrt(x)
		x += 1.0
	}
	return result
}

// fakeCPUOpAsWritten is the loop as the article's Go program has it: the result is never read,
// so the compiler removes the square root and the addition and only the counter is left.
//
//go:noinline
func fakeCPUOpAsWritten(iterations int64) {
	result := 0.0
	noise := rand.Float64()
	for i := int64(0); i < iterations; i++ {
		result += math.Sqrt(12345.6789 * noise) // Perform a CPU-intensive operation
	}
}

// threadCPUMs reads this OS thread's CPU clock (CLOCK_THREAD_CPUTIME_ID), in ms. Callers lock
// their goroutine to its thread first, so the clock counts this goroutine's work only.
func threadCPUMs() float64 {
	var ts syscall.Timespec
	const clockThreadCPUTimeID = 3
	_, _, errno := syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clockThreadCPUTimeID,
		uintptr(unsafe.Pointer(&ts)), 0)
	if errno != 0 {
		fatalf("cannot read the thread CPU clock: %v", errno)
	}
	return float64(ts.Sec)*1000.0 + float64(ts.Nsec)/1e6
}

// onThreadClock runs f on this goroutine's locked OS thread and returns its CPU time, in ms.
func onThreadClock(f func()) float64 {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	start := threadCPUMs()
	f()
	return threadCPUMs() - start
}

// calibrate returns iterations of a loop per ms of this thread's CPU time: doubles the count
// until one run takes 20 ms, then times runs of that size until budgetMs of wall time is spent
// and keeps the fastest (the CPU clock, not the wall clock, so other programs on the same cores
// do not make the loop look slower than it is).
func calibrate(loop func(iterations int64), budgetMs float64) float64 {
	iterations := int64(1000)
	var elapsed float64
	for {
		elapsed = onThreadClock(func() { loop(iterations) })
		if elapsed >= 20.0 || iterations >= maxIters {
			break
		}
		iterations *= 2
	}
	best := float64(iterations) / math.Max(elapsed, 1e-6)
	deadline := time.Now().Add(time.Duration(budgetMs * float64(time.Millisecond)))
	for time.Now().Before(deadline) {
		elapsed = onThreadClock(func() { loop(iterations) })
		if elapsed > 0 {
			best = math.Max(best, float64(iterations)/elapsed)
		}
	}
	return best
}

// ---------------------------------------------------------------------------------------------
// One task: fetch, then compute
// ---------------------------------------------------------------------------------------------

// outcome is what one task reports: its kernel's CPU time and result, or why its fetch failed.
type outcome struct {
	cpuMs  float64
	result float64
	err    error
}

// prepareFeatureBatch is one task: a blocking GET of the features (the goroutine blocks; the
// runtime's network poller keeps the thread free), the body decoded as JSON, then the CPU work.
func prepareFeatureBatch(client *http.Client, url string, seed uint64, iterations int64,
	asWritten bool) outcome {
	response, err := client.Get(url)
	if err != nil {
		return outcome{err: err}
	}
	defer response.Body.Close()
	if response.StatusCode != http.StatusOK {
		io.Copy(io.Discard, response.Body)
		return outcome{err: fmt.Errorf("HTTP status %s", response.Status)}
	}
	var features interface{}
	if err := json.NewDecoder(response.Body).Decode(&features); err != nil {
		return outcome{err: fmt.Errorf("the body is not JSON: %w", err)}
	}
	if iterations <= 0 {
		return outcome{}
	}
	var o outcome
	if asWritten {
		o.cpuMs = onThreadClock(func() { fakeCPUOpAsWritten(iterations) })
	} else {
		o.cpuMs = onThreadClock(func() { o.result = sqrtLoop(seed, iterations) })
	}
	return o
}

// performSerial is article step 1 (and step 3's serial line): one task after another.
func performSerial(client *http.Client, n int, url string, iterations int64) []outcome {
	out := make([]outcome, n)
	for i := 0; i < n; i++ {
		out[i] = prepareFeatureBatch(client, url, uint64(i), iterations, false)
	}
	return out
}

// performGoroutines is the article's Go concurrency: `go` in front of each task and a
// sync.WaitGroup to wait for them all. Fetches overlap on the network poller; CPU work runs on
// up to GOMAXPROCS threads at once, which is what Python's event loop cannot do.
func performGoroutines(client *http.Client, n int, url string, iterations int64) []outcome {
	out := make([]outcome, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			out[i] = prepareFeatureBatch(client, url, uint64(i), iterations, false)
		}(i)
	}
	wg.Wait()
	return out
}

// performAsWritten is the article's Go program as written: the loop whose result is unused,
// and `i <= n`, so N+1 goroutines for N tasks.
func performAsWritten(client *http.Client, n int, url string, iterations int64) []outcome {
	out := make([]outcome, n+1)
	var wg sync.WaitGroup
	for i := 0; i <= n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			out[i] = prepareFeatureBatch(client, url, uint64(i), iterations, true)
		}(i)
	}
	wg.Wait()
	return out
}

// ---------------------------------------------------------------------------------------------
// The sweep and its output
// ---------------------------------------------------------------------------------------------

// point is one measured point as `gilwall go` reads it.
type point struct {
	Strategy      string    `json:"strategy"`
	Tasks         int       `json:"tasks"`
	Goroutines    int       `json:"goroutines"`
	IoMs          float64   `json:"io_ms"`
	CPUMs         float64   `json:"cpu_ms"`
	CPUIters      int64     `json:"cpu_iters"`
	SamplesMs     []float64 `json:"samples_ms"`
	Errors        int       `json:"errors"`
	CPUMeasuredMs *float64  `json:"cpu_measured_ms"`
	Checksum      *string   `json:"checksum"`
	ErrorSample   *string   `json:"error_sample"`
}

// document is everything this program prints.
type document struct {
	Format         int     `json:"format"`
	GoVersion      string  `json:"go_version"`
	Gomaxprocs     int     `json:"gomaxprocs"`
	ItersPerMs     float64 `json:"iters_per_ms"`
	AsWrittenPerMs float64 `json:"as_written_iters_per_ms,omitempty"`
	Points         []point `json:"points"`
}

// checksumOf combines the tasks' results as gilwall's core does: the sum of each result's bits,
// mixed, so the order the tasks finished in does not matter.
func checksumOf(outcomes []outcome) string {
	var acc uint64
	for _, o := range outcomes {
		acc += mix64(math.Float64bits(o.result))
	}
	return fmt.Sprintf("%016x", acc)
}

func median(values []float64) float64 {
	s := append([]float64(nil), values...)
	sort.Float64s(s)
	m := len(s) / 2
	if len(s)%2 == 0 {
		return (s[m-1] + s[m]) / 2
	}
	return s[m]
}

type config struct {
	url        string
	strategies []string
	tasks      []int
	ioMs       float64
	cpuMs      float64
	cpuIters   int64
	repeats    int
	lifeline   bool
}

func measure(c config) document {
	itersPerMs := calibrate(func(n int64) { sqrtLoop(0, n) }, 300)
	doc := document{
		Format:     outputFormat,
		GoVersion:  runtime.Version(),
		Gomaxprocs: runtime.GOMAXPROCS(0),
		ItersPerMs: itersPerMs,
	}
	iterations := c.cpuIters
	if iterations == 0 && c.cpuMs > 0 {
		iterations = int64(math.Round(c.cpuMs * itersPerMs))
	}
	cpuMs := c.cpuMs
	if c.cpuIters > 0 {
		cpuMs = float64(c.cpuIters) / itersPerMs
	}
	for _, s := range c.strategies {
		if s == asWrittenName {
			doc.AsWrittenPerMs = calibrate(fakeCPUOpAsWritten, 300)
		}
	}
	url := strings.TrimRight(c.url, "/") + "/delay/" + strconv.FormatFloat(c.ioMs/1000.0, 'f', -1, 64)
	client := &http.Client{Timeout: time.Duration((c.ioMs + 30_000) * float64(time.Millisecond))}
	fmt.Fprintf(os.Stderr, "go: %s, GOMAXPROCS %d, %.0f iterations/ms; fetching %s\n",
		doc.GoVersion, doc.Gomaxprocs, itersPerMs, url)
	for _, s := range c.strategies {
		for _, n := range c.tasks {
			p := point{Strategy: s, Tasks: n, Goroutines: n, IoMs: c.ioMs, CPUMs: cpuMs,
				CPUIters: iterations, SamplesMs: []float64{}}
			var cpuTimes []float64
			var checksum string
			for r := 0; r < c.repeats; r++ {
				start := time.Now()
				var outcomes []outcome
				switch s {
				case serialName:
					outcomes = performSerial(client, n, url, iterations)
					p.Goroutines = 1
				case goroutineName:
					outcomes = performGoroutines(client, n, url, iterations)
				case asWrittenName:
					outcomes = performAsWritten(client, n, url, iterations)
					p.Goroutines = n + 1
				}
				p.SamplesMs = append(p.SamplesMs, float64(time.Since(start))/1e6)
				failed := false
				for _, o := range outcomes {
					if o.err != nil {
						p.Errors++
						failed = true
						if p.ErrorSample == nil {
							text := o.err.Error()
							if len(text) > 300 {
								text = text[:300]
							}
							p.ErrorSample = &text
						}
					} else if iterations > 0 {
						cpuTimes = append(cpuTimes, o.cpuMs)
					}
				}
				// The as-written loop's result is gone: there is nothing to check.
				if s != asWrittenName && iterations > 0 && !failed {
					sum := checksumOf(outcomes)
					if checksum != "" && sum != checksum {
						fatalf("%s N=%d: repeat %d computed checksum %s, an earlier one %s",
							s, n, r, sum, checksum)
					}
					checksum = sum
				}
			}
			if len(cpuTimes) > 0 {
				m := median(cpuTimes)
				p.CPUMeasuredMs = &m
			}
			if checksum != "" {
				p.Checksum = &checksum
			}
			fmt.Fprintf(os.Stderr, "go: %s N=%d: %.0f ms", s, n, median(p.SamplesMs))
			if p.Errors > 0 {
				fmt.Fprintf(os.Stderr, ", %d failed fetches", p.Errors)
			}
			fmt.Fprintln(os.Stderr)
			doc.Points = append(doc.Points, p)
		}
	}
	return doc
}

func fatalf(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "gilwall_go: "+format+"\n", args...)
	os.Exit(2)
}

// parseArgs reads the command line; every bad value is an error that names its flag.
func parseArgs(args []string) (config, error) {
	fs := flag.NewFlagSet("gilwall_go", flag.ContinueOnError)
	url := fs.String("url", "", "base URL of a gilwall (or httpbin) server")
	strategies := fs.String("strategies", serialName+","+goroutineName,
		"comma-separated: serial, goroutines, goroutines-as-written")
	tasks := fs.String("tasks", "1,2,4,8,16,32", "task counts N, comma-separated")
	ioMs := fs.Float64("io-ms", 200, "delay of one fetch, in ms")
	cpuMs := fs.Float64("cpu-ms", 100, "CPU work per task, in ms of Go CPU time")
	cpuIters := fs.Int64("cpu-iters", 0, "a fixed iteration count instead of -cpu-ms")
	repeats := fs.Int("repeats", 1, "measured runs per point")
	lifeline := fs.Bool("lifeline", false,
		"exit when stdin ends (gilwall holds its writing end, so this program ends with gilwall)")
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	c := config{url: *url, ioMs: *ioMs, cpuMs: *cpuMs, cpuIters: *cpuIters, repeats: *repeats,
		lifeline: *lifeline}
	if !strings.HasPrefix(c.url, "http://") && !strings.HasPrefix(c.url, "https://") {
		return c, fmt.Errorf("-url %q is not an http:// or https:// URL", c.url)
	}
	for _, s := range strings.Split(*strategies, ",") {
		if s != serialName && s != goroutineName && s != asWrittenName {
			return c, fmt.Errorf("-strategies: unknown strategy %q; expected some of: %s, %s, %s",
				s, serialName, goroutineName, asWrittenName)
		}
		c.strategies = append(c.strategies, s)
	}
	for _, t := range strings.Split(*tasks, ",") {
		n, err := strconv.Atoi(t)
		if err != nil || n < 1 || n > maxTasks {
			return c, fmt.Errorf("-tasks: task counts must be 1 to %d, got %q", maxTasks, t)
		}
		c.tasks = append(c.tasks, n)
	}
	for name, v := range map[string]float64{"-io-ms": c.ioMs, "-cpu-ms": c.cpuMs} {
		if !(v >= 0 && v <= maxMs) { // also rejects NaN
			return c, fmt.Errorf("%s must be from 0 to %.0f ms, got %v", name, maxMs, v)
		}
	}
	if c.cpuIters < 0 || c.cpuIters > maxIters {
		return c, fmt.Errorf("-cpu-iters must be from 0 to %d, got %d", int64(maxIters), c.cpuIters)
	}
	if c.repeats < 1 || c.repeats > maxRepeats {
		return c, fmt.Errorf("-repeats must be 1 to %d, got %d", maxRepeats, c.repeats)
	}
	return c, nil
}

func main() {
	c, err := parseArgs(os.Args[1:])
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fatalf("%v", err)
	}
	if c.lifeline {
		// gilwall's lifeline: it holds the writing end of our stdin, so end of file means it
		// is gone, however it ended (SIGKILL included), and no measurement should outlive it.
		go func() {
			io.Copy(io.Discard, os.Stdin)
			fmt.Fprintln(os.Stderr, "gilwall_go: stdin closed: gilwall is gone, stopping")
			os.Exit(3)
		}()
	}
	doc := measure(c)
	out, err := json.Marshal(doc)
	if err != nil {
		fatalf("cannot encode the document: %v", err)
	}
	os.Stdout.Write(append(out, '\n'))
}
