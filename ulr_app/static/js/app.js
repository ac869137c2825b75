import { initAll } from '../govuk/govuk-frontend.min.js';

initAll();

// Long drop-downs become searchable (js/autocomplete.js); the library loads only where needed.
if (document.querySelector('select[data-module="app-autocomplete"]')) {
  import('./autocomplete.js').then(function (module) { module.enhanceAll(document); });
}

// Filter boxes that search on the server as you type (js/search-box.js).
if (document.querySelector('input[data-module="app-search-box"]')) {
  import('./search-box.js').then(function (module) { module.enhanceAll(document); });
}
