// tmrag chat page: asks POST /ask/stream, reads the SSE stream with fetch + getReader, and
// renders answers with citation chips, a sources panel and per-answer latency.
//
// SECURITY: every piece of user or corpus text is inserted with textContent / text nodes via
// el() below. Nothing here assigns innerHTML, and links are built only from ids
// (encodeURIComponent) or from http(s) URLs.
(() => {
  "use strict";

  const STORE_KEY = "tmrag.conversation.v1";
  const FILTER_KEY = "tmrag.categories.v1";
  const SCROLL_KEY = "tmrag.scroll.v1";
  const MAX_TURNS = 40;
  const MAX_QUESTION_CHARS = 2000; // the server's limit (code points), see DESIGN.md
  // Inline math follows Pandoc's rule, like the server: no space just inside either dollar and no
  // digit right after the closing one, so "$3 per million ... costs $3.75" stays money.
  const MATH = String.raw`\$\$([^$]+)\$\$|(?<![\\$])\$(?=\S)((?:\\\$|[^$\n])+?)(?<=[^\s\\])\$(?![\d$])`;
  const TOKEN_RE = new RegExp(String.raw`\[(\d+)\]|${MATH}`, "g"); // answer: [n] markers, $$math$$, $math$
  const CODE_RE = /(\x60+)([^\x60]+?)\1/g; // `code` in a quote

  const form = document.getElementById("ask-form");
  const textarea = document.getElementById("question");
  const sendButton = document.getElementById("send");
  const conversation = document.getElementById("conversation");
  const emptyState = document.getElementById("empty-state");
  const popover = document.getElementById("cite-popover");
  const filterCount = document.getElementById("filter-count");
  const statusRegion = document.getElementById("status");
  const charCount = document.getElementById("char-count");
  const coarsePointer = window.matchMedia("(pointer: coarse)").matches; // don't pop a phone's keyboard
  const checkboxes = Array.from(document.querySelectorAll("input[name=category]"));

  let turns = [];
  let busy = false;
  const views = new WeakMap(); // .turn element -> turn record

  // ---- DOM helpers ------------------------------------------------------------------------
  const el = window.tmrag.el; // dom.js

  function isHttpUrl(url) {
    return typeof url === "string" && /^https?:\/\/[^\s]+$/i.test(url);
  }

  function formatMs(ms) {
    if (typeof ms !== "number" || !Number.isFinite(ms)) return "?";
    return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
  }

  // ---- citations --------------------------------------------------------------------------
  function citationHref(c) {
    if (!c) return null;
    if (c.kind === "module" && c.module_id) {
      const base = `/modules/${encodeURIComponent(c.module_id)}`;
      const spans = (Array.isArray(c.spans) ? c.spans : []).filter(
        (s) => Array.isArray(s) && s.length === 2 && Number.isInteger(s[0]) && Number.isInteger(s[1]));
      if (spans.length) return `${base}?hl=${spans.map(([a, b]) => `${a}-${b}`).join(",")}#cited`;
      return c.anchor ? `${base}#${encodeURIComponent(c.anchor)}` : base;
    }
    if (c.kind === "source" && c.source_id) return `/sources/${encodeURIComponent(c.source_id)}`;
    if (c.kind === "glossary" && c.module_id) return `/modules/${encodeURIComponent(c.module_id)}`;
    return null;
  }

  function citationLabel(c) {
    const title = c.title || c.module_id || c.source_id || "Untitled";
    return c.section ? `${title} § ${c.section}` : title;
  }

  function kindLabel(kind) {
    return { module: "Notes", source: "Bibliography", glossary: "Glossary" }[kind] || "Passage";
  }

  function citationMap(record) {
    const map = new Map();
    for (const c of record.citations || []) map.set(String(c.marker), c);
    return map;
  }

  function suggestionHref(s) {
    if (!s || !s.module_id) return null;
    const base = `/modules/${encodeURIComponent(s.module_id)}`;
    return s.anchor ? `${base}#${encodeURIComponent(s.anchor)}` : base;
  }

  // Math in an answer (only LLM answers have any; extractive ones arrive as plain text) shows
  // its TeX; the server's answer_text.plain_math is the one converter.
  function mathNode(tex, display) {
    return el(display ? "div" : "span", { class: "math", text: tex.trim() });
  }

  // ---- rendering --------------------------------------------------------------------------
  // A quoted passage as the answer reads it (the server's quote_text: math as text, tags and
  // Markdown removed), with `code` shown as code.
  function renderQuote(c) {
    const block = el("blockquote", { class: "pop-quote" });
    String(c.quote_text ?? c.quote ?? "").split(" … ").forEach((text, i) => {
      if (i) block.append(el("span", { class: "gap", "aria-label": "text omitted" }, " … "));
      let last = 0;
      CODE_RE.lastIndex = 0;
      for (let m = CODE_RE.exec(text); m !== null; m = CODE_RE.exec(text)) {
        if (m.index > last) block.append(document.createTextNode(text.slice(last, m.index)));
        block.append(el("code", { text: m[2] }));
        last = CODE_RE.lastIndex;
      }
      if (last < text.length) block.append(document.createTextNode(text.slice(last)));
    });
    return block;
  }

  function renderAnswerText(text, citations) {
    const p = el("p", { class: "answer-text" });
    let last = 0;
    TOKEN_RE.lastIndex = 0;
    for (let m = TOKEN_RE.exec(text); m !== null; m = TOKEN_RE.exec(text)) {
      if (m.index > last) p.append(document.createTextNode(text.slice(last, m.index)));
      if (m[1] !== undefined) {
        const c = citations.get(m[1]);
        if (c) {
          p.append(el("button", {
            type: "button", class: "chip", "data-marker": m[1],
            "aria-label": `Citation ${m[1]}: ${citationLabel(c)}`,
          }, m[1]));
        } else {
          p.append(document.createTextNode(m[0]));
        }
      } else {
        p.append(mathNode(m[2] ?? m[3], false));
      }
      last = TOKEN_RE.lastIndex;
    }
    if (last < text.length) p.append(document.createTextNode(text.slice(last)));
    return p;
  }

  function renderPassages(record) {
    const list = el("ol", { class: "passages" });
    for (const c of record.citations) {
      const href = citationHref(c);
      const label = el("span", { class: "passage-label", text: citationLabel(c) });
      list.append(el("li", {},
        el("span", { class: "chip static", "aria-hidden": "true", text: c.marker }),
        href ? el("a", { href }, label) : label,
        el("span", { class: `kind kind-${c.kind}`, text: kindLabel(c.kind) })));
    }
    return el("section", { class: "panel" }, el("h3", { text: "Cited passages" }), list);
  }

  function renderSources(record) {
    const list = el("ul", { class: "sources" });
    for (const s of record.sources) {
      const id = String(s.id || "");
      const li = el("li", {},
        el("a", { class: "source-link", href: `/sources/${encodeURIComponent(id)}`, text: s.citation || id }),
        s.year && !(s.citation || "").includes(String(s.year)) ? el("span", { class: "year", text: ` (${s.year})` }) : null);
      if (s.title) li.append(el("span", { class: "source-title", text: s.title }));
      if (s.annotation) li.append(el("span", { class: "annotation", text: s.annotation }));
      if (s.url !== null && s.url !== undefined && isHttpUrl(s.url)) {
        li.append(el("a", { class: "external", href: s.url, target: "_blank", rel: "noopener noreferrer",
          text: "Open original ↗" }));
      }
      list.append(li);
    }
    return el("section", { class: "panel" }, el("h3", { text: "Sources" }), list);
  }

  function renderSuggestions(record) {
    const list = el("ul", { class: "suggestions" });
    const seen = new Set();
    for (const s of record.suggestions) {
      const href = suggestionHref(s);
      const text = s.section ? `${s.title || s.module_id} § ${s.section}` : (s.title || s.module_id || "");
      if (seen.has(href || text)) continue; // several chunks of one section are one suggestion
      seen.add(href || text);
      list.append(el("li", {}, href ? el("a", { href, text }) : text));
    }
    return el("section", { class: "panel" }, el("h3", { text: "Closest sections in the notes" }), list);
  }

  function renderMeta(record) {
    const meta = el("footer", { class: "meta" });
    if (record.status === "done") {
      const t = record.timings || {};
      const breakdown = Object.entries(t).map(([k, v]) => `${k}: ${formatMs(v)}`).join("\n");
      meta.append(el("span", { class: "latency", title: breakdown || null },
        `Answered in ${formatMs(record.clientMs)}`,
        typeof t.total === "number" ? el("span", { class: "server-time", text: ` · server ${formatMs(t.total)}` }) : null));
      if (record.citations.length) {
        meta.append(el("span", { class: "count",
          text: `${record.citations.length} citation${record.citations.length === 1 ? "" : "s"}` }));
      }
    }
    return meta;
  }

  function renderCard(record) {
    if (record.status === "error") {
      const err = record.error || {};
      return el("div", { class: "card error" },
        el("div", { class: "card-head" }, el("span", { class: "badge badge-error", text: "Error" })),
        el("p", { class: "error-message", text: err.message || "Something went wrong." }),
        err.code ? el("p", { class: "error-code", text: err.code }) : null,
        retryable(err) ? el("button", { type: "button", class: "retry", "data-action": "retry", text: "Try again" }) : null);
    }
    const card = el("div", { class: `card answer${record.abstained ? " abstained" : ""}` });
    if (record.status === "pending" && !record.answer) {
      card.append(el("p", { class: "thinking" }, "Searching the notes",
        el("span", { class: "dots", "aria-hidden": "true" }, el("i"), el("i"), el("i"))));
      return card;
    }
    const scoped = record.categories.length > 0;
    const partial = !record.abstained && record.coverage === "partial";
    card.append(el("div", { class: "card-head" }, record.abstained
      ? el("span", { class: "badge badge-abstained", text: "Not covered in the notes" })
      : partial ? el("span", { class: "badge badge-partial", text: "Partly covered" })
      : el("span", { class: "badge", text: "Answer" }),
      scoped ? el("span", { class: "scope", text: `Searched only: ${record.categories.join(", ")}` }) : null));
    if (record.resolved && record.resolved !== record.question) {
      card.append(el("p", { class: "searched", text: `Searched: ${record.resolved}` }));
    }
    const text = renderAnswerText(record.answer, citationMap(record));
    if (record.status === "pending") text.append(el("span", { class: "caret", "aria-hidden": "true" }));
    card.append(text);
    if (record.abstained && scoped && record.status === "done") {
      card.append(el("p", { class: "note scope-note" },
        `Only ${record.categories.length === 1 ? "one category was" : "some categories were"} searched. `,
        el("button", { type: "button", class: "link-button", "data-action": "search-all", text: "Search all categories" })));
    }
    if (record.abstained && record.suggestions.length) card.append(renderSuggestions(record));
    if (!record.abstained && !partial && record.unmentioned.length && record.status === "done") {
      card.append(el("p", { class: "note", role: "note",
        text: `The cited passages never mention ${record.unmentioned.join(", ")}; the answer may be about something nearby.` }));
    }
    if (record.citations.length) card.append(renderPassages(record));
    if (record.sources.length) card.append(renderSources(record));
    card.append(renderMeta(record));
    if (record.status === "done" && window.tmragFeedback) card.append(window.tmragFeedback.render(record)); // feedback.js
    return card;
  }

  function mountTurn(record) {
    const turn = el("article", { class: "turn", "aria-busy": record.status === "pending" ? "true" : null },
      el("div", { class: "q-row" }, el("div", { class: "bubble user", text: record.question })),
      renderCard(record));
    views.set(turn, record);
    record.view = turn;
    conversation.append(turn);
    emptyState.hidden = true;
    return turn;
  }

  function updateTurn(record) {
    const turn = record.view;
    if (!turn) return;
    const old = turn.querySelector(":scope > .card");
    if (popoverAnchor && turn.contains(popoverAnchor)) hidePopover();
    old.replaceWith(renderCard(record));
    if (record.status === "pending") turn.setAttribute("aria-busy", "true");
    else turn.removeAttribute("aria-busy");
    if (turn === conversation.lastElementChild) reveal(turn);
  }

  // Keep a growing answer visible above the sticky composer, without scrolling its question away.
  function reveal(turn) {
    const rect = turn.getBoundingClientRect();
    const floor = form.getBoundingClientRect().top - 12;
    const header = document.querySelector(".top");
    const ceiling = (header ? header.getBoundingClientRect().bottom : 0) + 12;
    if (rect.bottom <= floor) return;
    const by = Math.min(rect.bottom - floor, rect.top - ceiling);
    if (by > 0) window.scrollBy(0, by);
  }

  // ---- persistence (so "back" from a cited passage keeps the conversation) ----------------
  function save() {
    try {
      const plain = turns.slice(-MAX_TURNS).map(({ view, ...rest }) => rest);
      sessionStorage.setItem(STORE_KEY, JSON.stringify(plain));
    } catch (_) { /* storage full or disabled: the conversation just won't survive a reload */ }
  }

  function restore() {
    let saved = [];
    try {
      saved = JSON.parse(sessionStorage.getItem(STORE_KEY) || "[]");
    } catch (_) {
      saved = [];
    }
    if (!Array.isArray(saved)) return;
    for (const raw of saved) {
      if (!raw || typeof raw.question !== "string") continue;
      const record = newRecord(raw.question, []);
      Object.assign(record, {
        status: raw.status, answer: String(raw.answer || ""), abstained: !!raw.abstained,
        citations: Array.isArray(raw.citations) ? raw.citations : [],
        sources: Array.isArray(raw.sources) ? raw.sources : [],
        suggestions: Array.isArray(raw.suggestions) ? raw.suggestions : [],
        unmentioned: Array.isArray(raw.unmentioned) ? raw.unmentioned.map(String) : [],
        coverage: typeof raw.coverage === "string" ? raw.coverage : "",
        resolved: typeof raw.resolved === "string" ? raw.resolved : "",
        missing: Array.isArray(raw.missing) ? raw.missing.map(String) : [],
        timings: raw.timings || null, clientMs: raw.clientMs, error: raw.error || null,
        categories: Array.isArray(raw.categories) ? raw.categories.map(String) : [],
        feedback: raw.feedback && typeof raw.feedback === "object" ? raw.feedback : null,
      });
      if (record.status !== "done" && record.status !== "error") {
        record.status = "error";
        record.error = { code: "interrupted", message: "This answer was interrupted; ask again." };
      }
      turns.push(record);
      mountTurn(record);
    }
  }

  function newRecord(question, categories) {
    return { question, categories, status: "pending", answer: "", abstained: false, citations: [], sources: [],
      suggestions: [], unmentioned: [], coverage: "", missing: [], resolved: "", timings: null, clientMs: null, error: null };
  }

  // ---- filters ----------------------------------------------------------------------------
  function selectedCategories() {
    return checkboxes.filter((c) => c.checked).map((c) => c.value);
  }

  function updateFilterCount() {
    const n = selectedCategories().length;
    filterCount.textContent = n ? `${n} selected` : "all";
    filterCount.classList.toggle("active", n > 0);
    try {
      sessionStorage.setItem(FILTER_KEY, JSON.stringify(selectedCategories()));
    } catch (_) { /* ignore */ }
  }

  function restoreFilters() {
    try {
      const saved = JSON.parse(sessionStorage.getItem(FILTER_KEY) || "[]");
      if (Array.isArray(saved)) for (const c of checkboxes) c.checked = saved.includes(c.value);
    } catch (_) { /* ignore */ }
    if (window.matchMedia("(max-width: 860px)").matches) document.getElementById("filters").open = false;
    updateFilterCount();
  }

  // ---- asking -----------------------------------------------------------------------------
  function parseEvent(block) {
    let name = "message";
    const data = [];
    for (const line of block.split("\n")) {
      if (!line || line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? "" : line.slice(colon + 1);
      if (value.startsWith(" ")) value = value.slice(1);
      if (field === "event") name = value;
      else if (field === "data") data.push(value);
    }
    return { name, data: data.join("\n") };
  }

  async function errorFromResponse(res) {
    let code = `http_${res.status}`;
    let message = `The server answered ${res.status} ${res.statusText || ""}`.trim();
    try {
      const body = await res.json();
      if (body && body.error) {
        code = body.error.code || code;
        message = body.error.message || message;
      }
    } catch (_) { /* not JSON: keep the status line */ }
    if (res.status === 503) message = `The server is not ready yet (${message}). Try again in a moment.`;
    return { code, message, status: res.status };
  }

  // Worth asking again unchanged: the server or the network failed, not the question.
  function retryable(err) {
    return !(typeof err.status === "number" && err.status >= 400 && err.status < 500);
  }

  function handleEvent(record, event, started) {
    let data;
    try {
      data = event.data ? JSON.parse(event.data) : {};
    } catch (_) {
      return false;
    }
    switch (event.name) {
      case "citations":
        record.citations = Array.isArray(data.citations) ? data.citations : [];
        record.sources = Array.isArray(data.sources) ? data.sources : [];
        record.suggestions = Array.isArray(data.suggestions) ? data.suggestions : [];
        record.unmentioned = Array.isArray(data.unmentioned_terms) ? data.unmentioned_terms.map(String) : [];
        record.abstained = !!data.abstained;
        record.coverage = typeof data.coverage === "string" ? data.coverage : "";
        record.resolved = typeof data.resolved_question === "string" ? data.resolved_question : "";
        record.missing = Array.isArray(data.missing) ? data.missing.map(String) : [];
        return false;
      case "answer":
        record.answer += typeof data.text === "string" ? data.text : "";
        return false;
      case "done":
        record.timings = data.timings_ms || null;
        if (typeof data.abstained === "boolean") record.abstained = data.abstained;
        if (typeof data.coverage === "string") record.coverage = data.coverage;
        record.clientMs = performance.now() - started;
        record.status = "done";
        return true;
      default:
        return false;
    }
  }

  // The conversation so far, for follow-ups: answered turns only, oldest first, as the API caps it.
  const MAX_HISTORY = 8;
  function historyFor() {
    return turns.filter((t) => t.status === "done" && t.answer)
      .slice(-MAX_HISTORY)
      .map((t) => ({ question: t.question.slice(0, 2000), answer: t.answer.slice(0, 4000) }));
  }

  async function ask(question, categories = selectedCategories()) {
    const history = historyFor();
    const record = newRecord(question, categories);
    turns.push(record);
    mountTurn(record);
    reveal(record.view);
    save();
    setBusy(true);
    announce("Searching the notes…");
    // Keep typing where you were: a clicked example or Send button would otherwise leave focus
    // on <body> (the button is hidden or disabled while the answer streams).
    if (!coarsePointer) textarea.focus({ preventScroll: true });
    const started = performance.now();
    let received = false;
    const body = { question };
    if (categories.length) body.categories = categories;
    if (history.length) body.history = history;
    try {
      const res = await fetch("/ask/stream", {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
        body: JSON.stringify(body),
      });
      if (!res.ok) {
        record.status = "error";
        record.error = await errorFromResponse(res);
        return;
      }
      let finished = false;
      const consume = (block) => {
        if (!block.trim() || finished) return;
        finished = handleEvent(record, parseEvent(block), started);
        updateTurn(record);
      };
      const decoder = new TextDecoder();
      let buffer = "";
      if (res.body && res.body.getReader) {
        const reader = res.body.getReader();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          received = true;
          buffer = (buffer + decoder.decode(value, { stream: true })).replace(/\r\n/g, "\n");
          for (let i = buffer.indexOf("\n\n"); i >= 0; i = buffer.indexOf("\n\n")) {
            consume(buffer.slice(0, i));
            buffer = buffer.slice(i + 2);
          }
        }
        buffer += decoder.decode();
      } else {
        buffer = (await res.text()).replace(/\r\n/g, "\n");
      }
      for (const block of buffer.split("\n\n")) consume(block);
      if (!finished) {
        record.status = "error";
        record.error = { code: "incomplete", message: "The answer stream ended before it was complete." };
      } else if (!record.answer.trim()) {
        record.status = "error";
        record.error = { code: "empty_answer", message: "The server sent an empty answer." };
      }
    } catch (err) {
      const detail = err && err.message ? err.message : String(err);
      record.status = "error";
      record.error = received
        ? { code: "interrupted", message: `The connection was lost while the answer was arriving (${detail}).` }
        : { code: "network", message: `Could not reach the server (${detail}).` };
    } finally {
      updateTurn(record);
      save();
      setBusy(false);
      announce(summary(record));
      if (!coarsePointer && (!document.activeElement || document.activeElement === document.body)) {
        textarea.focus({ preventScroll: true });
      }
    }
  }

  // What the status region reads out once an answer is complete (the conversation itself is
  // not a live region: re-rendering the card on every event would re-read it each time).
  function summary(record) {
    if (record.status === "error") return `Error: ${(record.error && record.error.message) || "something went wrong."}`;
    if (record.abstained) {
      return `Not covered in the notes. ${record.answer}${record.suggestions.length ? " Closest sections are listed below." : ""}`;
    }
    const n = record.citations.length;
    return `Answer: ${record.answer} (${n} citation${n === 1 ? "" : "s"})`;
  }

  function announce(text) {
    if (statusRegion) statusRegion.textContent = text;
  }

  function removeTurn(record) {
    const i = turns.indexOf(record);
    if (i >= 0) turns.splice(i, 1);
    if (popoverAnchor && record.view && record.view.contains(popoverAnchor)) hidePopover();
    if (record.view) record.view.remove();
  }

  function setBusy(value) {
    busy = value;
    form.classList.toggle("busy", value);
    updateCount();
  }

  // The server rejects questions over the limit; say so here instead of silently cutting a
  // pasted question short (a maxlength attribute would).
  function questionLength() {
    return [...textarea.value.trim()].length; // code points, as the server counts
  }

  function updateCount() {
    const n = questionLength();
    const over = n > MAX_QUESTION_CHARS;
    const limit = MAX_QUESTION_CHARS.toLocaleString("en");
    charCount.hidden = n < MAX_QUESTION_CHARS * 0.9;
    charCount.textContent = over
      ? `${n.toLocaleString("en")} / ${limit} characters: too long, please shorten it`
      : `${n.toLocaleString("en")} / ${limit}`;
    charCount.classList.toggle("over", over);
    if (over) textarea.setAttribute("aria-invalid", "true");
    else textarea.removeAttribute("aria-invalid");
    sendButton.disabled = busy || over;
  }

  function autosize() {
    textarea.style.height = "auto";
    textarea.style.height = `${Math.min(textarea.scrollHeight, 220)}px`;
  }

  function submitQuestion() {
    const question = textarea.value.trim();
    if (!question || busy) return;
    if (questionLength() > MAX_QUESTION_CHARS) {
      announce(charCount.textContent);
      return;
    }
    textarea.value = "";
    autosize();
    updateCount();
    ask(question);
  }

  // ---- citation popover -------------------------------------------------------------------
  let popoverAnchor = null;
  let popoverPinned = false; // opened by a tap: a second tap on the same chip follows the link
  let hideTimer = null;
  let lastPointer = "mouse";

  function citationForChip(chip) {
    const turn = chip.closest(".turn");
    const record = turn && views.get(turn);
    return record ? citationMap(record).get(chip.dataset.marker) : null;
  }

  function popoverHint(c, touch) {
    if (!citationHref(c)) return "";
    const verb = touch ? "Tap the chip again" : "Click the chip";
    if (c.kind === "source") return `${verb} to open this bibliography entry`;
    if (c.kind === "glossary") return `${verb} to open the module this term belongs to`;
    return `${verb} to open this passage, highlighted in the notes`;
  }

  function showPopover(chip, touch = false) {
    clearTimeout(hideTimer);
    const c = citationForChip(chip);
    if (!c) return;
    if (popoverAnchor && popoverAnchor !== chip) popoverAnchor.removeAttribute("aria-describedby");
    popoverPinned = touch || (popoverPinned && popoverAnchor === chip);
    popoverAnchor = chip;
    popover.replaceChildren(
      el("div", { class: "pop-head" },
        el("span", { class: `kind kind-${c.kind}`, text: kindLabel(c.kind) }),
        el("span", { class: "pop-title", text: citationLabel(c) })),
      renderQuote(c),
      el("div", { class: "pop-foot", text: popoverHint(c, touch) }));
    popover.hidden = false;
    chip.setAttribute("aria-describedby", "cite-popover");
    positionPopover(chip);
  }

  function positionPopover(chip) {
    const r = chip.getBoundingClientRect();
    const width = popover.offsetWidth;
    const height = popover.offsetHeight;
    const margin = 8;
    let left = r.left + r.width / 2 - width / 2;
    left = Math.max(margin, Math.min(left, window.innerWidth - width - margin));
    let top = r.bottom + margin;
    const composer = form.getBoundingClientRect();
    const floor = Math.min(window.innerHeight, composer.top) - margin;
    const above = top + height > floor && r.top - height - margin > margin;
    if (above) top = r.top - height - margin;
    popover.classList.toggle("above", above);
    popover.style.left = `${Math.round(left + window.scrollX)}px`;
    popover.style.top = `${Math.round(top + window.scrollY)}px`;
  }

  function hidePopover() {
    clearTimeout(hideTimer);
    popover.hidden = true;
    if (popoverAnchor) popoverAnchor.removeAttribute("aria-describedby");
    popoverAnchor = null;
    popoverPinned = false;
  }

  function scheduleHide() {
    clearTimeout(hideTimer);
    hideTimer = setTimeout(hidePopover, 150);
  }

  // ---- wiring -----------------------------------------------------------------------------
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    submitQuestion();
  });

  textarea.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
      event.preventDefault();
      submitQuestion();
    }
  });
  textarea.addEventListener("input", () => {
    autosize();
    updateCount();
  });

  conversation.addEventListener("mouseover", (event) => {
    if (lastPointer === "touch") return; // a tap's emulated mouse events: the click handles taps
    const chip = event.target.closest(".chip:not(.static)");
    if (chip) showPopover(chip);
  });
  conversation.addEventListener("mouseout", (event) => {
    const chip = event.target.closest(".chip:not(.static)");
    if (chip && !popoverPinned
        && !(event.relatedTarget && (chip.contains(event.relatedTarget) || popover.contains(event.relatedTarget)))) {
      scheduleHide();
    }
  });
  conversation.addEventListener("focusin", (event) => {
    const chip = event.target.closest(".chip:not(.static)");
    if (chip) showPopover(chip);
  });
  conversation.addEventListener("focusout", (event) => {
    if (event.target.closest(".chip") && !popoverPinned) scheduleHide();
  });
  // Touch screens have no hover: the first tap on a chip previews the quote, the second opens it.
  document.addEventListener("pointerdown", (event) => {
    lastPointer = event.pointerType || "mouse";
    if (lastPointer !== "mouse" && !popover.hidden && !popover.contains(event.target)
        && !(popoverAnchor && popoverAnchor.contains(event.target))) hidePopover();
  }, true);
  document.addEventListener("pointermove", (event) => {
    if (event.pointerType === "mouse") lastPointer = "mouse"; // a hybrid device's mouse after a tap
  }, { passive: true });
  conversation.addEventListener("click", (event) => {
    const action = event.target.closest("button[data-action]");
    if (action && !busy) {
      const record = views.get(action.closest(".turn"));
      if (!record) return;
      if (action.dataset.action === "search-all") {
        for (const box of checkboxes) box.checked = false;
        updateFilterCount();
        removeTurn(record);
        ask(record.question, []);
      } else if (action.dataset.action === "retry") {
        removeTurn(record);
        ask(record.question, record.categories || []);
      }
      return;
    }
    const chip = event.target.closest(".chip:not(.static)");
    if (!chip) return;
    const href = citationHref(citationForChip(chip));
    const tap = lastPointer === "touch" && event.detail > 0; // keyboard "clicks" have detail 0
    if (href && tap && !(popoverPinned && popoverAnchor === chip)) {
      showPopover(chip, true);
    } else if (href) {
      save();
      window.location.assign(href);
    } else if (popover.hidden || popoverAnchor !== chip) {
      showPopover(chip);
    } else {
      hidePopover();
    }
  });
  popover.addEventListener("mouseenter", () => clearTimeout(hideTimer));
  popover.addEventListener("mouseleave", scheduleHide);
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !popover.hidden) hidePopover();
  });
  window.addEventListener("resize", () => {
    if (popoverAnchor) positionPopover(popoverAnchor);
  });

  for (const box of checkboxes) box.addEventListener("change", updateFilterCount);
  document.getElementById("clear-filters").addEventListener("click", () => {
    for (const box of checkboxes) box.checked = false;
    updateFilterCount();
  });
  document.getElementById("new-chat").addEventListener("click", () => {
    if (busy) return;
    hidePopover();
    turns = [];
    conversation.replaceChildren();
    emptyState.hidden = false;
    announce("");
    save();
    textarea.focus();
  });
  for (const example of document.querySelectorAll("#examples .example")) {
    example.addEventListener("click", () => {
      if (busy) return;
      textarea.value = example.textContent.trim();
      submitQuestion();
    });
  }

  window.addEventListener("pagehide", () => {
    save();
    try {
      sessionStorage.setItem(SCROLL_KEY, String(window.scrollY));
    } catch (_) { /* ignore */ }
  });

  restoreFilters();
  restore();
  if (turns.length) {
    const y = Number(sessionStorage.getItem(SCROLL_KEY));
    window.scrollTo(0, Number.isFinite(y) && y > 0 ? y : document.body.scrollHeight);
  }
  textarea.focus({ preventScroll: true });
})();
