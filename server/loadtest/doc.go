// Package loadtest is `parley loadtest`: it drives a running Parley server
// over real HTTP and WebSocket, as many clients at once, and reports
// throughput, latency percentiles and errors, with the server's CPU and
// memory (from /proc with --server-pid, else from its /metrics) apart from
// the load tool's own (getrusage, /proc/self).
//
// The runs:
//   - users: load-test accounts load1@loadtest.invalid… sharing one password,
//     written straight into a data directory (one argon2id hash for all).
//   - burst: users in groups post as fast as their last message reached
//     every member (closed loop), then at Poisson arrival times of a fixed
//     rate (open loop), latency counted from the scheduled send to the
//     moment the last member's WebSocket got the message.new. A message
//     counts when its POST succeeded and every member received it; a sample
//     is then looked up by search.
//   - ceiling: Mattermost's simulcontroller user (action mix and idle
//     pacing), one WebSocket per user, users added while the request
//     latencies and errors stay within Mattermost's coordinator thresholds.
//     With --read-rate, history pages are read at random depths beside it,
//     timed here and in the server's handler (its request histogram).
//   - seed: a realistic data directory (users, chats of every kind, Zipf
//     ru+en messages) through the messenger's bulk import.
//   - search: the 100 most common words searched at a rate (on a seeded
//     directory), p95 here and in the handler.
//   - idle: one idle WebSocket per user; the server's RSS per socket.
//
// The machine's limits decide how far one process goes: 20,000 open files
// per process (each WebSocket and each REST connection is one, on both
// sides) and about 28,000 ephemeral ports per source address on loopback.
// --bind spreads connections over 127.0.0.2, 127.0.0.3…; --first gives
// several processes disjoint users. A run says which limit stopped it.
package loadtest
