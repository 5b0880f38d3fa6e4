// Package portal is Parley's support and diagnostics portal: the help
// center and diagnostics triage now; support tickets as they land.
package portal

import (
	"fmt"
	"path/filepath"

	"github.com/go-chi/chi/v5"

	"parley/kb"
	"parley/portal/diagnostics"
	"parley/portal/helpcenter"
	"parley/search"
	"parley/server"
)

// Mount opens what the portal needs and adds its routes to the server.
func Mount(r chi.Router, s *server.Server) error {
	base, err := kb.Load()
	if err != nil {
		return fmt.Errorf("load help articles: %w", err)
	}
	index, err := search.OpenHelp(filepath.Join(s.DataDir(), "index", "help"), base)
	if err != nil {
		return fmt.Errorf("open help index: %w", err)
	}
	s.OnClose(index.Close)
	help := helpcenter.New(base, index, s.DB, s.Site, s.Log)
	diag, err := diagnostics.New(s.DB, s.DataDir(), s.Log)
	if err != nil {
		return fmt.Errorf("open diagnostics: %w", err)
	}
	s.OnClose(diag.Close)
	routes(r, help, diagnostics.NewHandler(diag, s.Site, base))
	return nil
}
