/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Port I/O and MMIO range tables and the dispatch of one ioreq slot.
 * Tables are sorted arrays searched by bisection: lookups happen on every
 * forwarded access, registrations a handful of times per boot.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <acrn/hsm.h>
#include <dm/io.h>
#include <dm/log.h>
#include <dm/pci.h>
#include <dm/transport.h>
#include <dm/vm.h>

#include "core.h"

#define PIO_LIMIT      0x10000ULL
#define UNCLAIMED_KEEP 1024 /* distinct addresses remembered for log-once */

void dm_io_init(struct dm_vm *vm)
{
	vm->core->evfds = g_array_new(FALSE, FALSE, sizeof(struct dm_io_evfd));
	vm->core->unclaimed = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
}

void dm_io_fini(struct dm_vm *vm)
{
	struct dm_vm_core *core = vm->core;

	g_free(core->pio.r);
	g_free(core->mmio.r);
	memset(&core->pio, 0, sizeof(core->pio));
	memset(&core->mmio, 0, sizeof(core->mmio));
	g_array_free(core->evfds, TRUE);
	g_hash_table_destroy(core->unclaimed);
}

/* Index of the first range whose end is above @addr. */
static size_t lower_bound(const struct dm_io_table *t, uint64_t addr)
{
	size_t lo = 0, hi = t->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->r[mid].base + t->r[mid].len <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const struct dm_io_range *dm_io_find(const struct dm_io_table *t, uint64_t addr)
{
	size_t i = lower_bound(t, addr);

	return i < t->n && t->r[i].base <= addr ? &t->r[i] : NULL;
}

static int table_insert(struct dm_io_table *t, const struct dm_io_range *r, uint64_t limit,
                        const char *kind)
{
	uint64_t end;
	size_t i;

	if (!r || !r->fn || r->len == 0 || __builtin_add_overflow(r->base, r->len, &end) ||
	    end > limit) {
		dm_err("%s range \"%s\" [0x%llx, +0x%llx) is empty, has no handler or is out of "
		       "range",
		       kind, r && r->name ? r->name : "?", r ? (unsigned long long)r->base : 0ULL,
		       r ? (unsigned long long)r->len : 0ULL);
		return -EINVAL;
	}
	i = lower_bound(t, r->base);
	if (i < t->n && t->r[i].base < end) {
		dm_err("%s range \"%s\" [0x%llx, 0x%llx) overlaps \"%s\" [0x%llx, 0x%llx)", kind,
		       r->name ? r->name : "?", (unsigned long long)r->base,
		       (unsigned long long)end, t->r[i].name ? t->r[i].name : "?",
		       (unsigned long long)t->r[i].base,
		       (unsigned long long)(t->r[i].base + t->r[i].len));
		return -EEXIST;
	}
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 16;
		t->r = g_renew(struct dm_io_range, t->r, t->cap);
	}
	memmove(&t->r[i + 1], &t->r[i], (t->n - i) * sizeof(t->r[0]));
	t->r[i] = *r;
	t->n++;
	return 0;
}

static int table_remove(struct dm_io_table *t, uint64_t base)
{
	size_t i = lower_bound(t, base);

	if (i >= t->n || t->r[i].base != base)
		return -ENOENT;
	memmove(&t->r[i], &t->r[i + 1], (t->n - i - 1) * sizeof(t->r[0]));
	t->n--;
	return 0;
}

int dm_io_register_pio(struct dm_vm *vm, const struct dm_io_range *r)
{
	return table_insert(&vm->core->pio, r, PIO_LIMIT, "port I/O");
}

int dm_io_register_mmio(struct dm_vm *vm, const struct dm_io_range *r)
{
	return table_insert(&vm->core->mmio, r, UINT64_MAX, "MMIO");
}

int dm_io_unregister_pio(struct dm_vm *vm, uint64_t base)
{
	return table_remove(&vm->core->pio, base);
}

int dm_io_unregister_mmio(struct dm_vm *vm, uint64_t base)
{
	return table_remove(&vm->core->mmio, base);
}

static struct acrn_ioeventfd evfd_args(const struct dm_io_evfd *f, bool deassign)
{
	return (struct acrn_ioeventfd){
		.fd = (uint32_t)f->fd,
		.flags = (f->pio ? ACRN_IOEVENTFD_FLAG_PIO : 0) |
		         (f->datamatch ? ACRN_IOEVENTFD_FLAG_DATAMATCH : 0) |
		         (deassign ? ACRN_IOEVENTFD_FLAG_DEASSIGN : 0),
		.addr = f->addr,
		.len = f->len,
		.data = f->data,
	};
}

int dm_io_add_eventfd(struct dm_vm *vm, bool pio, uint64_t addr, unsigned len, bool datamatch,
                      uint64_t data, int eventfd)
{
	struct dm_io_evfd f = { false, pio, datamatch, len, addr, data, eventfd };
	int ret = -EOPNOTSUPP;

	if (eventfd < 0 || (len != 1 && len != 2 && len != 4 && len != 8))
		return -EINVAL;
	if (vm->t->ops->ioeventfd) {
		struct acrn_ioeventfd e = evfd_args(&f, false);

		ret = vm->t->ops->ioeventfd(vm->t, &e);
	}
	if (ret < 0 && ret != -EOPNOTSUPP)
		return ret;
	/*
	 * Posted or not, remember it: a deassign must repeat the assign's
	 * arguments, and without a posted path the write arrives as an ioreq
	 * and dispatch signals the fd.
	 */
	f.posted = ret >= 0;
	g_array_append_val(vm->core->evfds, f);
	return 0;
}

int dm_io_del_eventfd(struct dm_vm *vm, bool pio, uint64_t addr, int eventfd)
{
	GArray *a = vm->core->evfds;

	for (guint i = 0; i < a->len; i++) {
		struct dm_io_evfd f = g_array_index(a, struct dm_io_evfd, i);
		struct acrn_ioeventfd e;

		if (f.pio != pio || f.addr != addr || f.fd != eventfd)
			continue;
		g_array_remove_index(a, i);
		if (!f.posted)
			return 0;
		e = evfd_args(&f, true);
		return vm->t->ops->ioeventfd(vm->t, &e);
	}
	return -ENOENT;
}

/* A write that a fallback eventfd takes; true if it was signalled. */
static bool evfd_signal(struct dm_vm *vm, bool pio, uint64_t addr, unsigned size, uint64_t val)
{
	GArray *a = vm->core->evfds;

	for (guint i = 0; i < a->len; i++) {
		struct dm_io_evfd *f = &g_array_index(a, struct dm_io_evfd, i);
		uint64_t one = 1;

		if (f->posted || f->pio != pio || f->addr != addr || size > f->len ||
		    (f->datamatch && f->data != val))
			continue;
		if (write(f->fd, &one, sizeof(one)) != sizeof(one))
			dm_warn("eventfd %d for 0x%llx: %s", f->fd, (unsigned long long)addr,
			        g_strerror(errno));
		return true;
	}
	return false;
}

static void log_unclaimed(struct dm_vm *vm, bool pio, uint64_t addr, bool write, unsigned size)
{
	struct dm_vm_core *core = vm->core;
	/* Bit 63 tells ports from MMIO (MMIO addresses there are not RAM-backed either). */
	gint64 key = (gint64)(addr ^ (pio ? 1ULL << 63 : 0));
	bool first = false, full = false;

	g_mutex_lock(&core->lock);
	if (!g_hash_table_contains(core->unclaimed, &key)) {
		full = g_hash_table_size(core->unclaimed) == UNCLAIMED_KEEP;
		if (g_hash_table_size(core->unclaimed) <= UNCLAIMED_KEEP) {
			gint64 *k = g_new(gint64, 1);

			*k = key;
			/* One more than the cap: later addresses are neither logged nor kept. */
			g_hash_table_add(core->unclaimed, k);
			first = true;
		}
	}
	g_mutex_unlock(&core->lock);
	/* Debug level: a booting Linux probes PIC, PIT, Super I/O and serial ports that are absent. */
	if (full)
		dm_dbg("more than %d unclaimed addresses: no longer logging them", UNCLAIMED_KEEP);
	else if (first)
		dm_dbg("unclaimed %s %s of %u bytes at 0x%llx%s", pio ? "port" : "MMIO",
		       write ? "write" : "read", size, (unsigned long long)addr,
		       write ? " dropped" : " reads all ones");
}

static uint64_t size_mask(unsigned size)
{
	return size >= 8 ? UINT64_MAX : (1ULL << (size * 8)) - 1;
}

/* One access to a table; returns the value read (masked) or all ones. */
static uint64_t access_range(struct dm_vm *vm, bool pio, uint64_t addr, unsigned size, bool write,
                             uint64_t val)
{
	const struct dm_io_table *t = pio ? &vm->core->pio : &vm->core->mmio;
	const struct dm_io_range *r;
	uint64_t v = write ? val & size_mask(size) : 0;
	int ret;

	if (write && evfd_signal(vm, pio, addr, size, v))
		return 0;
	r = dm_io_find(t, addr);
	if (!r || (addr - r->base + size > r->len && !(pio && r->by_first_port))) {
		log_unclaimed(vm, pio, addr, write, size);
		return size_mask(size);
	}
	ret = r->fn(vm, r->opaque, write, addr - r->base, size, &v);
	if (ret && !write)
		return size_mask(size);
	return v & size_mask(size);
}

static bool size_ok(uint64_t size, bool allow8)
{
	return size == 1 || size == 2 || size == 4 || (allow8 && size == 8);
}

void dm_io_dispatch(struct dm_vm *vm, struct acrn_io_request *req)
{
	switch (req->type) {
	case ACRN_IOREQ_TYPE_PORTIO: {
		struct acrn_pio_request *p = &req->reqs.pio_request;
		bool write = p->direction == ACRN_IOREQ_DIR_WRITE;
		uint64_t v;

		if (!size_ok(p->size, false) || p->address >= PIO_LIMIT) {
			dm_dbg("bad port request: %llu bytes at 0x%llx",
			       (unsigned long long)p->size, (unsigned long long)p->address);
			if (!write)
				p->value = UINT32_MAX;
			return;
		}
		v = access_range(vm, true, p->address, (unsigned)p->size, write, p->value);
		if (!write)
			p->value = (uint32_t)v;
		return;
	}
	case ACRN_IOREQ_TYPE_MMIO: {
		struct acrn_mmio_request *m = &req->reqs.mmio_request;
		bool write = m->direction == ACRN_IOREQ_DIR_WRITE;
		uint64_t v;

		if (!size_ok(m->size, true)) {
			dm_dbg("bad MMIO request: %llu bytes at 0x%llx",
			       (unsigned long long)m->size, (unsigned long long)m->address);
			if (!write)
				m->value = UINT64_MAX;
			return;
		}
		v = access_range(vm, false, m->address, (unsigned)m->size, write, m->value);
		if (!write)
			m->value = v;
		return;
	}
	case ACRN_IOREQ_TYPE_PCICFG: {
		struct acrn_pci_request *c = &req->reqs.pci_request;
		bool write = c->direction == ACRN_IOREQ_DIR_WRITE;
		uint32_t v = write ? (uint32_t)c->value : 0;

		if (!size_ok((uint64_t)c->size, false) || c->bus < 0 || c->bus > 255 ||
		    c->dev < 0 || c->dev >= PCI_SLOTS || c->func < 0 || c->func >= PCI_FUNCS ||
		    c->reg < 0 || c->reg + c->size > PCI_CFG_SIZE) {
			if (!write)
				c->value = -1;
			return;
		}
		pci_cfg_access(vm, (unsigned)c->bus, (unsigned)c->dev, (unsigned)c->func,
		               (unsigned)c->reg, (unsigned)c->size, write, &v);
		if (!write)
			c->value = (int32_t)v;
		return;
	}
	default:
		dm_dbg("ioreq of unknown type %u ignored", req->type);
		return;
	}
}
