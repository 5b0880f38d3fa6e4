package accounts_test

import (
	"testing"

	"parley/server/accounts"
	"parley/server/servertest"
)

// Authentication is cached for a moment; nothing that changes who someone
// is may wait for that moment to pass.
func TestAccountChangesTakeEffectAtOnceDespiteTheCache(t *testing.T) {
	t.Parallel()
	env := servertest.Start(t)
	ctx := t.Context()
	env.PersonWithRole("other", accounts.RoleAdmin)
	root := env.PersonWithRole("root", accounts.RoleAdmin)
	root.Call("GET", "/api/v1/admin/messenger", nil, 200, nil)
	if err := env.Server.Accounts.SetRole(ctx, root.ID, accounts.RoleUser); err != nil {
		t.Fatal(err)
	}
	root.Call("GET", "/api/v1/admin/messenger", nil, 403, nil)

	ann := env.Person("ann")
	ann.Call("GET", "/api/v1/me", nil, 200, nil)
	ann.Call("PATCH", "/api/v1/me", map[string]any{"name": "Ann Lee"}, 200, nil)
	var me struct{ Name string }
	ann.Call("GET", "/api/v1/me", nil, 200, &me)
	if me.Name != "Ann Lee" {
		t.Errorf("after renaming, /me says %q", me.Name)
	}
	if err := env.Server.Accounts.Block(ctx, ann.ID); err != nil {
		t.Fatal(err)
	}
	ann.Call("GET", "/api/v1/me", nil, 401, nil)
}
