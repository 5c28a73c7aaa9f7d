// `make css`: the Bootstrap rules this site's templates use, nothing else.
// tests/test_css_subset.py fails when the committed subset is stale.
module.exports = {
  css: ["static/vendor/bootstrap/bootstrap.min.css"],
  // Class names appear in templates and in Python (form widgets' classes).
  // Only the Python that names classes: words in other code and docstrings
  // would otherwise keep or drop rules by accident.
  content: ["templates/**/*.html", "*/forms.py", "*/admin.py"],
  output: "static/css/bootstrap.purged.css",
  // CSS custom properties are kept whole: Bootstrap's rules read them.
  variables: false,
  keyframes: true,
  fontFace: true,
  // Django renders input types, so the templates never spell "checkbox":
  // keep every [type=...] rule (the tick in a checked box is one).
  dynamicAttributes: ["type"],
};
