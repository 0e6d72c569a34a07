/**
 * Small helpers shared by the A64 decoder modules: result construction and
 * bit-field utilities.
 *
 * @module
 */

import type { Decoded, InstrClass, Undecoded } from "./types.ts";

/** Sign-extend the low `bits` bits of `v`. */
export function sext(v: number, bits: number): number {
  const s = 32 - bits;
  return (v << s) >> s;
}

/** A general register where encoding 31 means xzr/wzr: returns -1 (dropped) for 31. */
export function zr(r: number): number {
  return r === 31 ? -1 : r;
}

/**
 * Sort ascending, drop duplicates and negative entries (absent registers).
 * Arrays hold at most a handful of entries, so insertion sort is cheapest; the
 * input is reused when nothing is dropped (setting `length` is slow in V8).
 */
export function norm(a: number[]): number[] {
  const len = a.length;
  let n = 0;
  for (let i = 0; i < len; i++) {
    const v = a[i];
    if (v < 0) continue;
    let j = n;
    while (j > 0 && a[j - 1] > v) j--;
    if (j > 0 && a[j - 1] === v) continue;
    for (let k = n; k > j; k--) a[k] = a[k - 1];
    a[j] = v;
    n++;
  }
  if (n === len) return a;
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(a[i]);
  return out;
}

/** Build a `Decoded`; `reads`/`writes` may contain -1 placeholders and are normalised. */
export function mk(
  word: number,
  mnemonic: string,
  cls: InstrClass,
  reads: number[],
  writes: number[],
): Decoded {
  return { word, mnemonic, cls, reads: norm(reads), writes: norm(writes) };
}

/** Build an `Undecoded` with a reason. */
export function none(word: number, reason: string): Undecoded {
  return { word, cls: null, reason };
}
