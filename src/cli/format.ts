import { stringify } from 'yaml';
import type { EndpointChange, EndpointPhase, EndpointResolution } from '../endpoints/types.js';
import { escapeControl as x } from '../text.js';
import { safeText, type Style } from './io.js';

/** A resolution with its keys in the documented, stable order (JSON, YAML, NDJSON). */
export function orderedResolution(r: EndpointResolution): Record<string, unknown> {
  return {
    export: { path: r.export.path, name: r.export.name },
    slice: { path: r.slice.path, name: r.slice.name },
    source: r.source,
    phase: r.phase,
    reason: r.reason,
    message: r.message,
    urls: [...r.urls],
    endpoints: r.endpoints.map((e) =>
      e.shards === undefined ? { url: e.url } : { url: e.url, shards: e.shards },
    ),
    sliceConditions: r.sliceConditions.map((c) => ({ ...c })),
    resourceVersions: {
      ...(r.resourceVersions.slice === undefined ? {} : { slice: r.resourceVersions.slice }),
      ...(r.resourceVersions.export === undefined ? {} : { export: r.resourceVersions.export }),
    },
    warnings: [...r.warnings],
    warningDetails: r.warningDetails.map((w) => ({ code: w.code, message: w.message })),
  };
}

/** A change without `previous`, keys in a stable order: the resolution's, then `added`, `removed`. */
export function orderedChange(c: EndpointChange): Record<string, unknown> {
  return { ...orderedResolution(c), added: [...c.added], removed: [...c.removed] };
}

/** Colours a phase: green Ready, yellow transitional, red missing or forbidden. */
export function colourPhase(phase: EndpointPhase, style: Style, text: string = phase): string {
  switch (phase) {
    case 'Ready':
      return style.green(text);
    case 'AwaitingBinding':
    case 'Degraded':
    case 'SliceNotReady':
      return style.yellow(text);
    default:
      return style.red(text);
  }
}

/** Left-aligned columns separated by three spaces (kubectl's table look); the last column is not padded. */
export function table(rows: string[][], widths?: number[]): string[] {
  const w = widths ?? columnWidths(rows);
  return rows.map((row) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(w[i] ?? 0)))
      .join('   ')
      .trimEnd(),
  );
}

function columnWidths(rows: string[][]): number[] {
  const w: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (w[i] = Math.max(w[i] ?? 0, cell.length)));
  return w;
}

/**
 * The text output of `get`: a table with URL, SOURCE, PHASE, REASON (one row per URL, or one `<none>` row),
 * then the message. Colour only through `style`.
 */
export function formatResolutionText(r: EndpointResolution, style: Style): string {
  const header = ['URL', 'SOURCE', 'PHASE', 'REASON'];
  const urls = r.urls.length > 0 ? r.urls.map(x) : ['<none>'];
  const rows = urls.map((u) => [u, r.source, r.phase, r.reason]);
  const widths = columnWidths([header, ...rows]);
  const pad = (cell: string, i: number): string => cell.padEnd(widths[i] ?? 0);
  const lines = table([header], widths).map((l) => style.bold(l));
  for (const [url = '', source = '', phase = '', reason = ''] of rows) {
    const first = url === '<none>' ? style.dim(pad(url, 0)) : pad(url, 0);
    lines.push([first, pad(source, 1), colourPhase(r.phase, style, pad(phase, 2)), reason].join('   '));
  }
  lines.push('', x(r.message));
  for (const w of r.warnings) lines.push(style.yellow(`warning: ${x(w)}`));
  return safeText(`${lines.join('\n')}\n`);
}

/** One URL per line (for `xargs`); empty when there is none. A URL never spans lines. */
export function formatUrls(r: EndpointResolution): string {
  return r.urls.map((u) => `${x(u)}\n`).join('');
}

/** Pretty JSON with a trailing newline. */
export function formatJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** YAML. (`yaml` is imported statically: the kubeconfig loader needs it anyway.) */
export function formatYaml(value: unknown): Promise<string> {
  return Promise.resolve(stringify(value, { lineWidth: 0 }));
}

/** A resolution in one of `get`'s formats. */
export async function formatResolution(r: EndpointResolution, output: string, style: Style): Promise<string> {
  switch (output) {
    case 'json':
      return formatJson(orderedResolution(r));
    case 'yaml':
      return formatYaml(orderedResolution(r));
    case 'urls':
      return formatUrls(r);
    default:
      return formatResolutionText(r, style);
  }
}

/** One text line of `watch`: time, phase, source, +added/-removed (or the URL count), message. */
export function formatChangeLine(c: EndpointChange, at: Date, style: Style): string {
  const diff = [
    ...c.added.map((u) => style.green(`+${x(u)}`)),
    ...c.removed.map((u) => style.red(`-${x(u)}`)),
  ];
  const urls = diff.length > 0 ? diff.join(' ') : `(${c.urls.length} URL${c.urls.length === 1 ? '' : 's'})`;
  return `${style.dim(at.toISOString())}  ${colourPhase(c.phase, style)}  ${c.source}  ${urls}  ${x(c.message)}`;
}
