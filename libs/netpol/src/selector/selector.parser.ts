/**
 * Parser, canonical form and evaluator of the Calico selector language (DESIGN.md section 10), shaped after
 * Calico's recursive-descent parser: `||` binds loosest, then `&&`, then prefix `!` (repeated `!` collapse),
 * then a single operation (`all()`, `global()`, `has(k)`, `k op 'v'`, `k [not] in {...}`) or a parenthesised
 * expression. An empty (or blank) selector means `all()`. Sets may be empty and may end with a comma, as in
 * Calico.
 */
import { SelectorSyntaxError, tokenize, type Token } from './selector.tokenizer.js';

/** A parsed selector expression. */
export type SelectorNode =
  | { op: 'all' }
  | { op: 'global' }
  | { op: 'has'; key: string }
  | { op: 'eq' | 'ne' | 'contains' | 'startswith' | 'endswith'; key: string; value: string }
  | { op: 'in' | 'notin'; key: string; values: string[] }
  | { op: 'not'; operand: SelectorNode }
  | { op: 'and' | 'or'; operands: SelectorNode[] };

/** Label map a selector is evaluated against. */
export type Labels = ReadonlyMap<string, string>;

/** The label Calico puts on every namespaced endpoint; `global()` means "not namespaced". */
export const NAMESPACE_LABEL = 'projectcalico.org/namespace';

class Parser {
  private i = 0;
  constructor(
    private readonly text: string,
    private readonly tokens: Token[],
  ) {}

  private peek(): Token {
    return this.tokens[this.i];
  }

  private fail(t: Token, reason: string): never {
    throw new SelectorSyntaxError(this.text, t.pos, reason);
  }

  parseRoot(): SelectorNode {
    if (this.peek().kind === 'eof') return { op: 'all' };
    const node = this.parseOr();
    const t = this.peek();
    if (t.kind !== 'eof')
      this.fail(t, `unexpected ${describe(t)} after a complete expression (missing && or ||?)`);
    return node;
  }

  private parseOr(): SelectorNode {
    const operands = [this.parseAnd()];
    while (this.peek().kind === 'or') {
      this.i++;
      operands.push(this.parseAnd());
    }
    return operands.length === 1 ? operands[0] : { op: 'or', operands };
  }

  private parseAnd(): SelectorNode {
    const operands = [this.parseOperation()];
    while (this.peek().kind === 'and') {
      this.i++;
      operands.push(this.parseOperation());
    }
    return operands.length === 1 ? operands[0] : { op: 'and', operands };
  }

  private parseOperation(): SelectorNode {
    let negated = false;
    while (this.peek().kind === 'not') {
      negated = !negated;
      this.i++;
    }
    const t = this.peek();
    let node: SelectorNode;
    switch (t.kind) {
      case 'has':
        node = { op: 'has', key: t.value! };
        this.i++;
        break;
      case 'all':
        node = { op: 'all' };
        this.i++;
        break;
      case 'global':
        node = { op: 'global' };
        this.i++;
        break;
      case 'label':
        node = this.parseLabelOperation(t);
        break;
      case 'lparen': {
        this.i++;
        node = this.parseOr();
        const close = this.peek();
        if (close.kind !== 'rparen')
          this.fail(close, `expected ) to close the ( at position ${t.pos}, found ${describe(close)}`);
        this.i++;
        break;
      }
      case 'eof':
        this.fail(t, 'unexpected end of selector: expected an expression');
      // falls through: fail() never returns
      default:
        this.fail(t, `unexpected ${describe(t)}: expected a label, has(), all(), global(), ! or (`);
    }
    return negated ? { op: 'not', operand: node } : node;
  }

  private parseLabelOperation(label: Token): SelectorNode {
    const key = label.value!;
    const op = this.tokens[this.i + 1];
    const arg = this.tokens[this.i + 2];
    switch (op.kind) {
      case 'eq':
      case 'ne':
      case 'contains':
      case 'startswith':
      case 'endswith': {
        if (!arg || arg.kind !== 'string')
          this.fail(
            arg ?? op,
            `expected a quoted string after ${describe(op)}, found ${arg ? describe(arg) : 'end of selector'}`,
          );
        this.i += 3;
        return { op: op.kind, key, value: arg.value! };
      }
      case 'in':
      case 'notin': {
        if (!arg || arg.kind !== 'lbrace')
          this.fail(
            arg ?? op,
            `expected { after ${describe(op)}, found ${arg ? describe(arg) : 'end of selector'}`,
          );
        this.i += 3;
        const values: string[] = [];
        while (this.peek().kind === 'string') {
          values.push(this.peek().value!);
          this.i++;
          if (this.peek().kind === 'comma') this.i++;
          else break;
        }
        const close = this.peek();
        if (close.kind !== 'rbrace')
          this.fail(close, `expected a quoted string, a comma or } in the set, found ${describe(close)}`);
        this.i++;
        return { op: op.kind, key, values: [...new Set(values)].sort() };
      }
      case 'eof':
        return this.fail(
          op,
          `unexpected end of selector after label "${key}": expected ==, !=, in, not in, contains, starts with or ends with`,
        );
      default:
        return this.fail(
          op,
          `expected ==, !=, in, not in, contains, starts with or ends with after label "${key}", found ${describe(op)}`,
        );
    }
  }
}

function describe(t: Token): string {
  switch (t.kind) {
    case 'label':
      return `label "${t.value}"`;
    case 'string':
      return `string "${t.value}"`;
    case 'eof':
      return 'end of selector';
    case 'has':
      return `has(${t.value})`;
    default:
      return (
        {
          lbrace: '{',
          rbrace: '}',
          comma: ',',
          eq: '==',
          ne: '!=',
          in: 'in',
          notin: 'not in',
          contains: 'contains',
          startswith: 'starts with',
          endswith: 'ends with',
          all: 'all()',
          global: 'global()',
          not: '!',
          lparen: '(',
          rparen: ')',
          and: '&&',
          or: '||',
        } as Record<string, string>
      )[t.kind];
  }
}

/** Parses a selector; throws SelectorSyntaxError (with `position`) where Calico would reject it. */
export function parseSelector(text: string): SelectorNode {
  return new Parser(text, tokenize(text)).parseRoot();
}

function quote(v: string): string {
  // Calico's String(): double quotes, unless the value itself holds one (then it cannot hold a single quote).
  return v.includes('"') ? `'${v}'` : `"${v}"`;
}

/** Calico's canonical text of a parsed selector (what `calicoctl` and Felix print). */
export function canonicalSelector(node: SelectorNode): string {
  switch (node.op) {
    case 'all':
      return 'all()';
    case 'global':
      return 'global()';
    case 'has':
      return `has(${node.key})`;
    case 'eq':
      return `${node.key} == ${quote(node.value)}`;
    case 'ne':
      return `${node.key} != ${quote(node.value)}`;
    case 'contains':
      return `${node.key} contains ${quote(node.value)}`;
    case 'startswith':
      return `${node.key} starts with ${quote(node.value)}`;
    case 'endswith':
      return `${node.key} ends with ${quote(node.value)}`;
    case 'in':
      return `${node.key} in {${node.values.map(quote).join(', ')}}`;
    case 'notin':
      return `${node.key} not in {${node.values.map(quote).join(', ')}}`;
    case 'not':
      return `!${canonicalSelector(node.operand)}`;
    case 'and':
      return `(${node.operands.map(canonicalSelector).join(' && ')})`;
    case 'or':
      return `(${node.operands.map(canonicalSelector).join(' || ')})`;
  }
}

/** Compiles a parsed selector into a predicate over a label map (no tree walking per evaluation). */
export function compileSelector(node: SelectorNode): (labels: Labels) => boolean {
  switch (node.op) {
    case 'all':
      return () => true;
    case 'global':
      return (l) => !l.has(NAMESPACE_LABEL);
    case 'has': {
      const k = node.key;
      return (l) => l.has(k);
    }
    case 'eq': {
      const { key, value } = node;
      return (l) => l.get(key) === value;
    }
    case 'ne': {
      const { key, value } = node;
      return (l) => l.get(key) !== value;
    }
    case 'contains': {
      const { key, value } = node;
      return (l) => l.get(key)?.includes(value) ?? false;
    }
    case 'startswith': {
      const { key, value } = node;
      return (l) => l.get(key)?.startsWith(value) ?? false;
    }
    case 'endswith': {
      const { key, value } = node;
      return (l) => l.get(key)?.endsWith(value) ?? false;
    }
    case 'in': {
      const { key } = node;
      const set = new Set(node.values);
      return (l) => {
        const v = l.get(key);
        return v !== undefined && set.has(v);
      };
    }
    case 'notin': {
      const { key } = node;
      const set = new Set(node.values);
      return (l) => {
        const v = l.get(key);
        return v === undefined || !set.has(v);
      };
    }
    case 'not': {
      const inner = compileSelector(node.operand);
      return (l) => !inner(l);
    }
    // Loops, not every/some: those allocate a closure per evaluation (hundreds of thousands per large scan).
    case 'and': {
      const parts = node.operands.map(compileSelector);
      return (l) => {
        for (let i = 0; i < parts.length; i++) if (!parts[i](l)) return false;
        return true;
      };
    }
    case 'or': {
      const parts = node.operands.map(compileSelector);
      return (l) => {
        for (let i = 0; i < parts.length; i++) if (parts[i](l)) return true;
        return false;
      };
    }
  }
}

/**
 * Label terms every match must carry (`key` with `value`, or just `key`): the engine indexes endpoints by
 * these so a selector is evaluated only against candidates. Empty = no usable term (scan everything).
 */
export function requiredTerms(node: SelectorNode): { key: string; value?: string }[] {
  switch (node.op) {
    case 'eq':
    case 'contains':
    case 'startswith':
    case 'endswith':
      return node.op === 'eq' ? [{ key: node.key, value: node.value }] : [{ key: node.key }];
    case 'has':
      return [{ key: node.key }];
    case 'in':
      return node.values.length === 1 ? [{ key: node.key, value: node.values[0] }] : [{ key: node.key }];
    case 'and':
      return node.operands.flatMap(requiredTerms);
    default:
      // `or`, `not`, `ne`, `notin`, `all()`, `global()` guarantee no particular label.
      return [];
  }
}
