/** Typed arrays the execution logs grow as a run goes on. */
export type LogArray = Float64Array | Int32Array | Uint16Array | Uint8Array;

/** `a`, or a copy at least twice as long when it holds fewer than `need` entries. */
export function grow<T extends LogArray>(a: T, need: number): T {
  if (need <= a.length) return a;
  const bigger = new (a.constructor as new (n: number) => T)(Math.max(need, a.length * 2));
  bigger.set(a);
  return bigger;
}
