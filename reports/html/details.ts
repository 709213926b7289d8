// One scenario's details, shown in the drawer when its cell is clicked: verdict, message or skip reason, expected vs
// observed side by side (mismatching rows marked), the citation and run facts, and the client and server timelines.
import type { ScenarioResult, TimelinePoint } from '../../scenarios/result';
import { formatCitation, formatMs, VERDICT_LABEL } from '../format';
import { htmlText } from './escape';
import { chooseTimeScale, isStallPoint, renderTimelineSvg } from './timeline-svg';

export const VERDICT_GLYPH = {
  pass: '✓',
  fail: '✗',
  'expected-failure': '≈',
  'unexpected-pass': '!',
  skipped: '–',
  error: '⚠',
} as const;

interface Row {
  readonly label: string;
  readonly expected?: string;
  readonly observed?: string;
  readonly mismatch?: boolean;
}

const yesNo = (b: boolean | undefined) => (b === undefined ? undefined : b ? 'yes' : 'no');
const both = <A, B>(a: A | undefined, b: B | undefined, differ: (a: A, b: B) => boolean) =>
  a !== undefined && b !== undefined && differ(a, b);

export function comparisonRows(r: ScenarioResult): Row[] {
  const e = r.expected;
  const o = r.observed;
  const rows: Row[] = [
    {
      label: 'Outcome',
      expected: e?.outcome.join(' or '),
      observed: o?.outcome,
      mismatch: both(e?.outcome, o?.outcome, (list, got) => !list.includes(got)),
    },
    {
      label: 'Status',
      expected: e?.status?.join(' or '),
      observed: o?.status === undefined ? undefined : `${o.status}${o.statusText ? ` ${o.statusText}` : ''}`,
      mismatch: both(e?.status, o?.status, (list, got) => list.length > 0 && !list.includes(got)),
    },
    {
      label: 'Backend saw the certificate',
      expected: yesNo(e?.backendSawCertificate),
      observed: yesNo(o?.backendSawCertificate),
      mismatch: both(e?.backendSawCertificate, o?.backendSawCertificate, (a, b) => a !== b),
    },
    {
      label: 'Certificate thumbprint',
      expected: e?.certificateThumbprint,
      observed: o?.certificateThumbprint,
      mismatch: both(e?.certificateThumbprint, o?.certificateThumbprint, (a, b) => a.toUpperCase() !== b.toUpperCase()),
    },
    {
      label: 'LastError reason',
      expected: e?.lastErrorReason,
      observed: o?.lastErrorReason,
      mismatch: both(e?.lastErrorReason, o?.lastErrorReason, (a, b) => a !== b),
    },
    {
      label: 'Error code',
      expected: e?.errorCode,
      observed: o?.errorCode,
      mismatch: both(e?.errorCode, o?.errorCode, (a, b) => a !== b),
    },
    {
      label: 'Renegotiation seen',
      expected: yesNo(e?.renegotiationSeen),
      observed: yesNo(o?.renegotiationSeen),
      mismatch: both(e?.renegotiationSeen, o?.renegotiationSeen, (a, b) => a !== b),
    },
    {
      label: 'HTTP version',
      expected: e?.httpVersion,
      observed: o?.httpVersion,
      mismatch: both(e?.httpVersion, o?.httpVersion, (a, b) => a !== b),
    },
    { label: 'TLS version', observed: o?.tlsVersion },
    { label: 'Certificate', expected: e?.certificateName },
    { label: 'Acceptable alternatives', expected: e?.alternatives?.map((a) => a.name).join(' | ') },
    { label: 'Alternative chosen', observed: o?.alternativeChosen },
    { label: 'Confidence', expected: e?.confidence },
    { label: 'Note', expected: e?.note },
    { label: 'Took', observed: o ? formatMs(o.durationMs) : undefined },
    { label: 'Request id', observed: o?.requestId },
  ];
  return rows.filter((row) => row.expected !== undefined || row.observed !== undefined);
}

export function renderDetails(r: ScenarioResult): string {
  const out: string[] = [];
  out.push(
    '<div class="d-head">',
    `<span class="badge v-${r.verdict}">${VERDICT_GLYPH[r.verdict]} ${htmlText(VERDICT_LABEL[r.verdict])}</span>`,
    `<h2>${htmlText(r.title)}</h2>`,
    `<code class="id">${htmlText(r.id)}</code>`,
    '</div>',
  );
  if (r.verdict === 'skipped') out.push(`<p class="msg skip"><b>Skipped:</b> ${htmlText(r.skipReason ?? 'no reason given')}</p>`);
  else if (r.message) out.push(`<p class="msg">${htmlText(r.message)}</p>`);

  const rows = comparisonRows(r);
  if (rows.length) {
    out.push('<table class="eo"><thead><tr><th></th><th>Expected</th><th>Observed</th></tr></thead><tbody>');
    for (const row of rows) {
      out.push(
        `<tr${row.mismatch ? ' class="mismatch"' : ''}><th>${htmlText(row.label)}</th>` +
          `<td>${htmlText(row.expected ?? '—')}</td><td>${htmlText(row.observed ?? '—')}</td></tr>`,
      );
    }
    out.push('</tbody></table>');
  }

  out.push(
    '<dl class="facts">',
    `<dt>Citation</dt><dd>${htmlText(formatCitation(r.citation))}</dd>`,
    `<dt>Profile</dt><dd>${htmlText(r.profile)}</dd>`,
    `<dt>Target</dt><dd>${htmlText(r.target)}</dd>`,
    r.importance ? `<dt>Importance</dt><dd>${htmlText(r.importance)}</dd>` : '',
    `<dt>Started</dt><dd>${htmlText(r.startedAt)} · took ${htmlText(formatMs(r.durationMs))}</dd>`,
    r.tags.length ? `<dt>Tags</dt><dd>${r.tags.map((t) => `<span class="tag">${htmlText(t)}</span>`).join('')}</dd>` : '',
    '</dl>',
  );

  out.push('<h3>Request timeline</h3>');
  const client = r.clientTimeline;
  const server = r.serverTimeline ?? [];
  if (client.length === 0 && server.length === 0) {
    out.push('<p class="empty">No timeline recorded (the scenario did not reach the network).</p>');
  } else {
    // One time axis for both pictures, so a client stall lines up with the server's view of it.
    const maxAt = Math.max(1, ...client.map((p) => p.at), ...server.map((p) => p.at));
    const scale = chooseTimeScale([...client, ...server], maxAt);
    if (client.length) out.push(figure('Client', client, maxAt, scale, 'body bytes sent', 'bytes received'));
    if (server.length) out.push(figure('Server', server, maxAt, scale, 'bytes the server sent', 'bytes the server read'));
  }
  return out.join('');
}

function figure(
  who: string,
  points: readonly TimelinePoint[],
  maxAt: number,
  scale: 'linear' | 'sqrt',
  sent: string,
  received: string,
): string {
  const hasStall = points.some(isStallPoint);
  return (
    `<figure class="tl tl-${who.toLowerCase()}"><figcaption><b>${who}</b>` +
    `<span class="k k-sent">${sent}</span><span class="k k-recv">${received}</span>` +
    (hasStall ? '<span class="k k-stall">stall window</span>' : '') +
    (scale === 'sqrt' ? '<span class="scale">time axis: square-root scale</span>' : '') +
    '</figcaption>' +
    renderTimelineSvg(points, { title: `${who} timeline`, maxAt, scale, sentLabel: sent, receivedLabel: received }) +
    eventsTable(points) +
    '</figure>'
  );
}

function eventsTable(points: readonly TimelinePoint[]): string {
  const rows = [...points]
    .sort((a, b) => a.at - b.at)
    .map(
      (p) =>
        `<tr><td>${htmlText(formatMs(p.at))}</td><td>${htmlText(p.kind)}</td>` +
        `<td>${p.bytesSent ?? ''}</td><td>${p.bytesReceived ?? ''}</td>` +
        `<td class="mono">${p.detail ? htmlText(JSON.stringify(p.detail)) : ''}</td></tr>`,
    );
  return (
    `<details class="events"><summary>Events (${points.length})</summary><table>` +
    '<thead><tr><th>at</th><th>kind</th><th>sent</th><th>received</th><th>detail</th></tr></thead>' +
    `<tbody>${rows.join('')}</tbody></table></details>`
  );
}
