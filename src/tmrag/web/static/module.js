// Module and source viewer: bring the cited passage into view and make "back" return to the
// conversation (history.back() keeps the chat's scroll position; a plain link is the fallback).
(() => {
  "use strict";

  function showCited() {
    const mark = document.getElementById("cited");
    if (!mark) return;
    mark.scrollIntoView({ block: "center" });
    mark.classList.add("flash");
    window.setTimeout(() => mark.classList.remove("flash"), 1600);
  }

  function wireBackLink() {
    const back = document.getElementById("back-link");
    if (!back) return;
    let fromChat = false;
    try {
      const ref = new URL(document.referrer);
      fromChat = ref.origin === window.location.origin && ref.pathname === "/";
    } catch (_) {
      fromChat = false;
    }
    if (!fromChat || window.history.length < 2) return;
    back.addEventListener("click", (event) => {
      event.preventDefault();
      window.history.back();
    });
  }

  function init() {
    wireBackLink();
    showCited();
    const jump = document.querySelector(".hl-note a[href='#cited']");
    if (jump) {
      jump.addEventListener("click", (event) => {
        event.preventDefault();
        showCited();
      });
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
