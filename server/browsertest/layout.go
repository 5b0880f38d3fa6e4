package browsertest

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/chromedp/chromedp"
)

// SidewaysScroll reports whether the page in ctx scrolls sideways: "" when
// it fits its window, else its width and the elements or text that stick
// out (boxes that scroll inside themselves, like a wide table's wrapper, are
// allowed). Every page must fit a 360 px phone.
func SidewaysScroll(ctx context.Context) (string, error) {
	return chromedp.Run(ctx, chromedp.Evaluate[string](overflowJS))
}

// BrokenTableWord returns a word that an article's table breaks inside
// (its cell narrower than the word), or "".
func BrokenTableWord(ctx context.Context) (string, error) {
	return chromedp.Run(ctx, chromedp.Evaluate[string](brokenWordJS))
}

// SaveScreens saves the page in ctx as PNGs, one a screenful of height px
// down to its end (eight at most), as dir/name-0.png, dir/name-1.png, …, for
// a person to look at.
func SaveScreens(ctx context.Context, dir, name string, height int) error {
	total, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollHeight`))
	if err != nil {
		return err
	}
	for i := 0; i*height < total && i < 8; i++ {
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](fmt.Sprintf("window.scrollTo(0, %d), true", i*height))); err != nil {
			return err
		}
		if err := SaveScreenshot(ctx, filepath.Join(dir, fmt.Sprintf("%s-%d.png", name, i))); err != nil {
			return err
		}
	}
	return nil
}

const overflowJS = `(() => {
	const w = document.documentElement.clientWidth;
	if (document.documentElement.scrollWidth <= w) return "";
	const out = [];
	const clipped = el => {
		for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
			if (a.tagName === "svg" || a.tagName === "SVG") continue;
			if (getComputedStyle(a).overflowX !== "visible") return true;
		}
		return false;
	};
	for (const el of document.querySelectorAll("body *")) {
		const r = el.getBoundingClientRect();
		if (clipped(el)) continue;
		if (r.right > w + 1 && out.length < 5) out.push(el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + "." + el.className + " → " + Math.round(r.right));
	}
	const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
	for (let n = walk.nextNode(); n && out.length < 5; n = walk.nextNode()) {
		const range = document.createRange();
		range.selectNodeContents(n);
		const r = range.getBoundingClientRect();
		if (r.right > w + 1 && !clipped(n)) out.push("text in " + n.parentElement.tagName.toLowerCase() + "." + n.parentElement.className + " «" + n.textContent.trim().slice(0, 40) + "» → " + Math.round(r.right));
	}
	if (out.length === 0) {
		// Nothing sticks out by its box: find what widens the page by hiding it.
		const all = Array.from(document.querySelectorAll("main *")).reverse();
		const base = document.documentElement.scrollWidth;
		for (const el of all) {
			const d = el.style.display;
			el.style.display = "none";
			const now = document.documentElement.scrollWidth;
			el.style.display = d;
			if (now < base) { out.push(el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + "." + el.className + " «" + el.textContent.trim().slice(0, 60) + "»"); if (out.length >= 3) break; }
		}
	}
	return document.documentElement.scrollWidth + " px: " + out.join("; ");
})()`

const brokenWordJS = `(() => {
	for (const td of document.querySelectorAll(".article-body td, .article-body th")) {
		const words = td.textContent.split(/\s+/).filter(Boolean);
		const probe = document.createElement("span");
		probe.style.whiteSpace = "nowrap";
		td.appendChild(probe);
		for (const w of words) {
			probe.textContent = w;
			if (probe.getBoundingClientRect().width > td.clientWidth) { td.removeChild(probe); return w; }
		}
		td.removeChild(probe);
	}
	return "";
})()`
