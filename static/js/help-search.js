// Search-as-you-type for the help center's search box: a small ARIA
// combobox that lists matching article titles. Without JavaScript the box
// is a plain search form, so nothing here is required.
const input = document.getElementById("help-q");
const list = document.getElementById("help-suggest");

if (input && list && !input.dataset.enhanced) {
  input.dataset.enhanced = "1";
  const lang = input.dataset.lang || document.documentElement.lang || "ru";
  let timer = 0;
  let active = -1;
  let controller = null;

  const close = () => {
    list.hidden = true;
    list.replaceChildren();
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  };

  const highlight = (i) => {
    const items = list.querySelectorAll("[role=option]");
    items.forEach((el, j) => el.setAttribute("aria-selected", String(i === j)));
    active = i;
    if (i >= 0 && items[i]) {
      input.setAttribute("aria-activedescendant", items[i].id);
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  };

  const show = (suggestions) => {
    list.replaceChildren();
    suggestions.forEach((s, i) => {
      const li = document.createElement("li");
      li.id = `help-suggest-${i}`;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      const a = document.createElement("a");
      a.href = s.url;
      a.textContent = s.title; // text, never HTML
      a.tabIndex = -1;
      li.append(a);
      list.append(li);
    });
    const open = suggestions.length > 0;
    list.hidden = !open;
    input.setAttribute("aria-expanded", String(open));
    active = -1;
  };

  const fetchSuggestions = async () => {
    const q = input.value.trim();
    if (q.length < 2) {
      close();
      return;
    }
    if (controller) controller.abort();
    controller = new AbortController();
    try {
      const url = `/api/v1/help/suggest?lang=${encodeURIComponent(lang)}&q=${encodeURIComponent(q)}`;
      const resp = await fetch(url, { signal: controller.signal, headers: { Accept: "application/json" } });
      if (!resp.ok) return close();
      const data = await resp.json();
      show(data.suggestions || []);
    } catch (err) {
      if (err.name !== "AbortError") close();
    }
  };

  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(fetchSuggestions, 120);
  });

  input.addEventListener("keydown", (e) => {
    const items = list.querySelectorAll("[role=option]");
    if (list.hidden || items.length === 0) return;
    if (e.key === "ArrowDown") {
      e.preventDefault();
      highlight((active + 1) % items.length);
    } else if (e.key === "ArrowUp") {
      e.preventDefault();
      highlight((active - 1 + items.length) % items.length);
    } else if (e.key === "Enter" && active >= 0) {
      e.preventDefault();
      window.location.href = items[active].querySelector("a").href;
    } else if (e.key === "Escape") {
      close();
    }
  });

  input.addEventListener("blur", () => setTimeout(close, 150));
}
