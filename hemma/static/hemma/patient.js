// The patient's reading page. A reading is never lost: it is put in a queue in localStorage
// with its own id before it is sent, and stays there until the server has stored it (2xx)
// or refused its content for good (an answer with `retry: false`, e.g. 422 for a value out
// of range, 409 for an id stored with other values) – such a reading moves to a visible
// "not saved" list with the server's reason. Everything else keeps it: 403 (a stale CSRF
// token: fetch a fresh one and retry once), 401 (the tablet is no longer enrolled: ask for
// a new code), 5xx and no network (retry with back-off, and at once when back online). The
// server stores a reading once per id, so a retry after a lost answer never duplicates it.
// Each attempt sends the device's clock (`sent_at`) so the server can correct a wrong one.
(() => {
  const QUEUE_KEY = "hemma-readings";
  const REJECTED_KEY = "hemma-rejected";
  const ATTEMPT_KEY = "hemma-last-attempt";
  const RETRY_MS = 15000;
  const MAX_RETRY_MS = 5 * 60 * 1000;
  const form = document.getElementById("reading");
  if (!form) return;
  const meta = document.querySelector('meta[name="csrf-token"]');
  let csrf = meta.content;
  const result = document.getElementById("result");
  const status = document.getElementById("queue-status");
  const formError = document.getElementById("form-error");
  const enrol = document.getElementById("enrol");
  const rejectedBox = document.getElementById("rejected");
  const rejectedList = document.getElementById("rejected-list");
  const text = (id) => document.getElementById(id).content.textContent.trim();
  const lang = document.documentElement.lang || "sv";

  const read = (key) => {
    try { return JSON.parse(localStorage.getItem(key)) || []; } catch { return []; }
  };
  const load = () => read(QUEUE_KEY);
  const save = (queue) => localStorage.setItem(QUEUE_KEY, JSON.stringify(queue));
  const drop = (reading) => save(load().filter((r) => r.client_id !== reading.client_id));
  const newId = () => (self.crypto && crypto.randomUUID)
    ? crypto.randomUUID()
    : Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");

  const when = (iso) => {
    const moment = new Date(iso);
    if (Number.isNaN(moment.getTime())) return "";
    const time = { hour: "2-digit", minute: "2-digit" };
    return moment.toDateString() === new Date().toDateString()
      ? moment.toLocaleTimeString(lang, time)
      : moment.toLocaleString(lang, { day: "numeric", month: "numeric", ...time });
  };
  const label = (name) => {
    const input = form.elements[name];
    return input && input.labels && input.labels[0]
      ? input.labels[0].firstChild.textContent.trim() : name;
  };
  const summary = (values) => Object.entries(values || {})
    .filter(([, value]) => typeof value === "number")
    .map(([name, value]) => `${label(name)} ${value}`).join(", ");

  const render = () => {
    const pending = load().length;
    if (pending) {
      const count = document.createElement("strong");
      count.id = "pending-count";
      count.textContent = pending;
      const parts = [`${text("msg-pending")} `, count];
      const last = localStorage.getItem(ATTEMPT_KEY);
      if (last) {
        const at = document.createElement("span");
        at.id = "last-attempt";
        at.textContent = `. ${text("msg-last-attempt")} ${when(last)}`;
        parts.push(at);
      }
      status.replaceChildren(...parts);
    } else {
      status.replaceChildren();
    }
    const rejected = read(REJECTED_KEY);
    rejectedBox.hidden = rejected.length === 0;
    rejectedList.replaceChildren(...rejected.map((entry) => {
      const item = document.createElement("li");
      item.textContent = `${when(entry.measured_at)}: ${summary(entry.values)} – ${entry.error}`;
      return item;
    }));
  };
  const show = (message, red, tel) => {
    result.hidden = false;
    result.className = red ? "result red" : "result";
    result.textContent = message;
    if (tel) { // the ward's number, one tap away (text, never HTML, from the answer)
      const call = document.createElement("a");
      call.href = tel;
      call.className = "call-ward";
      call.textContent = text("msg-call");
      result.append(" ", call);
    }
  };
  const reject = (reading, error) => {
    const rejected = read(REJECTED_KEY);
    rejected.push({ ...reading, error, rejected_at: new Date().toISOString() });
    localStorage.setItem(REJECTED_KEY, JSON.stringify(rejected));
  };

  const post = async (reading) => {
    try {
      return await fetch(form.dataset.submitUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
        body: JSON.stringify({ ...reading, sent_at: new Date().toISOString() }),
      });
    } catch {
      return null; // no network
    }
  };
  // A fresh CSRF token for this device; the status of the answer (0: no network).
  const refreshCsrf = async () => {
    try {
      const response = await fetch(form.dataset.csrfUrl, { credentials: "same-origin", cache: "no-store" });
      const body = await response.json().catch(() => ({}));
      if (response.ok && body.csrf) {
        csrf = body.csrf;
        meta.content = csrf;
      }
      return response.status;
    } catch {
      return 0;
    }
  };
  // One reading sent, with one retry after a 403 (stale CSRF token): {status, ok, body},
  // or null when there is no network.
  const attempt = async (reading) => {
    let response = await post(reading);
    if (response && response.status === 403) {
      const refreshed = await refreshCsrf();
      if (refreshed === 401) return { status: 401, ok: false, body: {} };
      if (refreshed === 200) response = await post(reading);
    }
    if (!response) return null;
    return { status: response.status, ok: response.ok, body: await response.json().catch(() => ({})) };
  };

  let sending = false, again = false, failures = 0, timer = null;
  const schedule = () => {
    clearTimeout(timer);
    // 15 s, then doubling after each failed attempt in a row, at most 5 minutes.
    const delay = Math.min(RETRY_MS * 2 ** Math.max(0, failures - 1), MAX_RETRY_MS);
    if (load().length) timer = setTimeout(flush, delay);
  };

  async function flush() {
    if (sending) { again = true; return; }
    sending = true;
    let failed = false;
    try {
      for (const reading of load()) {
        localStorage.setItem(ATTEMPT_KEY, new Date().toISOString());
        const answer = await attempt(reading);
        if (!answer) {
          show(text("msg-queued"), false);
          failed = true;
          break;
        }
        const body = answer.body;
        if (answer.ok) {
          drop(reading);
          enrol.hidden = true;
          if (body.red) show(body.instruction, true, body.tel);
          else show(body.clock_offset_seconds ? `${text("msg-saved")} ${text("msg-clock")}` : text("msg-saved"), false);
        } else if (answer.status === 401) {
          show(text("msg-enrol"), true); // keep it: it is sent once the tablet is enrolled again
          enrol.hidden = false;
          failed = true;
          break;
        } else if (body.retry === false) {
          drop(reading); // refused for good: the patient sees it in the list, with the reason
          reject(reading, body.error || String(answer.status));
          show(body.error || String(answer.status), true);
        } else {
          show(text("msg-retry"), false); // the server's problem (or a 403 again): keep it
          failed = true;
          break;
        }
      }
    } finally {
      failures = failed ? failures + 1 : 0;
      sending = false;
      render();
      if (again) {
        again = false;
        flush();
      } else {
        schedule();
      }
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
        formError.textContent = `${label(input.name)}: ${text("msg-range")} ${min}–${max}.`;
        formError.hidden = false;
        input.focus();
        return;
      }
      const usualMin = Number(input.dataset.usualMin ?? min), usualMax = Number(input.dataset.usualMax ?? max);
      if ((value < usualMin || value > usualMax) &&
          !window.confirm(`${label(input.name)} ${value}: ${text("msg-sure")}`)) {
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
    render();
    flush();
  });

  document.getElementById("rejected-clear").addEventListener("click", () => {
    localStorage.removeItem(REJECTED_KEY);
    render();
  });
  window.addEventListener("online", () => { failures = 0; flush(); });
  render();
  flush();
})();
