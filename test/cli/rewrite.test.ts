import { describe, expect, it } from 'vitest';
import { parseCli, UsageError } from '../../src/cli/args.js';
import { parseRewriteUrls, RewriteUrlError } from '../../src/cli/rewrite.js';

function rewriter(...values: string[]): (url: string) => string {
  const f = parseRewriteUrls(values);
  if (f === undefined) throw new Error('no rewrite function');
  return f;
}

function refusal(...values: string[]): string {
  try {
    parseRewriteUrls(values);
  } catch (e) {
    if (e instanceof RewriteUrlError) return e.message;
    throw e;
  }
  throw new Error(`no error for ${values.join(' ')}`);
}

const VW = '/services/apiexport/2hwz/cowboys';

describe('parseRewriteUrls', () => {
  it('gives no function when the flag is not given', () => {
    expect(parseRewriteUrls([])).toBeUndefined();
  });

  it('replaces the FROM prefix of a matching URL by TO and keeps the rest of the path', () => {
    const f = rewriter('https://10.0.0.5:6443=https://127.0.0.1:7443');
    expect(f(`https://10.0.0.5:6443${VW}`)).toBe(`https://127.0.0.1:7443${VW}`);
    expect(f('https://10.0.0.5:6443')).toBe('https://127.0.0.1:7443');
  });

  it('moves a URL under a path of TO, with or without trailing slashes on either side', () => {
    const f = rewriter('https://shard-1.internal:6443/=http://127.0.0.1:8080/proxy/shard-1/');
    expect(f(`https://shard-1.internal:6443${VW}`)).toBe(`http://127.0.0.1:8080/proxy/shard-1${VW}`);
    expect(f('https://shard-1.internal:6443/')).toBe('http://127.0.0.1:8080/proxy/shard-1');
  });

  it('leaves a URL that no FROM matches exactly as it is', () => {
    const f = rewriter('https://a:1=https://b:2');
    for (const url of [
      `https://a:2${VW}`, // another port
      `http://a:1${VW}`, // another scheme
      `https://ab:1${VW}`, // another host
      `https://A.example:1${VW}`, // not a URL the rewrite knows, kept verbatim
      'not a url',
      'ftp://a:1/x',
    ])
      expect(f(url)).toBe(url);
  });

  it('compares scheme, host and port as URLs: case, default ports and IPv6 are normalised', () => {
    const f = rewriter('HTTPS://Shard.Example:443/X=https://[::1]:7443');
    expect(f(`https://shard.example/X${VW}`)).toBe(`https://[::1]:7443${VW}`);
    expect(f(`https://SHARD.example:443/X${VW}`)).toBe(`https://[::1]:7443${VW}`);
    // the path is case-sensitive, like URLs are
    expect(f(`https://shard.example/x${VW}`)).toBe(`https://shard.example/x${VW}`);
    const g = rewriter('http://[::1]:80=http://127.0.0.1:9');
    expect(g('http://[0:0::1]/services')).toBe('http://127.0.0.1:9/services');
  });

  it('matches the FROM path on segment boundaries only', () => {
    const f = rewriter('https://a:1/x=https://b:2/y');
    expect(f('https://a:1/x')).toBe('https://b:2/y');
    expect(f('https://a:1/x/')).toBe('https://b:2/y');
    expect(f('https://a:1/x/z')).toBe('https://b:2/y/z');
    expect(f('https://a:1/xy')).toBe('https://a:1/xy');
    expect(f('https://a:1/xy/z')).toBe('https://a:1/xy/z');
    expect(f('https://a:1/')).toBe('https://a:1/');
  });

  it('applies the longest matching FROM, whatever the order of the flags', () => {
    for (const values of [
      [
        'https://a:1=https://root:1',
        'https://a:1/services/apiexport=https://vw:2',
        'https://a:1/services=https://s:3',
      ],
      [
        'https://a:1/services=https://s:3',
        'https://a:1/services/apiexport=https://vw:2',
        'https://a:1=https://root:1',
      ],
    ]) {
      const f = rewriter(...values);
      expect(f(`https://a:1${VW}`)).toBe('https://vw:2/2hwz/cowboys');
      expect(f('https://a:1/services/other')).toBe('https://s:3/other');
      expect(f('https://a:1/clusters/root')).toBe('https://root:1/clusters/root');
    }
  });

  it('keeps the query and fragment of the published URL and drops its user name and password', () => {
    const f = rewriter('https://a:1=https://b:2');
    expect(f('https://a:1/x?watch=1#top')).toBe('https://b:2/x?watch=1#top');
    expect(f('https://user:secret-pw@a:1/x')).toBe('https://b:2/x');
  });

  it('accepts a FROM path that contains "=" and splits at the "=" that starts TO', () => {
    const f = rewriter('https://a:1/k=v=https://b:2');
    expect(f('https://a:1/k=v/x')).toBe('https://b:2/x');
  });

  it.each([
    ['https://a:1', 'expected FROM=TO, two absolute http(s) URLs'],
    ['', 'expected FROM=TO'],
    ['=https://b:2', 'FROM is empty'],
    ['https://a:1=', 'TO is empty'],
    ['a:1=https://b:2', 'FROM is not an absolute http(s) URL'],
    ['/services=https://b:2', 'FROM is not an absolute http(s) URL'],
    ['https://a:1=b:2', 'TO is not an absolute http(s) URL'],
    ['https://a:1=ftp://b:2', 'TO is not an absolute http(s) URL'],
    ['ftp://a:1=https://b:2', 'FROM is not an absolute http(s) URL'],
    ['https:///x=https://b:2', 'FROM is not an absolute http(s) URL'],
    ['https://a:99999=https://b:2', 'FROM is not an absolute http(s) URL'],
    ['https://a:1?x=1=https://b:2', 'FROM must not have a query (?) or a fragment (#)'],
    ['https://a:1/x#f=https://b:2', 'FROM must not have a query (?) or a fragment (#)'],
    ['https://a:1=https://b:2/?', 'TO must not have a query (?) or a fragment (#)'],
    ['https://a:1=https://b:2#', 'TO must not have a query (?) or a fragment (#)'],
    ['https://a :1=https://b:2', 'FROM contains whitespace or a control character'],
    ['https://a:1=https://b:2/\n', 'TO contains whitespace or a control character'],
    [' https://a:1=https://b:2', 'FROM contains whitespace or a control character'],
  ])('refuses %j: %s', (value, reason) => {
    const message = refusal(value);
    expect(message).toMatch(/^invalid --rewrite-url "/);
    expect(message).toContain(reason);
  });

  it('refuses credentials in FROM or TO without printing them', () => {
    for (const value of [
      'https://admin:hunter22@a:1=https://b:2',
      'https://a:1=https://admin:hunter22@b:2',
      'https://a:1=https://hunter22@b:2',
      'https://@a:1=https://b:2',
    ]) {
      const message = refusal(value);
      expect(message).toMatch(/(FROM|TO) must not contain a user name or password/);
      expect(message).not.toContain('hunter22');
    }
  });

  it('escapes control characters and cuts long values in the message', () => {
    expect(refusal('https://a:1\u001b[31m=https://b:2')).toContain('https://a:1\\u001b[31m=');
    const long = refusal(`https://a:1/${'x'.repeat(1000)}`);
    expect(long.length).toBeLessThan(400);
    expect(long).toContain('…"');
  });

  it('refuses a FROM given twice, also when written differently', () => {
    expect(refusal('https://a:1/x=https://b:2', 'https://a:1/x=https://c:3')).toContain(
      'FROM https://a:1/x is given more than once',
    );
    expect(refusal('https://A:443/x/=https://b:2', 'https://a/x=https://c:3')).toContain(
      'FROM https://a:443/x is given more than once',
    );
    // same host, other paths or ports: distinct FROMs
    expect(() => rewriter('https://a:1/x=https://b:2', 'https://a:1/xy=https://b:3')).not.toThrow();
    expect(() => rewriter('https://a:1=https://b:2', 'https://a:2=https://b:3')).not.toThrow();
  });
});

describe('--rewrite-url on the command line', () => {
  it('is repeatable and becomes the rewriteUrl of the parsed arguments', () => {
    const a = parseCli([
      'consumers',
      'root:org:p:x',
      '--rewrite-url',
      'https://a:1=https://b:2',
      '--rewrite-url=https://a:1/services=https://c:3',
    ]);
    expect(a.rewriteUrl?.(`https://a:1${VW}`)).toBe('https://c:3/apiexport/2hwz/cowboys');
    expect(a.rewriteUrl?.('https://a:1/clusters/x')).toBe('https://b:2/clusters/x');
    expect(parseCli(['consumers', 'root:org:p:x']).rewriteUrl).toBeUndefined();
  });

  it('is accepted by the commands that resolve endpoints and refused by the others', () => {
    for (const c of ['get', 'watch', 'wait', 'explain', 'consumers']) {
      expect(parseCli([c, 'root:org:p:x', '--rewrite-url', 'https://a:1=https://b:2']).rewriteUrl).toBeTypeOf(
        'function',
      );
    }
    expect(() => parseCli(['nudge', 'root:org:p:x', '--rewrite-url', 'https://a:1=https://b:2'])).toThrow(
      'flag --rewrite-url is not accepted by "nudge"',
    );
  });

  it('turns a bad value into a usage error with the command hint', () => {
    let error: unknown;
    try {
      parseCli(['explain', 'root:org:p:x', '--rewrite-url', 'https://a:1']);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).message).toContain('invalid --rewrite-url "https://a:1": expected FROM=TO');
    expect((error as UsageError).hint).toBe("run 'kcp-endpoints explain --help' for usage");
    expect(() => parseCli(['get', 'root:org:p:x', '--rewrite-url'])).toThrow(
      'flag --rewrite-url needs a value',
    );
  });
});
