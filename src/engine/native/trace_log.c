/*
 * Unicorn hooks that log a run into buffers owned by the caller, so an
 * executed block or a data access costs a few stores instead of a callback
 * into JavaScript. Built on demand by src/engine/native_trace_log.ts; the
 * struct layout is mirrored there (TRACE_LOG_LAYOUT).
 *
 * Besides the trace itself, the hooks watch the stack pointer, because the
 * harness checks that sp is 16-byte aligned at every call and at every
 * sp-based stack access: they record where sp was found misaligned (block
 * entries, and accesses to the watched stack range), and the caller decides
 * afterwards which of those events break a rule.
 */
#include <stdint.h>

/* Unicorn's uc_mem_type value for a write (unicorn.h: UC_MEM_WRITE). */
#define TRACE_LOG_MEM_WRITE 17
/* Misaligned-sp events kept per kind; more are counted, not stored. */
#define TRACE_LOG_EVENTS 1024

/* uc_reg_read, passed in by address so this library needs no link to Unicorn. */
typedef int (*reg_read_fn)(void *uc, int regid, void *value);
/* uc_emu_stop, likewise. */
typedef int (*emu_stop_fn)(void *uc);

struct sp_events {
  uint64_t count; /* may exceed TRACE_LOG_EVENTS */
  uint64_t block[TRACE_LOG_EVENTS]; /* index of the block the event happened in */
  uint64_t pc[TRACE_LOG_EVENTS];    /* 0 for block entries: the block's address is logged */
  uint64_t sp[TRACE_LOG_EVENTS];
};

struct trace_log {
  /* executed blocks, in order */
  double *block_start; /* exact for addresses below 2^53 */
  int32_t *block_size;
  int32_t *block_access; /* index of the block's first data access */
  uint64_t block_capacity;
  uint64_t block_count; /* may exceed capacity: the excess is counted, not stored */
  /* data accesses, in program order (only when record_accesses) */
  double *access_address;
  uint16_t *access_size;
  uint8_t *access_write;
  uint64_t access_capacity;
  uint64_t access_count;
  uint64_t record_accesses;
  /* the stack range [stack_begin, stack_end] whose accesses check sp */
  uint64_t stack_begin;
  uint64_t stack_end;
  reg_read_fn reg_read;
  int64_t sp_id; /* Unicorn register ids */
  int64_t pc_id;
  struct sp_events entries;  /* blocks entered with sp misaligned */
  struct sp_events accesses; /* stack accesses made with sp misaligned */
  /*
   * A run without Unicorn's instruction-count hook (which costs a helper call
   * per instruction) keeps its budget here: the first block that would take
   * the run past `budget` instructions stops it. emu_stop is null when
   * Unicorn counts.
   */
  uint64_t budget;
  uint64_t executed;
  emu_stop_fn emu_stop;
};

static void note(struct sp_events *events, uint64_t block, uint64_t pc, uint64_t sp) {
  uint64_t i = events->count++;
  if (i < TRACE_LOG_EVENTS) {
    events->block[i] = block;
    events->pc[i] = pc;
    events->sp[i] = sp;
  }
}

void trace_log_block(void *uc, uint64_t address, uint32_t size, void *user_data) {
  struct trace_log *log = user_data;
  uint64_t i = log->block_count++;
  uint64_t sp = 0;
  if (i < log->block_capacity) {
    log->block_start[i] = (double)address;
    log->block_size[i] = (int32_t)size;
    log->block_access[i] = (int32_t)log->access_count;
  }
  log->reg_read(uc, (int)log->sp_id, &sp);
  if (sp & 15) note(&log->entries, i, 0, sp);
  /* arm64 instructions are 4 bytes */
  log->executed += size / 4;
  if (log->emu_stop && log->executed > log->budget) log->emu_stop(uc);
}

void trace_log_access(void *uc, int type, uint64_t address, int size, int64_t value,
                      void *user_data) {
  struct trace_log *log = user_data;
  (void)value;
  if (log->record_accesses) {
    uint64_t i = log->access_count++;
    if (i < log->access_capacity) {
      log->access_address[i] = (double)address;
      log->access_size[i] = (uint16_t)size;
      log->access_write[i] = type == TRACE_LOG_MEM_WRITE;
    }
  }
  if (address >= log->stack_begin && address <= log->stack_end) {
    uint64_t sp = 0;
    log->reg_read(uc, (int)log->sp_id, &sp);
    if (sp & 15) {
      uint64_t pc = 0;
      log->reg_read(uc, (int)log->pc_id, &pc);
      note(&log->accesses, log->block_count - 1, pc, sp);
    }
  }
}

/*
 * sizeof(struct trace_log), so the TypeScript mirror of the layout can be
 * checked. A constant, read as a static symbol: Deno compiles a call stub for
 * every function it binds (about 0.16 ms each), and none for a static. The
 * hooks' addresses are read the same way, as the statics trace_log_block and
 * trace_log_access.
 */
const uint64_t trace_log_size = sizeof(struct trace_log);
