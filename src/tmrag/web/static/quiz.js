// tmrag "Quiz me" mode: asks POST /quiz/next for a card (within the sidebar's categories and an
// optional module), grades the typed answer with POST /quiz/answer, shows what it covered and
// missed with citation links to the highlighted passage, and draws GET /quiz/progress as one SVG
// bar chart per category. The learner id is random and kept in localStorage.
//
// SECURITY: like app.js, all text goes in through textContent; links are built from ids only.
(() => {
  "use strict";

  const LEARNER_KEY = "tmrag.learner.v1";
  const MODE_KEY = "tmrag.mode.v1";
  const SVG = "http://www.w3.org/2000/svg";
  const PASS_MARK = 0.5; // the server's study.service.PASS_MARK
  const CHART = { bar: 18, gap: 6, height: 90 }; // px: one module's bar, the gap between bars, the plot height
  const quiz = document.getElementById("quiz");
  const tabAsk = document.getElementById("mode-ask");
  const tabQuiz = document.getElementById("mode-quiz");
  if (!quiz || !tabAsk || !tabQuiz) return;

  const el = window.tmrag.el; // dom.js

  function svg(tag, attrs, text) {
    const node = document.createElementNS(SVG, tag);
    for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function learner() {
    let id = localStorage.getItem(LEARNER_KEY);
    if (!id || !/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(id)) {
      id = crypto.randomUUID ? crypto.randomUUID() : `l${Date.now()}${Math.random().toString(36).slice(2)}`;
      localStorage.setItem(LEARNER_KEY, id);
    }
    return id;
  }

  function categories() {
    return Array.from(document.querySelectorAll("input[name=category]:checked")).map((c) => c.value);
  }

  function citationHref(c) {
    if (c && c.kind === "module" && c.module_id) {
      const base = `/modules/${encodeURIComponent(c.module_id)}`;
      const spans = (c.spans || []).filter((s) => Array.isArray(s) && s.length === 2);
      return spans.length ? `${base}?hl=${spans.map(([a, b]) => `${a}-${b}`).join(",")}#cited` : base;
    }
    if (c && c.module_id) return `/modules/${encodeURIComponent(c.module_id)}`;
    return null;
  }

  async function call(method, url, body) {
    const res = await fetch(url, {
      method, headers: body ? { "Content-Type": "application/json" } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
    const data = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error((data.error && data.error.message) || `HTTP ${res.status}`);
    return data;
  }

  // ---- the quiz panel -----------------------------------------------------------------------
  const moduleSelect = el("select", { id: "quiz-module", "aria-label": "Module" }, el("option", { value: "", text: "All modules" }));
  const startButton = el("button", { type: "button", id: "quiz-start", class: "send", text: "Next card" });
  const progressButton = el("button", { type: "button", id: "quiz-progress-button", class: "link-button", text: "Progress" });
  const cardBox = el("div", { id: "quiz-card", class: "quiz-card", "aria-live": "polite" });
  const progressBox = el("div", { id: "quiz-progress", class: "quiz-progress", hidden: true });
  quiz.append(
    el("div", { class: "quiz-head" },
      el("h1", { text: "Quiz me" }),
      el("p", { class: "hint", text: "Cards come from the notes' interview questions, glossary and worked numbers, "
        + "limited to the categories ticked on the left. Answer in your own words; the grade shows what you covered "
        + "and quotes what you missed." }),
      el("div", { class: "quiz-controls" }, moduleSelect, startButton, progressButton)),
    cardBox, progressBox);

  let current = null;

  function showError(message) {
    cardBox.replaceChildren(el("p", { class: "quiz-error", role: "alert", text: message }));
  }

  async function loadModules() {
    const data = await call("GET", `/quiz/progress?learner=${encodeURIComponent(learner())}`);
    const chosen = categories();
    const keep = moduleSelect.value;
    moduleSelect.replaceChildren(el("option", { value: "", text: "All modules" }),
      ...data.modules.filter((m) => !chosen.length || chosen.includes(m.category))
        .map((m) => el("option", { value: m.name, text: `${m.name} (${m.cards})` })));
    moduleSelect.value = Array.from(moduleSelect.options).some((o) => o.value === keep) ? keep : "";
  }

  async function nextCard() {
    progressBox.hidden = true;
    const body = { learner: learner(), categories: categories().length ? categories() : null,
      modules: moduleSelect.value ? [moduleSelect.value] : null };
    try {
      const data = await call("POST", "/quiz/next", body);
      current = data.card;
      renderCard(data);
    } catch (err) {
      showError(err.message);
    }
  }

  function renderCard(data) {
    const c = data.card;
    const answer = el("textarea", { id: "quiz-answer", rows: 5, placeholder: "Your answer… (Ctrl+Enter to check)", "aria-label": "Your answer" });
    const submit = el("button", { type: "submit", id: "quiz-submit", class: "send", text: "Check answer" });
    const form = el("form", { class: "quiz-form", autocomplete: "off" }, answer, submit);
    form.addEventListener("submit", (e) => { e.preventDefault(); submitAnswer(answer.value, submit); });
    answer.addEventListener("keydown", (e) => { // Ctrl/Cmd+Enter submits; Enter alone is a new line in an answer
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); form.requestSubmit(); }
    });
    cardBox.replaceChildren(
      el("p", { class: "quiz-meta", text: `${c.category} · ${c.module_id} · ${c.kind} · due ${data.due_count} · new ${data.new_count}` }),
      el("h2", { class: "quiz-prompt", id: "quiz-prompt", text: c.prompt }), form,
      el("div", { id: "quiz-result", class: "quiz-result" }));
    answer.focus();
  }

  async function submitAnswer(text, button) {
    if (!current) return;
    button.disabled = true;
    try {
      const data = await call("POST", "/quiz/answer", { learner: learner(), card_id: current.id, answer: text });
      renderResult(data);
    } catch (err) {
      document.getElementById("quiz-result").replaceChildren(el("p", { class: "quiz-error", role: "alert", text: err.message }));
      button.disabled = false;
    }
  }

  function pointItem(p, citations, covered) {
    const c = citations.find((x) => x.marker === p.marker);
    const href = citationHref(c);
    const label = c ? (c.section ? `${c.title} § ${c.section}` : c.title) : "";
    return el("li", { class: covered ? "covered" : "missed" },
      el("span", { class: "mark", "aria-hidden": "true", text: covered ? "✓" : "✗" }), ` ${p.text} `,
      href ? el("a", { class: "cite", href, title: label, text: `[${p.marker}]` }) : null);
  }

  function renderResult(data) {
    const cites = data.reference.citations || [];
    const pct = Math.round(data.score * 100);
    const due = new Date(data.next_due);
    const parts = [
      el("p", { class: `quiz-score rating-${data.rating}`, id: "quiz-score" },
        el("strong", { text: `${pct}%` }), ` · ${data.rating} · next due ${due.toLocaleString()}`),
      data.flags.length ? el("p", { class: "hint", text: `Scored low because: ${data.flags.join(", ").replaceAll("_", " ")}` }) : null,
      data.covered.length ? el("h3", { text: "Covered" }) : null,
      data.covered.length ? el("ul", { class: "quiz-points" }, ...data.covered.map((p) => pointItem(p, cites, true))) : null,
      data.missed.length ? el("h3", { text: "Missed" }) : null,
      data.missed.length ? el("ul", { class: "quiz-points", id: "quiz-missed" }, ...data.missed.map((p) => pointItem(p, cites, false))) : null,
      el("button", { type: "button", class: "send", id: "quiz-next", text: "Next card" })];
    document.getElementById("quiz-result").replaceChildren(...parts.filter((p) => p !== null));
    document.getElementById("quiz-next").addEventListener("click", nextCard);
  }

  // ---- progress: one bar chart per category, a bar per module (height = mean latest score) --
  async function showProgress() {
    try {
      const data = await call("GET", `/quiz/progress?learner=${encodeURIComponent(learner())}`);
      progressBox.replaceChildren(el("h2", { text: "Progress" }),
        el("p", { class: "hint", text: "One bar per module: the mean of your latest score on each card you have "
          + "answered (hover a bar for the module). The dashed line is the pass mark." }),
        ...data.categories.map((cat) => categoryChart(cat, data.modules.filter((m) => m.category === cat.name))));
      progressBox.hidden = false;
      progressBox.scrollIntoView({ block: "start" });
    } catch (err) {
      showError(err.message);
    }
  }

  function categoryChart(cat, modules) {
    const width = modules.length * (CHART.bar + CHART.gap) + CHART.gap;
    const chart = svg("svg", { class: "quiz-chart", width, height: CHART.height + 1, role: "img",
      "aria-label": `${cat.name}: mean score per module` });
    chart.append(svg("line", { x1: 0, x2: width, y1: CHART.height, y2: CHART.height, class: "axis" }));
    chart.append(svg("line", { x1: 0, x2: width, y1: CHART.height * (1 - PASS_MARK), y2: CHART.height * (1 - PASS_MARK),
      class: "pass" }));
    modules.forEach((m, i) => {
      const x = CHART.gap + i * (CHART.bar + CHART.gap);
      const h = m.mean_score === null ? 2 : Math.max(2, m.mean_score * CHART.height);
      const bar = svg("rect", { x, y: CHART.height - h, width: CHART.bar, height: h,
        class: m.mean_score === null ? "unseen" : "seen" });
      bar.append(svg("title", {}, `${m.name}: ${m.seen}/${m.cards} seen`
        + (m.mean_score === null ? "" : `, mean ${Math.round(m.mean_score * 100)}%`) + `, ${m.due_now} due`));
      chart.append(bar);
    });
    const mean = cat.mean_score === null ? "–" : `${Math.round(cat.mean_score * 100)}%`;
    return el("section", { class: "quiz-cat" },
      el("h3", { text: cat.name }),
      el("p", { class: "quiz-meta", text: `${cat.seen}/${cat.cards} cards seen · mean ${mean} · ${cat.due_now} due now` }),
      chart);
  }

  // ---- mode switch ----------------------------------------------------------------------------
  function setMode(mode) {
    const on = mode === "quiz";
    document.body.classList.toggle("quiz-mode", on);
    quiz.hidden = !on;
    tabQuiz.setAttribute("aria-selected", String(on));
    tabAsk.setAttribute("aria-selected", String(!on));
    localStorage.setItem(MODE_KEY, mode);
    if (on) loadModules().catch((err) => showError(err.message));
  }

  tabAsk.addEventListener("click", () => setMode("ask"));
  tabQuiz.addEventListener("click", () => setMode("quiz"));
  startButton.addEventListener("click", nextCard);
  progressButton.addEventListener("click", showProgress);
  document.querySelectorAll("input[name=category]").forEach((c) => c.addEventListener("change", () => {
    if (!quiz.hidden) loadModules().catch((err) => showError(err.message));
  }));
  setMode(localStorage.getItem(MODE_KEY) === "quiz" ? "quiz" : "ask");
})();
