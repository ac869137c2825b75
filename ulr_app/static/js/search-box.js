// Filter boxes whose choices are too many for a drop-down (every workplace or ULR in a region or
// the country): <input data-module="app-search-box" data-source="/workplaces/search.json"> becomes
// GOV.UK's accessible-autocomplete, asking the server for at most 20 names as you type (the server
// searches only what the user may see). What is posted is the text in the box, under the input's
// own name, so the list filters by part of a name with or without JavaScript.
import '../accessible-autocomplete/accessible-autocomplete.min.js';

var INIT = 'data-app-search-box-init';

function suggestions(url) {
  var latest = 0;
  return function (query, populate) {
    var mine = ++latest;
    var words = (query || '').trim();
    if (words.length < 2) { populate([]); return; }
    var address = url + (url.indexOf('?') === -1 ? '?' : '&') + 'q=' + encodeURIComponent(words);
    fetch(address, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (response) { return response.ok ? response.json() : { results: [] }; })
      .then(function (body) {
        if (mine !== latest) { return; } // a later keystroke has asked again
        populate((body.results || []).map(function (r) { return r.name; }));
      })
      .catch(function () { if (mine === latest) { populate([]); } });
  };
}

export function enhance(input) {
  if (input.hasAttribute(INIT) || !input.id || !input.getAttribute('data-source')) { return; }
  input.setAttribute(INIT, '');
  var holder = document.createElement('div');
  holder.className = 'app-autocomplete app-search-box';
  input.parentNode.insertBefore(holder, input);
  var describedBy = input.getAttribute('aria-describedby');
  var id = input.id;
  var name = input.name;
  var value = input.value;
  input.parentNode.removeChild(input);
  window.accessibleAutocomplete({
    element: holder,
    id: id,
    name: name,
    defaultValue: value,
    source: suggestions(input.getAttribute('data-source')),
    minLength: 2,
    autoselect: false,
    confirmOnBlur: false,
    showNoOptionsFound: true,
    tNoResults: function () { return 'Nothing matches'; },
    tStatusQueryTooShort: function (n) { return 'Type ' + n + ' or more letters for suggestions'; }
  });
  var box = document.getElementById(id);
  if (box && describedBy) {
    box.setAttribute('aria-describedby', ((box.getAttribute('aria-describedby') || '') + ' ' + describedBy).trim());
  }
}

export function enhanceAll(root) {
  var inputs = (root || document).querySelectorAll('input[data-module="app-search-box"]');
  for (var i = 0; i < inputs.length; i++) { enhance(inputs[i]); }
}
