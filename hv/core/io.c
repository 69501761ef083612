/* SPDX-License-Identifier: BSD-3-Clause */
#include <hv/errno.h>
#include <hv/io.h>
#include <hv/log.h>
#include <hv/vcpu.h>
#include <hv/vm.h>

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
 * the last answer (hit or miss) is remembered (io_bus_remembered, io.h) and
 * checked before the scan.
 */
__hot static inline bool remembered(struct io_bus *bus, uint64_t addr, unsigned width,
                                    const struct io_handler **h)
{
	return io_bus_remembered(bus, addr, width, h);
}

static const struct io_handler *scan(struct io_bus *bus, uint64_t addr, unsigned width)
{
	unsigned slot = IO_SLOT_NONE;

	for (unsigned i = 0; i < bus->nr; i++) {
		const struct io_handler *h = &bus->h[i];

		if (addr >= h->base && addr + width <= h->base + h->size) {
			slot = i + 1;
			break;
		}
	}
	if (!(addr >> 56) && width < 16)
		__atomic_store_n(&bus->last, addr << 8 | (uint64_t)width << 4 | slot,
		                 __ATOMIC_RELAXED);
	return slot == IO_SLOT_NONE ? NULL : &bus->h[slot - 1];
}

static const struct io_handler *find(struct io_bus *bus, uint64_t addr, unsigned width)
{
	const struct io_handler *h;

	return remembered(bus, addr, width, &h) ? h : scan(bus, addr, width);
}

bool io_bus_claims(struct io_bus *bus, uint64_t addr, unsigned width)
{
	return find(bus, addr, width) != NULL;
}

/* Out of line: a guest probing absent devices must not flood the console. */
__attribute__((noinline, cold)) static void
note_unhandled(struct io_bus *bus, struct vcpu *v, const char *what, uint64_t addr, unsigned width)
{
	bus->nr_unhandled++;
	pr_warn("vm %s: unhandled %s of %u bytes at 0x%lx%s\n", vm_name(v->vm), what, width, addr,
	        bus->nr_unhandled == IO_LOG_UNHANDLED ? " (further ones not logged)" : "");
}

static inline uint64_t ones(unsigned width)
{
	return width >= 8 ? ~0ULL : (1ULL << (width * 8)) - 1;
}

/*
 * The accesses, each for a handler h or none (NULL). claimed: an access
 * nobody claims is left alone and fails with -ENOENT; else it is dropped
 * (reads give all ones) and logged. The exported functions look h up from
 * the remembered answer and call these last, so that path builds no frame;
 * a scan happens in the out-of-line *_slow ones.
 */
__hot static inline int read_h(struct io_bus *bus, const struct io_handler *h, struct vcpu *v,
                               uint64_t addr, unsigned width, uint64_t *val, bool claimed)
{
	*val = ones(width);
	if (!h) {
		if (claimed)
			return -ENOENT;
		if (bus->nr_unhandled < IO_LOG_UNHANDLED)
			note_unhandled(bus, v, "read", addr, width);
		return 0;
	}
	if (h->read && h->read(v, h->opaque, addr - h->base, width, val))
		*val = ones(width);
	*val &= ones(width);
	return 0;
}

__hot static inline int write_h(struct io_bus *bus, const struct io_handler *h, struct vcpu *v,
                                uint64_t addr, unsigned width, uint64_t val, bool claimed)
{
	if (!h) {
		if (claimed)
			return -ENOENT;
		if (bus->nr_unhandled < IO_LOG_UNHANDLED)
			note_unhandled(bus, v, "write", addr, width);
		return 0;
	}
	if (h->write)
		h->write(v, h->opaque, addr - h->base, width, val);
	return 0;
}

__attribute__((noinline)) static int read_slow(struct io_bus *bus, struct vcpu *v, uint64_t addr,
                                               unsigned width, uint64_t *val, bool claimed)
{
	return read_h(bus, scan(bus, addr, width), v, addr, width, val, claimed);
}

__attribute__((noinline)) static int write_slow(struct io_bus *bus, struct vcpu *v, uint64_t addr,
                                                unsigned width, uint64_t val, bool claimed)
{
	return write_h(bus, scan(bus, addr, width), v, addr, width, val, claimed);
}

__hot int io_bus_read_claimed(struct io_bus *bus, struct vcpu *v, uint64_t addr, unsigned width,
                              uint64_t *val)
{
	const struct io_handler *h;

	if (!remembered(bus, addr, width, &h))
		return read_slow(bus, v, addr, width, val, true);
	return read_h(bus, h, v, addr, width, val, true);
}

__hot int io_bus_write_claimed(struct io_bus *bus, struct vcpu *v, uint64_t addr, unsigned width,
                               uint64_t val)
{
	const struct io_handler *h;

	if (!remembered(bus, addr, width, &h))
		return write_slow(bus, v, addr, width, val, true);
	return write_h(bus, h, v, addr, width, val, true);
}

__hot void io_bus_read(struct io_bus *bus, struct vcpu *v, uint64_t addr, unsigned width,
                       uint64_t *val)
{
	const struct io_handler *h;

	if (!remembered(bus, addr, width, &h))
		read_slow(bus, v, addr, width, val, false);
	else
		read_h(bus, h, v, addr, width, val, false);
}

__hot void io_bus_write(struct io_bus *bus, struct vcpu *v, uint64_t addr, unsigned width,
                        uint64_t val)
{
	const struct io_handler *h;

	if (!remembered(bus, addr, width, &h))
		write_slow(bus, v, addr, width, val, false);
	else
		write_h(bus, h, v, addr, width, val, false);
}
