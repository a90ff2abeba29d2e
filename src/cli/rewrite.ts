/**
 * `--rewrite-url FROM=TO`: prefix rewrites of published endpoint URLs, turned into the `rewriteUrl` function of
 * the client options. A published URL that starts with FROM (compared as URLs: scheme, host and port, then the
 * path on segment boundaries) gets FROM replaced by TO; of several matching FROMs the longest wins.
 *
 * @module
 */
import { redactUrlUserinfo } from '../redact.js';
import { escapeControl, hasControl } from '../text.js';

/** A `--rewrite-url` value that cannot be used; the message quotes the value without its credentials. */
export class RewriteUrlError extends Error {
  override readonly name = 'RewriteUrlError';
}

/** One parsed `FROM=TO` rule. */
interface Rule {
  /** `http:` or `https:` of FROM. */
  protocol: string;
  /** FROM's host, as the URL parser normalises it (lower case, punycode, IPv6 in brackets). */
  hostname: string;
  /** FROM's port, the scheme's default when none is written. */
  port: string;
  /** FROM's path without trailing slashes (`''` for the root). */
  path: string;
  /** TO's scheme, host and port (`https://127.0.0.1:7443`). */
  toOrigin: string;
  /** TO's path without trailing slashes. */
  toPath: string;
}

/** The longest part of a flag value quoted in an error message. */
const MAX_QUOTED_CHARS = 200;

/** A flag value as an error message may show it: credentials redacted, control characters escaped, cut. */
function quoted(value: string): string {
  const shown = escapeControl(redactUrlUserinfo(value));
  return shown.length > MAX_QUOTED_CHARS ? `${shown.slice(0, MAX_QUOTED_CHARS)}…` : shown;
}

const defaultPort = (protocol: string): string => (protocol === 'https:' ? '443' : '80');

const trimSlashes = (path: string): string => path.replace(/\/+$/, '');

/** Parses one side of `FROM=TO`; returns the URL or the reason it cannot be used. */
function parseSide(side: 'FROM' | 'TO', text: string): URL | string {
  if (text === '') return `${side} is empty`;
  if (hasControl(text) || /\s/.test(text)) return `${side} contains whitespace or a control character`;
  if (!/^https?:\/\/[^/?#]/i.test(text)) return `${side} is not an absolute http(s) URL`;
  if (/^https?:\/\/[^/?#]*@/i.test(text)) return `${side} must not contain a user name or password`;
  if (/[?#]/.test(text)) return `${side} must not have a query (?) or a fragment (#)`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `${side} is not an absolute http(s) URL`;
  }
  return url;
}

/** Splits `FROM=TO` at the first `=` that starts a URL (a FROM path may contain `=`). */
function split(value: string): [string, string] | undefined {
  const m = /^(.*?)=([a-z][a-z0-9+.-]*:\/\/.*)$/is.exec(value);
  if (m !== null) return [m[1] ?? '', m[2] ?? ''];
  const eq = value.indexOf('=');
  return eq < 0 ? undefined : [value.slice(0, eq), value.slice(eq + 1)];
}

function parseRule(value: string): Rule {
  const fail = (reason: string): never => {
    throw new RewriteUrlError(`invalid --rewrite-url "${quoted(value)}": ${reason}`);
  };
  const parts = split(value);
  if (parts === undefined) {
    return fail(
      'expected FROM=TO, two absolute http(s) URLs (e.g. https://10.0.0.5:6443=https://127.0.0.1:7443)',
    );
  }
  const from = parseSide('FROM', parts[0]);
  if (typeof from === 'string') return fail(from);
  const to = parseSide('TO', parts[1]);
  if (typeof to === 'string') return fail(to);
  return {
    protocol: from.protocol,
    hostname: from.hostname,
    port: from.port === '' ? defaultPort(from.protocol) : from.port,
    path: trimSlashes(from.pathname),
    toOrigin: to.origin,
    toPath: trimSlashes(to.pathname),
  };
}

/** The normalised FROM of a rule (`https://a:443/x`), to find duplicates and to name them. */
const fromText = (r: Rule): string => `${r.protocol}//${r.hostname}:${r.port}${r.path}`;

/** Where `url` (parsed) goes under `rule`, or `undefined` when the rule does not match. */
function apply(rule: Rule, url: URL): string | undefined {
  const port = url.port === '' ? defaultPort(url.protocol) : url.port;
  if (url.protocol !== rule.protocol || url.hostname !== rule.hostname || port !== rule.port)
    return undefined;
  const path = url.pathname;
  if (rule.path !== '' && path !== rule.path && !path.startsWith(`${rule.path}/`)) return undefined;
  // The published URL's user name and password (kcp publishes none) are not carried over.
  const out = `${rule.toOrigin}${rule.toPath}${path.slice(rule.path.length)}${url.search}${url.hash}`;
  return out.replace(/\/+$/, '');
}

/**
 * Turns the values of `--rewrite-url` into the client's `rewriteUrl`: `undefined` when there is none. The
 * function returns a published URL that no FROM matches as it is, and one that some FROM matches with the
 * longest such FROM replaced by its TO (query and fragment kept, trailing slashes dropped as the client does).
 * @throws RewriteUrlError for a value that is not `FROM=TO` with two absolute http(s) URLs without
 *   credentials, query or fragment, and for a FROM given twice.
 */
export function parseRewriteUrls(values: readonly string[]): ((url: string) => string) | undefined {
  if (values.length === 0) return undefined;
  const rules: Rule[] = [];
  const seen = new Set<string>();
  for (const value of values) {
    const rule = parseRule(value);
    const key = fromText(rule);
    if (seen.has(key)) {
      throw new RewriteUrlError(
        `invalid --rewrite-url "${quoted(value)}": FROM ${quoted(key)} is given more than once; give each FROM once`,
      );
    }
    seen.add(key);
    rules.push(rule);
  }
  // Longest FROM path first: the first rule that matches is the most specific one.
  rules.sort((a, b) => b.path.length - a.path.length);
  return (url) => {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return url;
    }
    for (const rule of rules) {
      const out = apply(rule, parsed);
      if (out !== undefined) return out;
    }
    return url;
  };
}
