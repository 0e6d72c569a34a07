import assert from "node:assert/strict";
import { findTool } from "../../src/asm/assembler.ts";
import { type ElfObject, parseElf } from "../../src/asm/elf.ts";
import {
  clearDwarfCache,
  DwarfError,
  dwarfStats,
  fieldAt,
  type FieldLayout,
  type KernelStruct,
  readDwarf,
  requireFields,
} from "../../src/kernel/real/dwarf.ts";
import { ensureKernel } from "../../src/kernel/real/build.ts";

// ---------------------------------------------------------------------------
// 1. A probe object: the compiler records offsetof/sizeof/enum values as data,
//    read back with the ELF reader, and DWARF must agree with every one.
// ---------------------------------------------------------------------------

const CROSS_GCC = "aarch64-linux-gnu-gcc";

const PROBE_TYPES = `
#include <stddef.h>
struct hlist_node { struct hlist_node *next, **pprev; };
struct inner { int a; long b; };
struct opaque;
enum { PROBE_A = 1, PROBE_B = 1 << 3, PROBE_NEG = -5, PROBE_BIT31 = 1 << 31 };
enum probe_named { PROBE_X = 7, PROBE_BIG = 0x80000000UL };
enum probe_wide { PROBE_WIDE = 0x100000000UL, PROBE_TOP = 0xfffffffffffffff0UL };
typedef struct inner inner_t;
typedef unsigned int u32;
struct probe_info {
  unsigned long flags;
  union {
    unsigned long long preempt_count;
    struct { u32 count; u32 need_resched; } preempt;
  };
  u32 cpu;
};
struct probe {
  char c;
  struct inner in;
  struct probe_info ti;
  union { long x; struct { int y; short z; }; };
  unsigned long regs[9];
  inner_t arr2[3];
  unsigned char grid[2][5];
  unsigned f1 : 3, f2 : 5;
  long after;
  struct hlist_node hlist;
  const volatile unsigned short cv;
  struct opaque *op;
  void (*fn)(struct probe *);
  int flex[];
};
struct __attribute__((packed)) probe_packed {
  char a;
  unsigned int b : 12, c : 20;
  unsigned long d : 40;
};
`;

/** Fields of struct probe checked against offsetof/sizeof (C spelling = flattened name). */
const PROBE_FIELDS = [
  "c",
  "in",
  "in.a",
  "in.b",
  "ti",
  "ti.flags",
  "ti.preempt_count",
  "ti.preempt",
  "ti.preempt.count",
  "ti.preempt.need_resched",
  "ti.cpu",
  "x",
  "y",
  "z",
  "regs",
  "arr2",
  "grid",
  "after",
  "hlist",
  "hlist.next",
  "hlist.pprev",
  "cv",
  "op",
  "fn",
];
/** Array elements checked through {@link fieldAt}. */
const PROBE_ELEMENTS = ["regs[0]", "regs[8]", "arr2[2]", "grid[1]"];
const PROBE_ENUMS = [
  "PROBE_A",
  "PROBE_B",
  "PROBE_NEG",
  "PROBE_BIT31",
  "PROBE_X",
  "PROBE_BIG",
  "PROBE_WIDE",
  "PROBE_TOP",
];
/** Bitfields: a variable sets one field to a pattern; its bytes must hold it where DWARF says. */
const PROBE_BITFIELDS = [
  { struct: "probe", field: "f1", value: 5n },
  { struct: "probe", field: "f2", value: 0x1bn },
  { struct: "probe_packed", field: "b", value: 0xabcn },
  { struct: "probe_packed", field: "c", value: 0xfedcbn },
  { struct: "probe_packed", field: "d", value: 0xa987654321n },
];

/** A C identifier for a field path: `ti.preempt.count` -> `ti__preempt__count`, `regs[8]` -> `regs_i8`. */
const ident = (path: string) =>
  path.replaceAll(".", "__").replaceAll("[", "_i").replaceAll("]", "");

function probeSource(): string {
  const lines = [PROBE_TYPES];
  for (const f of [...PROBE_FIELDS, ...PROBE_ELEMENTS]) {
    lines.push(`const unsigned long off_${ident(f)} = offsetof(struct probe, ${f});`);
    lines.push(`const unsigned long size_${ident(f)} = sizeof(((struct probe *)0)->${f});`);
  }
  lines.push(`const unsigned long size_probe = sizeof(struct probe);`);
  lines.push(`const unsigned long size_probe_packed = sizeof(struct probe_packed);`);
  lines.push(`const unsigned long size_inner_t = sizeof(inner_t);`);
  for (const e of PROBE_ENUMS) lines.push(`const long long enum_${e} = ${e};`);
  for (const b of PROBE_BITFIELDS) {
    lines.push(
      `struct ${b.struct} bits_${b.struct}_${b.field} = { .${b.field} = 0x${
        b.value.toString(16)
      } };`,
    );
  }
  lines.push("struct opaque *use_opaque;");
  return lines.join("\n") + "\n";
}

interface Probe {
  dir: string;
  /** With -g -gdwarf-5. */
  object: string;
  /** The same source without -g. */
  stripped: string;
  elf: ElfObject;
}

async function compileProbe(dir: string): Promise<Probe> {
  const gcc = findTool(CROSS_GCC);
  await Deno.writeTextFile(`${dir}/probe.c`, probeSource());
  const compile = async (out: string, debug: string[]) => {
    const result = await new Deno.Command(gcc, {
      args: [...debug, "-O2", "-c", `${dir}/probe.c`, "-o", out],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(result.code, 0, new TextDecoder().decode(result.stderr));
  };
  const object = `${dir}/probe.o`;
  const stripped = `${dir}/probe-nodebug.o`;
  await compile(object, ["-g", "-gdwarf-5"]);
  await compile(stripped, []);
  return { dir, object, stripped, elf: parseElf(await Deno.readFile(object)) };
}

/** The bytes of a defined symbol, through the ELF reader. */
function symbolBytes(elf: ElfObject, name: string): Uint8Array {
  const symbol = elf.symbols.find((s) => s.name === name);
  assert.ok(symbol, `symbol ${name} in the probe object`);
  const data = elf.sections[symbol.sectionIndex]?.data;
  assert.ok(data, `section of ${name} has contents`);
  const start = Number(symbol.value);
  return data.subarray(start, start + symbol.size);
}

function symbolValue(elf: ElfObject, name: string): bigint {
  const bytes = symbolBytes(elf, name);
  assert.equal(bytes.length, 8, `${name} is 8 bytes`);
  return new DataView(bytes.buffer, bytes.byteOffset, 8).getBigInt64(0, true);
}

/** What the bytes of a struct look like with only `field` set to `value`, per its layout. */
function bytesWithField(size: number, field: FieldLayout, value: bigint): Uint8Array {
  const bytes = new Uint8Array(size);
  const bit0 = field.offset * 8 + (field.bitOffset ?? 0);
  for (let i = 0; i < (field.bitSize ?? field.size * 8); i++) {
    if ((value >> BigInt(i)) & 1n) {
      const bit = bit0 + i;
      bytes[bit >> 3] |= 1 << (bit & 7);
    }
  }
  return bytes;
}

Deno.test("DWARF of a probe object agrees with the compiler's offsetof, sizeof and enums", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "dwarf_probe_" });
  try {
    const probe = await compileProbe(dir);
    clearDwarfCache();
    const info = await readDwarf(probe.object);
    const probeStruct = info.struct("probe");
    assert.ok(probeStruct, "struct probe is defined");
    const value = (name: string) => Number(symbolValue(probe.elf, name));

    await t.step("every field, nested, anonymous-union and array member", () => {
      for (const f of PROBE_FIELDS) {
        const field: FieldLayout | undefined = probeStruct.fields[f];
        assert.ok(field, `field ${f} in ${Object.keys(probeStruct.fields).join(", ")}`);
        assert.deepEqual(
          [field.offset, field.size],
          [value(`off_${ident(f)}`), value(`size_${ident(f)}`)],
          `offset and size of ${f}`,
        );
      }
      assert.equal(probeStruct.size, value("size_probe"));
      assert.equal(info.struct("probe_packed")?.size, value("size_probe_packed"));
    });

    await t.step("array elements and element sizes", () => {
      for (const f of PROBE_ELEMENTS) {
        const field: FieldLayout | undefined = fieldAt(probeStruct, f);
        assert.ok(field, `element ${f}`);
        assert.deepEqual(
          [field.offset, field.size],
          [value(`off_${ident(f)}`), value(`size_${ident(f)}`)],
          `offset and size of ${f}`,
        );
      }
      assert.deepEqual(
        [probeStruct.fields.regs.elementSize, probeStruct.fields.regs.count],
        [8, 9],
      );
      assert.equal(probeStruct.fields.regs.type, "long unsigned int[9]");
      assert.deepEqual([probeStruct.fields.grid.elementSize, probeStruct.fields.grid.count], [
        5,
        2,
      ]);
      assert.equal(fieldAt(probeStruct, "regs[9]"), undefined, "index past the end");
      assert.deepEqual(
        [probeStruct.fields.flex.offset, probeStruct.fields.flex.size],
        [value("size_probe"), 0],
        "a flexible array member sits at the end and has no size",
      );
    });

    await t.step("bitfields sit where the initialised bytes put them", () => {
      for (const b of PROBE_BITFIELDS) {
        const layout = info.struct(b.struct)!;
        const field = layout.fields[b.field];
        assert.ok(field?.bitSize !== undefined, `${b.struct}.${b.field} is a bitfield`);
        assert.ok(
          (field.bitOffset ?? 0) + field.bitSize <= field.size * 8,
          `${b.field}: the bits fit in the ${field.size} bytes at ${field.offset}`,
        );
        assert.deepEqual(
          bytesWithField(layout.size, field, b.value),
          symbolBytes(probe.elf, `bits_${b.struct}_${b.field}`),
          `${b.struct}.${b.field} = 0x${b.value.toString(16)}`,
        );
      }
      const { f1, f2 } = probeStruct.fields;
      assert.deepEqual(
        [f2.offset, f2.size, f2.bitOffset, f2.bitSize],
        [f1.offset, 4, f1.bitOffset! + 3, 5],
        "f2 follows f1 in the same u32 unit",
      );
    });

    await t.step("enumerators, named and anonymous, signed and 64-bit", () => {
      for (const e of PROBE_ENUMS) {
        const dwarf = info.enumerator(e);
        assert.ok(dwarf !== undefined, e);
        // The probe stores each value as a long long; compare as 64-bit two's complement.
        assert.equal(BigInt.asIntN(64, dwarf), symbolValue(probe.elf, `enum_${e}`), e);
      }
      assert.equal(info.enumerator("PROBE_NEG"), -5n);
      assert.equal(info.enumerator("PROBE_BIT31"), -(1n << 31n), "1 << 31 in a signed enum");
      assert.equal(info.enumerator("PROBE_TOP"), 0xfffffffffffffff0n);
      assert.equal(info.enumerator("PROBE_NOPE"), undefined);
      assert.deepEqual([...info.enumerators("PROBE_")].slice(0, 3), [
        ["PROBE_A", 1n],
        ["PROBE_B", 8n],
        ["PROBE_NEG", -5n],
      ]);
    });

    await t.step("type sizes by name", () => {
      assert.equal(info.typeSize("struct probe"), value("size_probe"));
      assert.equal(info.typeSize("inner_t"), value("size_inner_t"));
      assert.equal(info.typeSize("struct inner"), 16);
      assert.equal(info.typeSize("u32"), 4);
      assert.equal(info.typeSize("enum probe_wide"), 8);
      assert.equal(info.typeSize("struct opaque"), undefined, "an incomplete type has no size");
      assert.equal(info.struct("opaque"), undefined);
      assert.ok(info.declaredOnly("opaque"));
    });

    await t.step("one llvm-dwarfdump per object, cached until the file changes", async () => {
      const spawns = dwarfStats.spawns;
      assert.equal(await readDwarf(probe.object), info);
      assert.equal(dwarfStats.spawns, spawns);
      await Deno.utime(probe.object, new Date(), new Date(Date.now() + 5000));
      const again = await readDwarf(probe.object);
      assert.notEqual(again, info);
      assert.equal(dwarfStats.spawns, spawns + 1);
      assert.deepEqual(again.struct("probe"), probeStruct);
    });

    // -----------------------------------------------------------------------
    // 3. Errors: missing struct or field, declared-only struct, no debug info.
    // -----------------------------------------------------------------------
    await t.step("a missing struct or field names struct, field, object and kernel", () => {
      assert.throws(
        () => requireFields(info, probe.object, "probe-6.99", "no_such_struct", ["func"]),
        (e: unknown) => {
          assert.ok(e instanceof DwarfError);
          for (const part of ["no_such_struct", "func", probe.object, "probe-6.99"]) {
            assert.ok(e.message.includes(part), `"${part}" in: ${e.message}`);
          }
          return true;
        },
      );
      assert.throws(
        () => requireFields(info, probe.object, "probe-6.99", "probe", ["regs", "direct_call"]),
        (e: unknown) => {
          assert.ok(e instanceof DwarfError);
          for (const part of ["struct probe", "direct_call", probe.object, "probe-6.99"]) {
            assert.ok(e.message.includes(part), `"${part}" in: ${e.message}`);
          }
          assert.ok(e.message.includes("has no field direct_call;"), "only the missing field");
          return true;
        },
      );
      assert.throws(
        () => requireFields(info, probe.object, "probe-6.99", "opaque", ["x"]),
        /struct opaque .*only declared/,
      );
      const ok = requireFields(info, probe.object, "probe-6.99", "probe", [
        "ti.preempt.count",
        "regs[3]",
        "hlist.next",
      ]);
      assert.equal(ok, probeStruct);
    });

    await t.step("an object without debug info, or no object at all, is a DwarfError", async () => {
      await assert.rejects(readDwarf(probe.stripped), (e: unknown) => {
        assert.ok(e instanceof DwarfError);
        assert.match(e.message, /no DWARF debug info/);
        assert.ok(e.message.includes(probe.stripped), e.message);
        return true;
      });
      await assert.rejects(readDwarf(`${probe.dir}/missing.o`), DwarfError);
      await Deno.writeTextFile(`${probe.dir}/text.o`, "not an object\n");
      await assert.rejects(readDwarf(`${probe.dir}/text.o`), /llvm-dwarfdump-19 failed on/);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

// ---------------------------------------------------------------------------
// 2. Real kernels: DWARF of kernel/trace/ftrace.o against the tree's
//    include/generated/asm-offsets.h, which the kernel's own build computed.
// ---------------------------------------------------------------------------

/** One `#define NAME VALUE /* offsetof(struct S, path) *\/` (or sizeof) of asm-offsets.h. */
interface AsmOffset {
  name: string;
  value: number;
  struct: string;
  /** Undefined for sizeof. */
  field?: string;
}

function parseAsmOffsets(text: string): AsmOffset[] {
  const re =
    /^#define (\w+) (-?\d+) \/\* (?:offsetof\(struct (\w+), ([^)]+)\)|sizeof\(struct (\w+)\)) \*\/$/gm;
  return [...text.matchAll(re)].map((m) => ({
    name: m[1],
    value: Number(m[2]),
    struct: m[3] ?? m[5],
    field: m[4]?.trim(),
  }));
}

/** What each kernel's hot path reads; every one must be in the DWARF. */
const HOT_PATH: Record<string, Record<string, string[]>> = {
  "linux-6.12": {
    ftrace_ops: [
      "func",
      "next",
      "flags",
      "private",
      "saved_func",
      "local_hash.notrace_hash",
      "local_hash.filter_hash",
      "func_hash",
      "trampoline",
      "direct_call",
    ],
    __arch_ftrace_regs: ["regs[0]", "regs[8]", "direct_tramp", "fp", "lr", "sp", "pc"],
  },
  "linux-6.1": {
    ftrace_ops: [
      "func",
      "next",
      "flags",
      "private",
      "saved_func",
      "local_hash.notrace_hash",
      "local_hash.filter_hash",
      "func_hash",
      "trampoline",
    ],
    ftrace_regs: ["regs.regs[0]", "regs.sp", "regs.pc"],
  },
};
const COMMON_HOT_PATH: Record<string, string[]> = {
  ftrace_ops_hash: ["notrace_hash", "filter_hash"],
  ftrace_hash: ["size_bits", "buckets", "count", "flags"],
  ftrace_func_entry: ["hlist.next", "ip", "direct"],
  pt_regs: ["regs[0]", "regs[30]", "sp", "pc", "pstate", "orig_x0", "stackframe"],
  thread_info: ["flags", "preempt_count", "preempt.count", "preempt.need_resched"],
  task_struct: [
    "thread_info.flags",
    "thread_info.preempt_count",
    "thread_info.preempt.count",
    "thread_info.preempt.need_resched",
    "stack",
    "stack_canary",
    "trace_recursion",
  ],
};
/** asm-offsets constants that must be present and checked, per kernel. */
const MUST_CHECK: Record<string, string[]> = {
  "linux-6.12": [
    "FREGS_X0",
    "FREGS_X8",
    "FREGS_DIRECT_TRAMP",
    "FREGS_FP",
    "FREGS_LR",
    "FREGS_SP",
    "FREGS_PC",
    "FREGS_SIZE",
    "FTRACE_OPS_FUNC",
    "FTRACE_OPS_DIRECT_CALL",
  ],
  "linux-6.1": [],
};
const COMMON_MUST_CHECK = [
  "S_X0",
  "S_X28",
  "S_SP",
  "S_PC",
  "S_PSTATE",
  "S_STACKFRAME",
  "PT_REGS_SIZE",
  "TSK_TI_FLAGS",
  "TSK_TI_PREEMPT",
  "TSK_TI_CPU",
  "TSK_STACK",
  "TSK_STACK_CANARY",
];
const FLAGS = ["FTRACE_OPS_FL_ENABLED", "FTRACE_OPS_FL_RECURSION", "FTRACE_OPS_FL_DIRECT"];

for (const kernel of Object.keys(HOT_PATH)) {
  Deno.test(`DWARF of ${kernel} ftrace.o agrees with its asm-offsets.h`, async () => {
    const tree = await ensureKernel(kernel);
    const object = tree.objects.ftrace;
    assert.ok(tree.asmOffsets, `${kernel}: the tree has include/generated/asm-offsets.h`);
    const info = await readDwarf(object);
    const layouts = new Map<string, KernelStruct>();
    for (const [struct, fields] of Object.entries({ ...COMMON_HOT_PATH, ...HOT_PATH[kernel] })) {
      layouts.set(struct, requireFields(info, object, kernel, struct, fields));
    }

    const checked: string[] = [];
    for (const entry of parseAsmOffsets(await Deno.readTextFile(tree.asmOffsets))) {
      const layout = layouts.get(entry.struct) ?? info.struct(entry.struct);
      if (!layout) continue; // a struct ftrace.c does not use (kvm, smccc, ...)
      if (entry.field === undefined) {
        assert.equal(layout.size, entry.value, `${entry.name} = sizeof(struct ${entry.struct})`);
      } else {
        const field = fieldAt(layout, entry.field);
        assert.ok(field, `${entry.name}: struct ${entry.struct} has ${entry.field}`);
        assert.equal(
          field.offset,
          entry.value,
          `${entry.name} = offsetof(struct ${entry.struct}, ${entry.field})`,
        );
      }
      checked.push(entry.name);
    }
    for (const name of [...COMMON_MUST_CHECK, ...MUST_CHECK[kernel]]) {
      assert.ok(checked.includes(name), `${kernel}: ${name} checked (checked: ${checked})`);
    }

    // The preempt count is the low u32 of thread_info.preempt_count, need_resched the high.
    const task = layouts.get("task_struct")!;
    const preempt = task.fields["thread_info.preempt_count"].offset;
    assert.deepEqual(
      [task.fields["thread_info.preempt.count"], task.fields["thread_info.preempt.need_resched"]]
        .map((f) => [f.offset - preempt, f.size]),
      [[0, 4], [4, 4]],
    );
    assert.equal(info.typeSize("struct task_struct"), task.size);
    for (const flag of FLAGS) {
      const value = info.enumerator(flag);
      assert.ok(value !== undefined && value > 0n && (value & (value - 1n)) === 0n, flag);
    }
    assert.ok(info.stats.parseMs < 2000, `parsing took ${info.stats.parseMs} ms`);
  });
}
