/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One function's configuration space: the type-0 header fields the guest may
 * write, BAR sizing and decoding, the capability list and INTx state.
 */
#include <errno.h>
#include <string.h>

#include <dm/io.h>
#include <dm/log.h>
#include <dm/vm.h>

#include "pci_internal.h"

uint8_t pci_get8(const struct pci_dev *d, unsigned off)
{
	return off < PCI_CFG_SIZE ? d->cfg[off] : 0;
}

uint16_t pci_get16(const struct pci_dev *d, unsigned off)
{
	return off + 2 <= PCI_CFG_SIZE ? (uint16_t)(d->cfg[off] | d->cfg[off + 1] << 8) : 0;
}

uint32_t pci_get32(const struct pci_dev *d, unsigned off)
{
	return off + 4 <= PCI_CFG_SIZE
	               ? (uint32_t)pci_get16(d, off) | (uint32_t)pci_get16(d, off + 2) << 16
	               : 0;
}

void pci_set8(struct pci_dev *d, unsigned off, uint8_t v)
{
	if (off < PCI_CFG_SIZE)
		d->cfg[off] = v;
}

void pci_set16(struct pci_dev *d, unsigned off, uint16_t v)
{
	if (off + 2 <= PCI_CFG_SIZE) {
		d->cfg[off] = (uint8_t)v;
		d->cfg[off + 1] = (uint8_t)(v >> 8);
	}
}

void pci_set32(struct pci_dev *d, unsigned off, uint32_t v)
{
	if (off + 4 <= PCI_CFG_SIZE) {
		pci_set16(d, off, (uint16_t)v);
		pci_set16(d, off + 2, (uint16_t)(v >> 16));
	}
}

static void mask16(uint8_t *m, unsigned off, uint16_t v)
{
	m[off] = (uint8_t)v;
	m[off + 1] = (uint8_t)(v >> 8);
}

void pci_core_init_dev(struct pci_dev *d)
{
	struct pci_dev_core *c = d->core;

	g_rec_mutex_init(&c->lock);
	c->cap_next = PCI_CAP_START;
	c->msix_bar = -1;
	mask16(c->wmask, PCI_COMMAND,
	       PCI_CMD_IO | PCI_CMD_MEM | PCI_CMD_MASTER | PCI_CMD_PARITY | PCI_CMD_SERR |
	               PCI_CMD_INTX_DISABLE);
	mask16(c->w1cmask, PCI_STATUS, PCI_STATUS_W1C);
	c->wmask[PCI_CACHE_LINE] = 0xFF;
	c->wmask[PCI_LATENCY] = 0xFF;
	c->wmask[PCI_INTERRUPT_LINE] = 0xFF;
	/* Pin A unless the emulation says otherwise in init(). */
	d->cfg[PCI_INTERRUPT_PIN] = 1;
}

int pci_bar_alloc(struct pci_dev *d, int idx, enum pci_bar_type type, uint64_t size)
{
	if (idx < 0 || idx >= PCI_BARS || type == PCI_BAR_NONE)
		return -EINVAL;
	if (type == PCI_BAR_MEM64 && idx == PCI_BARS - 1)
		return -EINVAL;
	if (d->bar[idx].type != PCI_BAR_NONE ||
	    (idx > 0 && d->bar[idx - 1].type == PCI_BAR_MEM64) ||
	    (type == PCI_BAR_MEM64 && d->bar[idx + 1].type != PCI_BAR_NONE))
		return -EBUSY;
	/* Powers of two only; I/O BARs at least 4 bytes and at most 256, memory at least 4 KiB. */
	if (size == 0 || (size & (size - 1)))
		return -EINVAL;
	if (type == PCI_BAR_IO && (size < 4 || size > 256))
		return -EINVAL;
	if (type != PCI_BAR_IO && size < 4096)
		size = 4096;
	if (type == PCI_BAR_MEM32 && size > (1ULL << 31))
		return -EINVAL;
	d->bar[idx].type = type;
	d->bar[idx].size = size;
	d->bar[idx].addr = 0;
	pci_set32(d, PCI_BAR0 + 4 * idx, type == PCI_BAR_IO ? 1u : type == PCI_BAR_MEM64 ? 4u : 0u);
	return 0;
}

int pci_add_cap(struct pci_dev *d, const void *cap, unsigned len)
{
	struct pci_dev_core *c = d->core;
	unsigned off = c->cap_next;

	if (len < 2 || off + len > 256)
		return -ENOSPC;
	memcpy(d->cfg + off, cap, len);
	d->cfg[off + 1] = 0;
	if (c->cap_last)
		d->cfg[c->cap_last + 1] = (uint8_t)off;
	else
		d->cfg[PCI_CAP_PTR] = (uint8_t)off;
	pci_set16(d, PCI_STATUS, pci_get16(d, PCI_STATUS) | PCI_STATUS_CAP_LIST);
	c->cap_last = off;
	c->cap_next = (off + len + 3) & ~3u;
	return (int)off;
}

/* The address the BAR registers hold (not necessarily decoded). */
uint64_t pci_bar_programmed(const struct pci_dev *d, int idx)
{
	uint32_t lo = pci_get32(d, PCI_BAR0 + 4 * idx);

	switch (d->bar[idx].type) {
	case PCI_BAR_IO:
		return lo & ~3u;
	case PCI_BAR_MEM32:
		return lo & ~0xFu;
	case PCI_BAR_MEM64:
		return (lo & ~0xFu) | (uint64_t)pci_get32(d, PCI_BAR0 + 4 * idx + 4) << 32;
	default:
		return 0;
	}
}

/* Store @addr into BAR @idx's registers, keeping only the bits its size allows. */
void pci_bar_write_addr(struct pci_dev *d, int idx, uint64_t addr)
{
	const struct pci_bar *b = &d->bar[idx];
	uint64_t mask = ~(b->size - 1);

	switch (b->type) {
	case PCI_BAR_IO:
		pci_set32(d, PCI_BAR0 + 4 * idx, ((uint32_t)addr & (uint32_t)mask & ~3u) | 1u);
		break;
	case PCI_BAR_MEM32:
		pci_set32(d, PCI_BAR0 + 4 * idx, (uint32_t)addr & (uint32_t)mask & ~0xFu);
		break;
	case PCI_BAR_MEM64:
		pci_set32(d, PCI_BAR0 + 4 * idx, ((uint32_t)addr & (uint32_t)mask & ~0xFu) | 4u);
		pci_set32(d, PCI_BAR0 + 4 * idx + 4, (uint32_t)((addr & mask) >> 32));
		break;
	default:
		break;
	}
}

static int bar_io(struct dm_vm *vm, void *opaque, bool write, uint64_t offset, unsigned size,
                  uint64_t *val)
{
	struct pci_bar_ctx *ctx = opaque;
	struct pci_dev *d = ctx->d;
	bool handled = false;
	int ret;

	(void)vm;
	ret = pci_msix_access(d, ctx->idx, write, offset, size, val, &handled);
	if (handled)
		return ret;
	if (!d->ops->bar_access)
		return -EOPNOTSUPP;
	return d->ops->bar_access(d, ctx->idx, write, offset, size, val);
}

/* True while the guest is sizing the BAR: every address bit it can write is set. */
static bool bar_sizing(const struct pci_dev *d, int idx)
{
	const struct pci_bar *b = &d->bar[idx];
	uint32_t lo = pci_get32(d, PCI_BAR0 + 4 * idx);
	uint32_t lomask = (uint32_t) ~(b->size - 1) & (b->type == PCI_BAR_IO ? ~3u : ~0xFu);

	if (b->type == PCI_BAR_MEM64 &&
	    pci_get32(d, PCI_BAR0 + 4 * idx + 4) == (uint32_t)((~(b->size - 1)) >> 32))
		return true;
	return lomask && (lo & lomask) == lomask;
}

/* Make the registered range match the BAR registers and the command register. */
void pci_bar_update(struct pci_dev *d, int idx)
{
	struct pci_dev_core *c = d->core;
	struct pci_bar_ctx *ctx = &c->bar[idx];
	struct pci_bar *b = &d->bar[idx];
	uint16_t cmd = pci_get16(d, PCI_COMMAND);
	bool io = b->type == PCI_BAR_IO;
	uint64_t want = pci_bar_programmed(d, idx), old = ctx->mapped;
	struct dm_io_range r;
	int ret;

	if (b->type == PCI_BAR_NONE)
		return;
	if (!(cmd & (io ? PCI_CMD_IO : PCI_CMD_MEM)) || bar_sizing(d, idx))
		want = 0;
	if ((io && want + b->size > 0x10000) || want + b->size < want)
		want = 0;
	if (want == old)
		return;
	if (old) {
		if (io)
			dm_io_unregister_pio(d->vm, old);
		else
			dm_io_unregister_mmio(d->vm, old);
		ctx->mapped = 0;
		b->addr = 0;
	}
	if (want) {
		r = (struct dm_io_range){
			.name = ctx->name, .base = want, .len = b->size, .fn = bar_io, .opaque = ctx
		};
		ret = io ? dm_io_register_pio(d->vm, &r) : dm_io_register_mmio(d->vm, &r);
		if (ret < 0) {
			dm_warn("%s: cannot decode at 0x%llx (%s): the guest put it over another "
			        "range",
			        ctx->name, (unsigned long long)want, g_strerror(-ret));
			want = 0;
		} else {
			ctx->mapped = want;
			b->addr = want;
		}
	}
	if (want != old && d->ops->bar_moved)
		d->ops->bar_moved(d, idx, old, want);
}

void pci_bar_unmap_all(struct pci_dev *d)
{
	struct pci_dev_core *c = d->core;

	for (int i = 0; i < PCI_BARS; i++) {
		struct pci_bar_ctx *ctx = &c->bar[i];
		uint64_t old = ctx->mapped;

		if (!old)
			continue;
		if (d->bar[i].type == PCI_BAR_IO)
			dm_io_unregister_pio(d->vm, old);
		else
			dm_io_unregister_mmio(d->vm, old);
		ctx->mapped = 0;
		d->bar[i].addr = 0;
		if (d->ops->bar_moved)
			d->ops->bar_moved(d, i, old, 0);
	}
}

/* Which BAR a BAR-register dword belongs to, and whether it is the upper half of a 64-bit one. */
static int bar_of_reg(const struct pci_dev *d, unsigned dword, bool *upper)
{
	int i = (int)(dword - PCI_BAR0) / 4;

	*upper = false;
	if (d->bar[i].type != PCI_BAR_NONE)
		return i;
	if (i > 0 && d->bar[i - 1].type == PCI_BAR_MEM64) {
		*upper = true;
		return i - 1;
	}
	return -1;
}

static void bar_reg_write(struct pci_dev *d, unsigned dword, unsigned shift, unsigned size,
                          uint32_t val)
{
	uint32_t cur = pci_get32(d, dword),
	         m = size == 4 ? 0xFFFFFFFFu : ((1u << (8 * size)) - 1) << shift;
	uint32_t nv = (cur & ~m) | ((val << shift) & m);
	bool upper;
	int idx = bar_of_reg(d, dword, &upper);
	uint64_t addr;

	if (idx < 0)
		return; /* unimplemented BAR: reads as 0 */
	addr = pci_bar_programmed(d, idx);
	if (upper)
		addr = (addr & 0xFFFFFFFFULL) | (uint64_t)nv << 32;
	else
		addr = (addr & ~0xFFFFFFFFULL) | nv;
	pci_bar_write_addr(d, idx, addr);
	pci_bar_update(d, idx);
}

void pci_intx_update(struct pci_dev *d)
{
	struct pci_dev_core *c = d->core;
	struct pci_bus *bus = c->bus;
	bool want = c->intx_level && !(pci_get16(d, PCI_COMMAND) & PCI_CMD_INTX_DISABLE) &&
	            !pci_msix_enabled(d) && d->cfg[PCI_INTERRUPT_PIN];
	unsigned g = d->slot % PCI_INTX_GSIS;

	if (want == c->intx_counted)
		return;
	c->intx_counted = want;
	g_mutex_lock(&bus->intx_lock);
	if (want && bus->gsi_users[g]++ == 0)
		dm_vm_set_gsi(d->vm, PCI_INTX_GSI_BASE + g, true);
	else if (!want && --bus->gsi_users[g] == 0)
		dm_vm_set_gsi(d->vm, PCI_INTX_GSI_BASE + g, false);
	g_mutex_unlock(&bus->intx_lock);
}

static void intx_set(struct pci_dev *d, bool level)
{
	struct pci_dev_core *c = d->core;
	uint16_t st;

	g_rec_mutex_lock(&c->lock);
	c->intx_level = level;
	st = pci_get16(d, PCI_STATUS);
	pci_set16(d, PCI_STATUS, level ? st | PCI_STATUS_INTX : st & ~PCI_STATUS_INTX);
	pci_intx_update(d);
	g_rec_mutex_unlock(&c->lock);
}

void pci_intx_assert(struct pci_dev *d)
{
	intx_set(d, true);
}

void pci_intx_deassert(struct pci_dev *d)
{
	intx_set(d, false);
}

unsigned pci_intx_gsi(const struct pci_dev *d)
{
	return PCI_INTX_GSI_BASE + d->slot % PCI_INTX_GSIS;
}

void pci_cfg_read(struct pci_dev *d, unsigned reg, unsigned size, uint32_t *val)
{
	uint32_t v = 0;

	g_rec_mutex_lock(&d->core->lock);
	for (unsigned i = 0; i < size; i++)
		v |= (uint32_t)d->cfg[reg + i] << (8 * i);
	g_rec_mutex_unlock(&d->core->lock);
	*val = v;
}

/* @reg is aligned to @size and inside config space (pci_cfg_access checked). */
void pci_cfg_write(struct pci_dev *d, unsigned reg, unsigned size, uint32_t val)
{
	struct pci_dev_core *c = d->core;
	uint16_t old_cmd, old_msix = 0, cmd;

	g_rec_mutex_lock(&c->lock);
	old_cmd = pci_get16(d, PCI_COMMAND);
	if (c->msix_cap)
		old_msix = pci_get16(d, c->msix_cap + 2);
	if (reg >= PCI_BAR0 && reg < PCI_BAR0 + 4 * PCI_BARS) {
		bar_reg_write(d, reg & ~3u, (reg & 3u) * 8, size, val);
	} else {
		for (unsigned i = 0; i < size; i++) {
			uint8_t b = (uint8_t)(val >> (8 * i)), *p = &d->cfg[reg + i];

			*p = (uint8_t)((*p & ~c->wmask[reg + i]) | (b & c->wmask[reg + i]));
			*p &= (uint8_t) ~(b & c->w1cmask[reg + i]);
		}
	}
	cmd = pci_get16(d, PCI_COMMAND);
	if ((cmd ^ old_cmd) & (PCI_CMD_IO | PCI_CMD_MEM))
		for (int i = 0; i < PCI_BARS; i++)
			pci_bar_update(d, i);
	if (c->msix_cap && pci_get16(d, c->msix_cap + 2) != old_msix)
		pci_msix_ctrl_written(d, old_msix);
	if ((cmd ^ old_cmd) & PCI_CMD_INTX_DISABLE)
		pci_intx_update(d);
	if (d->ops->cfg_written)
		d->ops->cfg_written(d, reg & ~3u, size, val);
	g_rec_mutex_unlock(&c->lock);
}
