// Shared by the chat page's scripts (app.js, quiz.js, feedback.js), loaded before them: DOM nodes
// are built with textContent and setAttribute only, never innerHTML, so no note text is parsed as HTML.
"use strict";
window.tmrag = window.tmrag || {};
window.tmrag.el = function el(tag, attrs, ...children) {
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
};
