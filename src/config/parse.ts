/**
 * Reading and validating one kubeconfig document. YAML syntax errors carry line and column; schema errors
 * name the field (`users[1].user.token`) and, for files, where it is.
 */
import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument, type Document } from 'yaml';
import { KubeconfigError } from '../errors.js';
import { checkKubeconfig, type KubeconfigIssue, type KubeconfigObject } from './schema.js';

/** Formats a schema/YAML path the way kubectl users write fields: `users[1].user.token`. */
export function formatField(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}

/** Describes a value's type in words for error messages (never the value itself: it may be a secret). */
function typeWord(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  return `a ${typeof value}`;
}

function valueAt(root: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let cur: unknown = root;
  for (const key of path) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[key];
  }
  return cur;
}

/** "line 7, column 3" of the deepest existing node on `path`, when the document is known. */
function locate(
  doc: Document | undefined,
  lines: LineCounter | undefined,
  path: ReadonlyArray<PropertyKey>,
): string {
  if (doc === undefined || lines === undefined) return '';
  for (let n = path.length; n >= 0; n--) {
    const node = doc.getIn(path.slice(0, n) as unknown[], true) as
      { range?: [number, number, number] } | undefined;
    if (node?.range !== undefined) {
      const pos = lines.linePos(node.range[0]);
      return ` (line ${pos.line}, column ${pos.col})`;
    }
  }
  return '';
}

function describeIssue(issue: KubeconfigIssue, raw: unknown): string {
  const value = valueAt(raw, issue.path);
  if (value === undefined && (issue.code === 'invalid_type' || issue.code === 'invalid_union')) {
    return 'is required';
  }
  if (issue.code === 'invalid_type') {
    return `must be ${issue.expected === 'array' ? 'a list' : issue.expected === 'object' ? 'a map' : `a ${issue.expected ?? 'value'}`}, got ${typeWord(value)}`;
  }
  if (issue.code === 'invalid_union') return `must be a string, got ${typeWord(value)}`;
  return `must be one of ${(issue.values ?? []).map((v) => JSON.stringify(v)).join(', ')}`;
}

/**
 * Validates an already-parsed kubeconfig value.
 * @throws KubeconfigError naming the file (when given) and the first offending field.
 */
export function validateKubeconfig(
  raw: unknown,
  file?: string,
  doc?: Document,
  lines?: LineCounter,
): KubeconfigObject {
  const input = raw ?? {};
  const result = checkKubeconfig(input);
  if (result.ok) return result.value;
  const { issue } = result;
  const field = formatField(issue.path);
  const where = file === undefined ? 'kubeconfig' : `kubeconfig ${file}`;
  const what = `${field === '' ? 'the document' : field} ${describeIssue(issue, input)}`;
  const pos = locate(doc, lines, issue.path);
  throw new KubeconfigError(`Invalid ${where}${pos}: ${what}`, {
    file,
    field: field === '' ? undefined : field,
  });
}

/**
 * Parses kubeconfig YAML (or JSON) text and validates it. An empty document is an empty kubeconfig.
 * @throws KubeconfigError with line and column for syntax errors, and the field for schema errors.
 */
export function parseKubeconfigText(text: string, file?: string): KubeconfigObject {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const err = doc.errors[0];
  if (err !== undefined) {
    const pos = err.linePos?.[0] ?? lines.linePos(err.pos[0]);
    const reason = err.message.split('\n')[0] ?? err.code;
    throw new KubeconfigError(
      `Invalid YAML in ${file === undefined ? 'kubeconfig' : `kubeconfig ${file}`} at line ${pos.line}, column ${pos.col}: ${reason}`,
      { file },
    );
  }
  return validateKubeconfig(doc.toJS({ maxAliasCount: 100 }), file, doc, lines);
}

/**
 * Reads and parses one kubeconfig file.
 * @throws NodeJS.ErrnoException for I/O errors (the caller decides whether a missing file is fatal),
 *   KubeconfigError for content errors.
 */
export function readKubeconfigFile(file: string): KubeconfigObject {
  const text = readFileSync(file, 'utf8');
  return parseKubeconfigText(text, file);
}
