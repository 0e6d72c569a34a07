/**
 * A unit as the objects the loader links: its code assembled by llvm-mc, its
 * typed data laid out directly ({@link layoutData}) for the loader to place. A sweep's code is
 * the same from case to case and its data is not, so the code is assembled
 * and parsed once and kept (by its texts, in a bounded cache), and each case
 * builds only its data, without a process or a cache lookup on disk.
 *
 * @module
 */
import { assemble } from "./assembler.ts";
import { type DataSectionLayout, isDataChunk, layoutData, layoutDefining } from "./data_object.ts";
import { type ElfObject, SHF_ALLOC, SHN_UNDEF } from "./elf.ts";
import { parseElf } from "./elf.ts";
import type { LinkItem } from "./loader.ts";
import type { AsmUnit } from "./source.ts";
import { cached, LruMap } from "../lru.ts";

/** A parsed code object and the chunk texts it was assembled from. */
interface Parsed {
  readonly texts: readonly string[];
  readonly obj: Promise<ElfObject>;
}

/**
 * Parsed code objects by the total length of their texts, then compared text
 * by text (a case's unit is not joined into one string to be hashed). A sweep
 * has one per variant and code shape, a few dozen at most: 64 lengths of up
 * to 4 objects each are kept.
 */
const parsed = new LruMap<number, Parsed[]>(64);
const SAME_LENGTH = 4;

/** Counters for tests: code objects served parsed, units split into code and data, units assembled whole. */
export const objectStats = { parsedHits: 0, split: 0, wholeUnits: 0 };

/** Whether two lists of texts are equal, item by item. */
export function sameTexts(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The unit's text assembled (through the assembler's caches) and parsed, once per text. */
export function parsedObject(unit: AsmUnit): Promise<ElfObject> {
  const texts = unit.chunks.map((c) => c.text);
  let length = texts.length;
  for (const t of texts) length += t.length;
  const list = parsed.get(length) ?? [];
  const known = list.find((e) => sameTexts(e.texts, texts));
  if (known) {
    objectStats.parsedHits++;
    return known.obj;
  }
  const entry: Parsed = { texts, obj: assemble(unit).then(parseElf) };
  // A failed assembly is not kept: the next call reports it again.
  entry.obj.catch(() => {
    const at = list.indexOf(entry);
    if (at >= 0) list.splice(at, 1);
  });
  if (list.length >= SAME_LENGTH) list.shift();
  list.push(entry);
  parsed.set(length, list);
  return entry.obj;
}

/**
 * The objects of `unit`, named `name` in link errors: one assembled object
 * when it has no typed data, else its code and its data as two objects. The
 * split is only taken where linking the two gives what assembling the whole
 * unit gives: the code puts nothing in the data's sections, and every symbol
 * the data names is one the code exports (or the data defines). Otherwise
 * the whole unit is assembled.
 */
export async function unitObjects(unit: AsmUnit, name = ""): Promise<LinkItem[]> {
  const dataChunks = unit.chunks.filter(isDataChunk);
  if (dataChunks.length > 0) {
    const code = await parsedObject({
      name: unit.name,
      chunks: unit.chunks.filter((c) => !isDataChunk(c)),
    });
    const data = layoutData(dataChunks);
    if (separable(code, data)) {
      objectStats.split++;
      return [{ name, obj: code }, { name: `${name || unit.name}: data`, data }];
    }
  }
  objectStats.wholeUnits++;
  return [{ name, obj: await parsedObject(unit) }];
}

/**
 * The sections an object allocates, the names it defines (any binding), and
 * those it exports: worked out once per object.
 */
const namesOf = new WeakMap<
  ElfObject,
  { sections: Set<string>; defined: string[]; exported: Set<string> }
>();

function names(code: ElfObject) {
  return cached(namesOf, code, () => {
    const defined = code.symbols.filter((s) => s.sectionIndex !== SHN_UNDEF);
    return {
      // Where the code puts bytes: the data must not put any there.
      sections: new Set(
        code.sections.filter((s) => (s.flags & SHF_ALLOC) !== 0).map((s) => s.name),
      ),
      defined: [...new Set(defined.map((s) => s.name))],
      exported: new Set(
        defined.filter((s) => s.binding === "global" || s.binding === "weak").map((s) => s.name),
      ),
    };
  });
}

/** The names a data's addresses refer to that it does not define, once per (shared) data. */
const externsOf = new WeakMap<readonly DataSectionLayout[], Set<string>>();

function dataExterns(data: readonly DataSectionLayout[]): Set<string> {
  return cached(externsOf, data, () => {
    const found = new Set<string>();
    for (const layout of data) {
      for (const a of layout.addresses) if (!owns(data, a.symbol)) found.add(a.symbol);
    }
    return found;
  });
}

function owns(data: readonly DataSectionLayout[], name: string): boolean {
  return layoutDefining(data, name) >= 0;
}

function separable(code: ElfObject, data: readonly DataSectionLayout[]): boolean {
  const { sections, defined, exported } = names(code);
  for (let k = 0; k < data.length; k++) if (sections.has(data[k].name)) return false;
  // The code must not define (even locally) a name the data defines.
  for (let k = 0; k < defined.length; k++) if (owns(data, defined[k])) return false;
  for (const name of dataExterns(data)) if (!exported.has(name)) return false;
  return true;
}
