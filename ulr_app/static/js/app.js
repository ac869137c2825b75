import { initAll } from '../govuk/govuk-frontend.min.js';

initAll();

// Long drop-downs become searchable (js/autocomplete.js); the library loads only where needed.
if (document.querySelector('select[data-module="app-autocomplete"]')) {
  import('./autocomplete.js').then(function (module) { module.enhanceAll(document); });
}
