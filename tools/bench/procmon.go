package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// clockTicks is USER_HZ, the unit of utime and stime in /proc/<pid>/stat. It
// is 100 on every Linux architecture Go supports.
const clockTicks = 100

// pollInterval is how often the monitor samples /proc while a CLI runs.
const pollInterval = 50 * time.Millisecond

// procKey names a process across pid reuse: pid plus start time in ticks.
type procKey struct {
	pid   int
	start uint64
}

// procSample is the last thing seen of one process.
type procSample struct {
	provider bool  // argv[0] is a terraform-provider-* binary
	hwmKiB   int64 // VmHWM, the peak resident set size
	cpuTicks int64
}

// monitor samples the memory and CPU of a CLI process and its descendants
// from /proc while it runs. Processes that live less than pollInterval may
// be missed; providers live for a whole plan or apply walk.
type monitor struct {
	root int
	stop chan struct{}
	done chan struct{}

	mu    sync.Mutex
	procs map[procKey]*procSample
	cli   procSample
}

func startMonitor(root int) *monitor {
	m := &monitor{root: root, stop: make(chan struct{}), done: make(chan struct{}), procs: map[procKey]*procSample{}}
	go func() {
		defer close(m.done)
		t := time.NewTicker(pollInterval)
		defer t.Stop()
		for {
			m.sample()
			select {
			case <-m.stop:
				return
			case <-t.C:
			}
		}
	}()
	return m
}

// usage is what the monitor saw of one CLI run.
type usage struct {
	CLIHWM, ProviderHWM int64 // peak RSS in KiB; for providers the largest single process
	CLICPU, ProviderCPU time.Duration
}

// finish stops sampling and returns the peak RSS of the CLI and of its
// provider processes, the CLI's own CPU time and the CPU time the providers
// used (summed over all of them; up to one poll interval of each process's
// last moments is missed).
func (m *monitor) finish() usage {
	close(m.stop)
	<-m.done
	m.mu.Lock()
	defer m.mu.Unlock()
	var ticks, providerHWM int64
	for _, p := range m.procs {
		if p.provider {
			providerHWM = max(providerHWM, p.hwmKiB)
			ticks += p.cpuTicks
		}
	}
	return usage{
		CLIHWM:      m.cli.hwmKiB,
		ProviderHWM: providerHWM,
		CLICPU:      time.Duration(m.cli.cpuTicks) * time.Second / clockTicks,
		ProviderCPU: time.Duration(ticks) * time.Second / clockTicks,
	}
}

// sample reads every process's parent once, then the status of the root's
// descendants.
func (m *monitor) sample() {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return
	}
	type info struct {
		ppid  int
		start uint64
		cpu   int64
	}
	all := map[int]info{}
	children := map[int][]int{}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		ppid, start, cpu, ok := readStat(pid)
		if !ok {
			continue
		}
		all[pid] = info{ppid, start, cpu}
		children[ppid] = append(children[ppid], pid)
	}
	rootInfo, ok := all[m.root]
	if !ok {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.cli.hwmKiB = max(m.cli.hwmKiB, readHWM(m.root))
	m.cli.cpuTicks = rootInfo.cpu
	// Walk the descendants breadth first; the depth is tiny (CLI, provider or
	// shell, curl) and the visited set guards against a pid reused as its own
	// ancestor between the two reads.
	seen := map[int]bool{m.root: true}
	queue := append([]int(nil), children[m.root]...)
	for len(queue) > 0 {
		pid := queue[0]
		queue = queue[1:]
		if seen[pid] {
			continue
		}
		seen[pid] = true
		queue = append(queue, children[pid]...)
		in := all[pid]
		key := procKey{pid, in.start}
		p := m.procs[key]
		if p == nil {
			p = &procSample{provider: isProvider(pid)}
			m.procs[key] = p
		}
		p.hwmKiB = max(p.hwmKiB, readHWM(pid))
		p.cpuTicks = max(p.cpuTicks, in.cpu)
	}
}

// readStat returns the parent pid, start time and user+system CPU ticks from
// /proc/<pid>/stat. The command name may contain spaces and parentheses, so
// the fields are counted from the last ')'.
func readStat(pid int) (ppid int, start uint64, cpu int64, ok bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, 0, 0, false
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, 0, 0, false
	}
	// After ")": state(3) ppid(4) ... utime(14) stime(15) ... starttime(22).
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 20 {
		return 0, 0, 0, false
	}
	ppid, err1 := strconv.Atoi(f[1])
	utime, err2 := strconv.ParseInt(f[11], 10, 64)
	stime, err3 := strconv.ParseInt(f[12], 10, 64)
	start, err4 := strconv.ParseUint(f[19], 10, 64)
	if err1 != nil || err2 != nil || err3 != nil || err4 != nil {
		return 0, 0, 0, false
	}
	return ppid, start, utime + stime, true
}

// readHWM returns VmHWM in KiB, or 0 when the process is gone or a zombie.
func readHWM(pid int) int64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return n
		}
	}
	return 0
}

// isProvider reports whether the process runs a terraform-provider-* binary.
func isProvider(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	if err != nil {
		return false
	}
	argv0, _, _ := bytes.Cut(b, []byte{0})
	return strings.HasPrefix(filepath.Base(string(argv0)), "terraform-provider-")
}
