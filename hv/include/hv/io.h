/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Emulated I/O ranges of a VM: one table for MMIO and one for port I/O (the
 * latter is empty on architectures without ports). A handler gets the offset
 * within its range.
 */
#ifndef HV_IO_H
#define HV_IO_H

#include <hv/types.h>

struct vcpu;

struct io_handler {
	uint64_t base;
	uint64_t size;
	/* Return 0, or a negative errno that makes the access fail (reads give all ones). */
	int (*read)(struct vcpu *v, void *opaque, uint64_t offset, unsigned width, uint64_t *val);
	int (*write)(struct vcpu *v, void *opaque, uint64_t offset, unsigned width, uint64_t val);
	void *opaque;
};

#define IO_MAX_HANDLERS 8

struct io_bus {
	struct io_handler h[IO_MAX_HANDLERS];
	unsigned nr;
	unsigned nr_unhandled; /* accesses nobody claimed that were logged (the first few) */
	/*
	 * The last lookup, hit or miss, in one word so that vCPUs sharing the
	 * bus never see half of another's: addr << 8 | width << 4 | slot, slot
	 * being 1 + the handler's index or IO_SLOT_NONE; 0 when empty.
	 */
	uint64_t last;
};

/* In io_bus.last: no handler claims the remembered access. */
#define IO_SLOT_NONE 0xF
/* Unclaimed accesses logged per bus; the rest are dropped silently. */
#define IO_LOG_UNHANDLED 8

int io_bus_register(struct io_bus *bus, const struct io_handler *h);

/*
 * The last lookup's answer, when it was for this access: true and *h (NULL:
 * nobody claims it). Inline for callers on an exit fast path (VMX) that call
 * the handler themselves; on false they use the functions below, which scan
 * and remember. A stale *h cannot be: io_bus_register clears the word, and
 * handlers are never removed from a live bus.
 */
__attribute__((always_inline)) static inline bool
io_bus_remembered(struct io_bus *bus, uint64_t addr, unsigned width, const struct io_handler **h)
{
	uint64_t last = __atomic_load_n(&bus->last, __ATOMIC_RELAXED);
	unsigned slot = last & 0xF;

	if (__builtin_expect(
	            ((last ^ (addr << 8 | (uint64_t)width << 4)) & ~0xFULL) || (addr >> 56), 0))
		return false;
	*h = slot == IO_SLOT_NONE ? NULL : &bus->h[slot - 1];
	return true;
}

/* Whether a handler covers [addr, addr+width) (else a post-launched VM's access goes out). */
bool io_bus_claims(struct io_bus *bus, uint64_t addr, unsigned width);
/* Dispatch; unclaimed reads return all ones, unclaimed writes are dropped. */
void io_bus_read(struct io_bus *bus, struct vcpu *v, uint64_t addr, unsigned width, uint64_t *val);
void io_bus_write(struct io_bus *bus, struct vcpu *v, uint64_t addr, unsigned width, uint64_t val);
/* The same for claimed accesses only: -ENOENT, nothing done or logged, when no handler claims it. */
int io_bus_read_claimed(struct io_bus *bus, struct vcpu *v, uint64_t addr, unsigned width,
                        uint64_t *val);
int io_bus_write_claimed(struct io_bus *bus, struct vcpu *v, uint64_t addr, unsigned width,
                         uint64_t val);

#endif
