package search

import (
	"context"
	"fmt"
	"testing"
	"testing/fstest"

	"parley/kb"
)

// miniBase is a knowledge base of one article per language, with the given
// Russian body, for tests that need articles of their own.
func miniBase(t *testing.T, ruBody string) *kb.Base {
	t.Helper()
	article := func(title, translation, body string) *fstest.MapFile {
		return &fstest.MapFile{Data: fmt.Appendf(nil, `---
title: %s
section: support
audience: user
platforms: []
tags: [test]
translation: %s
related: []
summary: A short summary of the test article.
---

%s
`, title, translation, body)}
	}
	base, err := kb.LoadFS(fstest.MapFS{
		"ru/mini.md": article("Проверочная статья", "mini", ruBody),
		"en/mini.md": article("Test article", "mini", "Plain English body, nothing more to see here."),
	})
	if err != nil {
		t.Fatalf("load mini knowledge base: %v", err)
	}
	return base
}

// search runs a query against the real index and fails the test on error.
func mustSearch(t *testing.T, q HelpQuery) HelpResults {
	t.Helper()
	ix, _ := realIndex(t)
	res, err := ix.Search(context.Background(), q)
	if err != nil {
		t.Fatalf("search %+v: %v", q, err)
	}
	return res
}

// slugs lists the results' slugs in order.
func slugs(res HelpResults) []string {
	out := make([]string, len(res.Results))
	for i, r := range res.Results {
		out[i] = r.Slug
	}
	return out
}

// rankOf is the 1-based place of slug in the results, 0 when absent.
func rankOf(res HelpResults, slug string) int {
	for i, r := range res.Results {
		if r.Slug == slug {
			return i + 1
		}
	}
	return 0
}

// proximityOf is the proximity share of one article for a parsed query.
func proximityOf(t *testing.T, li *langIndex, pq parsedQuery, slug string) float64 {
	t.Helper()
	page, err := li.rank(context.Background(), pq, nil, nil, 50, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range page.hits {
		if h.id == slug {
			return li.proximity(pq, nil, h.locations)
		}
	}
	t.Fatalf("%s not found", slug)
	return 0
}
