/// The report page. Mustache `{{x}}` escapes HTML; `{{{x}}}` is used only for the charts (built and escaped in
/// Swift) and the constant script. Kept in the binary, so a copied `albummaster` needs no resource folder.
enum HTMLTemplate {
  /// One transport per track over two hidden `<audio>` elements (original A, master B): Play/Pause, A and B
  /// buttons, a position slider. Switching keeps the position (the idle element follows the playing one, so the
  /// switch seeks within what is buffered), only one element on the page plays at a time, and each element's
  /// volume is fixed at its matched gain 10^((quieter − its LUFS)/20), from the measured loudness in the data
  /// attributes: there is no volume control, and any other change is undone. Marks each audio element when its
  /// source loaded or failed, and says in the transport when a side cannot be played here.
  static let script = #"""
(function () {
  document.body.dataset.images = String(document.images.length);
  var all = Array.prototype.slice.call(document.querySelectorAll('audio'));
  function start(el) { var p = el.play(); if (p && p.catch) p.catch(function () {}); }
  all.forEach(function (el) {
    // A source can finish loading before this script runs: then the event has passed already.
    if (el.readyState >= 1) el.dataset.ready = '1';
    el.addEventListener('loadedmetadata', function () { el.dataset.ready = '1'; });
    el.addEventListener('error', function () { el.dataset.error = '1'; });
    el.addEventListener('play', function () {
      all.forEach(function (o) { if (o !== el && !o.paused) o.pause(); });
    });
  });
  function clock(s) {
    s = isFinite(s) ? Math.max(0, Math.floor(s)) : 0;
    return Math.floor(s / 60) + ':' + ('0' + s % 60).slice(-2);
  }
  document.querySelectorAll('.ab').forEach(function (box) {
    var a = box.querySelector('audio.a'), b = box.querySelector('audio.b');
    var la = parseFloat(box.dataset.lufsA), lb = parseFloat(box.dataset.lufsB);
    var ref = Math.min(la, lb);
    var ga = Math.pow(10, (ref - la) / 20), gb = Math.pow(10, (ref - lb) / 20);
    box.dataset.gainA = ga.toFixed(4);
    box.dataset.gainB = gb.toFixed(4);
    [[a, ga], [b, gb]].forEach(function (p) {
      var el = p[0], g = p[1];
      if (!el) return;
      el.volume = g;
      el.addEventListener('volumechange', function () {
        if (Math.abs(el.volume - g) > 1e-6) el.volume = g;
        if (el.muted) el.muted = false;
      });
    });
    if (b) box.querySelector('.gains').textContent = 'matched: original ' + (20 * Math.log10(ga)).toFixed(1) +
      ' dB, master ' + (20 * Math.log10(gb)).toFixed(1) + ' dB';
    var play = box.querySelector('.play'), seek = box.querySelector('.seek'), time = box.querySelector('.time');
    var pickA = box.querySelector('.pick-a'), pickB = box.querySelector('.pick-b'), note = box.querySelector('.note');
    var cur = a;
    function show() {
      play.textContent = cur.paused ? 'Play' : 'Pause';
      var d = cur.duration;
      time.textContent = clock(cur.currentTime) + ' / ' + clock(d);
      if (isFinite(d) && d > 0) seek.value = String(Math.round(cur.currentTime / d * 1000));
      pickA.setAttribute('aria-pressed', String(cur === a));
      if (pickB) pickB.setAttribute('aria-pressed', String(cur === b));
      box.dataset.hearing = cur === a ? 'a' : 'b';
    }
    function use(next) {
      if (!next || next === cur) return;
      var playing = !cur.paused;
      next.currentTime = cur.currentTime;
      cur.pause();
      cur = next;
      if (playing) start(next);
      show();
    }
    play.addEventListener('click', function () { if (cur.paused) start(cur); else cur.pause(); });
    pickA.addEventListener('click', function () { use(a); });
    if (pickB) pickB.addEventListener('click', function () { use(b); });
    seek.addEventListener('input', function () {
      var d = cur.duration;
      if (isFinite(d)) cur.currentTime = seek.value / 1000 * d;
    });
    [a, b].forEach(function (el) {
      if (!el) return;
      ['play', 'pause', 'loadedmetadata', 'ended', 'seeked'].forEach(function (e) { el.addEventListener(e, show); });
      el.addEventListener('timeupdate', function () {
        if (el !== cur) return;
        var other = el === a ? b : a;
        if (other && other.paused && Math.abs(other.currentTime - el.currentTime) > 2) other.currentTime = el.currentTime;
        show();
      });
      el.addEventListener('error', function () {
        note.textContent = (el === a ? 'The original' : 'The master') + ' cannot be played here: ' +
          (el === a ? 'this copy of the report does not reach the album folder it links to.' : 'its file is missing.');
      });
    });
    box.querySelector('.transport').hidden = false;
    show();
  });
})();
"""#

  /// The colours, one home for both pages: text colours hold WCAG AA (≥ 4.5:1) on `--bg` and `--card` in both
  /// schemes (a test computes the ratios). Dark applies on screens only: print is always light.
  static let palette = #"""
:root { --bg: #ffffff; --fg: #1d2228; --muted: #5b6570; --grid: #d9dee4; --card: #f4f6f8; --link: #1a5c99;
  --before: #6b7785; --after: #1d7347; --profile: #1d2228; --band: rgba(29,115,71,0.14); --tp: #b3261e;
  --tp-after: #1f5fa8; --side-after: #7b3fa0; --pass: #1d7347; --warn: #8a5300; --fail: #b3261e;
  --c0: #1f77b4; --c1: #d62728; --c2: #2ca02c; --c3: #9467bd; --c4: #ff7f0e; --c5: #17becf; --c6: #8c564b; --c7: #e377c2; }
@media screen and (prefers-color-scheme: dark) {
  :root { --bg: #15191e; --fg: #e6e9ed; --muted: #9aa5b1; --grid: #2f3740; --card: #1e242b; --link: #8cc4ff;
    --before: #8794a3; --after: #4cc38a; --profile: #e6e9ed; --band: rgba(76,195,138,0.16); --tp: #ff7b6b;
    --tp-after: #7fb2ff; --side-after: #c39bff; --pass: #4cc38a; --warn: #f0b429; --fail: #ff7b6b; }
}
body { background: var(--bg); color: var(--fg); }
a { color: var(--link); }
.pass, .status-pass { color: var(--pass); } .warn, .status-warn { color: var(--warn); font-weight: 600; }
.fail, .status-fail { color: var(--fail); font-weight: 700; }
"""#

  /// The album page's style sheet: the palette, layout that holds at 390 px (tables and charts scroll inside
  /// their own boxes; chart text stays ≥ 10 px), and a print style (no controls, headings kept with their content).
  static let style = palette + #"""
body { font: 15px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 1100px; padding: 24px; }
h1 { margin: 0 0 4px; font-size: 26px; overflow-wrap: break-word; } h2 { margin-top: 36px; font-size: 19px; }
h3 { font-size: 16px; margin: 18px 0 6px; overflow-wrap: break-word; }
.muted { color: var(--muted); }
.lead { font-size: 17px; margin: 10px 0; }
.meta { margin: 4px 0; font-size: 13px; }
.summary { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 10px; margin: 16px 0; }
.summary div { background: var(--card); padding: 10px 12px; border-radius: 8px; }
.summary b { display: block; font-size: 20px; }
.verdict-pass { color: var(--pass); } .verdict-warn { color: var(--warn); } .verdict-fail { color: var(--fail); }
.scroll { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; width: 100%; font-size: 13px; } th, td { padding: 5px 6px; border-bottom: 1px solid var(--grid); text-align: right; }
th:first-child, td:first-child, th.text, td.text { text-align: left; }
td { white-space: nowrap; }
td.file, td.text { white-space: normal; }
td.file { text-align: left; min-width: 12em; overflow-wrap: break-word; word-break: normal; }
td.text { min-width: 16em; } td.flags { min-width: 11em; }
.flag { display: inline-block; margin: 1px 4px 1px 0; font-size: 12px; }
details summary { cursor: pointer; margin: 10px 0; }
.chart { overflow-x: auto; max-width: 100%; }
svg { width: 100%; min-width: 720px; height: auto; display: block; margin: 8px 0 18px; background: var(--card); border-radius: 8px; }
svg text { fill: var(--fg); font: 12px system-ui, sans-serif; } svg .title { font-size: 13px; font-weight: 600; }
svg .grid { stroke: var(--grid); stroke-width: 1; } svg .grid.strong { stroke: var(--muted); stroke-dasharray: 3 3; }
svg .frame { stroke: var(--muted); }
svg .before { fill: var(--before); } svg .after { fill: var(--after); } svg .band { fill: var(--band); }
svg .tp { fill: var(--tp); } svg .tp-after { fill: var(--tp-after); stroke: var(--fg); stroke-width: 0.5; }
svg polyline { stroke-width: 1.4; } svg .profile { stroke: var(--profile); stroke-width: 3; fill: none; }
svg rect.profile { fill: var(--profile); } svg .eq { stroke-dasharray: 5 4; }
svg .before-line { stroke: var(--before); stroke-width: 2; } svg rect.before-line { fill: var(--before); }
svg .after-line { stroke: var(--after); stroke-width: 2; } svg rect.after-line { fill: var(--after); }
svg .eq-line { stroke: var(--tp); stroke-dasharray: 5 4; } svg rect.eq-line { fill: var(--tp); }
svg .mid { stroke: var(--c0); } svg rect.mid { fill: var(--c0); } svg .side { stroke: var(--c4); } svg rect.side { fill: var(--c4); }
svg .side-after { stroke: var(--side-after); stroke-dasharray: 6 3; } svg rect.side-after { fill: var(--side-after); }
svg .c0 { stroke: var(--c0); } svg .c1 { stroke: var(--c1); } svg .c2 { stroke: var(--c2); } svg .c3 { stroke: var(--c3); }
svg .c4 { stroke: var(--c4); } svg .c5 { stroke: var(--c5); } svg .c6 { stroke: var(--c6); } svg .c7 { stroke: var(--c7); }
svg rect.c0 { fill: var(--c0); } svg rect.c1 { fill: var(--c1); } svg rect.c2 { fill: var(--c2); } svg rect.c3 { fill: var(--c3); }
svg rect.c4 { fill: var(--c4); } svg rect.c5 { fill: var(--c5); } svg rect.c6 { fill: var(--c6); } svg rect.c7 { fill: var(--c7); }
.track { background: var(--card); border-radius: 8px; padding: 8px 14px 4px; margin: 14px 0; }
.track svg { background: var(--bg); }
.ab { margin: 6px 0; }
.transport { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; }
.transport button { padding: 6px 12px; font: inherit; color: var(--fg); background: var(--bg); border: 1px solid var(--muted); border-radius: 6px; }
.transport button[aria-pressed="true"] { background: var(--fg); color: var(--bg); }
.transport[hidden] { display: none; }
.transport .seek { flex: 1 1 140px; min-width: 0; }
.time { font-variant-numeric: tabular-nums; }
.gains, .note, .files { margin: 4px 0; font-size: 13px; }
.note:empty, .gains:empty { display: none; }
ul.reasons { margin: 4px 0 10px; padding-left: 20px; }
@media (max-width: 600px) {
  body { padding: 12px; } h1 { font-size: 22px; }
  .track { padding: 6px 8px 2px; }
}
@media print {
  body { max-width: none; padding: 0; font-size: 10pt; }
  .transport, .gains, .note, audio { display: none !important; }
  .scroll, .chart { overflow: visible; }
  svg { min-width: 0; margin: 4px 0 8px; }
  h2, h3 { break-after: avoid; }
  .track, svg, tr, .summary div { break-inside: avoid; }
  .track { padding: 0; margin: 8px 0; background: none; }
  .track-charts { display: grid; grid-template-columns: 1fr 1fr; gap: 6px; }
  .track-charts .chart:first-child { grid-column: 1 / -1; }
  a { text-decoration: none; }
}
"""#

  static let index = #"""
<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>AlbumMaster reports</title>
<style>\#(palette)
body { font: 15px/1.45 system-ui, sans-serif; max-width: 900px; margin: 0 auto; padding: 24px; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; } th, td { padding: 6px; border-bottom: 1px solid var(--grid); text-align: left; }
td:first-child { overflow-wrap: break-word; min-width: 10em; }</style>
</head><body>
<h1>AlbumMaster reports</h1><p>{{count}}.</p>
<div class="scroll"><table><tr><th>Album</th><th>Tracks</th><th>Unreadable</th><th>Mastered</th><th>QA verdict</th></tr>
{{#albums}}<tr><td><a href="{{href}}">{{name}}</a></td><td>{{tracks}}</td><td>{{failures}}</td><td>{{mastered}}</td><td class="{{verdict}}">{{verdict}}</td></tr>
{{/albums}}</table></div></body></html>
"""#

  /// A table of QA findings, one row per item of the context list `list` (a `Finding`), its last column headed
  /// `lastColumn`: the master's problems and passes, and the sources'.
  static func qaTable(_ list: String, id: String?, lastColumn: String) -> String {
    #"<div class="scroll"><table\#(id.map { #" id="\#($0)""# } ?? "")><tr><th>Check</th><th class="text">Track</th><th>Status</th>"#
      + #"<th>Value</th><th>Limit</th><th class="text">\#(lastColumn)</th></tr>"# + "\n"
      + #"{{#\#(list)}}<tr id="{{id}}"><td>{{check}}</td><td class="file">{{track}}</td><td class="status-{{status}}">{{status}}</td>"#
      + #"<td>{{value}}</td><td>{{limit}}</td><td class="text">{{message}}</td></tr>"# + "\n{{/\(list)}}\n</table></div>"
  }

  static let page = #"""
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{{csp}}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{album}} — AlbumMaster report</title>
<style>
\#(style)</style>
</head>
<body>
<header>
<h1>{{album}}</h1>
<p class="lead" id="verdict-sentence">{{verdictSentence}}</p>
<p class="meta muted">Written {{date}} by AlbumMaster {{version}}. {{tracksText}}, {{duration}}{{#hasFailures}}, {{failureCount}} could not be read{{/hasFailures}}.</p>
<p class="meta muted" id="settings">Settings: {{settings}}.</p>
{{#sourceCheck}}<p class="meta" id="source-check-link">QA of the sources ({{preset}}), from the last <code>analyze</code> or <code>check</code>: <a href="#source-check">{{verdict}}</a>. The master report is unchanged.</p>{{/sourceCheck}}
</header>
<section class="summary" id="summary">
<div>QA verdict<b class="verdict-{{verdictClass}}" id="verdict">{{verdict}}</b></div>
<div>Loudness spread<b>{{spreadBefore}} LU{{#mastered}} → {{spreadAfter}} LU{{/mastered}}</b></div>
<div>Median tonal deviation<b>{{devBefore}} dB{{#mastered}} → {{devAfter}} dB{{/mastered}}</b></div>
<div>Tracks<b>{{trackCount}}</b></div>
</section>
{{#hasFailures}}
<h2>Files that could not be read</h2>
<div class="scroll"><table><tr><th>File</th><th>Reason</th></tr>
{{#failures}}<tr><td class="file">{{file}}</td><td class="text">{{error}}</td></tr>{{/failures}}
</table></div>
{{/hasFailures}}
{{#hasProblems}}
<h2>QA: failures and warnings</h2>
\#(qaTable("problems", id: "qa", lastColumn: "Why it matters, what to do"))
{{/hasProblems}}
<h2>Tracks</h2>
<div class="scroll"><table id="tracks">
<tr><th>#</th><th class="text">File</th><th>LUFS</th><th>LRA</th><th title="true peak per BS.1770; hover a cell for the inter-sample peak at 16×">dBTP</th><th>PLR</th><th title="short-term PSR: median (10th–90th percentile)">PSR</th><th>Width dB</th><th>Corr</th><th>Tonal dev dB</th>{{#mastered}}<th>Limiter dB</th>{{/mastered}}<th class="text">Flags</th></tr>
{{#tracks}}
<tr><td>{{index}}</td><td class="file"><a href="#{{anchor}}">{{file}}</a></td>
<td>{{lufs}}{{#mastered}} → {{lufsAfter}}{{/mastered}}</td><td>{{lra}}{{#mastered}} → {{lraAfter}}{{/mastered}}</td><td title="inter-sample peak (16×): {{isp}}{{#mastered}} → {{ispAfter}}{{/mastered}} dBTP">{{tp}}{{#mastered}} → {{tpAfter}}{{/mastered}}</td><td>{{plr}}{{#mastered}} → {{plrAfter}}{{/mastered}}</td>
<td title="{{psrRange}}{{#mastered}} → {{psrRangeAfter}}{{/mastered}}">{{psr}}{{#mastered}} → {{psrAfter}}{{/mastered}}</td>
<td>{{width}}{{#mastered}} → {{widthAfter}}{{/mastered}}</td><td>{{corr}}</td><td>{{dev}}{{#mastered}} → {{devAfter}}{{/mastered}}</td>
{{#mastered}}<td>{{gr}}</td>{{/mastered}}
<td class="text flags">{{#flags}}<a class="flag" href="#{{anchor}}">{{name}}</a>{{/flags}}</td></tr>
{{/tracks}}
</table></div>
<h2>Charts</h2>
<div class="chart">{{{loudnessChart}}}</div>
<div class="chart">{{{tonalChart}}}</div>
<div class="chart">{{{timelineChart}}}</div>
<div class="chart">{{{widthChart}}}</div>
<h2>Listen and compare</h2>
<p class="muted">One transport per track: A is the original, B the master, played at matched loudness so that louder does not pass for better; switching keeps the position. The originals are linked from their album folder: a copy of this report folder without the album has no A side{{#hasPreviews}} (except tracks played from the lossless previews in previews/, made because browsers do not play {{previewFormats}}){{/hasPreviews}}.</p>
{{#tracks}}
<section class="track" id="{{anchor}}">
<h3>{{index}}. {{file}}</h3>
<div class="ab" data-lufs-a="{{lufsA}}" data-lufs-b="{{lufsB}}">
<audio class="a" preload="metadata" src="{{srcURL}}"></audio>
{{#mastered}}<audio class="b" preload="metadata" src="{{masterURL}}"></audio>{{/mastered}}
<div class="transport" hidden>
<button type="button" class="play">Play</button>
<button type="button" class="pick-a" aria-pressed="true">A original</button>
{{#mastered}}<button type="button" class="pick-b" aria-pressed="false">B master</button>{{/mastered}}
<input class="seek" type="range" min="0" max="1000" step="1" value="0" aria-label="position in track {{index}}">
<span class="time">0:00 / 0:00</span>
</div>
<p class="gains muted"></p>
<p class="note" role="status"></p>
</div>
<p class="files">Files: <a href="{{srcLink}}">original</a>{{#srcPreview}} (played from a FLAC preview: browsers do not play {{srcFormat}}){{/srcPreview}}{{#mastered}} · <a href="{{masterLink}}">master</a>{{#masterPreview}} (played from a FLAC preview){{/masterPreview}}{{/mastered}}</p>
<ul class="reasons">{{#reasons}}<li>{{.}}</li>{{/reasons}}</ul>
<div class="track-charts">
<div class="chart">{{{timeChart}}}</div>
{{#hasGR}}<div class="chart">{{{grChart}}}</div>{{/hasGR}}
<div class="chart">{{{tonalChart}}}</div>
<div class="chart">{{{msChart}}}</div>
</div>
</section>
{{/tracks}}
{{#hasPasses}}
<h2>QA: passed checks</h2>
<details id="qa-passes"><summary>{{passesText}}</summary>
\#(qaTable("passes", id: nil, lastColumn: "What it checks"))
</details>
{{/hasPasses}}
{{#sourceCheck}}
<section id="source-check">
<h2>QA of the sources: <span class="verdict-{{verdictClass}}">{{verdict}}</span></h2>
<p class="muted">The album's source files, checked by the last <code>analyze</code> or <code>check</code> (preset: {{preset}}; {{tracksText}}{{#hasFailures}}, {{failuresText}} could not be read{{/hasFailures}}). Its files sit beside the master's, which it leaves unchanged; the next <code>master</code> replaces this section.</p>
{{#hasProblems}}
\#(qaTable("problems", id: "source-qa", lastColumn: "Why it matters, what to do"))
{{/hasProblems}}
{{#hasPasses}}
<details id="source-qa-passes"><summary>{{passesText}}</summary>
\#(qaTable("passes", id: nil, lastColumn: "What it checks"))
</details>
{{/hasPasses}}
</section>
{{/sourceCheck}}
<p class="muted">Made by AlbumMaster {{version}}. Levels in dB; loudness per ITU-R BS.1770-4 (libebur128), true peak with 4× oversampling.</p>
<script>{{{script}}}</script>
</body>
</html>
"""#
}
