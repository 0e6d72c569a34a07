/**
 * The contracts a variant's code keeps with the harness: every instruction in
 * a declared phase, every tracer declared, every probe on a symbol the world
 * defines. A broken contract is an error naming what to fix, never a figure
 * quietly credited elsewhere.
 */

/** A workload the kernel cannot set up as asked (an input error naming what to change). */
export class WorkloadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WorkloadError";
  }
}

/** A variant's code or declarations break a contract with the harness (an input error). */
export class ContractError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ContractError";
  }
}
