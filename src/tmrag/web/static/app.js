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
  const TOKEN_RE = /\[(\d+)\]|\$\$([^$]+)\$\$|\$([^$\n]+)\$/g; // [n] markers, $$math$$, $math$

  const form = document.getElementById("ask-form");
  const textarea = document.getElementById("question");
  const sendButton = document.getElementById("send");
  const conversation = document.getElementById("conversation");
  const emptyState = document.getElementById("empty-state");
  const popover = document.getElementById("cite-popover");
  const filterCount = document.getElementById("filter-count");
  const checkboxes = Array.from(document.querySelectorAll("input[name=category]"));

  let turns = [];
  let busy = false;
  const views = new WeakMap(); // .turn element -> turn record

  // ---- DOM helpers ------------------------------------------------------------------------
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = String(value);
      else node.setAttribute(key, String(value));
    }
    for (const child of children) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

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

  // ---- rendering --------------------------------------------------------------------------
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
        p.append(el("span", { class: "math", text: m[2] !== undefined ? m[2] : m[3] }));
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
    for (const s of record.suggestions) {
      const href = suggestionHref(s);
      const text = s.section ? `${s.title || s.module_id} § ${s.section}` : (s.title || s.module_id || "");
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
      return el("div", { class: "card error", role: "alert" },
        el("div", { class: "card-head" }, el("span", { class: "badge badge-error", text: "Error" })),
        el("p", { class: "error-message", text: err.message || "Something went wrong." }),
        err.code ? el("p", { class: "error-code", text: err.code }) : null);
    }
    const card = el("div", { class: `card answer${record.abstained ? " abstained" : ""}` });
    if (record.status === "pending" && !record.answer) {
      card.append(el("p", { class: "thinking" }, "Searching the notes",
        el("span", { class: "dots", "aria-hidden": "true" }, el("i"), el("i"), el("i"))));
      return card;
    }
    card.append(el("div", { class: "card-head" }, record.abstained
      ? el("span", { class: "badge badge-abstained", text: "Not covered in the notes" })
      : el("span", { class: "badge", text: "Answer" })));
    const text = renderAnswerText(record.answer, citationMap(record));
    if (record.status === "pending") text.append(el("span", { class: "caret", "aria-hidden": "true" }));
    card.append(text);
    if (record.abstained && record.suggestions.length) card.append(renderSuggestions(record));
    if (!record.abstained && record.unmentioned.length && record.status === "done") {
      card.append(el("p", { class: "note", role: "note",
        text: `The cited passages never mention ${record.unmentioned.join(", ")}; the answer may be about something nearby.` }));
    }
    if (record.citations.length) card.append(renderPassages(record));
    if (record.sources.length) card.append(renderSources(record));
    card.append(renderMeta(record));
    return card;
  }

  function mountTurn(record) {
    const turn = el("article", { class: "turn" },
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
      const record = newRecord(raw.question);
      Object.assign(record, {
        status: raw.status, answer: String(raw.answer || ""), abstained: !!raw.abstained,
        citations: Array.isArray(raw.citations) ? raw.citations : [],
        sources: Array.isArray(raw.sources) ? raw.sources : [],
        suggestions: Array.isArray(raw.suggestions) ? raw.suggestions : [],
        unmentioned: Array.isArray(raw.unmentioned) ? raw.unmentioned.map(String) : [],
        timings: raw.timings || null, clientMs: raw.clientMs, error: raw.error || null,
      });
      if (record.status !== "done" && record.status !== "error") {
        record.status = "error";
        record.error = { code: "interrupted", message: "This answer was interrupted; ask again." };
      }
      turns.push(record);
      mountTurn(record);
    }
  }

  function newRecord(question) {
    return { question, status: "pending", answer: "", abstained: false, citations: [], sources: [],
      suggestions: [], unmentioned: [], timings: null, clientMs: null, error: null };
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
    return { code, message };
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
        return false;
      case "answer":
        record.answer += typeof data.text === "string" ? data.text : "";
        return false;
      case "done":
        record.timings = data.timings_ms || null;
        if (typeof data.abstained === "boolean") record.abstained = data.abstained;
        record.clientMs = performance.now() - started;
        record.status = "done";
        return true;
      default:
        return false;
    }
  }

  async function ask(question) {
    const record = newRecord(question);
    turns.push(record);
    mountTurn(record);
    reveal(record.view);
    save();
    setBusy(true);
    const started = performance.now();
    const categories = selectedCategories();
    const body = { question };
    if (categories.length) body.categories = categories;
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
      }
    } catch (err) {
      record.status = "error";
      record.error = { code: "network", message: `Could not reach the server (${err && err.message ? err.message : err}).` };
    } finally {
      updateTurn(record);
      save();
      setBusy(false);
    }
  }

  function setBusy(value) {
    busy = value;
    sendButton.disabled = value;
    form.classList.toggle("busy", value);
  }

  function autosize() {
    textarea.style.height = "auto";
    textarea.style.height = `${Math.min(textarea.scrollHeight, 220)}px`;
  }

  function submitQuestion() {
    const question = textarea.value.trim();
    if (!question || busy) return;
    textarea.value = "";
    autosize();
    ask(question);
  }

  // ---- citation popover -------------------------------------------------------------------
  let popoverAnchor = null;
  let hideTimer = null;

  function citationForChip(chip) {
    const turn = chip.closest(".turn");
    const record = turn && views.get(turn);
    return record ? citationMap(record).get(chip.dataset.marker) : null;
  }

  function showPopover(chip) {
    clearTimeout(hideTimer);
    const c = citationForChip(chip);
    if (!c) return;
    if (popoverAnchor && popoverAnchor !== chip) popoverAnchor.removeAttribute("aria-describedby");
    popoverAnchor = chip;
    const href = citationHref(c);
    popover.replaceChildren(
      el("div", { class: "pop-head" },
        el("span", { class: `kind kind-${c.kind}`, text: kindLabel(c.kind) }),
        el("span", { class: "pop-title", text: citationLabel(c) })),
      el("blockquote", { class: "pop-quote", text: c.quote || "" }),
      el("div", { class: "pop-foot", text: href ? "Click the chip to open this passage" : "" }));
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
  textarea.addEventListener("input", autosize);

  conversation.addEventListener("mouseover", (event) => {
    const chip = event.target.closest(".chip:not(.static)");
    if (chip) showPopover(chip);
  });
  conversation.addEventListener("mouseout", (event) => {
    const chip = event.target.closest(".chip:not(.static)");
    if (chip && !(event.relatedTarget && (chip.contains(event.relatedTarget) || popover.contains(event.relatedTarget)))) {
      scheduleHide();
    }
  });
  conversation.addEventListener("focusin", (event) => {
    const chip = event.target.closest(".chip:not(.static)");
    if (chip) showPopover(chip);
  });
  conversation.addEventListener("focusout", (event) => {
    if (event.target.closest(".chip")) scheduleHide();
  });
  conversation.addEventListener("click", (event) => {
    const chip = event.target.closest(".chip:not(.static)");
    if (!chip) return;
    const href = citationHref(citationForChip(chip));
    if (href) {
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
