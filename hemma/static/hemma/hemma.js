// Small behaviours without inline script (the Content-Security-Policy forbids it).
document.addEventListener("DOMContentLoaded", () => {
  // Forms marked data-autosubmit submit when a select changes (unit and language switchers).
  document.querySelectorAll("form[data-autosubmit] select").forEach((select) => {
    select.addEventListener("change", () => select.form.requestSubmit());
  });
  // Buttons marked data-confirm ask before a destructive action is sent.
  document.querySelectorAll("button[data-confirm]").forEach((button) => {
    button.form.addEventListener("submit", (event) => {
      if (!window.confirm(button.dataset.confirm)) event.preventDefault();
    });
  });
  // Buttons marked data-print open the print dialog.
  document.querySelectorAll("[data-print]").forEach((button) => {
    button.addEventListener("click", () => window.print());
  });

  // The ward's alert list (polled by htmx): a new alert flashes the tab title and, when
  // the nurse has turned sound on (remembered on this computer), beeps.
  const sound = document.querySelector("[data-alert-sound]");
  if (sound) {
    sound.checked = localStorage.getItem("hemma-alert-sound") === "on";
    sound.addEventListener("change", () =>
      localStorage.setItem("hemma-alert-sound", sound.checked ? "on" : "off"));
  }
  const idsOf = (panel) => new Set((panel?.dataset.alertIds || "").split(",").filter(Boolean));
  let known = idsOf(document.getElementById("alerts-panel"));
  const title = document.title;
  document.body.addEventListener("htmx:afterSwap", () => {
    const now = idsOf(document.getElementById("alerts-panel"));
    const fresh = [...now].filter((id) => !known.has(id));
    known = now;
    if (!fresh.length) return;
    document.title = `(${now.size}) ${title}`;
    if (sound && sound.checked && window.AudioContext) {
      const audio = new AudioContext();
      const tone = audio.createOscillator();
      tone.frequency.value = 880;
      tone.connect(audio.destination);
      tone.start();
      tone.stop(audio.currentTime + 0.4);
    }
  });
});

// The header's "Meny" button on a phone (the CSS folds the menu below 60rem): it opens and
// closes the menu; Escape closes it and gives the focus back to the button.
document.addEventListener("DOMContentLoaded", () => {
  const toggle = document.querySelector(".topbar .menu-toggle");
  if (!toggle) return;
  const setOpen = (open) => toggle.setAttribute("aria-expanded", open ? "true" : "false");
  toggle.addEventListener("click", () => setOpen(toggle.getAttribute("aria-expanded") !== "true"));
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape" || toggle.getAttribute("aria-expanded") !== "true") return;
    setOpen(false);
    toggle.focus();
  });
});

// Long computations (the simulator): a progress bar fills towards an estimate of the time
// the server needs (units × seconds per unit) while the request runs.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("form[data-progress-form]").forEach((form) => {
    form.addEventListener("submit", () => {
      const field = form.dataset.progressUnitsField
        ? form.querySelector(`[name=${form.dataset.progressUnitsField}]`)
        : null;
      const units = Number(field?.value);
      // Without an estimate (a file upload) the bar just shows that work is going on.
      const estimate = Number.isFinite(units)
        ? Math.max(1, units * Number(form.dataset.progressPerUnit || 0.05))
        : null;
      const bar = form.querySelector("[data-progress]");
      const status = form.querySelector("[data-progress-status]");
      const started = Date.now();
      bar.hidden = false;
      status.hidden = false;
      if (estimate === null) bar.removeAttribute("value");
      setInterval(() => {
        const elapsed = (Date.now() - started) / 1000;
        if (estimate !== null) bar.value = Math.min(99, (elapsed / estimate) * 100);
        status.textContent = `${Math.round(elapsed)} s`;
      }, 200);
    });
  });
});

// A click on a link starts a page load. A live-search answer (htmx, hx-push-url) that
// arrives after it would push its URL into the history, and Chromium then cancels the
// page load: the nurse clicked the patient and stays on the list. Once a page load has
// started, htmx neither sends nor swaps.
(() => {
  let leavingUntil = 0;
  const leaving = () => Date.now() < leavingUntil;
  const leave = () => { leavingUntil = Date.now() + 10000; };
  document.addEventListener("click", (event) => {
    const link = event.target instanceof Element ? event.target.closest("a[href]") : null;
    const plainClick = event.button === 0 && !event.metaKey && !event.ctrlKey
      && !event.shiftKey && !event.altKey;
    if (!link || event.defaultPrevented || !plainClick) return;
    if (link.target || link.hasAttribute("download") || link.getAttribute("href").startsWith("#")) return;
    leave();
  });
  document.addEventListener("submit", (event) => {
    const form = event.target;
    const byHtmx = ["hx-get", "hx-post", "hx-put", "hx-delete", "hx-patch"]
      .some((name) => form.hasAttribute(name));
    if (!event.defaultPrevented && !byHtmx) leave();
  });
  // Back from the browser's page cache: the page is live again.
  window.addEventListener("pageshow", () => { leavingUntil = 0; });
  document.addEventListener("htmx:beforeRequest", (event) => {
    if (leaving()) event.preventDefault();
  });
  document.addEventListener("htmx:beforeSwap", (event) => {
    if (leaving()) event.detail.shouldSwap = false;
  });
})();
