// Command parley is the whole of Parley in one binary: the messenger and call
// server, the support portal, and the tools to administer them.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

// exitUsage is the exit status for a command line Parley cannot understand.
const exitUsage = 2

// command is one subcommand.
type command struct {
	name    string
	summary string
	run     func(args []string, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"serve", "start the server (the default when no command is given)", runServe},
		{"admin create", "create a server administrator", runAdminCreate},
		{"user create", "create a user or a member of support staff", runUserCreate},
		{"user list", "list every account with its role, state and last sign-in", runUserList},
		{"user set-role", "make an account a user, support staff or administrator", runUserSetRole},
		{"user block", "keep an account out: no sign-in, its sessions end at once", runUserBlock},
		{"user unblock", "let a blocked account sign in again", runUserUnblock},
		{"user reset-password", "give an account a one-time password and end its sessions", runUserResetPassword},
		{"ingest", "parse diagnostics files and print what they contain and what is wrong", runIngest},
		{"backup", "write a consistent copy of the database, also while the server runs", runBackup},
		{"loadtest users", "add load-test users sharing one password to a data directory, fast", runLoadUsers},
		{"loadtest burst", "load a running server: users in groups post as fast as delivered, then at a Poisson rate", runLoadBurst},
		{"loadtest ceiling", "load a running server with Mattermost-paced users, adding them while latencies hold", runLoadCeiling},
		{"loadtest seed", "fill a data directory with users, chats of every kind and ru+en messages", runLoadSeed},
		{"loadtest idle", "open one idle WebSocket per user and report the server's memory per socket", runLoadIdle},
		{"loadtest search", "search a running (seeded) server with the most common words at a rate", runLoadSearch},
		{"version", "print the version", runVersion},
	}
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// usageError marks errors in the command line, answered with exit status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func run(args []string, stdout, stderr io.Writer) int {
	cmd, rest, err := pick(args)
	if err == nil {
		err = cmd.run(rest, stdout, stderr)
	}
	var ue *usageError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "parley: %s\n", ue.msg)
		fmt.Fprintln(stderr, "Run 'parley --help' for the list of commands and 'parley COMMAND --help' for a command's flags.")
		return exitUsage
	default:
		fmt.Fprintf(stderr, "parley: %s\n", err)
		return 1
	}
}

// pick finds the subcommand named by the first words of args.
func pick(args []string) (command, []string, error) {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "-help") {
			return command{run: func(_ []string, stdout, _ io.Writer) error { printHelp(stdout); return nil }}, nil, nil
		}
		if len(args) > 0 && (args[0] == "--version" || args[0] == "-version") {
			return command{run: runVersion}, nil, nil
		}
		return commands()[0], args, nil // plain "parley --addr …" serves
	}
	for _, c := range commands() {
		words := strings.Fields(c.name)
		if len(args) >= len(words) && strings.Join(args[:len(words)], " ") == c.name {
			return c, args[len(words):], nil
		}
	}
	if args[0] == "help" {
		return command{run: func(_ []string, stdout, _ io.Writer) error { printHelp(stdout); return nil }}, nil, nil
	}
	return command{}, nil, &usageError{fmt.Sprintf("unknown command %q", strings.Join(args[:min(2, len(args))], " "))}
}

func printHelp(w io.Writer) {
	fmt.Fprintln(w, "Parley: a self-hosted corporate messenger, call server and support portal in one binary.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Usage: parley [COMMAND] [FLAGS]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Commands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-20s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Flags of serve (each has an environment variable; a flag wins over it):")
	fs, _ := serveFlags(io.Discard)
	fs.SetOutput(w)
	fs.PrintDefaults()
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run 'parley COMMAND --help' for the flags of another command.")
}
