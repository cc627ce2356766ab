// The war-game page: one seat, the white cell or an observer, over the seat protocol
// (docs/wargame.md, "The seat protocol"). Plain JavaScript; text is shown with
// textContent only, never as HTML.
"use strict";

const LIKELIHOODS = ["", "almost_no_chance", "very_unlikely", "unlikely", "even_chance",
                     "likely", "very_likely", "almost_certain"];
const STANCES = ["default", "concur", "amend", "separate", "abstain", "reject"];

const $ = (id) => document.getElementById(id);
let ws = null;
let role = null;
let deadline = null;  // local time (ms) when the open form's move ends
let paused = false;   // the white cell stopped the clock
const channels = {};  // white cell: the last form of each seat
const intel = new Map();  // the inbox: item id -> item as the server shows it to us
let me = null;  // our seat's name

function el(tag, props, ...children) {
  const e = document.createElement(tag);
  Object.assign(e, props || {});
  for (const c of children) e.append(c);
  return e;
}

function log(text, error) {
  const li = el("li", { textContent: new Date().toLocaleTimeString() + "  " + text });
  if (error) li.classList.add("error");
  $("log").prepend(li);
}

function show(id, on) { $(id).classList.toggle("hidden", !on); }

function send(message) {
  if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(message));
}

function select(name, values, chosen) {
  const s = el("select", { name });
  for (const v of values) s.append(el("option", { value: v, textContent: v || "(none)" }));
  if (chosen !== undefined) s.value = chosen;
  return s;
}

function field(label, input) { return el("label", {}, label + " ", input); }

// The words of a response: the rung, then the statement's words (docs/wargame.md).
function respondWords(f) {
  const rung = f.rung.value;
  if (rung === "default") return "default";
  const words = [rung];
  if (rung !== "quiet") {
    if (f.evidence.value !== "") words.push("evidence", f.evidence.value);
    if (f.likelihood.value) words.push("likelihood", f.likelihood.value);
    if (rung !== "attribute") {
      if (f.release.value !== "") words.push("release", f.release.value);
      if (f.consent.value) words.push("consent", f.consent.value);
    }
  }
  if (f.p.value !== "") words.push("p", f.p.value);
  return words.join(" ");
}

function stanceWords(f) {
  const stance = f.stance.value;
  if (stance !== "amend") return stance;
  const words = ["amend"];
  if (f.evidence.value !== "") words.push("evidence", f.evidence.value);
  if (f.likelihood.value) words.push("likelihood", f.likelihood.value);
  return words.join(" ");
}

function renderItem(form, item) {
  const box = el("div", { className: "item" });
  box.dataset.item = item.item;
  box.dataset.kind = item.kind;
  if (item.answered) box.classList.add("answered");
  box.append(el("h3", { textContent: (item.item + 1) + ". " + item.summary }));
  box.append(el("pre", { className: "brief", textContent: item.brief }));
  const f = {};
  const fields = el("div", { className: "fields" });
  if (item.kind === "respond") {
    f.rung = select("rung", ["default", ...item.options], "default");
    f.evidence = el("input", { type: "number", min: 0, max: 1, step: 0.05, name: "evidence" });
    f.likelihood = select("likelihood", LIKELIHOODS, "");
    f.release = el("input", { type: "number", min: 1, max: 365, step: 1, name: "release" });
    f.consent = select("consent", ["", "willing", "unanimity", "silence"], "");
    fields.append(field("Response (default: " + item.recommended + ")", f.rung),
                  field("Evidence released", f.evidence), field("Likelihood stated", f.likelihood),
                  field("Release in (days)", f.release), field("Consent", f.consent));
  } else {
    const d = item.draft;
    box.append(el("p", { textContent: item.leader + "'s draft: evidence " + d.evidence +
      (d.likelihood ? ", likelihood " + d.likelihood : "") + ", consent " + d.consent +
      (d.release_days ? ", release in " + d.release_days + " days" : "") +
      (item.late ? " (your answer comes after the release: it will not count)" : "") }));
    f.stance = select("stance", STANCES, "default");
    f.evidence = el("input", { type: "number", min: 0, max: 1, step: 0.05, name: "evidence" });
    f.likelihood = select("likelihood", LIKELIHOODS, "");
    fields.append(field("Stance (default: " + item.model_answer + ")", f.stance),
                  field("Amend evidence", f.evidence), field("Amend likelihood", f.likelihood));
  }
  f.p = el("input", { type: "number", min: 0, max: 1, step: 0.05, name: "p" });
  if (item.kind === "respond") fields.append(field("Your probability it did it", f.p));
  f.rationale = el("input", { className: "wide", name: "rationale",
                              placeholder: "rationale (why)" });
  fields.append(field("Rationale", f.rationale));
  const button = el("button", { className: "send", textContent: "Send", disabled: item.answered });
  button.addEventListener("click", () => {
    const choice = item.kind === "respond" ? respondWords(f) : stanceWords(f);
    send({ type: "answer", move: form.move, item: item.item, choice,
           rationale: f.rationale.value });
  });
  fields.append(button);
  box.append(fields);
  return box;
}

function renderForm(form) {
  $("form-title").textContent = "Move " + form.move + (form.follow_up ? " (follow-up)" : "") +
    ": " + form.items.length + " question(s), days " + Math.round(form.from_day) + " to " +
    Math.round(form.to_day);
  const items = $("items");
  items.replaceChildren(...form.items.map((item) => renderItem(form, item)));
  deadline = form.seconds_left === null ? null : Date.now() + 1000 * form.seconds_left;
  paused = form.paused;
  show("forms", true);
}

function renderChannel(seat, message) {
  channels[seat] = channels[seat] || [];
  channels[seat].unshift(message);
  channels[seat].length = Math.min(channels[seat].length, 20);
  const box = el("div", { className: "channel" });
  box.dataset.seat = seat;
  box.append(el("h3", { textContent: seat }));
  for (const m of channels[seat]) {
    let text = m.type;
    if (m.type === "form") text += " move " + m.move + ": " + m.items.map((i) => i.summary).join("; ");
    else if (m.type === "ack") text += " item " + m.item + ": " + (m.choice || m.action || "");
    else if (m.type === "turn" || m.type === "notice") text += ": " + (m.brief || m.text);
    else if (m.type === "intel") {
      text += " item " + m.item.item + ": incident " + m.item.incident + ", " + m.item.actor +
        (m.item.shared_by ? ", shared by " + m.item.shared_by : "");
    }
    box.append(el("div", { textContent: text }));
  }
  const old = document.querySelector('.channel[data-seat="' + CSS.escape(seat) + '"]');
  if (old) old.replaceWith(box); else $("channels").append(box);
}

function receive(m) {
  switch (m.type) {
    case "welcome":
      role = m.role;
      $("status").textContent = "connected";
      $("status").className = "status ok";
      $("who").textContent = (m.role === "seat" ? m.seat : m.role) + " — " + m.scenario;
      me = m.role === "seat" ? m.seat : null;
      show("join", false);
      show("white", role === "white cell");
      if (role === "white cell") whiteCellStart();
      break;
    case "form": renderForm(m); break;
    case "ack": {
      const box = document.querySelector('.item[data-item="' + m.item + '"]');
      if (box && m.item !== undefined) {
        box.classList.add("answered");
        box.querySelector("button.send").disabled = true;
      }
      log("accepted: " + (m.choice || m.action || m.white_cell ||
        (m.shared ? "item " + m.shared + " shared with " + m.with.join(", ") : "")));
      break;
    }
    case "turn":
      $("turn-brief").textContent = m.brief || $("turn-brief").textContent;
      show("turn", true);
      break;
    case "notice":
      $("notices").append(el("li", { textContent: m.text }));
      break;
    case "move":
      $("moves").append(el("li", { textContent: "move " + m.move + " " + m.phase }));
      if (m.phase === "closed") { show("forms", false); show("turn", false); deadline = null; }
      break;
    case "copy":
      renderChannel(m.to, m.message);
      if (m.message.type === "intel") {
        // The white cell keeps the holder's view of each item, with whom it was shared.
        const it = m.message.item;
        const known = intel.get(it.item);
        if (m.to === it.holder) intel.set(it.item, it);
        else if (known && !known.shared_with.includes(m.to)) known.shared_with.push(m.to);
        if (intel.has(it.item)) renderOne(it.item);
      }
      break;
    case "intel": intel.set(m.item.item, m.item); renderOne(m.item.item); break;
    case "inbox":
      intel.clear();
      for (const item of m.items) intel.set(item.item, item);
      renderInbox();
      break;
    case "injects": renderInjects(m.injects); break;
    case "review": renderReview(m.adjudications); break;
    case "published": {
      if (m.inject !== undefined) { renderInjectPublished(m); break; }
      // What went public: everyone sees it, observers too.
      const with_ = m.cosigners.length ? " with " + m.cosigners.join(", ") : "";
      const apart = m.separate.length ? "; separately " + m.separate.join(", ") : "";
      const words = m.likelihood ? ", " + m.likelihood : "";
      $("moves").append(el("li", {
        className: "published",
        textContent: "day " + m.day.toFixed(1) + ": " + m.lead + with_ + " " +
          (m.rung === "sanction" ? "sanctions " : "names ") + m.named + words +
          " (" + m.outcome + ", evidence " + m.evidence + apart + ", incident " + m.incident + ")",
      }));
      break;
    }
    case "clock":
      $("moves").append(el("li", { textContent: "clock " + m.phase }));
      paused = m.phase === "paused";
      break;
    case "error": log(m.error, true); break;
    case "end":
      $("summary").textContent = m.summary;
      renderHotwash(m.hotwash || []);
      show("end", true);
      show("forms", false);
      show("turn", false);
      break;
    default: log("unknown message " + m.type);
  }
}

// ---- intelligence and sharing (docs/wargame.md, "Intelligence and sharing") ----

function row(box, key, value, className) {
  box.append(el("span", { className: "k", textContent: key }),
             el("span", { className: className || "", textContent: value }));
}

function renderIntel(item) {
  const box = el("div", { className: "intel-item" });
  box.dataset.item = item.item;
  if (item.shared_by) box.classList.add("shared");
  box.append(el("h3", { textContent: "Incident " + item.incident + ", day " + Math.round(item.day) +
    (role === "white cell" ? " — held by " + item.holder : "") +
    (item.shared_by ? " — shared with you by " + item.shared_by : "") },
    el("span", { className: "item-id", textContent: "  item " + item.item })));
  row(box, "Suspected actor", item.actor + (item.sponsor ? " (sponsor " + item.sponsor + ")" : ""));
  row(box, "Likelihood", item.likelihood + "; analysts: " + Math.round(100 * item.probability) + " %",
      "likelihood");
  row(box, "Confidence", item.confidence, "confidence");
  row(box, "Source", item.source);
  row(box, "Releasability", item.releasability, "marking");
  if (item.shared_with && (item.releasable_to.length || item.shared_with.length)) {
    row(box, "Shared with", item.shared_with.length ? item.shared_with.join(", ") : "nobody yet",
        "shared-with");
  }
  // A holder shares its own analysts' items with the seats the marking allows.
  const allowed = (item.releasable_to || []).filter((s) => !(item.shared_with || []).includes(s));
  if (role === "seat" && item.holder === me && allowed.length) {
    const share = el("div", { className: "share" }, "Share with:");
    const boxes = allowed.map((s) => {
      const c = el("input", { type: "checkbox", value: s, name: "share-with" });
      share.append(el("label", {}, c, " " + s));
      return c;
    });
    const button = el("button", { className: "share-send", textContent: "Share" });
    button.addEventListener("click", () => {
      const with_ = boxes.filter((c) => c.checked).map((c) => c.value);
      if (with_.length) send({ type: "share", item: item.item, with: with_ });
    });
    share.append(button);
    box.append(share);
  } else if (role === "seat" && item.holder === me && !item.releasable_to.length) {
    row(box, "Share", "not releasable to any seat");
  }
  return box;
}

function renderInbox() {
  const items = [...intel.values()].reverse();  // the newest first, as they reached us
  $("inbox").replaceChildren(...(items.length ? items.map(renderIntel)
    : [el("p", { textContent: "No intelligence yet." })]));
  show("intel", role === "seat" || role === "white cell");
}

// One item changed or arrived: only its box is drawn again (a new one on top), so the
// share boxes being ticked on the others stay as they are.
function renderOne(id) {
  const box = renderIntel(intel.get(id));
  const old = $("inbox").querySelector('.intel-item[data-item="' + id + '"]');
  if (old) old.replaceWith(box);
  else {
    const empty = $("inbox").querySelector("p");
    if (empty) empty.remove();
    $("inbox").prepend(box);
  }
  show("intel", role === "seat" || role === "white cell");
}

// ---- the hotwash, per seat ----

function cell(text, className) { return el("td", { className: className || "", textContent: text }); }

function renderSeatHotwash(h) {
  const box = el("div", { className: "seat-hotwash" });
  box.dataset.seat = h.seat;
  box.append(el("h3", { textContent: h.seat + (h.seat === me ? " (your seat)" : "") }));
  box.append(el("p", { className: "brier", textContent: h.brier
    ? "Stated probabilities: " + h.brier.stated + ", of which " + h.brier.right +
      " named the right actor; Brier score " + h.brier.score.toFixed(3) +
      " (0 is perfect, 0.25 is always saying 0.5)"
    : "No probability stated: no Brier score." }));
  const cases = el("table", { className: "hw cases" });
  cases.append(el("tr", {}, ...["incident", "day", "case",
    h.seat === me ? "your choice" : h.seat + "'s choice", "went public",
    "named", "true culprit", "stated p"].map((t) => el("th", { textContent: t }))));
  for (const c of h.cases) {
    const verdict = c.named === null ? c.culprit
      : c.correct ? c.culprit + " (right)"
      : c.culprit + (c.false_flag ? " — WRONG: a false flag" : " — WRONG: an analytic error");
    cases.append(el("tr", {}, cell(String(c.incident), "num"), cell(String(Math.round(c.day)), "num"),
      cell(c.invited ? "invited by " + c.victim : "attack on " + c.victim), cell(c.choice),
      cell(c.public), cell(c.named || "—"), cell(verdict, c.correct ? "right" : "wrong"),
      cell(c.stated === null ? "" : String(c.stated), "num")));
  }
  if (!h.cases.length) cases.append(el("tr", {}, el("td", { colSpan: 8, textContent: "no case" })));
  box.append(el("h4", { textContent: "The true culprits, case by case" }), cases);
  const cmp = el("table", { className: "hw comparison" });
  cmp.append(el("tr", {}, ...["", "session", "doctrine", "difference"].map((t) =>
    el("th", { textContent: t }))));
  let section = null;
  for (const r of h.comparison) {
    if (r.section !== section) {
      section = r.section;
      cmp.append(el("tr", {}, el("th", { colSpan: 4, textContent: section })));
    }
    const d = r.session - r.doctrine;
    const diff = Math.abs(d) < 0.5 * Math.pow(10, -r.decimals) ? "same"
      : (d > 0 ? "+" : "") + d.toFixed(r.decimals);
    cmp.append(el("tr", {}, cell(r.label), cell(r.session.toFixed(r.decimals), "num"),
      cell(r.doctrine.toFixed(r.decimals), "num"), cell(diff)));
  }
  box.append(el("h4", { textContent: "Against the same replication played by the doctrine" }), cmp);
  return box;
}

function renderHotwash(seats) {
  // A seat sees its own hotwash; the white cell and observers every seat's.
  const shown = role === "seat" ? seats.filter((h) => h.seat === me) : seats;
  $("hotwash").replaceChildren(...shown.map(renderSeatHotwash));
}

function connect(seat, token) {
  const scheme = location.protocol === "https:" ? "wss://" : "ws://";
  ws = new WebSocket(scheme + location.host + "/");
  ws.addEventListener("open", () => {
    const hello = { type: "hello", seat };
    if (token) hello.token = token;
    send(hello);
  });
  ws.addEventListener("message", (e) => {
    try { receive(JSON.parse(e.data)); } catch (err) { log("bad message: " + err, true); }
  });
  ws.addEventListener("close", () => {
    $("status").textContent = "disconnected (reload to rejoin)";
    $("status").className = "status bad";
  });
}

function tick() {
  if (deadline === null) { $("clock").textContent = ""; return; }
  if (paused) { deadline += 500; $("clock").textContent = "clock paused"; return; }
  const left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
  $("clock").textContent = "time left " + Math.floor(left / 60) + ":" +
    String(left % 60).padStart(2, "0");
}

window.addEventListener("DOMContentLoaded", () => {
  const q = new URLSearchParams(location.search);
  $("end-move").addEventListener("click", () => send({ type: "end_move" }));
  $("pause").addEventListener("click", () => send({ type: "pause" }));
  $("resume").addEventListener("click", () => send({ type: "resume" }));
  $("set-deadline").addEventListener("click", () =>
    send({ type: "deadline", seconds: Number($("deadline-seconds").value) }));
  $("turn-send").addEventListener("click", () => {
    send({ type: "action", words: $("turn-words").value });
    $("turn-words").value = "";
  });
  $("turn-done").addEventListener("click", () => {
    send({ type: "action", words: "done" });
    show("turn", false);
  });
  $("join-go").addEventListener("click", () => {
    const url = new URL(location.href);
    url.searchParams.set("seat", $("join-seat").value);
    url.searchParams.set("token", $("join-token").value);
    location.href = url.toString();
  });
  setInterval(tick, 500);
  if (q.get("seat")) {
    connect(q.get("seat"), q.get("token"));
  } else {
    show("join", true);
    $("status").textContent = "not seated";
  }
});

// ---- the white cell's injects and clock (docs/wargame.md, "The white cell") -------------

function whiteCellStart() {
  send({ type: "injects" });
}

function injectCell(text) { return el("td", { textContent: text }); }

// The fields an edit sets, from the row's inputs: empty inputs change nothing.
function editFields(inputs) {
  const fields = {};
  if (inputs.day.value !== "") fields.day = Number(inputs.day.value);
  if (inputs.evidence.value !== "") fields.evidence = Number(inputs.evidence.value);
  if (inputs.signers.value.trim() !== "") {
    fields.signers = inputs.signers.value.split(",").map((s) => s.trim()).filter((s) => s);
  }
  if (inputs.more.value.trim() !== "") {
    try {
      Object.assign(fields, JSON.parse(inputs.more.value));
    } catch (err) {
      log("other fields: not JSON (" + err + ")", true);
      return null;
    }
  }
  return fields;
}

function injectButton(label, inject, op, inputs) {
  const b = el("button", { className: "inject-" + op, textContent: label });
  b.addEventListener("click", () => {
    const message = { type: "inject", inject, op, reason: $("inject-reason").value };
    if (op === "edit") {
      const fields = editFields(inputs);
      if (fields === null) return;
      message.fields = fields;
    }
    send(message);
  });
  return b;
}

function renderInjects(list) {
  const table = $("inject-list");
  const head = el("tr", {});
  for (const h of ["#", "name", "state", "action", "target", "when", "signers", "separate",
                   "evidence", "status", "edit: day, evidence, signers, other (JSON)", ""]) {
    head.append(el("th", { textContent: h }));
  }
  const rows = [head];
  for (const i of list) {
    const row = el("tr", { className: i.open ? "open" : "past" });
    row.dataset.inject = i.inject;
    const inputs = {
      day: el("input", { type: "number", min: 0, name: "day", placeholder: "day" }),
      evidence: el("input", { type: "number", min: 0, max: 1, step: 0.05, name: "evidence",
                              placeholder: "evidence" }),
      signers: el("input", { name: "signers", placeholder: "Ally1, Ally2" }),
      more: el("input", { name: "more", placeholder: '{"target": "GroupB"}' }),
    };
    const status = !i.enabled ? "off" : i.pending ? "pending" : "happened";
    row.append(injectCell(i.inject), injectCell(i.name), injectCell(i.state),
               injectCell(i.action), injectCell(i.target || ""),
               injectCell(i.trigger === "day" ? "day " + i.day : "conditional"),
               injectCell(i.signers.join(", ")), injectCell(i.separate.join(", ")),
               injectCell(i.evidence), injectCell(status));
    const edit = el("td", { className: "fields" }, inputs.day, inputs.evidence, inputs.signers,
                    inputs.more);
    const buttons = el("td", {});
    if (i.open) {
      buttons.append(injectButton("Publish now", i.inject, "publish", inputs),
                     injectButton("Edit", i.inject, "edit", inputs));
      if (i.enabled) buttons.append(injectButton("Skip", i.inject, "skip", inputs));
    }
    row.append(edit, buttons);
    rows.push(row);
  }
  table.replaceChildren(...rows);
}

function renderInjectPublished(m) {
  const with_ = m.cosigners && m.cosigners.length ? " with " + m.cosigners.join(", ") : "";
  const what = m.action === "disclose" ? "discloses the tools of " :
    m.rung === "sanction" ? "sanctions " : "names ";
  $("moves").append(el("li", {
    className: "published",
    textContent: "day " + m.day.toFixed(1) + ": " + m.lead + with_ + " " + what + m.named +
      (m.outcome ? " (" + m.outcome + ", evidence " + m.evidence + ")" : "") +
      " (scheduled event " + m.inject + ")",
  }));
}

window.addEventListener("DOMContentLoaded", () => {
  $("jump").addEventListener("click", () => {
    if ($("jump-day").value === "") return;
    send({ type: "jump", day: Number($("jump-day").value) });
  });
});

// ---- the white cell's adjudication (docs/wargame.md, "Adjudication") --------------------

function renderReview(list) {
  const boxes = list.map((a) => {
    const box = el("div", { className: "adjudication" });
    box.dataset.incident = a.incident;
    box.append(el("h3", { textContent: "Incident " + a.incident + ": " + a.lead + " " +
      (a.rung === "sanction" ? "sanctions " : "names ") + a.named + ", day " +
      a.day.toFixed(1) + " — the model proposes " + a.proposed }));
    box.append(el("ul", {}, ...a.reasons.map((r) => el("li", { textContent: r }))));
    const reason = el("input", { className: "wide", name: "reason",
                                 placeholder: "reason for the override (required)" });
    const override = el("button", { className: "override",
                                    textContent: "Override: " + a.options[1] });
    override.addEventListener("click", () => {
      send({ type: "override", incident: a.incident, outcome: a.options[1],
             reason: reason.value });
    });
    box.append(el("div", { className: "fields" }, reason, override));
    return box;
  });
  $("review-list").replaceChildren(...boxes);
  show("white-review", true);
}

window.addEventListener("DOMContentLoaded", () => {
  $("adjudicated").addEventListener("click", () => {
    send({ type: "adjudicated" });
    show("white-review", false);
  });
});
