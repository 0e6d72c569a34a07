/**
 * Decoder throughput: 100,000 words per iteration, drawn half from a fixed
 * instruction mix (kernel-like general-purpose code) and half uniformly at random.
 */

import { decode } from "../src/isa/decode.ts";

function words(n: number): Uint32Array {
  // xorshift32 with a fixed seed: deterministic input.
  let s = 0x2545f491;
  const next = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return s >>> 0;
  };
  const mix = [
    0xa9bf7bfd, // stp x29, x30, [sp, #-16]!
    0x910003fd, // mov x29, sp
    0xf9400420, // ldr x0, [x1, #8]
    0x8b020020, // add x0, x1, x2
    0xeb02003f, // cmp x1, x2
    0x54000040, // b.eq #8
    0xd503233f, // paciasp
    0xa8c17bfd, // ldp x29, x30, [sp], #16
    0xd65f03c0, // ret
    0x94000000, // bl
  ];
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = i & 1 ? next() : mix[next() % mix.length];
  return out;
}

const WORDS = words(100_000);

Deno.bench("decode 1e5 words", () => {
  let sink = 0;
  for (let i = 0; i < WORDS.length; i++) {
    const d = decode(WORDS[i]);
    if (d.cls !== null) sink += d.reads.length;
  }
  if (sink < 0) throw new Error("unreachable");
});
