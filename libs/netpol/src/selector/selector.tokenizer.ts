/**
 * Tokenizer for the Calico selector language, written to accept and reject exactly what Calico's
 * `libcalico-go/lib/selector/tokenizer` does: the same keyword patterns tried in the same order (so
 * `startswith` and `notin` are keywords like in Calico, and a label spelled `in-zone` is read as the `in`
 * operator), label keys `[a-zA-Z0-9_./-]{1,512}`, string literals in single or double quotes with no escapes.
 * Each token carries its offset so parse errors can name the position.
 */

/** Kinds of selector tokens. */
export type TokenKind =
  | 'label'
  | 'string'
  | 'lbrace'
  | 'rbrace'
  | 'comma'
  | 'eq'
  | 'ne'
  | 'in'
  | 'notin'
  | 'contains'
  | 'startswith'
  | 'endswith'
  | 'all'
  | 'global'
  | 'has'
  | 'not'
  | 'lparen'
  | 'rparen'
  | 'and'
  | 'or'
  | 'eof';

/** One token; `value` is the label name, string contents or `has(...)` label. */
export interface Token {
  kind: TokenKind;
  value?: string;
  /** Offset of the token's first character in the selector (0-based). */
  pos: number;
  /** Offset just after the token. */
  end: number;
}

/** A selector that Calico would refuse, with the offset where it goes wrong. */
export class SelectorSyntaxError extends Error {
  constructor(
    readonly selector: string,
    /** 0-based offset of the offending character or token. */
    readonly position: number,
    readonly reason: string,
  ) {
    super(`invalid selector at position ${position} (column ${position + 1}): ${reason}`);
    this.name = 'SelectorSyntaxError';
  }
}

const LABEL = '[a-zA-Z0-9_./-]{1,512}';
// Go's RE2 `\s` is [\t\n\f\r ]; spelled out so JavaScript's Unicode-aware `\s` does not accept more.
const WS = '[\\t\\n\\f\\r ]';
const KEYWORDS: [RegExp, TokenKind][] = [
  [new RegExp(`^has\\(${WS}*(${LABEL})${WS}*\\)`), 'has'],
  [new RegExp(`^all\\(${WS}*\\)`), 'all'],
  [new RegExp(`^global\\(${WS}*\\)`), 'global'],
  [new RegExp(`^not${WS}*in\\b`), 'notin'],
  [/^in\b/, 'in'],
  [/^contains\b/, 'contains'],
  [new RegExp(`^starts${WS}*with\\b`), 'startswith'],
  [new RegExp(`^ends${WS}*with\\b`), 'endswith'],
];
const LABEL_RE = new RegExp(`^${LABEL}`);
/** Characters skipped between tokens. Calico skips blanks; YAML block scalars also bring line breaks. */
const SKIP = new Set([' ', '\t', '\n', '\r']);

/** Splits a selector into tokens, ending with `eof`; throws SelectorSyntaxError where Calico's tokenizer fails. */
export function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = input.length;
  while (true) {
    while (i < n && SKIP.has(input[i])) i++;
    if (i >= n) {
      tokens.push({ kind: 'eof', pos: n, end: n });
      return tokens;
    }
    const c = input[i];
    const start = i;
    const push = (kind: TokenKind, len: number, value?: string): void => {
      const t: Token = { kind, pos: start, end: start + len };
      if (value !== undefined) t.value = value;
      tokens.push(t);
      i = start + len;
    };
    switch (c) {
      case '(':
        push('lparen', 1);
        continue;
      case ')':
        push('rparen', 1);
        continue;
      case '{':
        push('lbrace', 1);
        continue;
      case '}':
        push('rbrace', 1);
        continue;
      case ',':
        push('comma', 1);
        continue;
      case '"':
      case "'": {
        const close = input.indexOf(c, i + 1);
        if (close === -1) throw new SelectorSyntaxError(input, start, `unterminated string: no closing ${c}`);
        push('string', close + 1 - start, input.slice(i + 1, close));
        continue;
      }
      case '=':
        if (input[i + 1] === '=') push('eq', 2);
        else throw new SelectorSyntaxError(input, start, 'expected == (a single = is not an operator)');
        continue;
      case '!':
        if (input[i + 1] === '=') push('ne', 2);
        else push('not', 1);
        continue;
      case '&':
        if (input[i + 1] === '&') push('and', 2);
        else throw new SelectorSyntaxError(input, start, 'expected && (a single & is not an operator)');
        continue;
      case '|':
        if (input[i + 1] === '|') push('or', 2);
        else throw new SelectorSyntaxError(input, start, 'expected || (a single | is not an operator)');
        continue;
    }
    const rest = input.slice(i);
    let matched = false;
    for (const [re, kind] of KEYWORDS) {
      const m = re.exec(rest);
      if (m) {
        push(kind, m[0].length, kind === 'has' ? m[1] : undefined);
        matched = true;
        break;
      }
    }
    if (matched) continue;
    const label = LABEL_RE.exec(rest);
    if (label) {
      push('label', label[0].length, label[0]);
      continue;
    }
    throw new SelectorSyntaxError(input, start, `unexpected character ${JSON.stringify(c)}`);
  }
}
