/* Stepping through a case's history from the keyboard (the inspectors' replay page):
   ← previous step, → next step, Home first step, End last step. The links themselves are the
   page's stepper (a[data-step-nav]); without JavaScript they work as plain links. */
(function () {
  "use strict";
  var KEYS = { ArrowLeft: "prev", ArrowRight: "next", Home: "first", End: "last" };
  var TYPING = /^(INPUT|TEXTAREA|SELECT|BUTTON)$/;

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) {
      return;
    }
    var target = event.target;
    if (target && (target.isContentEditable || TYPING.test(target.tagName))) {
      return;
    }
    var name = KEYS[event.key];
    var link = name && document.querySelector('a[data-step-nav="' + name + '"]');
    if (!link) {
      return;
    }
    event.preventDefault();
    window.location.assign(link.href);
  });
})();
