// Cases written from the Calico selector documentation (docs.tigera.io "Selectors": all(), global(), has(),
// ==, !=, in, not in, contains, starts with, ends with, !, &&, ||, parentheses, both quote styles) and from the
// behaviour of Calico's tokenizer/parser (libcalico-go/lib/selector).
import { describe, expect, test } from '@jest/globals';
import { canonicalSelector, parseSelector } from './selector.parser.js';
import { LabelInterner, selector, trySelector } from './selector.js';
import { SelectorSyntaxError, tokenize } from './selector.tokenizer.js';

const m = (sel: string, labels: Record<string, string>): boolean => selector(sel).matches(labels);

describe('Calico selector evaluation (docs table)', () => {
  const web = { app: 'web', tier: 'frontend', 'k8s-app': 'kube-dns', 'projectcalico.org/namespace': 'shop' };
  test.each([
    ['all()', {}, true],
    ['all()', web, true],
    ['', web, true],
    ['   ', {}, true],
    ["app == 'web'", web, true],
    ['app == "web"', web, true],
    ["app == 'db'", web, false],
    ["app == 'web'", {}, false],
    ["app != 'db'", web, true],
    ["app != 'web'", web, false],
    ["app != 'web'", {}, true], // != matches when the label is absent
    ['has(app)', web, true],
    ['has(app)', {}, false],
    ['!has(app)', {}, true],
    ['!has(app)', web, false],
    ["app in {'web', 'db'}", web, true],
    ["app in {'db'}", web, false],
    ["app in {'web'}", {}, false],
    ["app not in {'db'}", web, true],
    ["app not in {'web','db'}", web, false],
    ["app not in {'web'}", {}, true], // not in matches when the label is absent
    ['app in {}', web, false],
    ['app not in {}', web, true],
    ["tier contains 'ont'", web, true],
    ["tier contains 'xyz'", web, false],
    ["tier contains ''", web, true],
    ["missing contains ''", web, false],
    ["tier starts with 'front'", web, true],
    ["tier starts with 'end'", web, false],
    ["tier ends with 'end'", web, true],
    ["tier ends with 'front'", web, false],
    ["k8s-app == 'kube-dns'", web, true],
    ["app == 'web' && tier == 'frontend'", web, true],
    ["app == 'web' && tier == 'backend'", web, false],
    ["app == 'db' || tier == 'frontend'", web, true],
    ["app == 'db' || tier == 'backend'", web, false],
    ["!(app == 'web')", web, false],
    ["!app == 'web'", web, false], // ! binds tighter than ==-expression boundaries: Not(app == 'web')
    ['!!has(app)', web, true],
    ["app == 'db' || tier == 'frontend' && has(nope)", web, false], // && binds tighter than ||
    ["(app == 'db' || tier == 'frontend') && has(app)", web, true],
    ['global()', web, false], // namespaced endpoints carry projectcalico.org/namespace
    ['global()', { role: 'imds' }, true],
    ["a == 'x y'", { a: 'x y' }, true],
    ['a == "it\'s"', { a: "it's" }, true],
    ['a == \'say "hi"\'', { a: 'say "hi"' }, true],
    ["example.com/a_b-c == 'v'", { 'example.com/a_b-c': 'v' }, true],
    ["constructor == 'x'", {}, false], // no prototype leaks
    ['has(constructor)', {}, false],
  ])('%s on %j -> %s', (sel, labels, want) => {
    expect(m(sel, labels)).toBe(want);
  });

  test('whitespace rules: operators need no spaces, keywords accept any spacing', () => {
    expect(m("app=='web'&&tier=='frontend'", web)).toBe(true);
    expect(m('has( app )', web)).toBe(true);
    expect(m('all( )', web)).toBe(true);
    expect(m("app  not   in  {'x'}", web)).toBe(true);
    expect(m("app notin {'x'}", web)).toBe(true); // Calico's `not\s*in` accepts no space
    expect(m("tier startswith 'fr'", web)).toBe(true);
    expect(m("tier endswith 'nd'", web)).toBe(true);
    expect(m("\tapp == 'web'\t", web)).toBe(true);
    expect(m("app in {'web',}", web)).toBe(true); // trailing comma accepted by Calico's set parser
  });
});

describe('Calico selector rejection with positions', () => {
  const pos = (sel: string): number => {
    const r = trySelector(sel);
    if (!(r instanceof SelectorSyntaxError)) throw new Error(`expected ${sel} to be rejected`);
    return r.position;
  };
  test.each([
    ["app = 'web'", 4], // single =
    ['app == web', 7], // unquoted value
    ["app == 'web", 7], // unterminated string
    ['app == "web', 7],
    ["app 'web'", 4], // missing operator
    ['app', 3], // label alone
    ["app == 'a' &", 11], // single &
    ["app == 'a' | b == 'c'", 11], // single |
    ["app == 'a' &&", 13], // dangling &&
    ["(app == 'a'", 11], // unclosed paren
    ["app == 'a')", 10], // stray )
    ["app in 'a'", 7], // set needs braces
    ["app in {'a' 'b'}", 12], // missing comma
    ['app in {a}', 8], // unquoted set member
    ["app == 'a' app == 'b'", 11], // two expressions without operator
    ['has(app', 3], // has( without ) is a label then (
    ['has()', 3],
    ['all', 3],
    ['!', 1],
    ["app == 'a' && !", 15],
    ['@app == "x"', 0], // invalid label character
    ["app ~= 'x'", 4],
    ["in-zone == 'a'", 0], // Calico reads `in` as the operator here
    ['a'.repeat(513) + " == 'x'", 512], // label keys are at most 512 characters
  ])('%s rejected at %i', (sel, at) => {
    expect(pos(sel)).toBe(at);
  });

  test('the error message names the position and column', () => {
    const r = trySelector("app = 'web'");
    expect(r).toBeInstanceOf(SelectorSyntaxError);
    expect((r as SelectorSyntaxError).message).toMatch(/position 4 \(column 5\)/);
  });

  test('the tokenizer records offsets', () => {
    expect(tokenize("a == 'b'").map((t) => [t.kind, t.pos])).toEqual([
      ['label', 0],
      ['eq', 2],
      ['string', 5],
      ['eof', 8],
    ]);
  });
});

describe('canonical form (Calico String())', () => {
  test.each([
    ['', 'all()'],
    ["app=='web'", 'app == "web"'],
    ["a == 'x' && b != 'y'", '(a == "x" && b != "y")'],
    ["a == 'x' || b == 'y' && c == 'z'", '(a == "x" || (b == "y" && c == "z"))'],
    ["app in {'b','a','b'}", 'app in {"a", "b"}'],
    ["app not in {'x'}", 'app not in {"x"}'],
    ['!has(a)', '!has(a)'],
    ['!!has(a)', 'has(a)'],
    ["a contains 'x'", 'a contains "x"'],
    ["a startswith 'x'", 'a starts with "x"'],
    ["a ends  with 'x'", 'a ends with "x"'],
    ['a == \'say "hi"\'', 'a == \'say "hi"\''],
    ['global()', 'global()'],
  ])('%s -> %s', (sel, canon) => {
    expect(canonicalSelector(parseSelector(sel))).toBe(canon);
  });

  test('the canonical form parses back to the same selector', () => {
    for (const s of ["a == 'x' || !(b in {'1','2'}) && has(c)", "x starts with 'p' && y not in {}"]) {
      const c = canonicalSelector(parseSelector(s));
      expect(canonicalSelector(parseSelector(c))).toBe(c);
    }
  });
});

describe('compiled once, memoised per label set', () => {
  test('the same text returns the same compiled selector', () => {
    expect(selector("app == 'x'")).toBe(selector("app == 'x'"));
  });
  test('interned label sets share identity and carry verdicts', () => {
    const interner = new LabelInterner();
    const a = interner.intern({ b: '2', a: '1' });
    const b = interner.intern({ a: '1', b: '2' });
    expect(a).toBe(b);
    const s = selector("a == '1'");
    expect(s.matches(a)).toBe(true);
    expect(a.verdicts.get(s)).toBe(true);
  });
  test('one set per label map whatever its order, its non-string values, or whether it came as a Map', () => {
    const interner = new LabelInterner();
    const a = interner.intern({ b: '2', a: '1' });
    expect(interner.intern({ b: '2', a: '1' })).toBe(a);
    expect(interner.intern({ a: '1', b: '2' })).toBe(a);
    expect(interner.intern({ a: '1', n: 3 as unknown as string, b: '2' })).toBe(a);
    expect(
      interner.intern(
        new Map([
          ['b', '2'],
          ['a', '1'],
        ]),
      ),
    ).toBe(a);
    expect(interner.intern({ a: '1', b: '3' })).not.toBe(a);
    expect(interner.size).toBe(2);
  });
  test('many labels in any order, and labels with overrides, intern as their merged map would', () => {
    const interner = new LabelInterner();
    const many = Array.from({ length: 30 }, (_v, i) => [`k${String(i).padStart(2, '0')}`, `v${i}`] as const);
    const a = interner.intern(Object.fromEntries(many));
    expect(interner.intern(Object.fromEntries([...many].reverse()))).toBe(a);
    expect([...a.labels.keys()]).toEqual(many.map(([k]) => k));
    const merged = interner.intern({ b: '2', a: 'over', c: '3' });
    expect(interner.internOverridden({ c: '3', a: '1', n: 4, b: '2' }, ['a', 'over'])).toBe(merged);
    expect(interner.internOverridden(undefined, ['a', '1', 'b', '2'])).toBe(
      interner.intern({ a: '1', b: '2' }),
    );
  });
  test('required terms feed the index', () => {
    expect(selector("app == 'web' && has(tier)").terms).toEqual([
      { key: 'app', value: 'web' },
      { key: 'tier' },
    ]);
    expect(selector("app == 'web' || has(tier)").terms).toEqual([]);
    expect(selector("app != 'web'").terms).toEqual([]);
  });
});
