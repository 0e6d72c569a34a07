/**
 * SIMD/FP part of the A64 decoder.
 *
 * @module
 */

import type { Decoded, Undecoded } from "./types.ts";
import { none } from "./decode_util.ts";

/** SIMD & FP data processing (bits 28:25 = x111). */
export function decodeSimdFp(w: number): Decoded | Undecoded {
  return none(w, "SIMD/FP not modelled yet");
}

/** Advanced SIMD load/store structures (ld1..ld4, st1..st4, ldNr). */
export function decodeSimdStructLdSt(w: number): Decoded | Undecoded {
  return none(w, "SIMD structure load/store not modelled yet");
}
