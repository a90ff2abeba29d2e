// The peer of bench/queue.mjs: client-go's rate-limited workqueue driven with the same pattern as our queue.
//
//	overhead: N keys over C clusters are added, then W worker goroutines Get each key, run a no-op
//	          reconcile, Forget and Done it; the wall and CPU time from the first Add to the last Done, per
//	          key, median of R rounds (after one warm-up round).
//	flood:    one cluster's F keys are queued, W workers reconcile (each reconcile sleeps workMs), and P probe
//	          keys of other clusters are added one every intervalMs; the time from a probe's Add to its Get.
//	          client-go's queue is one FIFO: a probe waits behind the whole backlog.
//
// go run . -mode overhead|flood [-objects 10000 -clusters 100 -workers 4 -rounds 7]
// [-flood 100000 -probes 10 -interval-ms 50 -work-ms 1]; prints JSON on the last line of stdout.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"k8s.io/client-go/util/workqueue"
)

type key struct{ cluster, namespace, name string }

func newQueue() workqueue.TypedRateLimitingInterface[key] {
	return workqueue.NewTypedRateLimitingQueue(workqueue.DefaultTypedControllerRateLimiter[key]())
}

// reconcile is the no-op reconciler of the overhead rounds (not inlined, as a user's function would not be).
//
//go:noinline
func reconcile(key) error { return nil }

// cpuNs is the CPU time (user and system) of this process so far.
func cpuNs() float64 {
	var u syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &u); err != nil {
		return 0
	}
	return float64(u.Utime.Nano() + u.Stime.Nano())
}

// overheadRound returns the wall and CPU ns per key from the first Add to the last Done.
func overheadRound(keys []key, workers int) (float64, float64) {
	q := newQueue()
	var left atomic.Int64
	left.Store(int64(len(keys)))
	var wg sync.WaitGroup
	cpu := cpuNs()
	start := time.Now()
	for _, k := range keys {
		q.Add(k)
	}
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				k, shutdown := q.Get()
				if shutdown {
					return
				}
				if err := reconcile(k); err != nil {
					q.AddRateLimited(k)
				} else {
					q.Forget(k)
				}
				q.Done(k)
				if left.Add(-1) == 0 {
					q.ShutDown()
				}
			}
		}()
	}
	wg.Wait()
	n := float64(len(keys))
	return float64(time.Since(start).Nanoseconds()) / n, (cpuNs() - cpu) / n
}

func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

func main() {
	mode := flag.String("mode", "overhead", "overhead or flood")
	objects := flag.Int("objects", 10000, "keys per round")
	clusters := flag.Int("clusters", 100, "clusters the keys are spread over")
	workers := flag.Int("workers", 4, "worker goroutines")
	rounds := flag.Int("rounds", 7, "rounds")
	flood := flag.Int("flood", 100000, "keys of the flooding cluster")
	probes := flag.Int("probes", 10, "probe keys, one per other cluster")
	intervalMs := flag.Int("interval-ms", 50, "gap between probes")
	workMs := flag.Int("work-ms", 1, "duration of one reconcile in flood mode")
	flag.Parse()

	out := map[string]any{"peer": "k8s.io/client-go/util/workqueue", "go": runtime.Version(), "workers": *workers}
	switch *mode {
	case "overhead":
		keys := make([]key, *objects)
		for i := range keys {
			keys[i] = key{fmt.Sprintf("cluster-%d", i%*clusters), "default", fmt.Sprintf("object-%d", i)}
		}
		overheadRound(keys, *workers) // warm-up
		ns := make([]float64, *rounds)
		cpu := make([]float64, *rounds)
		for r := range ns {
			ns[r], cpu[r] = overheadRound(keys, *workers)
		}
		out["mode"], out["objects"], out["clusters"] = "overhead", *objects, *clusters
		out["nsPerKey"], out["medianNsPerKey"] = ns, median(ns)
		out["cpuNsPerKey"], out["medianCpuNsPerKey"] = cpu, median(cpu)
	case "flood":
		q := newQueue()
		added := make([]time.Time, *probes)
		waited := make([]float64, *probes)
		var served sync.WaitGroup
		served.Add(*probes)
		for i := 0; i < *flood; i++ {
			q.Add(key{"flood", "default", fmt.Sprintf("object-%d", i)})
		}
		start := time.Now()
		for w := 0; w < *workers; w++ {
			go func() {
				for {
					k, shutdown := q.Get()
					if shutdown {
						return
					}
					if k.namespace == "probe" {
						var i int
						fmt.Sscanf(k.name, "probe-%d", &i)
						waited[i] = float64(time.Since(added[i]).Microseconds()) / 1000
						served.Done()
					}
					time.Sleep(time.Duration(*workMs) * time.Millisecond)
					q.Forget(k)
					q.Done(k)
				}
			}()
		}
		for i := 0; i < *probes; i++ {
			time.Sleep(time.Duration(*intervalMs) * time.Millisecond)
			added[i] = time.Now()
			q.Add(key{fmt.Sprintf("probe-cluster-%d", i), "probe", fmt.Sprintf("probe-%d", i)})
		}
		served.Wait()
		out["mode"], out["flood"], out["probes"], out["workMs"], out["probeWaitMs"] = "flood", *flood, *probes, *workMs, waited
		out["elapsedMs"] = float64(time.Since(start).Milliseconds())
	default:
		fmt.Fprintln(os.Stderr, "unknown -mode", *mode)
		os.Exit(2)
	}
	line, _ := json.Marshal(out)
	fmt.Println(string(line))
}
