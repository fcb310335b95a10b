// The patient's reading page. Nothing is lost when the network drops: every reading is
// put in a queue in localStorage with its own id before it is sent, and the queue is
// retried when the browser comes back online and every 15 seconds. The server stores a
// reading once per id, so a retry after a lost answer never duplicates it.
(() => {
  const QUEUE_KEY = "hemma-readings";
  const form = document.getElementById("reading");
  if (!form) return;
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const result = document.getElementById("result");
  const status = document.getElementById("queue-status");
  const formError = document.getElementById("form-error");
  const text = (id) => document.getElementById(id).innerHTML.trim();

  const load = () => {
    try { return JSON.parse(localStorage.getItem(QUEUE_KEY)) || []; } catch { return []; }
  };
  const save = (queue) => localStorage.setItem(QUEUE_KEY, JSON.stringify(queue));
  const newId = () => (self.crypto && crypto.randomUUID)
    ? crypto.randomUUID()
    : Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");

  const showQueue = () => {
    const pending = load().length;
    status.textContent = pending ? `${text("msg-pending")} ${pending}` : "";
  };
  const show = (message, red) => {
    result.hidden = false;
    result.className = red ? "result red" : "result";
    result.textContent = message;
  };

  let sending = false;
  async function flush() {
    if (sending) return;
    sending = true;
    try {
      for (const reading of load()) {
        let response;
        try {
          response = await fetch(form.dataset.submitUrl, {
            method: "POST",
            credentials: "same-origin",
            headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
            body: JSON.stringify(reading),
          });
        } catch {
          show(text("msg-queued"), false);
          break; // offline: keep the queue, try again later
        }
        const body = await response.json().catch(() => ({}));
        if (response.status >= 500) break; // the server's problem: keep it and retry
        save(load().filter((r) => r.client_id !== reading.client_id));
        if (response.ok) {
          show(body.red ? body.instruction : text("msg-saved"), body.red);
        } else {
          show(body.error || response.statusText, true);
        }
      }
    } finally {
      sending = false;
      showQueue();
    }
  }

  const number = (name) => {
    const value = form.elements[name].value.trim().replace(",", ".");
    return value === "" ? null : Number(value);
  };
  const choice = (name) => {
    const checked = form.querySelector(`input[name="${name}"]:checked`);
    return checked ? checked.value : null;
  };

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    formError.hidden = true;
    const values = {};
    for (const input of form.querySelectorAll("input[type=number]")) {
      const value = number(input.name);
      if (value === null) continue;
      const min = Number(input.dataset.min), max = Number(input.dataset.max);
      if (Number.isNaN(value) || value < min || value > max) {
        formError.textContent = `${input.labels[0].firstChild.textContent.trim()}: ${text("msg-range")} ${min}–${max}.`;
        formError.hidden = false;
        input.focus();
        return;
      }
      const usualMin = Number(input.dataset.usualMin ?? min), usualMax = Number(input.dataset.usualMax ?? max);
      if ((value < usualMin || value > usualMax) &&
          !window.confirm(`${input.labels[0].firstChild.textContent.trim()} ${value}: ${text("msg-sure")}`)) {
        input.focus();
        return;
      }
      values[input.name] = value;
    }
    const oxygen = choice("on_oxygen");
    if (oxygen) values.on_oxygen = oxygen === "yes";
    const confused = choice("confused");
    if (confused) values.consciousness = confused === "yes" ? "C" : "A";
    if (Object.keys(values).length === 0) {
      formError.textContent = text("msg-empty");
      formError.hidden = false;
      return;
    }
    const queue = load();
    queue.push({
      client_id: newId(),
      measured_at: new Date().toISOString(),
      values,
      feeling: choice("feeling") || "",
      note: form.elements.note.value,
      source: confused ? "next_of_kin" : "patient",
    });
    save(queue);
    form.reset();
    showQueue();
    flush();
  });

  window.addEventListener("online", flush);
  setInterval(flush, 15000);
  showQueue();
  flush();
})();
