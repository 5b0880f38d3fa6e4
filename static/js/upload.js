// Upload form enhancement: drop files anywhere on the drop zone, see what
// was chosen and whether it fits, and watch a progress bar while they are
// sent. Without JavaScript the form posts as is.
const form = document.getElementById("upload-form");
const input = document.getElementById("files");
const zone = document.getElementById("dropzone");
const bar = document.getElementById("upload-progress");
const status = document.getElementById("upload-status");

if (form && input && zone && bar && status) {
  const submit = form.querySelector("button[type=submit]");
  const say = (text, isError) => {
    status.textContent = text;
    status.classList.toggle("error", Boolean(isError));
  };
  // describe lists the chosen files and reports whether they fit the limit.
  const describe = () => {
    const files = Array.from(input.files);
    const total = files.reduce((n, f) => n + f.size, 0);
    const max = Number(form.dataset.maxBytes || 0);
    if (max > 0 && total > max) {
      say(form.dataset.tooLarge, true);
      submit.disabled = true;
      return false;
    }
    // The size in the page's language: "3,4 МБ" on Russian pages.
    const size = (total / 1048576).toLocaleString(document.documentElement.lang, { minimumFractionDigits: 1, maximumFractionDigits: 1 });
    say(files.length ? `${files.map((f) => f.name).join(", ")} (${size} ${form.dataset.unitMb})` : "");
    submit.disabled = false;
    return true;
  };
  input.addEventListener("change", describe);

  for (const type of ["dragenter", "dragover"]) {
    zone.addEventListener(type, (e) => {
      e.preventDefault();
      zone.classList.add("over");
    });
  }
  for (const type of ["dragleave", "drop"]) {
    zone.addEventListener(type, () => zone.classList.remove("over"));
  }
  zone.addEventListener("drop", (e) => {
    e.preventDefault();
    if (e.dataTransfer && e.dataTransfer.files.length) {
      input.files = e.dataTransfer.files;
      describe();
    }
  });

  form.addEventListener("submit", (e) => {
    if (!input.files.length) return;
    e.preventDefault();
    if (!describe()) return;
    const data = new FormData(form);
    const xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.setRequestHeader("X-Requested-With", "upload.js");
    bar.hidden = false;
    bar.value = 0;
    submit.disabled = true;
    xhr.upload.addEventListener("progress", (ev) => {
      if (ev.lengthComputable) {
        bar.value = Math.round((ev.loaded / ev.total) * 100);
        say(`${bar.value} %`);
      }
    });
    xhr.addEventListener("load", () => {
      if (xhr.status === 201) {
        window.location.href = xhr.responseText.trim();
        return;
      }
      bar.hidden = true;
      say(xhr.responseText || `HTTP ${xhr.status}`, true);
      submit.disabled = false;
    });
    xhr.addEventListener("error", () => {
      bar.hidden = true;
      say(form.dataset.networkError, true);
      submit.disabled = false;
    });
    xhr.send(data);
  });
}
