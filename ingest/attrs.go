package ingest

// Attribute names that the Android parsers (logcat, tombstones, bug
// reports) set on events and the rules read.
const (
	AttrLogcatBuffer  = "logcat.buffer"        // main, system, crash, events, radio… from "--------- beginning of crash"
	AttrLogcatUID     = "logcat.uid"           // -v uid
	AttrLogcatPackage = "logcat.package"       // the package column of Android Studio's logcat
	AttrDroppedLines  = "logcat.dropped_lines" // continuation lines beyond the size cap of one message
	AttrProcess       = "android.process"      // process of a crash (package[:suffix])
	AttrKilled        = "android.killed"       // package of a process the system killed or saw die
	AttrKilledPID     = "android.killed_pid"
	AttrKillReason    = "android.kill_reason"        // what the killer said: "empty #17", "low watermark is breached", "died"…
	AttrKillAdj       = "android.kill_adj"           // the process's oom_adj when it was killed: 0 foreground … 900+ cached
	AttrThread        = "android.thread"             // thread name of a crash
	AttrCause         = "java.cause"                 // the last "Caused by:" of a Java crash
	AttrNativeCause   = "native.cause"               // "Cause:" line of a tombstone (e.g. null pointer dereference)
	AttrTombstoneOf   = "android.tombstone_for_line" // on a DEBUG tombstone banner: the line of the libc crash it details
)
