// Tag review without a page reload: the same form POST as without JavaScript, answered in JSON;
// the card then moves to the other pane.  Without JavaScript the form posts and the page reloads.
document.addEventListener("submit", async (event) => {
  const form = event.target.closest("form.move");
  if (!form) return;
  event.preventDefault();
  const card = form.closest(".tag-card");
  card.classList.add("busy");
  const response = await fetch(form.action, {method: "POST", body: new FormData(form),
                                             headers: {"Accept": "application/json"}});
  card.classList.remove("busy");
  const answer = await response.json().catch(() => ({error: response.statusText}));
  if (!response.ok) { alert(answer.error || "the label could not be changed"); return; }
  const to = form.elements["to"].value;
  const target = document.querySelector(`#pane-${to} .pane-grid`);
  target.querySelector(".empty")?.remove();
  target.prepend(card);
  form.elements["to"].value = to === "has" ? "not" : "has";
  const button = form.querySelector("button");
  button.title = (to === "has" ? "remove" : "add") + button.title.replace(/^(add|remove)/, "");
  card.querySelector(".chip.user")?.remove();
  if (to === "has") card.querySelector("figcaption").insertAdjacentHTML("beforeend", '<span class="chip user">user</span>');
  for (const pane of ["has", "not"]) {
    const count = document.querySelector(`#pane-${pane} h2 .count`);
    count.textContent = String(Number(count.textContent) + (pane === to ? 1 : -1));
  }
});
