// The job page: asks GET /jobs/<id>/status.json now and then, and updates the progress bar,
// the status and (when it is finished) the download or "Try again" parts without reloading.
// Changes are read out through the aria-live region. Without JavaScript the page's
// "Check again" link reloads it.
(function () {
  'use strict';
  var root = document.getElementById('job');
  if (!root || !window.fetch) { return; }
  var url = root.getAttribute('data-status-url');
  var lastStatus = root.getAttribute('data-status');
  var lastStep = -1;
  var delay = 1000;
  var started = Date.now();
  var TAGS = { queued: 'govuk-tag--grey', running: 'govuk-tag--blue', done: 'govuk-tag--green', failed: 'govuk-tag--red' };

  function byId(id) { return document.getElementById(id); }
  function setText(id, text) { var el = byId(id); if (el) { el.textContent = text == null ? '' : String(text); } }
  function announce(text) { setText('job-announce', text); }

  function show(state) {
    var bar = byId('job-progress');
    if (bar) { bar.value = state.progress; bar.textContent = state.progress + '%'; }
    setText('job-progress-text', state.progress + '% done');
    var tag = byId('job-status');
    if (tag) {
      tag.textContent = state.status_label;
      tag.className = 'govuk-tag ' + (TAGS[state.status] || '');
    }
    var step = Math.floor(state.progress / 25);
    if (state.status !== lastStatus) {
      if (state.status === 'done') {
        announce('Your file is ready' + (state.filename ? ': ' + state.filename + (state.size_label ? ', ' + state.size_label : '') : '') + '.');
      } else if (state.status === 'failed') {
        announce('The file could not be made. ' + (state.message || ''));
      } else {
        announce(state.status_label + ': ' + state.progress + '% done.');
      }
    } else if (step !== lastStep && !state.finished) {
      announce(state.progress + '% done.');
    }
    lastStatus = state.status;
    lastStep = step;
    if (state.finished) {
      byId('job-working').hidden = true;
      if (state.status === 'done') {
        var link = byId('job-download');
        if (link && state.download_url) { link.setAttribute('href', state.download_url); }
        setText('job-filename', state.filename);
        setText('job-name', state.filename);
        setText('job-size', state.size_label);
        setText('job-sha256', state.sha256);
        setText('job-made', state.made);
        byId('job-done').hidden = false;
      } else {
        setText('job-message', state.message);
        byId('job-failed').hidden = false;
      }
    }
  }

  function poll() {
    fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (response) {
        if (!response.ok) { throw new Error('status ' + response.status); }
        return response.json();
      })
      .then(function (state) {
        show(state);
        if (!state.finished) { schedule(); }
      })
      .catch(function () { schedule(); });
  }

  function schedule() {
    // every second at first, then less often; stop after half an hour (the link still works)
    if (Date.now() - started > 30 * 60 * 1000) { return; }
    delay = Math.min(delay * 1.3, 5000);
    window.setTimeout(poll, delay);
  }

  if (lastStatus !== 'done' && lastStatus !== 'failed') { window.setTimeout(poll, delay); }
}());
