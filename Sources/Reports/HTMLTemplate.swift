/// The report page. Mustache `{{x}}` escapes HTML; `{{{x}}}` is used only for the charts (built and escaped in
/// Swift) and the constant script. Kept in the binary, so a copied `albummaster` needs no resource folder.
enum HTMLTemplate {
  /// Plays original and master at matched loudness: each player's volume is 10^((quieter − its LUFS)/20), from
  /// the measured loudness in its data attributes. Marks each audio element when its source loaded or failed.
  static let script = #"""
(function () {
  document.body.dataset.images = String(document.images.length);
  document.querySelectorAll('audio').forEach(function (a) {
    a.addEventListener('loadedmetadata', function () { a.dataset.ready = '1'; });
    a.addEventListener('error', function () { a.dataset.error = '1'; });
  });
  document.querySelectorAll('.ab').forEach(function (box) {
    var a = box.querySelector('audio.a'), b = box.querySelector('audio.b');
    var la = parseFloat(box.dataset.lufsA), lb = parseFloat(box.dataset.lufsB);
    var ref = Math.min(la, lb);
    var ga = Math.pow(10, (ref - la) / 20), gb = Math.pow(10, (ref - lb) / 20);
    a.volume = ga;
    if (b) b.volume = gb;
    box.dataset.gainA = ga.toFixed(4);
    box.dataset.gainB = gb.toFixed(4);
    box.querySelector('.gains').textContent = 'matched: original ' + (20 * Math.log10(ga)).toFixed(1) +
      ' dB, master ' + (20 * Math.log10(gb)).toFixed(1) + ' dB';
    var button = box.querySelector('button');
    if (!b || !button) return;
    var onB = false;
    button.addEventListener('click', function () {
      var from = onB ? b : a, to = onB ? a : b;
      var playing = !from.paused;
      to.currentTime = from.currentTime;
      from.pause();
      if (playing) to.play();
      onB = !onB;
      box.querySelector('.state').textContent = onB ? 'hearing: master (B)' : 'hearing: original (A)';
    });
  });
})();
"""#

  static let index = #"""
<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>AlbumMaster reports</title>
<style>body { font: 15px/1.45 system-ui, sans-serif; max-width: 900px; margin: 0 auto; padding: 24px; }
table { border-collapse: collapse; width: 100%; } th, td { padding: 6px; border-bottom: 1px solid #ccc; text-align: left; }
.pass { color: #1f7a4d; } .warn { color: #b7791f; } .fail { color: #c0392b; font-weight: 700; }
@media (prefers-color-scheme: dark) { body { background: #15191e; color: #e6e9ed; } a { color: #7fb3ff; } }</style>
</head><body>
<h1>AlbumMaster reports</h1><p>{{count}} albums.</p>
<table><tr><th>Album</th><th>Tracks</th><th>Unreadable</th><th>Mastered</th><th>QA verdict</th></tr>
{{#albums}}<tr><td><a href="{{href}}">{{name}}</a></td><td>{{tracks}}</td><td>{{failures}}</td><td>{{mastered}}</td><td class="{{verdict}}">{{verdict}}</td></tr>
{{/albums}}</table></body></html>
"""#

  static let page = #"""
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{{csp}}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{album}} — AlbumMaster report</title>
<style>
:root { --bg: #fff; --fg: #1d2228; --muted: #5b6570; --grid: #d9dee4; --card: #f4f6f8;
  --before: #8a97a6; --after: #1f7a4d; --profile: #1d2228; --band: rgba(31,122,77,0.14); --tp: #c0392b;
  --pass: #1f7a4d; --warn: #b7791f; --fail: #c0392b;
  --c0: #1f77b4; --c1: #d62728; --c2: #2ca02c; --c3: #9467bd; --c4: #ff7f0e; --c5: #17becf; --c6: #8c564b; --c7: #e377c2; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #15191e; --fg: #e6e9ed; --muted: #9aa5b1; --grid: #2f3740; --card: #1e242b;
    --before: #6c7a89; --after: #4cc38a; --profile: #e6e9ed; --band: rgba(76,195,138,0.16); --tp: #ff6b5b;
    --pass: #4cc38a; --warn: #f0b429; --fail: #ff6b5b; }
}
body { font: 15px/1.45 system-ui, sans-serif; background: var(--bg); color: var(--fg); margin: 0 auto; max-width: 1100px; padding: 24px; }
h1 { margin: 0 0 4px; font-size: 26px; } h2 { margin-top: 36px; font-size: 19px; } h3 { font-size: 16px; margin: 18px 0 6px; }
.muted { color: var(--muted); }
.summary { display: grid; grid-template-columns: repeat(auto-fit, minmax(160px, 1fr)); gap: 10px; margin: 16px 0; }
.summary div { background: var(--card); padding: 10px 12px; border-radius: 8px; }
.summary b { display: block; font-size: 20px; }
.verdict-pass { color: var(--pass); } .verdict-warn { color: var(--warn); } .verdict-fail { color: var(--fail); }
table { border-collapse: collapse; width: 100%; font-size: 13px; } th, td { padding: 5px 6px; border-bottom: 1px solid var(--grid); text-align: right; }
th:first-child, td:first-child, td.text { text-align: left; } td.file { text-align: left; word-break: break-all; }
.status-pass { color: var(--pass); } .status-warn { color: var(--warn); font-weight: 600; } .status-fail { color: var(--fail); font-weight: 700; }
a { color: var(--c0); } .flag { display: inline-block; margin: 1px 4px 1px 0; font-size: 12px; }
svg { width: 100%; height: auto; display: block; margin: 8px 0 18px; background: var(--card); border-radius: 8px; }
svg text { fill: var(--fg); font: 11px system-ui, sans-serif; } svg .title { font-size: 13px; font-weight: 600; }
svg .grid { stroke: var(--grid); stroke-width: 1; } svg .grid.strong { stroke: var(--muted); stroke-dasharray: 3 3; }
svg .frame { stroke: var(--muted); }
svg .before { fill: var(--before); } svg .after { fill: var(--after); } svg .band { fill: var(--band); }
svg .tp { fill: var(--tp); } svg .tp-after { fill: var(--after); stroke: var(--fg); stroke-width: 0.5; }
svg polyline { stroke-width: 1.4; } svg .profile { stroke: var(--profile); stroke-width: 3; fill: none; }
svg rect.profile { fill: var(--profile); } svg .eq { stroke-dasharray: 5 4; }
svg .before-line { stroke: var(--before); stroke-width: 2; } svg rect.before-line { fill: var(--before); }
svg .after-line { stroke: var(--after); stroke-width: 2; } svg rect.after-line { fill: var(--after); }
svg .eq-line { stroke: var(--tp); stroke-dasharray: 5 4; } svg rect.eq-line { fill: var(--tp); }
svg .mid { stroke: var(--c0); } svg rect.mid { fill: var(--c0); } svg .side { stroke: var(--c4); } svg rect.side { fill: var(--c4); }
svg .c0 { stroke: var(--c0); } svg .c1 { stroke: var(--c1); } svg .c2 { stroke: var(--c2); } svg .c3 { stroke: var(--c3); }
svg .c4 { stroke: var(--c4); } svg .c5 { stroke: var(--c5); } svg .c6 { stroke: var(--c6); } svg .c7 { stroke: var(--c7); }
svg rect.c0 { fill: var(--c0); } svg rect.c1 { fill: var(--c1); } svg rect.c2 { fill: var(--c2); } svg rect.c3 { fill: var(--c3); }
svg rect.c4 { fill: var(--c4); } svg rect.c5 { fill: var(--c5); } svg rect.c6 { fill: var(--c6); } svg rect.c7 { fill: var(--c7); }
.track { background: var(--card); border-radius: 8px; padding: 8px 14px 4px; margin: 14px 0; }
.track svg { background: var(--bg); }
.ab { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; margin: 6px 0; }
.ab audio { height: 32px; } .ab button { padding: 4px 10px; }
ul.reasons { margin: 4px 0 10px; padding-left: 20px; }
</style>
</head>
<body>
<header>
<h1>{{album}}</h1>
<p class="muted">AlbumMaster report: {{trackCount}} tracks, {{duration}}{{#hasFailures}}, {{failureCount}} could not be read{{/hasFailures}}. Preset: {{preset}}.</p>
</header>
<section class="summary" id="summary">
<div>Verdict<b class="verdict-{{verdictClass}}" id="verdict">{{verdict}}</b></div>
<div>Loudness spread<b>{{spreadBefore}} LU{{#mastered}} → {{spreadAfter}} LU{{/mastered}}</b></div>
<div>Median tonal deviation<b>{{devBefore}} dB{{#mastered}} → {{devAfter}} dB{{/mastered}}</b></div>
<div>Tracks<b>{{trackCount}}</b></div>
</section>
{{#hasFailures}}
<h2>Files that could not be read</h2>
<table><tr><th>File</th><th>Reason</th></tr>
{{#failures}}<tr><td class="file">{{file}}</td><td class="text">{{error}}</td></tr>{{/failures}}
</table>
{{/hasFailures}}
<h2>Tracks</h2>
<table id="tracks">
<tr><th>#</th><th>File</th><th>LUFS</th><th>LRA</th><th>dBTP</th><th>PLR</th><th title="short-term PSR: median (10th–90th percentile)">PSR</th><th>Width dB</th><th>Corr</th><th>Tonal dev dB</th>{{#mastered}}<th>Limiter dB</th>{{/mastered}}<th>Flags</th></tr>
{{#tracks}}
<tr><td>{{index}}</td><td class="file"><a href="#{{anchor}}">{{file}}</a></td>
<td>{{lufs}}{{#mastered}} → {{lufsAfter}}{{/mastered}}</td><td>{{lra}}{{#mastered}} → {{lraAfter}}{{/mastered}}</td><td>{{tp}}{{#mastered}} → {{tpAfter}}{{/mastered}}</td><td>{{plr}}{{#mastered}} → {{plrAfter}}{{/mastered}}</td>
<td title="{{psrRange}}{{#mastered}} → {{psrRangeAfter}}{{/mastered}}">{{psr}}{{#mastered}} → {{psrAfter}}{{/mastered}}</td>
<td>{{width}}{{#mastered}} → {{widthAfter}}{{/mastered}}</td><td>{{corr}}</td><td>{{dev}}{{#mastered}} → {{devAfter}}{{/mastered}}</td>
{{#mastered}}<td>{{gr}}</td>{{/mastered}}
<td class="text">{{#flags}}<a class="flag" href="#{{anchor}}">{{name}}</a>{{/flags}}</td></tr>
{{/tracks}}
</table>
<h2>Charts</h2>
{{{loudnessChart}}}
{{{tonalChart}}}
{{{timelineChart}}}
{{{widthChart}}}
<h2>Listen and compare</h2>
<p class="muted">A/B plays the original and the master at matched loudness, so that louder does not pass for better.</p>
{{#tracks}}
<section class="track" id="{{anchor}}">
<h3>{{index}}. {{file}}</h3>
<div class="ab" data-lufs-a="{{lufsA}}" data-lufs-b="{{lufsB}}">
<audio class="a" controls preload="metadata" src="{{srcURL}}"></audio>
{{#mastered}}<audio class="b" controls preload="metadata" src="{{masterURL}}"></audio>
<button type="button">A ⇄ B</button> <span class="state">hearing: original (A)</span>{{/mastered}}
<span class="gains muted"></span>
</div>
<ul class="reasons">{{#reasons}}<li>{{.}}</li>{{/reasons}}</ul>
{{{tonalChart}}}
{{{msChart}}}
</section>
{{/tracks}}
{{#hasFindings}}
<h2>QA findings</h2>
<table id="qa"><tr><th>Check</th><th>Track</th><th>Status</th><th>Value</th><th>Limit</th><th>Why it matters, what to do</th></tr>
{{#findings}}<tr id="{{id}}"><td>{{check}}</td><td class="file">{{track}}</td><td class="status-{{status}}">{{status}}</td><td>{{value}}</td><td>{{limit}}</td><td class="text">{{message}}</td></tr>
{{/findings}}
</table>
{{/hasFindings}}
<p class="muted">Made by AlbumMaster. Levels in dB; loudness per ITU-R BS.1770-4 (libebur128), true peak with 4× oversampling.</p>
<script>{{{script}}}</script>
</body>
</html>
"""#
}
