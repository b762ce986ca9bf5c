// 新建 (ingest) review: highlight a task's sentence in the source while the
// task is hovered or focused, and turn a selection in the source into the
// "add a missed task" fields. The page works without this script: every
// edit is a form post, and each task links to its sentence (#src-ID).
(function () {
  "use strict";
  var source = document.getElementById("source");
  var form = document.getElementById("review");
  if (!source || !form) return;
  document.documentElement.classList.add("js");

  var lit = [];
  function clear() {
    lit.forEach(function (el) { el.classList.remove("hl"); });
    lit = [];
  }
  function piecesOf(id) {
    return Array.prototype.filter.call(source.querySelectorAll("[data-t]"), function (el) {
      return (" " + el.getAttribute("data-t") + " ").indexOf(" " + id + " ") >= 0;
    });
  }
  function light(id) {
    clear();
    lit = piecesOf(id);
    lit.forEach(function (el) { el.classList.add("hl"); });
    if (lit.length) {
      // Scroll the source pane only, not the page.
      var top = lit[0].offsetTop - source.offsetTop;
      if (top < source.scrollTop || top > source.scrollTop + source.clientHeight - 40) {
        source.scrollTop = Math.max(0, top - 40);
      }
    }
  }
  Array.prototype.forEach.call(form.querySelectorAll("[data-task]"), function (li) {
    var id = li.getAttribute("data-task");
    li.addEventListener("mouseenter", function () { light(id); });
    li.addEventListener("focusin", function () { light(id); });
    li.addEventListener("mouseleave", clear);
  });

  // A selection in the source → the offsets of the add form.
  var text = document.getElementById("add-text");
  var start = document.getElementById("add-start");
  var end = document.getElementById("add-end");
  var box = document.getElementById("add");
  function offsetOf(node, off) {
    var el = node.nodeType === 3 ? node.parentNode : node;
    if (node.nodeType !== 3) {
      // The selection ends between pieces: at the start of piece `off`.
      var child = node.childNodes[off];
      if (child && child.getAttribute) return +child.getAttribute("data-o");
      el = node.childNodes[off - 1] || node;
      if (el.getAttribute && el.hasAttribute("data-o")) {
        return +el.getAttribute("data-o") + Array.from(el.textContent).length;
      }
      return null;
    }
    if (!el.hasAttribute || !el.hasAttribute("data-o")) return null;
    // Offsets count Unicode scalar values; JavaScript strings count UTF-16.
    return +el.getAttribute("data-o") + Array.from(node.textContent.slice(0, off)).length;
  }
  function picked() {
    var sel = window.getSelection();
    if (!sel || sel.isCollapsed || !sel.rangeCount) return;
    var r = sel.getRangeAt(0);
    if (!source.contains(r.startContainer) || !source.contains(r.endContainer)) return;
    var a = offsetOf(r.startContainer, r.startOffset);
    var b = offsetOf(r.endContainer, r.endOffset);
    var words = sel.toString().trim();
    if (a === null || b === null || b <= a || !words) return;
    text.value = words;
    start.value = a;
    end.value = b;
    box.classList.add("picked");
  }
  source.addEventListener("mouseup", picked);
  source.addEventListener("keyup", picked);
  text.addEventListener("input", function () {
    // Typed text is looked up in the source by the server.
    start.value = "";
    end.value = "";
    box.classList.remove("picked");
  });

  // Split: put the mark where the caret is when the title has none.
  Array.prototype.forEach.call(form.querySelectorAll("[data-split]"), function (b) {
    var input = document.getElementById("title-" + b.getAttribute("data-split"));
    var caret = null;
    input.addEventListener("blur", function () { caret = input.selectionStart; });
    b.addEventListener("click", function () {
      var v = input.value;
      if (v.indexOf("|") < 0 && v.indexOf("｜") < 0 && caret > 0 && caret < v.length) {
        input.value = v.slice(0, caret) + "|" + v.slice(caret);
      }
    });
  });
})();
