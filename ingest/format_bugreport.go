package ingest

// FormatBugreport is an Android bug report: the dumpstate text that "Take bug
// report", `adb bugreport` and phone makers' support apps produce (plain, or
// the zip of Android 7 and later). The parser is parley/ingest/bugreport.
const FormatBugreport Format = "bugreport"
