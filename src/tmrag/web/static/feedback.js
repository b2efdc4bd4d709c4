// tmrag chat page: Helpful / Not helpful (thumbs up / down) and an optional comment under every finished answer, sent
// to POST /feedback. app.js calls window.tmragFeedback.render(record) when it draws an answer
// card; the rating's state lives on the record (record.feedback), so it is saved and restored
// with the conversation.
//
// SECURITY: text is inserted with textContent only; no innerHTML, no inline handlers (the page's
// Content-Security-Policy allows scripts from this origin only).
(() => {
  "use strict";

  const MAX_COMMENT_CHARS = 2000; // the server's limit (web/schemas.py)
  const MAX_QUESTION_CHARS = 2000;
  const MAX_ANSWER_CHARS = 4000;
  const MAX_CITATIONS = 20;

  const el = window.tmrag.el; // dom.js

  // Where a citation points, as the server logs it: module#anchor, or source:<id>.
  function location(c) {
    if (!c) return "";
    if (c.kind === "source") return c.source_id ? `source:${c.source_id}` : "";
    if (!c.module_id) return "";
    return c.anchor ? `${c.module_id}#${c.anchor}` : String(c.module_id);
  }

  function thumb(box, record, rating) {
    const fb = record.feedback || {};
    const label = rating === "up" ? "Helpful" : "Not helpful";
    // Words, not emoji: a machine without an emoji font would show empty boxes.
    const button = el("button", { type: "button", class: `thumb thumb-${rating}`, "aria-pressed": String(fb.rating === rating),
      "data-rating": rating, text: label });
    button.addEventListener("click", () => {
      record.feedback = { rating, comment: (record.feedback && record.feedback.comment) || "", sent: false, error: null };
      fill(box, record);
      const comment = box.querySelector(".feedback-comment");
      if (comment) comment.focus({ preventScroll: true });
    });
    return button;
  }

  function form(box, record) {
    const fb = record.feedback;
    const comment = el("textarea", { class: "feedback-comment", rows: 2, maxlength: MAX_COMMENT_CHARS,
      "aria-label": "Comment (optional)",
      placeholder: fb.rating === "down" ? "What was wrong or missing? (optional)" : "Anything to add? (optional)" });
    comment.value = fb.comment || "";
    comment.addEventListener("input", () => { fb.comment = comment.value; });
    const send = el("button", { type: "button", class: "feedback-send", text: "Send feedback" });
    send.addEventListener("click", () => submit(box, record, send));
    return el("div", { class: "feedback-form" }, comment, send,
      fb.error ? el("p", { class: "feedback-error", role: "alert", text: fb.error }) : null);
  }

  function fill(box, record) {
    const fb = record.feedback;
    box.replaceChildren();
    if (fb && fb.sent) {
      box.append(el("p", { class: "feedback-thanks", role: "status",
        text: fb.rating === "up" ? "Thanks, marked helpful." : "Thanks, marked not helpful: the notes' owner will see it." }));
      return;
    }
    box.append(el("span", { class: "feedback-ask", text: "Was this answer helpful?" }),
      thumb(box, record, "up"), thumb(box, record, "down"));
    if (fb && fb.rating) box.append(form(box, record));
  }

  async function submit(box, record, button) {
    const fb = record.feedback;
    const body = {
      question: record.question.slice(0, MAX_QUESTION_CHARS),
      answer: String(record.answer || "").slice(0, MAX_ANSWER_CHARS),
      citations: [...new Set((record.citations || []).map(location).filter(Boolean))].slice(0, MAX_CITATIONS),
      rating: fb.rating,
    };
    if (record.resolved && record.resolved !== record.question) body.resolved_question = record.resolved;
    const comment = (fb.comment || "").trim();
    if (comment) body.comment = comment.slice(0, MAX_COMMENT_CHARS);
    button.disabled = true;
    try {
      const res = await fetch("/feedback", {
        method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
      });
      if (res.status === 204) {
        fb.sent = true;
        fb.error = null;
      } else {
        let message = `The server answered ${res.status}.`;
        try {
          const data = await res.json();
          if (data && data.error && data.error.message) message = data.error.message;
        } catch (_) { /* not JSON: keep the status */ }
        fb.error = `Feedback not sent: ${message}`;
      }
    } catch (err) {
      fb.error = `Feedback not sent: could not reach the server (${err && err.message ? err.message : err}).`;
    }
    fill(box, record);
  }

  function render(record) {
    const box = el("div", { class: "feedback", role: "group", "aria-label": "Rate this answer" });
    fill(box, record);
    return box;
  }

  window.tmragFeedback = { render };
})();
