package search

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"

	"parley/kb"
)

// indexSchema is part of the stamp an index is saved with. Bump it whenever
// the mapping, the analyzers or the document shape change, so that existing
// indexes are rebuilt instead of being searched with mismatched rules.
const indexSchema = "help-v4" // v4: compound words (error codes, dotted names) indexed whole and in parts

// stampKey is where an index keeps the stamp of what it was built from.
var stampKey = []byte("parley.help.stamp")

// buildBatchSize bounds the memory a build holds at once.
const buildBatchSize = 500

// openOrBuild opens the bleve index at path when its stamp matches, and
// otherwise (missing, unreadable, built from other articles or by older
// code) builds it afresh from articles. It reports whether it built.
func openOrBuild(path, lang, stamp string, articles []*kb.Article) (bleve.Index, bool, error) {
	if idx, err := bleve.Open(path); err == nil {
		got, err := idx.GetInternal(stampKey)
		if err == nil && string(got) == stamp {
			return idx, false, nil
		}
		if err := idx.Close(); err != nil {
			return nil, false, fmt.Errorf("close outdated index %s: %w", path, err)
		}
	}
	if err := build(path, lang, stamp, articles); err != nil {
		return nil, false, err
	}
	idx, err := bleve.Open(path)
	if err != nil {
		return nil, false, fmt.Errorf("open freshly built index %s: %w", path, err)
	}
	return idx, true, nil
}

// build writes a complete index beside path and then swaps it in, so a
// crash mid-build leaves either the old index or none, never half of one.
// The stamp is written last: an index without it is rebuilt next time.
func build(path, lang, stamp string, articles []*kb.Article) (err error) {
	tmp := path + ".building"
	if err := os.RemoveAll(tmp); err != nil {
		return fmt.Errorf("clear %s: %w", tmp, err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("create index folder: %w", err)
	}
	idx, err := bleve.NewUsing(tmp, helpMapping(lang), scorch.Name, scorch.Name, nil)
	if err != nil {
		return fmt.Errorf("create index %s: %w", tmp, err)
	}
	defer func() {
		if cerr := idx.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("close new index %s: %w", tmp, cerr)
		}
		if err != nil {
			_ = os.RemoveAll(tmp)
			return
		}
		if rerr := os.RemoveAll(path); rerr != nil {
			err = fmt.Errorf("remove old index %s: %w", path, rerr)
			return
		}
		if rerr := os.Rename(tmp, path); rerr != nil {
			err = fmt.Errorf("move new index into place: %w", rerr)
		}
	}()
	batch := idx.NewBatch()
	for _, a := range articles {
		if err := batch.Index(a.Slug, helpDocument(a)); err != nil {
			return fmt.Errorf("index %s/%s: %w", lang, a.Slug, err)
		}
		if batch.Size() >= buildBatchSize {
			if err := idx.Batch(batch); err != nil {
				return fmt.Errorf("write batch to %s: %w", tmp, err)
			}
			batch.Reset()
		}
	}
	if err := idx.Batch(batch); err != nil {
		return fmt.Errorf("write batch to %s: %w", tmp, err)
	}
	// One segment searches faster than the several that batches leave.
	if err := forceMerge(idx); err != nil {
		return fmt.Errorf("merge %s: %w", tmp, err)
	}
	an := idx.Mapping().AnalyzerNamed(analyzerFor[lang])
	if an == nil {
		return fmt.Errorf("analyzer %s is not registered", analyzerFor[lang])
	}
	if err := idx.SetInternal(wordsKey, encodeWords(articleWords(articles, an))); err != nil {
		return fmt.Errorf("store article words in %s: %w", tmp, err)
	}
	if err := idx.SetInternal(stampKey, []byte(stamp)); err != nil {
		return fmt.Errorf("stamp index %s: %w", tmp, err)
	}
	return nil
}

// forceMerge merges the index's segments into one.
func forceMerge(idx bleve.Index) error {
	adv, err := idx.Advanced()
	if err != nil {
		return err
	}
	s, ok := adv.(*scorch.Scorch)
	if !ok {
		return nil
	}
	return s.ForceMerge(context.Background(), nil)
}
