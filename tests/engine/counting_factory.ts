/** A test's engine factory that counts what it hands out. */
import type { EngineFactory } from "../../src/engine/engine.ts";
import { unicornFactory } from "../../src/engine/unicorn.ts";

/** An engine factory that counts the engines (one per emulated case). */
export function countingFactory(): EngineFactory & { engines: number } {
  const f = {
    name: "counting",
    engines: 0,
    create() {
      f.engines++;
      return unicornFactory.create();
    },
  };
  return f;
}
