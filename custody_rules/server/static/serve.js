// custody-rules serve: a few lines of plain JavaScript, loaded from this server only.
// Nothing here is needed to read a page: without it, a dropped file is not read in and a
// scenario shows every step at once.
(function () {
  "use strict";

  // Check a record: a file chosen or dropped is read into the text box.
  function readInto(file, box) {
    if (!file) { return; }
    var reader = new FileReader();
    reader.onload = function () { box.value = String(reader.result); };
    reader.readAsText(file);
  }
  document.querySelectorAll("[data-file-for]").forEach(function (input) {
    var box = document.getElementById(input.getAttribute("data-file-for"));
    input.addEventListener("change", function () { readInto(input.files[0], box); });
  });
  document.querySelectorAll("[data-drop-target]").forEach(function (box) {
    box.addEventListener("dragover", function (e) {
      e.preventDefault(); box.classList.add("dragging");
    });
    box.addEventListener("dragleave", function () { box.classList.remove("dragging"); });
    box.addEventListener("drop", function (e) {
      e.preventDefault(); box.classList.remove("dragging");
      if (e.dataTransfer && e.dataTransfer.files.length) { readInto(e.dataTransfer.files[0], box); }
    });
  });

  // Training: play a scenario's walk one event at a time.
  var list = document.querySelector("[data-walk-steps]");
  var controls = document.querySelector("[data-walk-controls]");
  if (list && controls) {
    var steps = Array.prototype.slice.call(list.children);
    var shown = 1;
    var show = function (n) {
      shown = Math.max(1, Math.min(n, steps.length));
      steps.forEach(function (step, i) { step.hidden = i >= shown; });
      steps[shown - 1].scrollIntoView({block: "nearest"});
    };
    var actions = {
      first: function () { show(1); }, back: function () { show(shown - 1); },
      next: function () { show(shown + 1); }, all: function () { show(steps.length); }
    };
    controls.hidden = false;
    controls.querySelectorAll("[data-walk]").forEach(function (button) {
      button.addEventListener("click", actions[button.getAttribute("data-walk")]);
    });
    document.addEventListener("keydown", function (e) {
      if (e.target && /^(INPUT|TEXTAREA|BUTTON)$/.test(e.target.tagName)) { return; }
      if (e.key === " " || e.key === "ArrowRight") { e.preventDefault(); actions.next(); }
      else if (e.key === "ArrowLeft") { actions.back(); }
    });
    show(1);
  }
})();
