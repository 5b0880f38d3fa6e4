// The new-request form, enhanced. As the subject is typed, help articles and
// existing requests that may already answer it are listed (deflection), and a
// duplicate feature request can be joined with "+1" instead of filing it
// again. Only the chosen desk's fields are shown. Without JavaScript the form
// works as it is: every desk's fields are visible, "Check for similar" asks
// the server, and the "+1" buttons are plain forms.
const form = document.getElementById("new-ticket");
const subject = document.getElementById("subject");
const box = document.getElementById("suggestions");

if (form && subject && box && !form.dataset.enhanced) {
  form.dataset.enhanced = "1";

  // Desk fields: show those of the chosen desk.
  const deskFields = form.querySelectorAll(".kind-fields[data-kind]");
  const showDesk = () => {
    const chosen = form.querySelector("input[name=kind]:checked");
    const kind = chosen ? chosen.value : "";
    deskFields.forEach((fs) => {
      fs.hidden = fs.dataset.kind !== kind;
    });
  };
  form.querySelectorAll("input[name=kind]").forEach((radio) => radio.addEventListener("change", showDesk));
  showDesk();

  // Suggestions come as the subject is typed, so the button is not needed.
  const check = document.getElementById("check-similar");
  if (check) check.hidden = true;

  const lang = subject.dataset.lang || document.documentElement.lang || "ru";
  const parse = (json) => {
    try {
      return JSON.parse(json || "{}");
    } catch {
      return {};
    }
  };
  const statusLabels = parse(box.dataset.statusLabels);
  const kindLabels = parse(box.dataset.kindLabels);

  const el = (tag, className, text) => {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text; // text, never HTML
    return node;
  };

  const plusOneForm = (t) => {
    const f = el("form", "inline plus-one-form");
    f.method = "post";
    f.action = `${t.url}/plus-one`;
    for (const [name, value] of [["_csrf", box.dataset.csrf || ""], ["want", "join"]]) {
      const input = document.createElement("input");
      input.type = "hidden";
      input.name = name;
      input.value = value;
      f.append(input);
    }
    const button = el("button", "plus-one", box.dataset.plusOne);
    button.type = "submit";
    f.append(button);
    return f;
  };

  let shown = "";
  const render = (data) => {
    const articles = data.articles || [];
    const tickets = data.tickets || [];
    const key = JSON.stringify([articles, tickets]);
    if (key === shown) return; // nothing new: keep the live region quiet
    shown = key;
    box.replaceChildren();
    if (articles.length) {
      box.append(el("h2", "suggest-h", box.dataset.articlesTitle));
      const list = el("ul", "plain suggested-articles");
      for (const a of articles) {
        const li = el("li", "suggested-article");
        const link = el("a", "", a.title);
        link.href = a.url;
        link.target = "_blank";
        link.rel = "noopener";
        li.append(link);
        list.append(li);
      }
      box.append(list);
    }
    if (tickets.length) {
      box.append(el("h2", "suggest-h", box.dataset.ticketsTitle));
      const list = el("ul", "plain similar-tickets");
      for (const t of tickets) {
        const li = el("li", "similar-ticket");
        li.dataset.ticket = String(t.id);
        const link = el("a", "", `#${t.id} ${t.subject}`);
        link.href = t.url;
        link.target = "_blank";
        link.rel = "noopener";
        const meta = [kindLabels[t.kind] || t.kind, statusLabels[t.status] || t.status, `+${t.plus_ones}`].join(" · ");
        li.append(link, " ", el("span", "muted small", meta));
        if (t.kind === "feature" && !t.mine) {
          li.append(" ", plusOneForm(t));
        }
        list.append(li);
      }
      box.append(list);
    }
  };

  let timer = 0;
  let controller = null;
  const lookUp = async () => {
    const q = subject.value.trim();
    if ([...q].length < 3) {
      render({});
      return;
    }
    if (controller) controller.abort();
    controller = new AbortController();
    try {
      const url = `/api/v1/support/similar?q=${encodeURIComponent(q)}&lang=${encodeURIComponent(lang)}`;
      const resp = await fetch(url, { signal: controller.signal, headers: { Accept: "application/json" } });
      if (resp.ok) render(await resp.json());
    } catch (err) {
      if (err.name !== "AbortError") console.warn("suggestions:", err);
    }
  };
  subject.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(lookUp, 300);
  });
  if (subject.value.trim()) lookUp();

  // "+1" without leaving the form: the server answers JSON when asked.
  box.addEventListener("submit", async (e) => {
    const f = e.target.closest("form.plus-one-form");
    if (!f) return;
    e.preventDefault();
    const button = f.querySelector("button");
    button.disabled = true;
    try {
      const resp = await fetch(f.action, {
        method: "POST",
        body: new URLSearchParams(new FormData(f)),
        headers: { Accept: "application/json" },
      });
      if (!resp.ok) throw new Error(`HTTP ${resp.status}`);
      const data = await resp.json();
      const done = el("span", "joined", box.dataset.joined);
      done.setAttribute("role", "status");
      const count = f.parentElement.querySelector(".muted");
      f.replaceWith(done);
      if (count && typeof data.plus_ones === "number") {
        count.textContent = count.textContent.replace(/\+\d+$/, `+${data.plus_ones}`);
      }
    } catch (err) {
      button.disabled = false;
      const failed = el("span", "field-error small", box.dataset.failed);
      failed.setAttribute("role", "alert");
      f.append(" ", failed);
    }
  });
}
