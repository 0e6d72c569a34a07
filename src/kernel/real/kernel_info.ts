/**
 * Which kernel a result describes, apart from the real-kernel modules: a run
 * on the model records it without loading them.
 *
 * @module
 */
import { TOOL } from "../../version.ts";

/** Which kernel a result describes: recorded per result, refused by compare when they differ. */
export interface KernelInfo {
  /** "model" (the harness's own code), "linux-6.12", "linux-6.1", or a user tree's name. */
  name: string;
  /** The kernel version ("6.12.117"), or the harness version for the model. */
  version: string;
  /** The hot-path config options of the build ({} for the model). */
  config: Record<string, string>;
  /** sha256 of the objects used, or null for the model. */
  hash: string | null;
}

/** The model kernel: the harness's own re-implementation of each mechanism. */
export const MODEL_KERNEL: KernelInfo = {
  name: "model",
  version: TOOL.version,
  config: {},
  hash: null,
};
