/**
 * CPU timing models as data. The CPU file's schema and reader are in
 * `cpu_file.ts`, the tables the engine compiles from it in `tables.ts`; this
 * module re-exports both (the names other modules import from here).
 *
 * @module
 */
export * from "./cpu_file.ts";
export * from "./tables.ts";
