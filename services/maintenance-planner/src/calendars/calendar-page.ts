// The week calendar page served at /calendar. Kept as strings in a TypeScript module so the SWC
// build ships it with the service; plain DOM and Intl, no framework: one page with a grid, a few
// forms and the planner's own API (same origin, the key the person types, kept for the tab only).
import { zoneLinks } from '@holdfast/regions';

export const CALENDAR_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Holdfast: maintenance this week</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 1rem; color: #1b1b1b; }
  fieldset { border: 1px solid #bbb; margin: 0 0 .75rem; padding: .5rem .75rem; min-width: 0; }
  label { margin-right: .75rem; }
  input, select, button { font: inherit; margin: .15rem .25rem; }
  :focus-visible { outline: 3px solid #1a5fb4; outline-offset: 1px; }
  #week { display: grid; grid-template-columns: repeat(7, minmax(9rem, 1fr)); gap: .25rem; margin: .75rem 0; }
  .day { border: 1px solid #ccc; min-height: 8rem; padding: .25rem; }
  .day h3 { font-size: .9rem; margin: 0 0 .25rem; }
  .occurrence { border-left: 4px solid #2e7d32; background: #eef6ee; margin: .2rem 0; padding: .2rem .3rem; }
  .occurrence.held { border-left-color: #c62828; background: #fdecea; }
  .occurrence.flagged { border-left-color: #ef6c00; background: #fff3e0; }
  .occurrence.waiting { border-left-color: #6a1b9a; background: #f3e5f5; }
  .gate { display: inline-block; margin: .15rem .4rem .15rem 0; padding: .1rem .4rem; border-radius: .3rem; }
  .gate.allowed { background: #e8f5e9; } .gate.held { background: #ffcdd2; }
  .cause { border-left: 4px solid #757575; background: #f5f5f5; margin: .3rem 0; padding: .3rem .5rem; max-width: 60rem; }
  .cause.held { border-left-color: #c62828; background: #fdecea; }
  .cause.overridden { border-left-color: #ef6c00; background: #fff3e0; }
  .occurrence .let-through { border-left: 3px solid #ef6c00; padding-left: .3rem; }
  select { max-width: 100%; }
  /* A phone: the days one under another, not seven columns wider than the screen. */
  @media (max-width: 700px) { #week { grid-template-columns: 1fr; } .day { min-height: 0; } }
  #status { min-height: 1.4em; }
  .skip { position: absolute; left: -100rem; } .skip:focus { position: static; }
</style>
</head>
<body>
<a class="skip" href="#holdForms">Skip to the hold forms</a>
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
<section id="why" aria-labelledby="whyTitle" tabindex="-1" hidden><h2 id="whyTitle">Why is it held?</h2><div id="whyBody"></div></section>
<section aria-labelledby="gateTitle"><h2 id="gateTitle">Gate now, per region</h2><div id="gates" aria-live="polite"></div></section>
<section aria-labelledby="weekTitle"><h2 id="weekTitle">Week</h2><div id="week"></div></section>
<section id="holdForms" aria-labelledby="actionsTitle" tabindex="-1"><h2 id="actionsTitle">Holds</h2>
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
  var state = { holds: {}, regions: [], occurrences: [], shown: '' };
  byId('key').value = sessionStorage.getItem('holdfastKey') || '';

  // The live refresh's share of the key's requests (HOLDFAST_RATE_LIMIT_PER_MINUTE, 1,200 by default):
  // a page left open on a busy week must not starve the team's gate checks that use the same key.
  var LIVE_REQUESTS_PER_MINUTE = 300;
  var LIVE_EVERY_MS = 5000;
  var requestsSent = 0;
  // A read's requests under way at once, as many as a browser sends to one host over HTTP/1.1: the gates
  // of a week's many regions are not asked all at once, so a 429 stops the rest rather than meeting them all.
  var READS_AT_ONCE = 6;
  var reads = { underWay: 0, queued: [] };
  // The zone list has the catalog's names; a browser's ICU reports some zones by a tzdb alias
  // (Asia/Calcutta for India, Asia/Katmandu for Nepal), which would otherwise fall back to UTC.
  var ZONE_LINKS = ${JSON.stringify(zoneLinks())};

  /** One request to the planner, sent at once; the page calls api, which decides when. */
  function send(path, init) {
    // Pasted from a curl line, "Bearer hf_..." is the key with its scheme: sent once, not twice.
    var headers = { authorization: 'Bearer ' + byId('key').value.trim().replace(/^Bearer\s+/i, ''), accept: 'application/json' };
    if (init.body) headers['content-type'] = 'application/json';
    requestsSent += 1;
    return fetch(path, { method: init.method || 'GET', headers: headers, body: init.body ? JSON.stringify(init.body) : undefined }).then(function (response) {
      return response.text().then(function (text) {
        var body = text ? JSON.parse(text) : undefined;
        if (!response.ok && response.status !== 423) {
          var error = new Error((body && (body.detail || body.title)) || response.statusText);
          if (response.status === 429) error.retryAfterSeconds = Number(response.headers.get('retry-after')) || 60;
          throw error;
        }
        return { status: response.status, body: body };
      });
    });
  }
  /** Runs request once fewer than READS_AT_ONCE of the page's reads are under way. */
  function inTurn(request) {
    var done = function () {
      reads.underWay -= 1;
      nextRead();
    };
    return new Promise(function (resolve) {
      reads.queued.push(resolve);
      nextRead();
    }).then(request).then(function (value) { done(); return value; }, function (error) { done(); throw error; });
  }
  function nextRead() {
    while (reads.underWay < READS_AT_ONCE && reads.queued.length > 0) {
      reads.underWay += 1;
      reads.queued.shift()();
    }
  }
  /** Resolves once the key may be used again: after a 429 every read waits, not only the one refused. */
  function admitted() {
    var pause = (state.pausedUntil || 0) - Date.now();
    return pause > 0 ? new Promise(function (resolve) { setTimeout(resolve, pause); }).then(admitted) : Promise.resolve();
  }
  /**
   * A call of the planner's API. A read (a GET) waits its turn among the page's reads, and a 429 is
   * waited out (its Retry-After) and the read sent again, so a week needing more than a minute's
   * requests is read whole; it rejects with superseded set once init.wanted() says it is no longer
   * wanted. A form's POST is sent at once, a 429 refusing it said as any refusal is.
   */
  function api(path, init) {
    init = init || {};
    if (init.method) return send(path, init);
    return inTurn(function () {
      return admitted().then(function () {
        if (init.wanted && !init.wanted()) throw Object.assign(new Error('another read was asked for'), { superseded: true });
        // The pause is set before this turn is given up, so the read given it next waits too.
        return send(path, init).catch(function (error) {
          if (!error.retryAfterSeconds) throw error;
          state.pausedUntil = Math.max(state.pausedUntil || 0, Date.now() + error.retryAfterSeconds * 1000);
          sayRateLimited(error);
          return undefined;
        });
      });
    }).then(function (answer) { return answer || api(path, init); });
  }
  /** Says that the key's requests are spent, how much of the week was read, and when the page reads on. */
  function sayRateLimited(error) {
    var progress = state.progress;
    if (progress) progress.waited = true;
    var done = progress && progress.read > 0 ? progress.read.toLocaleString('en') + ' runs read. ' : '';
    var reading = progress ? (progress.live ? 'Updating' : 'Reading') + ' the week of ' + progress.monday + ': ' + done : '';
    // The week drawn is the last one read whole: a live update waits, and a first read draws nothing meanwhile.
    var after = progress && progress.live ? ' Live updates resume in ' : ' The page reads on by itself in ';
    say(reading + error.message + after + error.retryAfterSeconds + ' s.');
  }
  // Every row of a list, page after page: a busy week is drawn whole, not cut at a page's size. read, if given, is told the rows read so far.
  function everyItem(path, wanted, read, items, cursor) {
    items = items || [];
    var separator = path.indexOf('?') < 0 ? '?' : '&';
    return api(path + (cursor ? separator + 'cursor=' + encodeURIComponent(cursor) : ''), { wanted: wanted }).then(function (answer) {
      items = items.concat(answer.body.items);
      if (read) read(items.length);
      return answer.body.nextCursor ? everyItem(path, wanted, read, items, answer.body.nextCursor) : items;
    });
  }
  // A region code as typed, spelled as the contract has it: two letters are a country, whatever their
  // case (the gate and hold forms take IR, not ir); a custom code (eu-west, 3+ characters) is kept as given.
  function regionCode(typed) {
    var code = typed.trim();
    return /^[a-z]{2}$/i.test(code) ? code.toUpperCase() : code;
  }
  function say(text) { byId('status').textContent = text; }
  /** An instant's day and time in a zone, the zone shown unless another is named, with its offset where that time happens twice there. */
  function when(iso, zoneName) { return dayTime(readTogether([iso], zoneName)[0]); }
  function dayTime(parts) { return parts.day + ' ' + parts.time + parts.offset; }
  function zone() { return byId('zone').value || 'UTC'; }
  // One formatter a zone: a run's card reads its times in the zone shown, its planned zone and its regions' zones.
  var partFormats = {};
  /** An instant's day and time in a zone, the zone shown unless another is named. */
  function localParts(iso, zoneName) {
    var parts = {};
    var timeZone = zoneName || zone();
    var format = partFormats[timeZone] || (partFormats[timeZone] = new Intl.DateTimeFormat('en-CA', { timeZone: timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }));
    format.formatToParts(new Date(iso)).forEach(function (part) { parts[part.type] = part.value; });
    return { day: parts.year + '-' + parts.month + '-' + parts.day, time: parts.hour + ':' + parts.minute };
  }
  /** An instant's offset from UTC in a zone, in minutes: its local day and time read as UTC, less the instant. */
  function offsetOf(at, zoneName) {
    var parts = localParts(new Date(at).toISOString(), zoneName);
    return (Date.parse(parts.day + 'T' + parts.time + ':00Z') - Math.floor(at / 60000) * 60000) / 60000;
  }
  /** Whether an instant's local time in a zone is another instant's too: the hour a fall-back change repeats. */
  function repeated(at, zoneName) {
    var offset = offsetOf(at, zoneName);
    // The zone's offsets a day either side are those of any change near: the same local time at the other one, if it is read there, is the other instant.
    return [at - 86400000, at + 86400000].some(function (near) {
      var other = offsetOf(near, zoneName);
      return other !== offset && offsetOf(at + (offset - other) * 60000, zoneName) === other;
    });
  }
  /** An offset as it stands beside a time: (−03:00), (+12:45). */
  function offsetText(minutes) {
    var size = Math.abs(minutes);
    var two = function (number) { return (number < 10 ? '0' : '') + number; };
    return '(' + (minutes < 0 ? '−' : '+') + two(Math.floor(size / 60)) + ':' + two(size % 60) + ')';
  }
  /**
   * Instants read together in a zone (a run's start and end, a hold's from and until), each as localParts
   * has it with its offset: " (−03:00)" beside every one when one's local time happens twice there or
   * their offsets differ, else none. 23:30 in Santiago on 3 April 2027 is 02:30Z and 03:30Z, and a run
   * from 02:30Z to 03:15Z reads 23:30–23:15 without them; as the .ics feed writes such runs in UTC, the
   * page names their offsets, and ordinary times stand alone.
   */
  function readTogether(isos, zoneName) {
    var instants = isos.map(function (iso) { return Date.parse(iso); });
    var offsets = instants.map(function (at) { return offsetOf(at, zoneName); });
    var marked = offsets.some(function (offset) { return offset !== offsets[0]; }) || instants.some(function (at) { return repeated(at, zoneName); });
    return isos.map(function (iso, index) {
      var parts = localParts(iso, zoneName);
      parts.offset = marked ? ' ' + offsetText(offsets[index]) : '';
      return parts;
    });
  }
  /** A span's times, its end's day too when given: the dash spaced once offsets stand beside them. */
  function spanText(start, end, endDay) {
    return start.time + start.offset + (start.offset ? ' – ' : '–') + (endDay ? endDay + ' ' : '') + end.time + end.offset;
  }
  function isDay(text) {
    var date = new Date(text + 'T00:00:00Z');
    return /^\d{4}-\d{2}-\d{2}$/.test(text) && !isNaN(date.getTime()) && date.toISOString().slice(0, 10) === text;
  }
  /** The calendar day an instant falls on in a zone (the browser's own when the name is none Intl knows). */
  function dayIn(iso, zoneName) {
    var parts = {};
    var format;
    try { format = new Intl.DateTimeFormat('en-CA', { timeZone: zoneName, year: 'numeric', month: '2-digit', day: '2-digit' }); } catch (error) { format = new Intl.DateTimeFormat('en-CA', { year: 'numeric', month: '2-digit', day: '2-digit' }); }
    format.formatToParts(new Date(iso)).forEach(function (part) { parts[part.type] = part.value; });
    return parts.year + '-' + parts.month + '-' + parts.day;
  }
  function mondayOf(day) {
    var date = new Date(day + 'T00:00:00Z');
    date.setUTCDate(date.getUTCDate() - ((date.getUTCDay() + 6) % 7));
    return date.toISOString().slice(0, 10);
  }
  // Today as the zone shown has it: in Auckland on Monday morning it is still Sunday in UTC.
  function thisWeek() { return mondayOf(dayIn(new Date().toISOString(), state.wantedZone)); }
  /** The week asked for, from its Monday; a day that is no date (cleared, or typed wrong) is this week, said so. */
  function weekStart() {
    var asked = byId('weekStart').value;
    var monday = isDay(asked) ? mondayOf(asked) : thisWeek();
    if (!isDay(asked) && !state.weekNote) state.weekNote = 'No week was chosen, so this week is shown.';
    byId('weekStart').value = monday;
    return monday;
  }
  function weekDays() {
    var start = new Date(weekStart() + 'T00:00:00Z');
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

  // Every zone in use in any region (a country's other zones too, so a window planned in
  // America/Los_Angeles can be read there), UTC first; the zone asked for wins once it is listed,
  // or, named by a tzdb alias, the zone listed for it.
  function loadZones() {
    return api('/v1/regions').then(function (answer) {
      state.regions = answer.body.items;
      var zones = {};
      state.regions.forEach(function (region) { (region.zones || [region.zone]).forEach(function (name) { zones[name] = true; }); });
      delete zones.UTC;
      var select = byId('zone');
      select.textContent = '';
      ['UTC'].concat(Object.keys(zones).sort()).forEach(function (name) { var option = element('option', '', name); option.value = name; select.appendChild(option); });
      var listed = state.wantedZone === 'UTC' || Object.prototype.hasOwnProperty.call(zones, state.wantedZone);
      var wanted = listed || !Object.prototype.hasOwnProperty.call(ZONE_LINKS, state.wantedZone) ? state.wantedZone : ZONE_LINKS[state.wantedZone];
      select.value = wanted;
      if (select.value !== wanted) {
        select.value = 'UTC';
        state.zoneNote = state.wantedZone + ' is no zone of a region here, so UTC is shown.';
      }
    });
  }

  // Reads the week (its runs, each with its window, and the active holds) and the gates. A live refresh
  // draws again only what changed, so focus, a half-filled form and screen readers are left alone.
  function load(live) {
    if (state.loading) {
      // A person's ask (a week moved, a form sent) is read once this read ends, which sends nothing more.
      if (!live) state.again = true;
      return state.loading;
    }
    sessionStorage.setItem('holdfastKey', byId('key').value);
    // Once this read failed, ended or another is asked for, its requests not yet sent are not sent.
    var reading = { ended: false };
    var wanted = function () { return !reading.ended && !state.again; };
    var days = weekDays();
    var progress = (state.progress = { live: live, monday: days[0], read: 0 });
    // A day either side, so every occurrence whose local day falls in the week in any zone is read.
    var from = new Date(Date.parse(days[0] + 'T00:00:00Z') - 86400000).toISOString();
    var to = new Date(Date.parse(days[6] + 'T00:00:00Z') + 2 * 86400000).toISOString();
    var query = '?from=' + encodeURIComponent(from) + '&to=' + encodeURIComponent(to);
    // Team names are lower case (as keys are issued for): "Network-Ops" typed means network-ops.
    if (byId('team').value.trim()) query += '&team=' + encodeURIComponent(byId('team').value.trim().toLowerCase());
    if (byId('region').value) query += '&region=' + encodeURIComponent(regionCode(byId('region').value));
    if (!live) say('Loading…');
    // The week's runs of every window in one list, a request per page of runs (2,000, the planner's default and most), not one per
    // window: a team's 200 windows took 200 requests, which the key's rate limit stretched over minutes.
    var runs = everyItem('/v1/occurrences' + query, wanted, function (read) { progress.read = read; }).catch(function (error) {
      // The week is drawn whole or not at all: nothing more of it is asked.
      reading.ended = true;
      if (!error.superseded) error.message = 'its runs could not be read: ' + error.message;
      throw error;
    });
    state.loading = Promise.all([runs, everyItem('/v1/holds?active=true', wanted), readExplanation(wanted)]).then(function (answers) {
      var explained = JSON.stringify(answers[2]);
      if (explained !== state.explainedShown) {
        state.explainedShown = explained;
        state.explained = answers[2];
        renderExplanation();
      }
      var holds = {};
      answers[1].forEach(function (hold) { holds[hold.id] = hold; });
      var occurrences = answers[0].map(function (run) {
        var window = { windowId: run.windowId, title: run.title, ownerTeam: run.ownerTeam, footprint: run.footprint, plannedZone: run.plannedZone, surgePolicy: run.surgePolicy };
        return { window: window, occurrence: run };
      });
      var shown = JSON.stringify([days[0], occurrences, holds]);
      var changed = shown !== state.shown;
      if (changed) {
        state.shown = shown;
        state.holds = holds;
        state.occurrences = occurrences;
        render();
        // The explanation names the window's runs by their starts, read with the week.
        renderExplanation();
      }
      return refreshGates(wanted).then(function (gatesChanged) { return changed || gatesChanged; });
    }).then(function (changed) {
      if (!live) say(weekSummary(days[0]));
      else if (changed) say('Updated: ' + weekSummary(days[0]).replace(/^Week/, 'week'));
      // The status said the live update waited out a 429: it says the week again.
      else if (progress.waited) say(weekSummary(days[0]));
    }, function (error) {
      if (!error.superseded) say('Could not load the week of ' + days[0] + ': ' + error.message);
    }).then(function () {
      reading.ended = true;
      state.progress = undefined;
      state.loading = undefined;
      // Asked for while this read was under way (a form sent, a week moved): read once more.
      if (state.again) {
        state.again = false;
        return load();
      }
    });
    return state.loading;
  }

  // ?window=<id>, the link in Slack, Grafana and Alertmanager messages: the window's "why is it held?"
  // read with the key typed here, so a link opened from a chat asks for the key instead of answering 401.
  var WINDOW_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
  var CAUSES = { surge: 'A traffic surge', alert: 'A firing alert', declaration: 'A declared critical period', 'manual request': 'A hold placed by hand' };

  /** The window and its explanation, or what went wrong reading them; never fails, so the week is drawn whatever the link named. */
  function readExplanation(wanted) {
    var id = state.windowId;
    if (!id) return Promise.resolve(undefined);
    if (!WINDOW_ID.test(id)) return Promise.resolve({ note: 'The link names no window: "' + id + '" is not a window id (a UUID such as 0190a7d1-0000-7abc-8def-0123456789ab).' });
    return Promise.all([api('/v1/windows/' + id, { wanted: wanted }), api('/v1/windows/' + id + '/explanation', { wanted: wanted })]).then(function (answers) {
      return { window: answers[0].body, explanation: answers[1].body };
    }, function (error) {
      if (error.superseded) throw error;
      return { note: 'Could not read window ' + id + ': ' + error.message };
    });
  }

  function amount(value) { return value >= 100 ? Math.round(value).toLocaleString('en') : String(Number(value.toFixed(2))); }
  /** A run's number, with its start in the zone shown when known: a change of a window's times numbers its runs anew. */
  function runName(number, startsAt) { return startsAt ? number + ' (' + when(startsAt) + ')' : String(number); }

  /**
   * A surge hold's figures, named as the surge's latest: each surge.updated replaces the hold's evidence.
   * Its time is its deciding sample's, the last of its samples; evidence without samples has none to give.
   */
  function evidenceText(evidence) {
    var samples = evidence.samples || [];
    var decided = samples.length > 0 ? ', ' + when(samples[samples.length - 1].at) + ' (' + zone() + ')' : '';
    return 'Latest evidence' + decided + ': observed ' + amount(evidence.observed) + ' against a usual ' + amount(evidence.baseline);
  }

  /**
   * A hold on the window, its cause and its overrides; starts has the starts of the window's runs in
   * the week read, by number, and passing the holds each of those runs is let through now, by number.
   */
  function causeCard(entry, windowHeld, audit, starts, passing) {
    var hold = entry.hold;
    var cause = entry.cause;
    // In force, yet holding none of the window's runs: each was let through with an override.
    var letThrough = hold.active && entry.overridden && !windowHeld;
    var card = element('article', 'cause' + (letThrough ? ' overridden' : hold.active ? ' held' : ''));
    var standing = !hold.active ? ', no longer in force' : letThrough ? ', in force, its runs let through' : entry.overridden ? ', in force, a run let through' : '';
    var lines = [
      element('strong', '', (CAUSES[cause.kind] || cause.kind) + ' in ' + hold.regions.join(', ') + (cause.severity ? ' (' + cause.severity + ')' : '') + standing),
      element('div', '', cause.reason),
    ];
    if (cause.evidence) lines.push(element('div', '', evidenceText(cause.evidence)));
    if (cause.requestedBy) lines.push(element('div', '', 'Requested by ' + cause.requestedBy));
    // Its runs let through as the week read has them (a run outside that week is named among those held).
    var passed = entry.occurrences.filter(function (number) { return (passing[number] || []).indexOf(hold.id) >= 0; });
    var heldRuns = entry.occurrences.filter(function (number) { return passed.indexOf(number) < 0; });
    var runsNamed = function (numbers) { return (numbers.length > 1 ? 'runs ' : 'run ') + numbers.map(function (number) { return runName(number, starts[number]); }).join(', '); };
    var times = readTogether(hold.until ? [hold.from, hold.until] : [hold.from]);
    var period = ' from ' + dayTime(times[0]) + (hold.until ? ' until ' + dayTime(times[1]) : ' until it is released') + ' (' + zone() + ')';
    lines.push(element('div', '', (heldRuns.length > 0 ? 'Holds its ' + runsNamed(heldRuns) : 'In force') + period));
    if (passed.length > 0) lines.push(element('div', '', 'Lets its ' + runsNamed(passed) + ' through by an override'));
    if (hold.releasedAt) lines.push(element('div', '', 'Released ' + when(hold.releasedAt) + (hold.releasedBy ? ' by ' + hold.releasedBy : '') + ': ' + hold.releaseReason));
    else if (hold.releaseDueAt) lines.push(element('div', '', 'Its cause ended ' + when(hold.clearedAt) + '; it is released after the cool-down, at ' + when(hold.releaseDueAt)));
    // Who let which run through, and why, from the window's own trail: the run as numbered then, with
    // its start where the entry has it (entries since 2026-12-07), so a later renumbering cannot mislead.
    var overrides = audit.filter(function (row) { return row.action === 'overridden' && row.details && row.details.holdId === hold.id; });
    overrides.forEach(function (row) {
      var which = row.details.occurrence ? 'Run ' + runName(row.details.occurrence, row.details.startsAt) : 'Every run';
      lines.push(element('div', '', which + ' let through by ' + row.actor + ' ' + when(row.at) + ' (' + zone() + '): ' + row.details.reason));
    });
    if (entry.overridden && overrides.length === 0) lines.push(element('div', '', 'A run was let through it with an override.'));
    if (entry.inProgressWhenHeld) lines.push(element('div', '', 'A run had already started when it landed, and ran on.'));
    lines.push(element('div', '', 'Hold ' + hold.id));
    lines.forEach(function (line) { card.appendChild(line); });
    card.setAttribute('aria-label', lines.map(function (line) { return line.textContent; }).join('. '));
    return card;
  }

  /** A run waiting for a new slot: the slot proposed in the zone shown and the CLI line that takes it, as holdfast windows show gives it, or how to find one. */
  function waitingText(window, run) {
    var update = function (start, end) { return 'holdfast windows update ' + window.windowId + ' --start ' + start + ' --end ' + end + ' --version ' + window.version; };
    var slot = run.proposedSlot;
    var take = slot
      ? 'Proposed slot: ' + slotText(slot) + ' (' + zone() + '). Take it with "' + update(slot.startsAt, slot.endsAt) + '".'
      : '"holdfast windows suggestions ' + window.windowId + '" gives the least harmful slots, and "' + update('START', 'END') + '" takes one.';
    return 'Run ' + runName(run.number, run.startsAt) + ' waits for a new slot: its time passed while it was held, and it runs only once moved. ' + take;
  }

  function renderExplanation() {
    var explained = state.explained;
    if (!explained) return;
    var section = byId('why');
    var body = byId('whyBody');
    section.hidden = false;
    body.textContent = '';
    if (explained.note) {
      byId('whyTitle').textContent = 'Why is it held?';
      body.appendChild(element('p', '', explained.note));
      return;
    }
    var window = explained.window;
    var explanation = explained.explanation;
    var held = explanation.status === 'held';
    var inForce = explanation.holds.some(function (entry) { return entry.hold.active; });
    // Its next run, as holdfast windows show reads it: one held past its time waits for a new slot, and the gate does not let it start.
    var next = window.nextOccurrence;
    var waiting = next && next.status === 'needs-reschedule' ? next : undefined;
    byId('whyTitle').textContent = held ? 'Why is "' + window.title + '" held?' : waiting ? '"' + window.title + '" waits for a new slot' : inForce ? '"' + window.title + '" runs despite a hold' : '"' + window.title + '" is not held';
    body.appendChild(element('p', '', 'Team ' + window.ownerTeam + ' · ' + (window.footprint.global ? 'global' : window.footprint.regions.join(', ')) + ' · ' + explanation.status));
    if (waiting) body.appendChild(element('p', 'waiting', waitingText(window, waiting)));
    if (explanation.holds.length === 0) body.appendChild(element('p', '', 'No hold has ever held it.'));
    else if (!held && inForce) body.appendChild(element('p', '', 'A hold in force on its regions lets its runs through, by an override:'));
    else if (!held) body.appendChild(element('p', '', 'Nothing holds it now. The holds it had:'));
    // The runs' starts as the planner has them now, for those the week read (the trail's held entries name runs as numbered then).
    var starts = {};
    var passing = {};
    state.occurrences.forEach(function (entry) {
      if (entry.window.windowId !== window.windowId) return;
      starts[entry.occurrence.number] = entry.occurrence.startsAt;
      passing[entry.occurrence.number] = entry.occurrence.letThroughBy;
    });
    explanation.holds.forEach(function (entry) { body.appendChild(causeCard(entry, held, explanation.audit || [], starts, passing)); });
    if (held) body.appendChild(element('p', '', 'A run can be let through with the override form below; "holdfast windows suggestions ' + window.windowId + '" gives the least harmful slots.'));
  }

  // A link to a window with no week asked for opens on the week of its first held run, else of its next run.
  function weekOfWindow() {
    var id = state.windowId;
    if (!id || !WINDOW_ID.test(id) || state.weekAsked) return Promise.resolve();
    state.weekAsked = true;
    var runs = '/v1/windows/' + id + '/occurrences?limit=1&';
    return api(runs + 'status=held').then(function (answer) {
      return answer.body.items[0] || api(runs + 'from=' + encodeURIComponent(new Date().toISOString())).then(function (next) { return next.body.items[0]; });
    }).then(function (run) {
      // The week holding the run's start in the zone shown, not in UTC.
      if (run) byId('weekStart').value = mondayOf(dayIn(run.startsAt, zone()));
    }, function () { return undefined; });
  }

  /** What the status says of the week drawn: which week, in which zone, and when nothing runs in it, that it is so. */
  function weekSummary(monday) {
    var note = [state.zoneNote, state.weekNote].filter(Boolean).map(function (text) { return text + ' '; }).join('');
    state.weekNote = '';
    state.zoneNote = '';
    var filters = [byId('team').value.trim() && 'team ' + byId('team').value.trim().toLowerCase(), byId('region').value && 'region ' + regionCode(byId('region').value)].filter(Boolean);
    var empty = state.occurrences.length === 0 ? ': no window runs in it' + (filters.length ? ' for ' + filters.join(' and ') : '') : '';
    return note + 'Week of ' + monday + ' in ' + zone() + empty;
  }

  /** Replaces a select's options, keeping the chosen one while it is still offered. */
  function fillSelect(select, options, placeholder) {
    var chosen = select.value;
    select.textContent = '';
    // Nothing chosen until the person chooses: a form sent with Enter must not act on whatever came first.
    var none = element('option', '', placeholder);
    none.value = '';
    select.appendChild(none);
    options.forEach(function (entry) { var option = element('option', '', entry.text); option.value = entry.value; select.appendChild(option); });
    if (options.some(function (entry) { return entry.value === chosen; })) select.value = chosen;
  }

  function render() {
    var focused = document.activeElement && document.activeElement.dataset ? document.activeElement.dataset.occurrence : undefined;
    var week = byId('week');
    week.textContent = '';
    weekDays().forEach(function (day) {
      var cell = element('div', 'day');
      cell.setAttribute('role', 'group');
      var noon = new Date(day + 'T12:00:00Z');
      cell.setAttribute('aria-label', noon.toLocaleDateString('en-GB', { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }));
      cell.dataset.day = day;
      cell.appendChild(element('h3', '', noon.toLocaleDateString('en-GB', { weekday: 'short', day: 'numeric', month: 'short', timeZone: 'UTC' })));
      state.occurrences.filter(function (entry) { return localParts(entry.occurrence.startsAt).day === day; })
        .sort(function (a, b) { return a.occurrence.startsAt < b.occurrence.startsAt ? -1 : 1; })
        .forEach(function (entry) { cell.appendChild(occurrenceCard(entry)); });
      week.appendChild(cell);
    });
    if (focused) {
      var again = week.querySelector('[data-occurrence="' + focused + '"]');
      if (again) again.focus();
    }
    fillSelect(byId('releaseHold'), Object.keys(state.holds).map(function (id) {
      var hold = state.holds[id];
      return { value: id, text: hold.regions.join(',') + ' (' + hold.source + '): ' + hold.reason };
    }), 'Choose a hold');
    var seen = {};
    fillSelect(byId('overrideWindow'), state.occurrences.filter(function (entry) {
      if (seen[entry.window.windowId]) return false;
      seen[entry.window.windowId] = true;
      return true;
    }).map(function (entry) { return { value: entry.window.windowId, text: entry.window.title + ' (' + entry.window.ownerTeam + ')' }; }), 'Choose a window');
    // The window a link named is the one to override, once it is offered; a choice made after that stands.
    if (state.windowId && !state.windowOffered && seen[state.windowId]) {
      state.windowOffered = true;
      byId('overrideWindow').value = state.windowId;
    }
  }

  /** The active holds a notify-only window's run falls in: on one of its regions (any, for a global window) and overlapping the run's time. */
  function throughHolds(entry) {
    var window = entry.window;
    var occurrence = entry.occurrence;
    if (window.surgePolicy !== 'notify-only' || occurrence.status !== 'scheduled') return [];
    return Object.keys(state.holds).map(function (id) { return state.holds[id]; }).filter(function (hold) {
      var covers = window.footprint.global || hold.regions.some(function (code) { return window.footprint.regions.indexOf(code) >= 0; });
      // A cleared surge's hold holds until its release is due (its cool-down), whatever its until said.
      var end = hold.releaseDueAt || hold.until;
      return covers && Date.parse(hold.from) < Date.parse(occurrence.endsAt) && (!end || Date.parse(end) > Date.parse(occurrence.startsAt));
    });
  }

  /**
   * The run's times in its window's planned zone, named, where neither the zone shown nor the zone
   * its regions count local time in reads them so: a run planned on Lord Howe Island reads half an
   * hour off in AU's Australia/Sydney in winter, where its owner planned it, and its .ics writes
   * it, in the island's time. A global window's regions are those its planned zone is in use in.
   */
  function plannedZoneTimes(entry) {
    var window = entry.window;
    var occurrence = entry.occurrence;
    var planned = window.plannedZone;
    // Compared as the clock reads, offsets aside: a zone that reads the same times reads the run as planned.
    var plain = function (iso, zoneName) { var parts = localParts(iso, zoneName); return parts.day + ' ' + parts.time; };
    var readsAsPlanned = function (zoneName) {
      return plain(occurrence.startsAt, zoneName) === plain(occurrence.startsAt, planned) && plain(occurrence.endsAt, zoneName) === plain(occurrence.endsAt, planned);
    };
    var regions = state.regions.filter(function (region) {
      return window.footprint.global ? region.zones.indexOf(planned) >= 0 : window.footprint.regions.indexOf(region.code) >= 0;
    });
    if (regions.some(function (region) { return readsAsPlanned(region.zone); }) || readsAsPlanned(zone())) return undefined;
    var times = readTogether([occurrence.startsAt, occurrence.endsAt], planned);
    var day = times[0].day === localParts(occurrence.startsAt).day ? '' : times[0].day + ' ';
    return 'In ' + planned + ', its planned zone: ' + day + spanText(times[0], times[1]);
  }

  /** A slot in the zone shown: its start's day and time, and its end's time (with its day when another). */
  function slotText(slot) {
    var times = readTogether([slot.startsAt, slot.endsAt]);
    return times[0].day + ' ' + spanText(times[0], times[1], times[1].day === times[0].day ? '' : times[1].day);
  }

  function occurrenceCard(entry) {
    var occurrence = entry.occurrence;
    var held = occurrence.status === 'held';
    var card = element('article', 'occurrence' + (held ? ' held' : ''));
    card.tabIndex = 0;
    card.dataset.window = entry.window.windowId;
    card.dataset.status = occurrence.status;
    card.dataset.occurrence = entry.window.windowId + '-' + occurrence.number;
    var times = readTogether([occurrence.startsAt, occurrence.endsAt]);
    var lines = [
      element('strong', '', spanText(times[0], times[1]) + ' ' + entry.window.title),
      element('div', '', entry.window.ownerTeam + ' · ' + (entry.window.footprint.global ? 'global' : entry.window.footprint.regions.join(', ')) + ' · ' + occurrence.status),
    ];
    (occurrence.heldBy || []).forEach(function (holdId) {
      var hold = state.holds[holdId];
      lines.push(element('div', 'hold', 'Held (' + (hold ? hold.source : 'hold') + '): ' + (hold ? hold.reason : holdId)));
    });
    // A run let through a hold with an override reads scheduled: the hold it goes ahead despite is said.
    // Who let it through and why is in the window's explanation (?window=).
    (occurrence.letThroughBy || []).forEach(function (holdId) {
      var hold = state.holds[holdId];
      lines.push(element('div', 'hold let-through', hold ? 'Let through a hold by an override (' + hold.source + '): ' + hold.reason : 'Let through hold ' + holdId + ' by an override'));
    });
    // A notify-only window is not held, so its run reads scheduled: the holds in force on it are said all the same, as the gate's notice says them.
    var through = throughHolds(entry);
    through.forEach(function (hold) {
      lines.push(element('div', 'hold notify-only', 'Runs through a hold, notify-only (' + hold.source + '): ' + hold.reason));
    });
    if (through.length > 0) card.className += ' flagged';
    // Held past its time, it runs only once moved: the slot the planner proposed, read in the zone shown (the explanation says how to take it).
    if (occurrence.status === 'needs-reschedule') {
      card.className += ' waiting';
      lines.push(element('div', 'hold waiting', 'Waits for a new slot: held past its time'));
      if (occurrence.proposedSlot) lines.push(element('div', 'proposed-slot', 'Proposed slot: ' + slotText(occurrence.proposedSlot)));
    }
    var planned = plannedZoneTimes(entry);
    if (planned) lines.push(element('div', 'planned-zone', planned));
    lines.forEach(function (line) { card.appendChild(line); });
    // Read as sentences: the lines' text run together would read "upgradenetwork-ops".
    card.setAttribute('aria-label', lines.map(function (line) { return line.textContent; }).join('. '));
    return card;
  }

  function gateRegions() {
    var regions = {};
    if (byId('region').value) regions[regionCode(byId('region').value)] = true;
    state.occurrences.forEach(function (entry) { entry.window.footprint.regions.forEach(function (code) { regions[code] = true; }); });
    Object.keys(state.holds).forEach(function (id) { state.holds[id].regions.forEach(function (code) { regions[code] = true; }); });
    return Object.keys(regions).sort();
  }

  /** Until when a hold the gate names holds, in the zone shown: a cleared surge's release, a manual hold's end, a surge's expected end, or none yet. */
  function holdEnd(hold) {
    if (hold.releaseDueAt) return 'released ' + when(hold.releaseDueAt);
    if (!hold.until) return 'until released';
    return 'until ' + when(hold.until) + (hold.source === 'manual' ? '' : ', expected');
  }

  /** Asks the gate for every region in view; resolves true when a region's answer changed. */
  function refreshGates(wanted) {
    var regions = gateRegions();
    return Promise.all(regions.map(function (code) {
      return api('/v1/gate?regions=' + encodeURIComponent(code), { wanted: wanted }).then(function (answer) { return { code: code, answer: answer }; });
    })).then(function (results) {
      var badges = results.map(function (result) {
        var held = result.answer.status === 423;
        return { code: result.code, held: held, text: result.code + ': ' + (held ? 'held: ' + result.answer.body.holds.map(function (hold) { return hold.reason + ' (' + holdEnd(hold) + ')'; }).join('; ') : 'allowed') };
      });
      var shown = JSON.stringify(badges);
      if (shown === state.gatesShown) return false;
      state.gatesShown = shown;
      var gates = byId('gates');
      gates.textContent = '';
      if (badges.length === 0) gates.textContent = 'No region in view.';
      badges.forEach(function (badge) {
        var node = element('span', 'gate ' + (badge.held ? 'held' : 'allowed'), badge.text);
        node.dataset.region = badge.code;
        gates.appendChild(node);
      });
      return true;
    });
  }

  function act(form, done, run) {
    byId(form).addEventListener('submit', function (event) {
      event.preventDefault();
      run().then(function () {
        byId(form).reset();
        if (state.windowOffered) byId('overrideWindow').value = state.windowId;
        return load().then(function () { say(done); });
      }, function (error) { say('Refused: ' + error.message); });
    });
  }
  act('declare', 'Hold declared.', function () {
    var until = byId('declareUntil').value;
    return api('/v1/holds', { method: 'POST', body: { regions: byId('declareRegions').value.split(',').filter(function (code) { return code.trim() !== ''; }).map(regionCode), from: byId('declareFrom').value + ':00Z', until: until ? until + ':00Z' : undefined, reason: byId('declareReason').value } });
  });
  act('release', 'Hold released.', function () { return api('/v1/holds/' + byId('releaseHold').value + '/release', { method: 'POST', body: { reason: byId('releaseReason').value } }); });
  act('override', 'Override recorded.', function () {
    var occurrence = byId('overrideOccurrence').value;
    return api('/v1/windows/' + byId('overrideWindow').value + '/override', { method: 'POST', body: { reason: byId('overrideReason').value, occurrence: occurrence ? Number(occurrence) : undefined } });
  });

  function shiftWeek(days) {
    var start = new Date(weekStart() + 'T00:00:00Z');
    byId('weekStart').value = new Date(start.getTime() + days * 86400000).toISOString().slice(0, 10);
    load();
  }
  byId('previous').addEventListener('click', function () { shiftWeek(-7); });
  byId('next').addEventListener('click', function () { shiftWeek(7); });
  byId('zone').addEventListener('change', function () {
    state.wantedZone = zone();
    sessionStorage.setItem('holdfastZone', state.wantedZone);
    render();
    renderExplanation();
    say(weekSummary(weekDays()[0]));
  });
  function start() {
    return loadZones().then(weekOfWindow).then(function () { return load(); }, function (error) { say('Could not load: ' + error.message); });
  }
  byId('filters').addEventListener('submit', function (event) { event.preventDefault(); start(); });

  var params = new URLSearchParams(location.search);
  state.wantedZone = params.get('zone') || sessionStorage.getItem('holdfastZone') || Intl.DateTimeFormat().resolvedOptions().timeZone;
  var askedWeek = params.get('week');
  state.weekAsked = Boolean(askedWeek && isDay(askedWeek));
  byId('weekStart').value = state.weekAsked ? mondayOf(askedWeek) : thisWeek();
  if (askedWeek && !state.weekAsked) state.weekNote = 'week=' + askedWeek + ' is no date (YYYY-MM-DD), so this week is shown.';
  if (params.get('team')) byId('team').value = params.get('team');
  if (params.get('region')) byId('region').value = params.get('region');
  state.windowId = params.get('window') || undefined;
  if (byId('key').value) start();
  else if (state.windowId) {
    state.explained = { note: 'Type an API key above and press Enter to see why this window is held.' };
    renderExplanation();
  }
  // Live: the week and the gates are read again every 5 seconds, so a surge's hold shows without a
  // reload; less often when a read takes more requests than its share allows, and not before a 429's Retry-After.
  function live() {
    var before = requestsSent;
    var refresh = byId('key').value && state.regions.length && !state.loading && !(state.pausedUntil > Date.now()) ? load(true) : undefined;
    // Scheduled whatever the read's fate: a failure must not end the live refresh.
    var next = function () {
      var paced = ((requestsSent - before) * 60000) / LIVE_REQUESTS_PER_MINUTE;
      var paused = (state.pausedUntil || 0) - Date.now();
      setTimeout(live, Math.max(LIVE_EVERY_MS, paced, paused));
    };
    Promise.resolve(refresh).then(next, next);
  }
  setTimeout(live, LIVE_EVERY_MS);
})();
`;
