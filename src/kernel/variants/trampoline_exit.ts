/**
 * The common tail of the ftrace trampolines: return into the traced
 * function's body (`ret x9`), or, when an ops func left a custom trampoline
 * in `slot`, jump to it with the registers as the patch site left them
 * (x9 = the parent's return address, x30 = the function body).
 */
import type { AsmWriter } from "../asm_writer.ts";

export interface DirectExit {
  /** Where the custom trampoline's address is kept (0: none). */
  readonly slot: string;
  /** Slots of the saved parent return address and function body address. */
  readonly lr: string;
  readonly pc: string;
  readonly label: string;
}

/** Pop `frame` bytes and return, or jump to the custom trampoline (br x17, valid for bti c). */
export function trampolineExit(a: AsmWriter, frame: number, direct?: DirectExit): void {
  if (direct) a.i(`ldr x17, [sp, #${direct.slot}]`, `cbnz x17, ${direct.label}`);
  a.i(`add sp, sp, #${frame}`, "ret x9");
  if (!direct) return;
  a.label(direct.label).i(
    `ldr x9, [sp, #${direct.lr}]`,
    `ldr x30, [sp, #${direct.pc}]`,
    `add sp, sp, #${frame}`,
    "br x17",
  );
}
