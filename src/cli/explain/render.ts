import type { Condition } from '../../kcp/meta.js';
import { formatRef } from '../../kcp/paths.js';
import { colourPhase } from '../format.js';
import { redactUrlUserinfo } from '../../redact.js';
import { escapeControl as x } from '../../text.js';
import { safeText, type Style } from '../io.js';
import type { ExplainReport, LookupState, ServingFinding } from './types.js';

function mark(state: LookupState, style: Style): string {
  switch (state) {
    case 'found':
      return style.green('✓');
    case 'notServed':
    case 'skipped':
      return style.dim('-');
    default:
      return style.red('✗');
  }
}

function failure(state: LookupState, message: string | undefined): string {
  switch (state) {
    case 'notFound':
      return 'not found';
    case 'notServed':
      return 'this server does not serve this resource (older kcp, or the simulator); not checked';
    case 'forbidden':
      return `not allowed (${x(message ?? 'forbidden')})`;
    default:
      return `could not be read: ${x(message ?? 'unknown error')}`;
  }
}

function conditions(list: Condition[]): string {
  return list.length === 0
    ? 'no conditions'
    : `conditions ${list.map((c) => x(`${c.type}=${c.status}${c.status === 'True' || c.reason === undefined ? '' : `(${c.reason})`}`)).join(', ')}`;
}

/** `scheme://host[:port]` of a URL, without a user name and password (the URL itself when it has no scheme). */
export function originOf(url: string): string {
  const m = /^([a-z][a-z0-9+.-]*:\/\/)(?:[^/?#@]*@)?([^/?#]*)/i.exec(url);
  return m === null ? url : `${m[1] ?? ''}${m[2] ?? ''}`;
}

/** The part of a probe's message after its `GET <url>/clusters/*\/apis: ` (the line already names the URL). */
function probeMessage(error: string | undefined): string {
  return x((error ?? 'unknown error').replace(/^GET \S+\/clusters\/\*\/apis: /, ''));
}

/** One line of the Serving section: the URL (and where requests went, when rewritten) and its outcome. */
function servingLine(
  s: ServingFinding,
  requestUrl: string | undefined,
  r: ExplainReport,
  style: Style,
): string {
  const where = `${x(s.url)}${requestUrl === undefined ? '' : ` → ${x(requestUrl)}`}`;
  if (s.serving) return `  ${style.green('✓')} ${where}: serving`;
  const why = probeMessage(s.error);
  const exp = r.export.ref;
  const notServing = (mark: string, hint?: string): string =>
    `  ${mark} ${where}: not serving: ${why}${hint === undefined ? '' : ` (${hint})`}`;
  switch (s.reason) {
    case 'notFound':
      return notServing(
        style.yellow('~'),
        `kcp publishes a shard's URL before its virtual workspace serves; retry shortly, or use watchEndpoints with probe${requestUrl === undefined ? '' : ", and check that --rewrite-url points at the shard's virtual workspace"}`,
      );
    case 'forbidden':
      return notServing(
        style.red('✗'),
        `these credentials lack get on apiexports/content of export ${x(exp.name)} in ${x(exp.path)}, which the virtual workspace requires`,
      );
    case 'unauthorized':
      return notServing(style.red('✗'), 'the endpoint does not accept these credentials');
    case 'unreachable':
      return notServing(
        style.red('✗'),
        requestUrl === undefined
          ? `the host cannot be reached from here; if kcp publishes an address inside its own network, send the requests to one you can reach with --rewrite-url ${x(originOf(s.url))}=<reachable URL>`
          : `the target of --rewrite-url, ${x(originOf(requestUrl))}, cannot be reached from here`,
      );
    default:
      return notServing(style.red('✗'));
  }
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The text output of `explain`: each link of the chain, the verdict, and numbered next steps. */
export function renderExplain(r: ExplainReport, style: Style): string {
  const out: string[] = [];
  const e = r.export;
  out.push(style.bold(`APIExport ${formatRef(e.ref)}`));
  if (e.state === 'found') {
    const id =
      e.identityHash === undefined ? 'no identity hash yet' : `identity ${x(e.identityHash.slice(0, 12))}…`;
    const lc = e.logicalCluster === undefined ? '' : ` in logical cluster ${x(e.logicalCluster)}`;
    const legacy =
      e.virtualWorkspaceUrls.length === 0
        ? ''
        : `; legacy virtualWorkspaces: ${e.virtualWorkspaceUrls.map(x).join(', ')}`;
    const skip = e.skipsEndpointSlice ? '; annotated skip-endpointslice' : '';
    out.push(
      `  ${mark('found', style)} found${lc} (${id}); ${plural(e.resourceSchemas.length, 'resource schema')}${legacy}${skip}`,
    );
    for (const x of e.resources) {
      const storage =
        x.storage === 'virtual'
          ? `virtual storage${x.reference === undefined ? '' : ` (${x.reference})`}`
          : 'CRD storage';
      out.push(
        `  ${style.dim('-')} exports ${x.name}${x.group === '' ? '' : `.${x.group}`} (schema ${x.schema}, ${storage})`,
      );
    }
  } else out.push(`  ${mark(e.state, style)} ${failure(e.state, e.message)}`);

  out.push(style.bold('APIResourceSchemas'));
  if (r.schemas.length === 0)
    out.push(
      `  ${style.dim('-')} ${e.state === 'found' ? 'the export names none' : 'not checked (no export)'}`,
    );
  for (const s of r.schemas) {
    out.push(
      s.state === 'found'
        ? `  ${mark('found', style)} ${x(s.name)}: ${x(s.resource ?? '?')}.${x(s.group ?? '')} (kind ${x(s.kind ?? '?')}, versions ${(s.versions ?? []).map(x).join(', ')})`
        : `  ${mark(s.state, style)} ${x(s.name)}: ${failure(s.state, s.message)}`,
    );
  }

  out.push(style.bold('APIBindings'));
  if (r.consumers.length === 0) out.push(`  ${style.dim('-')} not checked (pass --consumer <workspace>)`);
  for (const c of r.consumers) {
    if (c.state !== 'found')
      out.push(`  ${mark(c.state, style)} ${c.workspace}: ${failure(c.state, c.message)}`);
    else if (c.bindings.length === 0)
      out.push(`  ${style.red('✗')} ${c.workspace}: no APIBinding references the export`);
    for (const b of c.bindings) {
      const phase = b.deleting ? 'being deleted' : b.phase === '' ? 'not reconciled yet' : x(b.phase);
      const ok = b.phase === 'Bound' && !b.deleting;
      out.push(
        `  ${ok ? style.green('✓') : style.yellow('~')} ${c.workspace}: APIBinding ${x(b.name)} (${phase})${b.conditionsNotTrue.length === 0 ? '' : `; ${conditions(b.conditionsNotTrue)}`}`,
      );
    }
  }

  const s = r.slice;
  out.push(style.bold(`APIExportEndpointSlice ${formatRef(s.ref)}`));
  if (s.state === 'found') {
    const part = s.partition === undefined ? '' : `; partition ${x(s.partition)}`;
    const sel = s.shardSelector === undefined ? '' : `; shard selector "${x(s.shardSelector)}"`;
    const path =
      s.exportPath === undefined
        ? ''
        : `; spec.export.path ${s.exportPath === '' ? '(empty)' : x(s.exportPath)}`;
    out.push(
      `  ${mark('found', style)} found; ${conditions(s.conditions)}; ${plural(s.endpoints.length, 'endpoint')}${part}${sel}${path}`,
    );
  } else out.push(`  ${mark(s.state, style)} ${failure(s.state, s.message)}`);

  const p = r.partition;
  if (p !== undefined) {
    out.push(style.bold(`Partition ${p.name}`));
    out.push(
      p.state === 'found'
        ? `  ${p.problem === undefined ? mark('found', style) : style.red('✗')} found; selector ${p.selector === undefined || p.selector === '' ? '(everything)' : p.selector}${p.problem === undefined ? '' : ` is invalid: ${p.problem}`}`
        : `  ${mark(p.state, style)} ${failure(p.state, p.message)}`,
    );
  }

  out.push(style.bold('Shards'));
  if (r.shards.state === 'found') {
    for (const sh of r.shards.shards) {
      const labels = Object.entries(sh.labels)
        .map(([k, v]) => `${k}=${v}`)
        .join(',');
      const ok = sh.inPartition && sh.virtualWorkspaceURL !== undefined;
      out.push(
        `  ${ok ? style.green('✓') : style.yellow('~')} ${sh.name} (${labels}): ${sh.inPartition ? 'in' : 'outside'} the slice's partition; ${sh.virtualWorkspaceURL === undefined ? 'no virtualWorkspaceURL' : `VW ${sh.virtualWorkspaceURL}`}`,
      );
    }
  } else if (r.shards.state === 'skipped') out.push(`  ${style.dim('-')} not checked (no slice)`);
  else out.push(`  ${mark(r.shards.state, style)} ${failure(r.shards.state, r.shards.message)}`);

  out.push(style.bold('Access to the virtual workspace (apiexports/content)'));
  if (r.access.state === 'found') {
    const verbs = r.access.verbs
      .map((v) => `${v.verb} ${v.allowed ? style.green('✓') : style.red('✗')}`)
      .join(', ');
    const missing = r.access.verbs.filter((v) => !v.allowed).map((v) => v.verb);
    out.push(
      `  ${missing.length === 0 ? style.green('✓') : style.red('✗')} ${verbs}${missing.length === 0 ? '' : ` (missing: ${missing.join(', ')})`}`,
    );
  } else if (r.access.state === 'skipped') out.push(`  ${style.dim('-')} not checked (no export)`);
  else out.push(`  ${mark(r.access.state, style)} ${failure(r.access.state, r.access.message)}`);

  out.push(style.bold('Result'));
  const res = r.resolution;
  if (res === null) out.push(`  ${style.red('Forbidden')}: every object was refused`);
  else {
    out.push(
      `  ${colourPhase(res.phase, style)} (${res.reason}), source ${res.source}, ${plural(res.urls.length, 'URL')}`,
    );
    const rewritten = new Map((r.rewrittenUrls ?? []).map((w) => [w.url, w.requestUrl]));
    for (const u of res.urls) {
      const shown = redactUrlUserinfo(u);
      const to = rewritten.get(shown);
      out.push(`  ${x(shown)}${to === undefined ? '' : ` → ${x(to)} ${style.dim('(rewritten)')}`}`);
    }
    if (r.rewrittenUrls?.length === 0 && res.urls.length > 0) {
      out.push(`  ${style.dim('--rewrite-url changes none of these URLs')}`);
    }
    out.push(`  ${x(res.message)}`);
    for (const w of res.warnings) out.push(`  ${style.yellow(`warning: ${x(w)}`)}`);
  }

  out.push(style.bold('Serving (GET <url>/clusters/*/apis)'));
  if (r.serving === undefined) out.push(`  ${style.dim('-')} not checked (--no-probe)`);
  else if (r.serving.length === 0) out.push(`  ${style.dim('-')} not checked (no URL)`);
  else {
    const rewritten = new Map((r.rewrittenUrls ?? []).map((w) => [w.url, w.requestUrl]));
    for (const s of r.serving) out.push(servingLine(s, rewritten.get(s.url), r, style));
  }

  out.push(style.bold('Next steps'));
  r.nextSteps.forEach((step, i) => {
    const [first = '', ...rest] = step.split('\n');
    out.push(`  ${i + 1}. ${x(first)}`, ...rest.map((l) => `     ${x(l)}`));
  });
  return safeText(`${out.join('\n')}\n`);
}
