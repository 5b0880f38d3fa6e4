// Opens the "for administrators" blocks before printing, so a printed
// article carries everything the screen can show.
window.addEventListener("beforeprint", () => {
  document.querySelectorAll("details.admin-block").forEach((d) => {
    d.open = true;
  });
});
