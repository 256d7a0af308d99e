// The week calendar page served at /calendar. Kept as strings in a TypeScript module so the SWC
// build ships it with the service; plain DOM and Intl, no framework: one page with a grid, a few
// forms and the planner's own API (same origin, the key the person types, kept for the tab only).

export const CALENDAR_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Holdfast: maintenance this week</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 1rem; color: #1b1b1b; }
  fieldset { border: 1px solid #bbb; margin: 0 0 .75rem; padding: .5rem .75rem; }
  label { margin-right: .75rem; }
  input, select, button { font: inherit; margin: .15rem .25rem; }
  :focus-visible { outline: 3px solid #1a5fb4; outline-offset: 1px; }
  #week { display: grid; grid-template-columns: repeat(7, minmax(9rem, 1fr)); gap: .25rem; margin: .75rem 0; }
  .day { border: 1px solid #ccc; min-height: 8rem; padding: .25rem; }
  .day h3 { font-size: .9rem; margin: 0 0 .25rem; }
  .occurrence { border-left: 4px solid #2e7d32; background: #eef6ee; margin: .2rem 0; padding: .2rem .3rem; }
  .occurrence.held { border-left-color: #c62828; background: #fdecea; }
  .gate { display: inline-block; margin: .15rem .4rem .15rem 0; padding: .1rem .4rem; border-radius: .3rem; }
  .gate.allowed { background: #e8f5e9; } .gate.held { background: #ffcdd2; }
  #status { min-height: 1.4em; }
</style>
</head>
<body>
<h1>Maintenance this week</h1>
<form id="filters" aria-label="What to show">
  <fieldset><legend>Show</legend>
    <label for="key">API key</label><input id="key" type="password" autocomplete="off" required>
    <label for="team">Team</label><input id="team" placeholder="all teams">
    <label for="region">Region</label><input id="region" placeholder="all regions" size="8">
    <label for="zone">Time zone</label><select id="zone"></select>
    <label for="weekStart">Week of</label><input id="weekStart" type="date">
    <button type="button" id="previous">Previous week</button><button type="button" id="next">Next week</button>
    <button type="submit">Show</button>
  </fieldset>
</form>
<p id="status" role="status" aria-live="polite"></p>
<section aria-labelledby="gateTitle"><h2 id="gateTitle">Gate now, per region</h2><div id="gates" aria-live="polite"></div></section>
<section aria-labelledby="weekTitle"><h2 id="weekTitle">Week</h2><div id="week"></div></section>
<section aria-labelledby="actionsTitle"><h2 id="actionsTitle">Holds</h2>
<form id="declare"><fieldset><legend>Declare a manual hold</legend>
  <label for="declareRegions">Regions</label><input id="declareRegions" required placeholder="IR,NP">
  <label for="declareFrom">From (UTC)</label><input id="declareFrom" type="datetime-local" required>
  <label for="declareUntil">Until (UTC)</label><input id="declareUntil" type="datetime-local">
  <label for="declareReason">Reason</label><input id="declareReason" required>
  <button type="submit">Declare hold</button></fieldset></form>
<form id="release"><fieldset><legend>Release a hold</legend>
  <label for="releaseHold">Hold</label><select id="releaseHold" required></select>
  <label for="releaseReason">Reason</label><input id="releaseReason" required>
  <button type="submit">Release hold</button></fieldset></form>
<form id="override"><fieldset><legend>Override: let a held window run</legend>
  <label for="overrideWindow">Window</label><select id="overrideWindow" required></select>
  <label for="overrideOccurrence">Occurrence (empty: all)</label><input id="overrideOccurrence" type="number" min="1">
  <label for="overrideReason">Reason</label><input id="overrideReason" required>
  <button type="submit">Override</button></fieldset></form>
</section>
<script src="/calendar/calendar.js"></script>
</body>
</html>
`;

export const CALENDAR_SCRIPT = String.raw`'use strict';
(function () {
  var byId = function (id) { return document.getElementById(id); };
  var state = { holds: {}, regions: [], occurrences: [] };
  byId('key').value = sessionStorage.getItem('holdfastKey') || '';

  function api(path, init) {
    init = init || {};
    var headers = { authorization: 'Bearer ' + byId('key').value, accept: 'application/json' };
    if (init.body) headers['content-type'] = 'application/json';
    return fetch(path, { method: init.method || 'GET', headers: headers, body: init.body ? JSON.stringify(init.body) : undefined }).then(function (response) {
      return response.text().then(function (text) {
        var body = text ? JSON.parse(text) : undefined;
        if (!response.ok && response.status !== 423) throw new Error((body && (body.detail || body.title)) || response.statusText);
        return { status: response.status, body: body };
      });
    });
  }
  function say(text) { byId('status').textContent = text; }
  function zone() { return byId('zone').value || 'UTC'; }
  function localParts(iso) {
    var parts = {};
    new Intl.DateTimeFormat('en-CA', { timeZone: zone(), year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
      .formatToParts(new Date(iso)).forEach(function (part) { parts[part.type] = part.value; });
    return { day: parts.year + '-' + parts.month + '-' + parts.day, time: parts.hour + ':' + parts.minute };
  }
  function weekDays() {
    var start = new Date(byId('weekStart').value + 'T00:00:00Z');
    var days = [];
    for (var i = 0; i < 7; i += 1) days.push(new Date(start.getTime() + i * 86400000).toISOString().slice(0, 10));
    return days;
  }
  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function loadZones() {
    return api('/v1/regions').then(function (answer) {
      state.regions = answer.body.items;
      var zones = ['UTC'];
      state.regions.forEach(function (region) { if (zones.indexOf(region.zone) < 0) zones.push(region.zone); });
      zones.sort();
      var select = byId('zone');
      var chosen = select.value || sessionStorage.getItem('holdfastZone') || Intl.DateTimeFormat().resolvedOptions().timeZone;
      select.textContent = '';
      zones.forEach(function (name) { var option = element('option', '', name); option.value = name; select.appendChild(option); });
      select.value = zones.indexOf(chosen) >= 0 ? chosen : 'UTC';
    });
  }

  function load() {
    sessionStorage.setItem('holdfastKey', byId('key').value);
    var days = weekDays();
    // A day either side, so every occurrence whose local day falls in the week in any zone is read.
    var from = new Date(Date.parse(days[0] + 'T00:00:00Z') - 86400000).toISOString();
    var to = new Date(Date.parse(days[6] + 'T00:00:00Z') + 2 * 86400000).toISOString();
    var query = '?limit=500&from=' + encodeURIComponent(from) + '&to=' + encodeURIComponent(to);
    if (byId('team').value) query += '&team=' + encodeURIComponent(byId('team').value);
    if (byId('region').value) query += '&region=' + encodeURIComponent(byId('region').value.toUpperCase());
    say('Loading…');
    return Promise.all([api('/v1/windows' + query), api('/v1/holds?active=true')]).then(function (answers) {
      state.holds = {};
      answers[1].body.items.forEach(function (hold) { state.holds[hold.id] = hold; });
      var windows = answers[0].body.items;
      return Promise.all(windows.map(function (window) {
        return api('/v1/windows/' + window.windowId + '/occurrences').then(function (answer) {
          return answer.body.items.map(function (occurrence) { return { window: window, occurrence: occurrence }; });
        });
      })).then(function (lists) {
        state.occurrences = [].concat.apply([], lists).filter(function (entry) { return entry.occurrence.endsAt > from && entry.occurrence.startsAt < to; });
        render();
        return refreshGates();
      });
    }).then(function () { say('Week of ' + days[0] + ' in ' + zone()); }, function (error) { say('Could not load: ' + error.message); });
  }

  function render() {
    var week = byId('week');
    week.textContent = '';
    weekDays().forEach(function (day) {
      var cell = element('div', 'day');
      cell.setAttribute('role', 'group');
      cell.setAttribute('aria-label', day);
      cell.dataset.day = day;
      cell.appendChild(element('h3', '', new Date(day + 'T12:00:00Z').toLocaleDateString('en-GB', { weekday: 'short', day: 'numeric', month: 'short', timeZone: 'UTC' })));
      state.occurrences.filter(function (entry) { return localParts(entry.occurrence.startsAt).day === day; })
        .sort(function (a, b) { return a.occurrence.startsAt < b.occurrence.startsAt ? -1 : 1; })
        .forEach(function (entry) { cell.appendChild(occurrenceCard(entry)); });
      week.appendChild(cell);
    });
    var release = byId('releaseHold');
    release.textContent = '';
    Object.keys(state.holds).forEach(function (id) {
      var hold = state.holds[id];
      var option = element('option', '', hold.regions.join(',') + ' (' + hold.source + '): ' + hold.reason);
      option.value = id;
      release.appendChild(option);
    });
    var override = byId('overrideWindow');
    override.textContent = '';
    var seen = {};
    state.occurrences.forEach(function (entry) {
      if (seen[entry.window.windowId]) return;
      seen[entry.window.windowId] = true;
      var option = element('option', '', entry.window.title + ' (' + entry.window.ownerTeam + ')');
      option.value = entry.window.windowId;
      override.appendChild(option);
    });
  }

  function occurrenceCard(entry) {
    var occurrence = entry.occurrence;
    var held = occurrence.status === 'held';
    var card = element('article', 'occurrence' + (held ? ' held' : ''));
    card.tabIndex = 0;
    card.dataset.window = entry.window.windowId;
    card.dataset.status = occurrence.status;
    var start = localParts(occurrence.startsAt);
    var end = localParts(occurrence.endsAt);
    card.appendChild(element('strong', '', start.time + '–' + end.time + ' ' + entry.window.title));
    card.appendChild(element('div', '', entry.window.ownerTeam + ' · ' + (entry.window.footprint.global ? 'global' : entry.window.footprint.regions.join(', ')) + ' · ' + occurrence.status));
    (occurrence.heldBy || []).forEach(function (holdId) {
      var hold = state.holds[holdId];
      card.appendChild(element('div', 'hold', 'Held (' + (hold ? hold.source : 'hold') + '): ' + (hold ? hold.reason : holdId)));
    });
    card.setAttribute('aria-label', card.textContent);
    return card;
  }

  function gateRegions() {
    var regions = {};
    if (byId('region').value) regions[byId('region').value.toUpperCase()] = true;
    state.occurrences.forEach(function (entry) { entry.window.footprint.regions.forEach(function (code) { regions[code] = true; }); });
    Object.keys(state.holds).forEach(function (id) { state.holds[id].regions.forEach(function (code) { regions[code] = true; }); });
    return Object.keys(regions).sort();
  }

  function refreshGates() {
    var regions = gateRegions();
    return Promise.all(regions.map(function (code) {
      return api('/v1/gate?regions=' + encodeURIComponent(code)).then(function (answer) { return { code: code, answer: answer }; });
    })).then(function (results) {
      var gates = byId('gates');
      gates.textContent = '';
      if (results.length === 0) gates.textContent = 'No region in view.';
      results.forEach(function (result) {
        var held = result.answer.status === 423;
        var badge = element('span', 'gate ' + (held ? 'held' : 'allowed'), result.code + ': ' + (held ? 'held: ' + result.answer.body.holds.map(function (hold) { return hold.reason; }).join('; ') : 'allowed'));
        badge.dataset.region = result.code;
        gates.appendChild(badge);
      });
    });
  }

  function act(form, run) {
    byId(form).addEventListener('submit', function (event) {
      event.preventDefault();
      run().then(function () { say('Done.'); return load(); }, function (error) { say('Refused: ' + error.message); });
    });
  }
  act('declare', function () {
    var until = byId('declareUntil').value;
    return api('/v1/holds', { method: 'POST', body: { regions: byId('declareRegions').value.split(',').map(function (code) { return code.trim().toUpperCase(); }), from: byId('declareFrom').value + ':00Z', until: until ? until + ':00Z' : undefined, reason: byId('declareReason').value } });
  });
  act('release', function () { return api('/v1/holds/' + byId('releaseHold').value + '/release', { method: 'POST', body: { reason: byId('releaseReason').value } }); });
  act('override', function () {
    var occurrence = byId('overrideOccurrence').value;
    return api('/v1/windows/' + byId('overrideWindow').value + '/override', { method: 'POST', body: { reason: byId('overrideReason').value, occurrence: occurrence ? Number(occurrence) : undefined } });
  });

  function shiftWeek(days) {
    var start = new Date(byId('weekStart').value + 'T00:00:00Z');
    byId('weekStart').value = new Date(start.getTime() + days * 86400000).toISOString().slice(0, 10);
    load();
  }
  byId('previous').addEventListener('click', function () { shiftWeek(-7); });
  byId('next').addEventListener('click', function () { shiftWeek(7); });
  byId('zone').addEventListener('change', function () { sessionStorage.setItem('holdfastZone', zone()); render(); say('Week of ' + weekDays()[0] + ' in ' + zone()); });
  byId('filters').addEventListener('submit', function (event) { event.preventDefault(); loadZones().then(load, function (error) { say('Could not load: ' + error.message); }); });

  var params = new URLSearchParams(location.search);
  var monday = new Date();
  monday.setUTCDate(monday.getUTCDate() - ((monday.getUTCDay() + 6) % 7));
  byId('weekStart').value = params.get('week') || monday.toISOString().slice(0, 10);
  if (params.get('team')) byId('team').value = params.get('team');
  if (params.get('region')) byId('region').value = params.get('region');
  if (params.get('zone')) sessionStorage.setItem('holdfastZone', params.get('zone'));
  if (byId('key').value) loadZones().then(load, function (error) { say('Could not load: ' + error.message); });
  // The gate is live: asked again every 5 seconds, and the week with it when something changed.
  setInterval(function () {
    if (!byId('key').value || !state.regions.length) return;
    var before = byId('gates').textContent;
    refreshGates().then(function () { if (byId('gates').textContent !== before) load(); });
  }, 5000);
})();
`;
