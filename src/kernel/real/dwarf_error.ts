/**
 * The DWARF reader's error, apart from the reader (src/kernel/real/dwarf.ts):
 * the CLI tells it from others without loading the real-kernel modules.
 *
 * @module
 */

/** The debug info of an object is missing, unreadable, or lacks a struct or field. */
export class DwarfError extends Error {
  /** @param message what is missing or wrong, naming the object (and struct/field) */
  constructor(message: string) {
    super(message);
    this.name = "DwarfError";
  }
}
