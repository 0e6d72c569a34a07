/*
 * A Unicorn memory hook that appends each data access to buffers owned by
 * the caller, so recording an access costs a few stores instead of a
 * callback into JavaScript. Built on demand by src/engine/native_access_log.ts.
 */
#include <stddef.h>
#include <stdint.h>

/* Unicorn's uc_mem_type value for a write (unicorn.h: UC_MEM_WRITE). */
#define ACCESS_LOG_MEM_WRITE 17

/* Shared with TypeScript: see ACCESS_LOG_LAYOUT in native_access_log.ts. */
struct access_log {
  double *address; /* exact for addresses below 2^53 */
  uint16_t *size;
  uint8_t *write;
  uint64_t capacity;
  uint64_t count; /* may exceed capacity: the excess is counted, not stored */
};

void access_log_hook(void *uc, int type, uint64_t address, int size, int64_t value,
                     void *user_data) {
  struct access_log *log = user_data;
  uint64_t i = log->count++;
  (void)uc;
  (void)value;
  if (i < log->capacity) {
    log->address[i] = (double)address;
    log->size[i] = (uint16_t)size;
    log->write[i] = type == ACCESS_LOG_MEM_WRITE;
  }
}

/* The hook's address, to pass to uc_hook_add. */
void *access_log_hook_address(void) { return (void *)access_log_hook; }
