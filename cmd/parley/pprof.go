package main

import (
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
)

// startProfiling serves Go's profiles on PARLEY_PPROF (a loopback address
// such as 127.0.0.1:6060) when it is set: how a slow server is examined in
// place. It refuses any other address, since profiles reveal internals.
func startProfiling(log *slog.Logger) {
	addr := os.Getenv("PARLEY_PPROF")
	if addr == "" {
		return
	}
	host, _, err := net.SplitHostPort(addr)
	if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
		log.Error("PARLEY_PPROF must be a loopback address such as 127.0.0.1:6060; profiling stays off", "addr", addr)
		return
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	go func() {
		log.Info("profiles served", "url", "http://"+addr+"/debug/pprof/")
		if err := http.ListenAndServe(addr, mux); err != nil {
			log.Error("profiling listener", "err", err)
		}
	}()
}
