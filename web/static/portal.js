// The portal form works from first paint, before Python runs: a click on Get help is noted here and sent by
// customer.py as soon as it has started (and the link is up). What was typed stays in the form: Python reads it then.
// A classic script right after the form, so it runs before anyone can click.
(() => {
  const form = document.getElementById("ask");
  const portal = document.querySelector("main").dataset.portal || "/";
  const saved = (key) => sessionStorage.getItem(`relaydesk:${portal}:${key}`);
  if (saved("token") || saved("request")) {
    form.hidden = true; // a reload mid-session: Python shows the queue or the chat once it is back
    return;
  }
  form.addEventListener("submit", (event) => {
    if (form.dataset.python) return; // customer.py has started: it takes every submit from here on
    event.preventDefault();
    const name = document.getElementById("ask-name");
    const issue = document.getElementById("ask-issue");
    const notice = document.getElementById("notice");
    if (!name.value.trim() || !issue.value.trim()) {
      notice.textContent = form.dataset.missing; // the page's language: the server wrote it there
      notice.hidden = false;
      (name.value.trim() ? issue : name).focus();
      return;
    }
    notice.hidden = true;
    form.dataset.pending = "yes";
    document.getElementById("ask-progress").textContent = form.dataset.starting;
  });
})();
