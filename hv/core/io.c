/* SPDX-License-Identifier: BSD-3-Clause */
#include <hv/errno.h>
#include <hv/io.h>
#include <hv/log.h>
#include <hv/vcpu.h>
#include <hv/vm.h>

#define IO_LOG_UNHANDLED 8
#define IO_SLOT_NONE     0xF
_Static_assert(IO_MAX_HANDLERS < IO_SLOT_NONE, "a slot is 4 bits");

int io_bus_register(struct io_bus *bus, const struct io_handler *h)
{
	if (bus->nr >= IO_MAX_HANDLERS)
		return -ENOSPC;
	for (unsigned i = 0; i < bus->nr; i++) {
		const struct io_handler *o = &bus->h[i];

		if (h->base < o->base + o->size && o->base < h->base + h->size)
			return -EEXIST;
	}
	bus->h[bus->nr++] = *h;
	__atomic_store_n(&bus->last, 0, __ATOMIC_RELAXED); /* a cached miss may be ours now */
	return 0;
}

/*
 * A guest hits one register from the same instruction again and again, so
 * the last answer (hit or miss) is remembered and checked before the scan.
 */
__hot __attribute__((always_inline)) static inline const struct io_handler *
find(struct io_bus *bus, uint64_t addr, unsigned width)
{
	uint64_t key = addr << 8 | (uint64_t)width << 4;
	uint64_t last = __atomic_load_n(&bus->last, __ATOMIC_RELAXED);
	unsigned slot = IO_SLOT_NONE;

	if ((last & ~0xFULL) == key && !(addr >> 56))
		return (last & 0xF) == IO_SLOT_NONE ? NULL : &bus->h[(last & 0xF) - 1];
	for (unsigned i = 0; i < bus->nr; i++) {
		const struct io_handler *h = &bus->h[i];

		if (addr >= h->base && addr + width <= h->base + h->size) {
			slot = i + 1;
			break;
		}
	}
	if (!(addr >> 56) && width < 16)
		__atomic_store_n(&bus->last, key | slot, __ATOMIC_RELAXED);
	return slot == IO_SLOT_NONE ? NULL : &bus->h[slot - 1];
}

bool io_bus_claims(struct io_bus *bus, uint64_t addr, unsigned width)
{
	return find(bus, addr, width) != NULL;
}

static void note_unhandled(struct io_bus *bus, struct vcpu *v, const char *what, uint64_t addr,
                           unsigned width)
{
	/* A guest probing absent devices must not flood the console. */
	if (bus->nr_unhandled++ < IO_LOG_UNHANDLED)
		pr_warn("vm %s: unhandled %s of %u bytes at 0x%lx%s\n", vm_name(v->vm), what, width,
		        addr,
		        bus->nr_unhandled == IO_LOG_UNHANDLED ? " (further ones not logged)" : "");
}

__hot void io_bus_read(struct io_bus *bus, struct vcpu *v, uint64_t addr, unsigned width,
                       uint64_t *val)
{
	const struct io_handler *h = find(bus, addr, width);
	uint64_t ones = width >= 8 ? ~0ULL : (1ULL << (width * 8)) - 1;

	*val = ones;
	if (!h || !h->read) {
		if (!h)
			note_unhandled(bus, v, "read", addr, width);
		return;
	}
	if (h->read(v, h->opaque, addr - h->base, width, val))
		*val = ones;
	*val &= ones;
}

__hot void io_bus_write(struct io_bus *bus, struct vcpu *v, uint64_t addr, unsigned width,
                        uint64_t val)
{
	const struct io_handler *h = find(bus, addr, width);

	if (!h) {
		note_unhandled(bus, v, "write", addr, width);
		return;
	}
	if (h->write)
		h->write(v, h->opaque, addr - h->base, width, val);
}
