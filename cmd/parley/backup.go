package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"

	"parley/server/store"
)

func runBackup(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("backup", stderr)
	var data, out string
	envFlag(fs, &data, "data", "PARLEY_DATA", "./parley-data", "data directory")
	fs.StringVar(&out, "out", "", "file to write the database copy to; must not exist (required)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := required("out", out); err != nil {
		return err
	}
	dbPath, err := existingDatabase(data)
	if err != nil {
		return err
	}
	ctx := context.Background()
	db, err := store.Open(ctx, dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.BackupTo(ctx, out); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "database copied to %s; copy %s too if it exists\n", out, filepath.Join(data, "files"))
	return nil
}
