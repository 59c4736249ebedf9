/**
 * wpack's one glob engine, with one meaning of `*` per level: set
 * CONTAINMENT and set INTERSECTION of two globs. Matching a plain string is
 * containment of a glob with no wildcard in it.
 *
 * DESIGN §2: a declared capability is granted only when everything it could
 * reach lies inside an allowed pattern. A declared capability may itself be a
 * glob (`env:APP_*`, a directory that stands for its whole subtree), so the
 * question is whether one glob's language is a subset of another's. No
 * maintained library answers that (picomatch and minimatch match strings), so
 * it is written here, as two dynamic programmes over a token sequence:
 *
 *   - `contains(outer, inner)`: L(inner) ⊆ L(outer). An `inner` star may only
 *     be absorbed by an `outer` star; an `inner` any-one token by an outer
 *     any-one token or star. This is SOUND (never says yes wrongly) but not
 *     complete for exotic pairs; canonicalising star blocks first (`*?` and
 *     `?*` are the same language) removes the common false negatives. A false
 *     negative only means "not granted", the safe side.
 *   - `intersects(a, b)`: L(a) ∩ L(b) ≠ ∅, exact (a product-automaton walk).
 *
 * The same two programmes run at two levels:
 *   - string level (env names, nn encodings, import names, path segments,
 *     signer identities): `*` = any run of characters, `?` = exactly one
 *     character;
 *   - path level (filesystem paths, a policy's registry scopes): tokens are
 *     segments, `**` = zero or more segments and any other segment is itself
 *     a string-level glob, so `*` stays within one segment.
 *
 * Both programmes are O(n·m) time and O(m) memory; inputs longer than
 * MAX_GLOB_TOKENS get the conservative answer (not contained, intersecting)
 * rather than unbounded work. The grammar caps capabilities well below that.
 */

/** Upper bound on tokens per glob; the grammar caps capability text at 1024 characters. */
export const MAX_GLOB_TOKENS = 2048;

/** The path-level token that matches zero or more whole segments. */
export const GLOBSTAR = '**';

/** How one level of the engine treats its tokens. */
interface Alphabet {
  /** A token matching any run of items, including none. */
  isStar(token: string): boolean;
  /** A token matching exactly one item, whatever it is. */
  isAnyOne(token: string): boolean;
  /** Every item `inner` matches is matched by `outer` (neither is a star). */
  covers(outer: string, inner: string): boolean;
  /** Some item is matched by both non-star tokens. */
  meets(a: string, b: string): boolean;
  /** The canonical any-one and star tokens, used when reordering star blocks. */
  readonly anyOne: string;
  readonly star: string;
}

/** String level: tokens are characters (code points). */
const CHARS: Alphabet = {
  isStar: (t) => t === '*',
  isAnyOne: (t) => t === '?',
  covers: (outer, inner) => outer === '?' || outer === inner,
  meets: (a, b) => a === '?' || b === '?' || a === b,
  anyOne: '?',
  star: '*',
};

/** Path level: tokens are segments; a non-`**` segment is a string-level glob. */
const SEGMENTS: Alphabet = {
  isStar: (t) => t === GLOBSTAR,
  // A segment is never empty, so `*` and `?*` both mean "any one segment".
  isAnyOne: (t) => t === '*' || t === '?*',
  covers: (outer, inner) => starGlobContains(outer, inner),
  meets: (a, b) => starGlobIntersects(a, b),
  anyOne: '*',
  star: GLOBSTAR,
};

/** True when `text` contains a string-level wildcard (`*` or `?`). */
export function hasWildcard(text: string): boolean {
  return text.includes('*') || text.includes('?');
}

/** Collapses runs of `*` into one, the canonical text form of a string glob. */
export function collapseStars(text: string): string {
  return text.replace(/\*{2,}/g, '*');
}

/** L(inner) ⊆ L(outer) for string globs (`*`, `?`). */
export function starGlobContains(outer: string, inner: string): boolean {
  return contains(CHARS, Array.from(outer), Array.from(inner));
}

/** L(a) ∩ L(b) ≠ ∅ for string globs (`*`, `?`). */
export function starGlobIntersects(a: string, b: string): boolean {
  return intersects(CHARS, Array.from(a), Array.from(b));
}

/** L(inner) ⊆ L(outer) for segment globs (`**` segments; `*`, `?` inside a segment). */
export function segmentGlobContains(outer: readonly string[], inner: readonly string[]): boolean {
  return contains(SEGMENTS, outer, inner);
}

/** L(a) ∩ L(b) ≠ ∅ for segment globs. */
export function segmentGlobIntersects(a: readonly string[], b: readonly string[]): boolean {
  return intersects(SEGMENTS, a, b);
}

/**
 * Rewrites every maximal block of stars and any-one tokens that holds a star
 * as "k any-one tokens, then one star" (`*?*` → `?*`, `**` segments likewise).
 * Equal languages then have equal blocks, which the containment DP needs.
 */
function canonical(alphabet: Alphabet, tokens: readonly string[]): string[] {
  const out: string[] = [];
  let anyOnes = 0;
  let star = false;
  const flush = (): void => {
    for (let k = 0; k < anyOnes; k++) out.push(alphabet.anyOne);
    if (star) out.push(alphabet.star);
    anyOnes = 0;
    star = false;
  };
  for (const token of tokens) {
    if (alphabet.isStar(token)) star = true;
    else if (alphabet.isAnyOne(token)) anyOnes++;
    else {
      flush();
      out.push(token);
    }
  }
  flush();
  return out;
}

function tooLong(a: readonly string[], b: readonly string[]): boolean {
  return a.length > MAX_GLOB_TOKENS || b.length > MAX_GLOB_TOKENS;
}

/**
 * ok[i][j] = outer[i..] contains inner[j..], computed from the ends backwards
 * keeping only two rows (`next` = row i+1, `row` = row i).
 */
function contains(alphabet: Alphabet, outerRaw: readonly string[], innerRaw: readonly string[]): boolean {
  if (tooLong(outerRaw, innerRaw)) return false;
  const outer = canonical(alphabet, outerRaw);
  const inner = canonical(alphabet, innerRaw);
  const m = inner.length;
  let next = new Uint8Array(m + 1);
  next[m] = 1; // both exhausted
  for (let i = outer.length - 1; i >= 0; i--) {
    const row = new Uint8Array(m + 1);
    const o = outer[i] as string;
    const oStar = alphabet.isStar(o);
    for (let j = m; j >= 0; j--) {
      const n = inner[j];
      if (oStar) {
        // the outer star absorbs nothing more, or absorbs inner[j] whatever it is
        row[j] = next[j] === 1 || (n !== undefined && row[j + 1] === 1) ? 1 : 0;
      } else {
        row[j] = n !== undefined && !alphabet.isStar(n) && alphabet.covers(o, n) && next[j + 1] === 1 ? 1 : 0;
      }
    }
    next = row;
  }
  return next[0] === 1;
}

/**
 * ok[i][j] = some word matches both a[i..] and b[j..]. A star either ends
 * (epsilon) or eats one item matched by the other side's non-star token; two
 * non-star tokens advance together when they share an item.
 */
function intersects(alphabet: Alphabet, a: readonly string[], b: readonly string[]): boolean {
  if (tooLong(a, b)) return true;
  const m = b.length;
  let next = new Uint8Array(m + 1);
  fillLastRow(alphabet, next, b);
  for (let i = a.length - 1; i >= 0; i--) {
    const row = new Uint8Array(m + 1);
    const x = a[i] as string;
    const xStar = alphabet.isStar(x);
    for (let j = m; j >= 0; j--) {
      const y = b[j];
      if (y === undefined) {
        row[j] = xStar && next[j] === 1 ? 1 : 0;
        continue;
      }
      const yStar = alphabet.isStar(y);
      const viaStars = (xStar && next[j] === 1) || (yStar && row[j + 1] === 1);
      const viaItem = xStar
        ? !yStar && row[j + 1] === 1 // a's star eats the item b[j] matches
        : yStar
          ? next[j] === 1 // b's star eats the item a[i] matches
          : alphabet.meets(x, y) && next[j + 1] === 1;
      row[j] = viaStars || viaItem ? 1 : 0;
    }
    next = row;
  }
  return next[0] === 1;
}

/** Row for an exhausted `a`: the rest of `b` must be stars only. */
function fillLastRow(alphabet: Alphabet, row: Uint8Array, b: readonly string[]): void {
  const m = b.length;
  row[m] = 1;
  for (let j = m - 1; j >= 0; j--) {
    row[j] = alphabet.isStar(b[j] as string) && row[j + 1] === 1 ? 1 : 0;
  }
}

/**
 * Whether a string, read literally, matches a string-level glob. Exact for
 * text without `*` or `?`; text holding them is matched conservatively: the
 * answer may be no where a literal reading would say yes, never the reverse.
 */
export function globMatches(pattern: string, text: string): boolean {
  return starGlobContains(pattern, text);
}

/** Whether a `/`-separated path, read literally, matches a path-level glob (same caveat as `globMatches`). */
export function pathGlobMatches(pattern: string, path: string): boolean {
  return segmentGlobContains(pattern.split('/'), path.split('/'));
}
