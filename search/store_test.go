package search

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"parley/kb"
)

func TestIndexIsRebuiltOnlyWhenArticlesChange(t *testing.T) {
	dir := t.TempDir()
	base := miniBase(t, "Статья о проверке повторного открытия индекса.")
	other := miniBase(t, "Другой текст: статья изменилась, индекс надо перестроить.")
	if base.Hash == other.Hash {
		t.Fatal("different articles, same hash")
	}
	for _, step := range []struct {
		name        string
		prepare     func(t *testing.T)
		base        *kb.Base
		wantRebuilt bool
		wantWord    string // a word only this step's articles have
	}{
		{"first open builds", nil, base, true, "повторного"},
		{"second open reuses", nil, base, false, "повторного"},
		{"changed articles rebuild", nil, other, true, "перестроить"},
		{"and are then reused", nil, other, false, "перестроить"},
		{"a damaged index is rebuilt", func(t *testing.T) {
			if err := os.RemoveAll(filepath.Join(dir, "ru", "store")); err != nil {
				t.Fatal(err)
			}
		}, other, true, "перестроить"},
		{"a half-built index left by a crash is cleared", func(t *testing.T) {
			if err := os.MkdirAll(filepath.Join(dir, "en.building", "junk"), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.RemoveAll(filepath.Join(dir, "en")); err != nil {
				t.Fatal(err)
			}
		}, other, true, "перестроить"},
	} {
		t.Run(step.name, func(t *testing.T) {
			if step.prepare != nil {
				step.prepare(t)
			}
			ix, err := OpenHelp(dir, step.base)
			if err != nil {
				t.Fatal(err)
			}
			defer ix.Close()
			if ix.Rebuilt() != step.wantRebuilt {
				t.Errorf("Rebuilt() = %v, want %v", ix.Rebuilt(), step.wantRebuilt)
			}
			res, err := ix.Search(context.Background(), HelpQuery{Text: step.wantWord, Lang: "ru"})
			if err != nil {
				t.Fatal(err)
			}
			if res.Total != 1 {
				t.Errorf("%q: %d results, want the one article", step.wantWord, res.Total)
			}
			if _, err := os.Stat(filepath.Join(dir, "en.building")); !os.IsNotExist(err) {
				t.Errorf("a build folder was left behind (%v)", err)
			}
		})
	}
}

func TestStampCarriesSchemaAndHash(t *testing.T) {
	dir := t.TempDir()
	base := miniBase(t, "Текст.")
	ix, err := OpenHelp(dir, base)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ix.langs["ru"].index.GetInternal(stampKey)
	if err != nil {
		t.Fatal(err)
	}
	if want := indexSchema + " " + base.Hash; string(got) != want {
		t.Errorf("stamp %q, want %q", got, want)
	}
	// An index stamped by older code is rebuilt.
	if err := ix.langs["ru"].index.SetInternal(stampKey, []byte("help-v0 "+base.Hash)); err != nil {
		t.Fatal(err)
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	ix, err = OpenHelp(dir, base)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if !ix.Rebuilt() {
		t.Error("an index stamped with another schema was reused")
	}
}

func TestRealKnowledgeBaseReopensWithoutRebuilding(t *testing.T) {
	_, base := realIndex(t)
	dir := t.TempDir()
	for i, want := range []bool{true, false} {
		ix, err := OpenHelp(dir, base)
		if err != nil {
			t.Fatal(err)
		}
		if ix.Rebuilt() != want {
			t.Errorf("open %d: Rebuilt() = %v, want %v", i+1, ix.Rebuilt(), want)
		}
		if err := ix.Close(); err != nil {
			t.Fatal(err)
		}
	}
}
