/** The built-in variants, in the order reports show them. */
import { argsVariant } from "./args.ts";
import { callOpsVariant } from "./call_ops.ts";
import { coexistVariant } from "./coexist.ts";
import { directFarVariant, directVariant } from "./direct.ts";
import { nopVariant } from "./nop.ts";
import { regsVariant } from "./regs.ts";
import type { Variant } from "./variant.ts";

export const VARIANTS: readonly Variant[] = [
  nopVariant,
  regsVariant,
  argsVariant,
  callOpsVariant,
  directVariant,
  directFarVariant,
  coexistVariant,
];

export function findVariant(name: string): Variant | undefined {
  return VARIANTS.find((v) => v.name === name);
}
