/**
 * Precompiled, memoised Calico selectors. A selector is parsed and compiled once per distinct text, and each
 * compiled selector remembers its verdict per interned label set, so ten replicas of a Deployment (one label
 * set) cost one evaluation.
 */
import {
  canonicalSelector,
  compileSelector,
  parseSelector,
  requiredTerms,
  type Labels,
  type SelectorNode,
} from './selector.parser.js';
import { SelectorSyntaxError } from './selector.tokenizer.js';

/** An interned label map: equal maps share one object and id, which selector memos key on. */
export class LabelSet {
  constructor(
    readonly id: number,
    readonly labels: Labels,
    /** Canonical text of the map (sorted `k=v`), the interning key. */
    readonly key: string,
  ) {}

  // Made on the first remembered verdict: most pod label sets of a large cluster never get one.
  private memo: Map<Selector, boolean> | undefined = undefined;

  /** Verdicts of selectors already evaluated on this set (lives and dies with the engine that interned it). */
  get verdicts(): Map<Selector, boolean> {
    return (this.memo ??= new Map<Selector, boolean>());
  }

  /** The remembered verdict of a selector, if any. */
  verdict(s: Selector): boolean | undefined {
    return this.memo?.get(s);
  }
}

/**
 * Sorts keys in place as `Array.prototype.sort` orders texts (UTF-16), moving each value with its key. A label
 * map has a handful of keys: an insertion sort of them allocates nothing, where the built-in sort sets up its
 * work arrays for every call.
 */
function sortPairs(keys: string[], values: string[]): void {
  if (keys.length > 24) {
    const order = keys.map((_k, i) => i).sort((a, b) => (keys[a] < keys[b] ? -1 : keys[a] > keys[b] ? 1 : 0));
    const k = order.map((i) => keys[i]);
    const v = order.map((i) => values[i]);
    for (let i = 0; i < k.length; i++) {
      keys[i] = k[i];
      values[i] = v[i];
    }
    return;
  }
  for (let i = 1; i < keys.length; i++) {
    const k = keys[i];
    const v = values[i];
    let j = i - 1;
    while (j >= 0 && keys[j] > k) {
      keys[j + 1] = keys[j];
      values[j + 1] = values[j];
      j--;
    }
    keys[j + 1] = k;
    values[j + 1] = v;
  }
}

/** Interns label maps so that identical ones are one LabelSet. */
export class LabelInterner {
  private readonly byKey = new Map<string, LabelSet>();
  // Records by their JSON text as given (replicas list their labels in the same order): one native
  // stringify and one lookup instead of sorting the keys, for every pod of a 10,000-pod cluster.
  private readonly byText = new Map<string, LabelSet>();

  intern(labels: Record<string, string> | Labels): LabelSet {
    if (labels instanceof Map) return this.internSorted(labels);
    const text = JSON.stringify(labels);
    let set = this.byText.get(text);
    if (!set) this.byText.set(text, (set = this.internSorted(labels)));
    return set;
  }

  /**
   * Interns `base`'s string labels with `overrides` (flat key, value pairs) set over them: the map the two
   * would make merged, without making it (a pod's labels and the ones Calico adds).
   */
  internOverridden(base: unknown, overrides: readonly string[]): LabelSet {
    const keys: string[] = [];
    const values: string[] = [];
    if (typeof base === 'object' && base !== null && !Array.isArray(base)) {
      const record = base as Record<string, unknown>;
      for (const k of Object.keys(record)) {
        const v = record[k];
        if (typeof v !== 'string') continue;
        let over = false;
        for (let i = 0; i < overrides.length; i += 2) if (overrides[i] === k) over = true;
        if (over) continue;
        keys.push(k);
        values.push(v);
      }
    }
    for (let i = 0; i < overrides.length; i += 2) {
      keys.push(overrides[i]);
      values.push(overrides[i + 1]);
    }
    return this.internPairs(keys, values);
  }

  private internSorted(labels: Record<string, string> | Labels): LabelSet {
    // Non-string values dropped.
    const map: Labels | undefined = labels instanceof Map ? (labels as Labels) : undefined;
    const record = labels as Record<string, unknown>;
    const all: string[] = map ? Array.from(map.keys()) : Object.keys(record);
    const keys: string[] = [];
    const values: string[] = [];
    for (let i = 0; i < all.length; i++) {
      const v = map ? map.get(all[i]) : record[all[i]];
      if (typeof v !== 'string') continue;
      keys.push(all[i]);
      values.push(v);
    }
    return this.internPairs(keys, values);
  }

  /**
   * The set of these labels (distinct keys, each with its value), sorted in place by key. The key text is
   * built before any Map, so a label map seen before costs one string and one lookup.
   */
  private internPairs(keys: string[], values: string[]): LabelSet {
    sortPairs(keys, values);
    // NUL and SOH cannot occur in label keys or values, so this joins unambiguously (and cheaper than JSON):
    // `k\0v\1` per label, joined once (not four concatenations per label), from an array sized once.
    const parts = new Array<string>(keys.length * 4);
    for (let i = 0, n = 0; i < keys.length; i++) {
      parts[n++] = keys[i];
      parts[n++] = '\u0000';
      parts[n++] = values[i];
      parts[n++] = '\u0001';
    }
    const key = parts.join('');
    let set = this.byKey.get(key);
    if (!set) {
      const entries = new Map<string, string>();
      for (let i = 0; i < keys.length; i++) entries.set(keys[i], values[i]);
      set = new LabelSet(this.byKey.size, entries, key);
      this.byKey.set(key, set);
    }
    return set;
  }

  get size(): number {
    return this.byKey.size;
  }
}

/** A parsed and compiled selector. */
export class Selector {
  readonly canonical: string;
  readonly terms: { key: string; value?: string }[];
  /** True when the selector is `all()` (or empty): it matches every label map. */
  readonly matchesAll: boolean;
  private readonly fn: (labels: Labels) => boolean;

  constructor(
    readonly text: string,
    readonly node: SelectorNode,
  ) {
    this.canonical = canonicalSelector(node);
    this.terms = requiredTerms(node);
    this.matchesAll = node.op === 'all';
    this.fn = compileSelector(node);
  }

  /** Evaluates against an interned set without remembering the verdict on it (for pairs asked once). */
  test(labels: LabelSet): boolean {
    return labels.verdict(this) ?? this.fn(labels.labels);
  }

  /** Evaluates against a plain map or an interned set (memoised). */
  matches(labels: LabelSet | Labels | Record<string, string>): boolean {
    if (labels instanceof LabelSet) {
      let v = labels.verdict(this);
      if (v === undefined) {
        v = this.fn(labels.labels);
        labels.verdicts.set(this, v);
      }
      return v;
    }
    if (labels instanceof Map) return this.fn(labels);
    return this.fn(new Map(Object.entries(labels as Record<string, string>)));
  }
}

const cache = new Map<string, Selector | SelectorSyntaxError>();

/** Parses (once per distinct text) and returns the compiled selector; throws SelectorSyntaxError. */
export function selector(text: string): Selector {
  let s = cache.get(text);
  if (!s) {
    try {
      s = new Selector(text, parseSelector(text));
    } catch (err) {
      if (!(err instanceof SelectorSyntaxError)) throw err;
      s = err;
    }
    // Bounded: a long-running agent sees the same few thousand selectors scan after scan.
    if (cache.size > 50_000) cache.clear();
    cache.set(text, s);
  }
  if (s instanceof SelectorSyntaxError) throw s;
  return s;
}

/** Like `selector` but returns the error instead of throwing. */
export function trySelector(text: string): Selector | SelectorSyntaxError {
  try {
    return selector(text);
  } catch (err) {
    if (err instanceof SelectorSyntaxError) return err;
    throw err;
  }
}
