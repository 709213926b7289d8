// The page's stylesheet, inlined (the report is one file that works offline). Verdict colours are also carried by a
// glyph in each cell, so the matrix reads without colour vision.
export const STYLES = `
:root {
  --bg: #f6f7f9; --panel: #fff; --ink: #1c2430; --muted: #5b6675; --line: #dde2e8;
  --pass: #1e7b34; --pass-bg: #dff3e4;
  --fail: #fff; --fail-bg: #c62828;
  --xfail: #7a5b00; --xfail-bg: #fbecc0;
  --upass: #fff; --upass-bg: #8e24aa;
  --skipped: #4b5563; --skipped-bg: #e5e7eb;
  --error: #fff; --error-bg: #b45309;
  --sent: #1d63c9; --recv: #e07b00;
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif;
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink); }
code, .mono { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, "DejaVu Sans Mono", monospace; font-size: 12.5px; }
header.top { background: #17202c; color: #eef2f7; padding: 18px 28px 16px; }
header.top h1 { margin: 0 0 4px; font-size: 20px; font-weight: 600; letter-spacing: .2px; }
header.top h1 .verdict { font-weight: 700; margin-right: 10px; }
header.top h1 .ok { color: #7ee2a0; } header.top h1 .bad { color: #ff8a80; }
header.top .meta { color: #aab6c5; font-size: 12.5px; display: flex; flex-wrap: wrap; gap: 4px 18px; margin-top: 6px; }
header.top .meta b { color: #dbe3ec; font-weight: 500; }
.totals { display: flex; flex-wrap: wrap; gap: 8px; margin-top: 14px; }
.chip { border: 0; border-radius: 999px; padding: 4px 12px; font: inherit; font-size: 13px; cursor: pointer; }
.chip .n { font-weight: 700; margin-right: 4px; }
.chip.total { background: #2c3847; color: #eef2f7; }
.chip:focus-visible, .cell:focus-visible, button:focus-visible, select:focus-visible, input:focus-visible { outline: 2px solid #4c9aff; outline-offset: 2px; }
.v-pass { background: var(--pass-bg); color: var(--pass); }
.v-fail { background: var(--fail-bg); color: var(--fail); }
.v-expected-failure { background: var(--xfail-bg); color: var(--xfail); }
.v-unexpected-pass { background: var(--upass-bg); color: var(--upass); }
.v-skipped { background: var(--skipped-bg); color: var(--skipped); }
.v-error { background: var(--error-bg); color: var(--error); }
.controls { position: sticky; top: 0; z-index: 2; background: var(--panel); border-bottom: 1px solid var(--line);
  padding: 10px 28px; display: flex; flex-wrap: wrap; gap: 10px 14px; align-items: center; }
.controls label { color: var(--muted); font-size: 12.5px; display: flex; gap: 6px; align-items: center; }
.controls select, .controls input { font: inherit; font-size: 13px; padding: 4px 8px; border: 1px solid var(--line); border-radius: 6px; background: #fff; color: var(--ink); }
.controls input[type=search] { width: 260px; }
.controls select { max-width: 240px; }
.controls button { font: inherit; font-size: 13px; padding: 4px 10px; border: 1px solid var(--line); border-radius: 6px; background: #fff; cursor: pointer; }
.controls .shown { margin-left: auto; color: var(--muted); font-size: 12.5px; }
main { padding: 18px 28px 60px; }
.group { background: var(--panel); border: 1px solid var(--line); border-radius: 10px; margin: 0 0 16px; padding: 12px 16px 8px; }
.group > h2 { margin: 0 0 8px; font-size: 15px; display: flex; align-items: baseline; gap: 10px; }
.group > h2 .counts { font-weight: 400; color: var(--muted); font-size: 12.5px; }
svg.bar { border-radius: 3px; align-self: center; background: var(--skipped-bg); }
.s-pass { fill: #34a853; } .s-fail { fill: var(--fail-bg); } .s-expected-failure { fill: #e0b400; }
.s-unexpected-pass { fill: var(--upass-bg); } .s-skipped { fill: #b8bec7; } .s-error { fill: var(--error-bg); }
.cell.regressed { box-shadow: 0 0 0 2px #ff6d00; }
.topic { display: grid; grid-template-columns: 150px 1fr; gap: 8px; padding: 6px 0; border-top: 1px solid #eef1f4; }
.topic:first-of-type { border-top: 0; }
.topic > .name { color: var(--muted); font-size: 12.5px; padding-top: 3px; overflow-wrap: anywhere; }
.cells { display: flex; flex-wrap: wrap; gap: 5px; }
.cell { border: 0; border-radius: 5px; padding: 3px 8px 3px 6px; font: inherit; font-size: 12px; cursor: pointer;
  max-width: 34ch; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; text-align: left; }
.cell .g { display: inline-block; width: 1.1em; font-weight: 700; }
.cell .p { display: inline-block; font-size: 10.5px; border-radius: 3px; padding: 0 4px; margin-right: 5px; background: rgba(255,255,255,.55); color: #17202c; }
.totals.profiles { margin-top: 8px; }
.chip.profile { background: #24303e; color: #cfd8e3; } .chip.profile.bad { box-shadow: 0 0 0 1px #ff8a80 inset; }
.cell:hover { filter: brightness(.95); box-shadow: 0 0 0 1px rgba(0,0,0,.25) inset; }
.cell.selected { box-shadow: 0 0 0 2px #17202c; }
.empty { color: var(--muted); padding: 30px; text-align: center; }
[hidden] { display: none !important; }
#drawer { position: fixed; top: 0; right: 0; bottom: 0; width: min(720px, 100vw); background: var(--panel); z-index: 5;
  border-left: 1px solid var(--line); box-shadow: -8px 0 24px rgba(20, 30, 45, .12); overflow-y: auto; padding: 18px 22px 40px; }
#drawer-close { position: sticky; top: 0; float: right; font-size: 20px; line-height: 1; border: 0; background: #fff; cursor: pointer; color: var(--muted); padding: 2px 6px; border-radius: 6px; }
.d-head h2 { margin: 8px 0 4px; font-size: 17px; }
.d-head .id { color: var(--muted); overflow-wrap: anywhere; }
.badge { display: inline-block; border-radius: 4px; padding: 1px 8px; font-size: 12px; font-weight: 600; }
.msg { margin: 12px 0; padding: 8px 12px; border-radius: 6px; background: #fff5f5; border-left: 3px solid var(--fail-bg); white-space: pre-wrap; overflow-wrap: anywhere; }
.msg.skip { background: #f3f4f6; border-left-color: #9ca3af; }
table.eo { border-collapse: collapse; width: 100%; margin: 12px 0; font-size: 13px; }
table.eo th, table.eo td { text-align: left; padding: 5px 8px; border-bottom: 1px solid #eef1f4; vertical-align: top; overflow-wrap: anywhere; }
table.eo thead th { color: var(--muted); font-weight: 500; font-size: 12px; }
table.eo tbody th { color: var(--muted); font-weight: 500; width: 22%; }
table.eo tr.mismatch td { background: #fff1f0; }
table.eo tr.mismatch td:last-child { font-weight: 600; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 14px; margin: 10px 0 16px; font-size: 13px; }
dl.facts dt { color: var(--muted); } dl.facts dd { margin: 0; overflow-wrap: anywhere; }
.tag { display: inline-block; background: #eef2f7; border-radius: 4px; padding: 0 6px; margin: 0 4px 2px 0; font-size: 12px; }
h3 { font-size: 14px; margin: 18px 0 6px; }
figure { margin: 8px 0 14px; }
figcaption { font-size: 12px; color: var(--muted); display: flex; gap: 14px; flex-wrap: wrap; margin-bottom: 2px; }
figcaption .k::before { content: ""; display: inline-block; width: 14px; height: 3px; vertical-align: middle; margin-right: 5px; background: currentColor; }
figcaption .k-sent { color: var(--sent); } figcaption .k-recv { color: var(--recv); }
figcaption .k-stall::before { height: 10px; background: #fbd5d5; }
figcaption b { color: var(--ink); font-weight: 600; }
figcaption .scale { margin-left: auto; font-style: italic; }
svg.timeline { max-width: 100%; height: auto; display: block; font: 10.5px system-ui, sans-serif; }
svg.timeline .plot { fill: #fbfcfd; stroke: var(--line); }
svg.timeline .grid { stroke: #edf0f3; }
svg.timeline .tick { fill: var(--muted); }
svg.timeline .note { fill: var(--muted); font-style: italic; }
svg.timeline .sent { fill: none; stroke: var(--sent); stroke-width: 2; }
svg.timeline .recv { fill: none; stroke: var(--recv); stroke-width: 2; stroke-dasharray: 5 3; }
svg.timeline .stall { fill: #fbd5d5; opacity: .75; }
svg.timeline .stall-label { fill: #b42318; font-weight: 600; }
svg.timeline .mark line { stroke-width: 1.2; }
svg.timeline .mark text { font-weight: 600; }
.m-connect line, .m-request line { stroke: #9aa5b1; stroke-dasharray: 2 3; } .m-connect text, .m-request text { fill: #7b8794; }
.m-handshake line { stroke: #475569; } .m-handshake text { fill: #334155; }
.m-reneg-requested line { stroke: #7c3aed; stroke-dasharray: 4 3; } .m-reneg-requested text { fill: #7c3aed; }
.m-reneg-completed line { stroke: #7c3aed; } .m-reneg-completed text { fill: #6d28d9; }
.m-reneg-refused line { stroke: #dc2626; } .m-reneg-refused text { fill: #dc2626; }
.m-response line { stroke: #15803d; stroke-width: 2; } .m-response text { fill: #15803d; }
.m-error line { stroke: #dc2626; stroke-width: 2; } .m-error text { fill: #dc2626; }
details.events summary { cursor: pointer; color: var(--muted); font-size: 12.5px; }
details.events table { border-collapse: collapse; font-size: 12px; margin-top: 6px; }
details.events td, details.events th { padding: 2px 10px 2px 0; text-align: left; vertical-align: top; overflow-wrap: anywhere; }
footer { color: var(--muted); font-size: 12px; padding: 0 28px 30px; }
`;
