// Long drop-downs (the workplace picker has hundreds of entries) become a box you can type in:
// every <select data-module="app-autocomplete"> is enhanced with GOV.UK's accessible-autocomplete
// (served from /static/accessible-autocomplete/, no inline script or style). The <select> stays
// in the form, hidden, and is what gets posted: choosing a suggestion selects its option.
// Without JavaScript the plain drop-down works as before.
import '../accessible-autocomplete/accessible-autocomplete.min.js';

var INIT = 'data-app-autocomplete-init';

function text(option) {
  return (option.textContent || '').replace(/\s+/g, ' ').trim();
}

function optionFor(select, words) {
  var wanted = (words || '').replace(/\s+/g, ' ').trim().toLowerCase();
  if (!wanted) { return null; }
  var options = select.options;
  for (var i = 0; i < options.length; i++) {
    if (options[i].value && text(options[i]).toLowerCase() === wanted) { return options[i]; }
  }
  return null;
}

function blankOption(select) {
  var options = select.options;
  for (var i = 0; i < options.length; i++) {
    if (!options[i].value) { return options[i]; }
  }
  return null;
}

// The select's hint and error message stay linked to the box that replaces it (the library
// sets aria-describedby to its own hint only, and rewrites it as you type).
function keepDescribedBy(input, ids) {
  if (!ids) { return; }
  function apply() {
    var now = (input.getAttribute('aria-describedby') || '').split(/\s+/).filter(Boolean);
    var want = ids.split(/\s+/).filter(function (id) { return now.indexOf(id) === -1; });
    if (want.length) { input.setAttribute('aria-describedby', now.concat(want).join(' ')); }
  }
  apply();
  new MutationObserver(apply).observe(input, { attributes: true, attributeFilter: ['aria-describedby'] });
}

export function enhance(select) {
  if (select.hasAttribute(INIT) || !select.id || select.multiple) { return; }
  select.setAttribute(INIT, '');
  var id = select.id;
  var chosen = select.value ? select.options[select.selectedIndex] : null;
  var blank = blankOption(select);
  var describedBy = select.getAttribute('aria-describedby');
  var hasError = select.classList.contains('govuk-select--error');

  window.accessibleAutocomplete.enhanceSelectElement({
    selectElement: select,
    defaultValue: chosen ? text(chosen) : '',
    showAllValues: true,
    autoselect: true,
    confirmOnBlur: true,
    minLength: 0,
    tNoResults: function () { return 'Nothing matches'; },
    onConfirm: function (words) {
      var option = optionFor(select, words);
      if (option) { select.value = option.value; }
    }
  });

  var input = document.getElementById(id);
  if (!input) { return; }
  var wrapper = select.previousElementSibling;
  if (wrapper) {
    wrapper.classList.add('app-autocomplete');
    if (hasError) { wrapper.classList.add('app-autocomplete--error'); }
  }
  keepDescribedBy(input, describedBy);

  // What is posted is what the box shows: a name that is not in the list (or an empty box)
  // posts the drop-down's blank choice, so the form says what is missing instead of keeping
  // an earlier choice out of sight.
  function sync() {
    var option = optionFor(select, input.value);
    if (option) {
      select.value = option.value;
    } else if (blank) {
      select.value = blank.value;
    }
  }
  if (select.form) { select.form.addEventListener('submit', sync); }
}

export function enhanceAll(root) {
  var selects = (root || document).querySelectorAll('select[data-module="app-autocomplete"]');
  for (var i = 0; i < selects.length; i++) { enhance(selects[i]); }
}
