/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * MSI-X: the capability, the vector table and the pending-bit array in a
 * memory BAR, per-vector and function masking. Devices send vectors from
 * their own threads; the table changes on the ioreq thread; the device lock
 * orders the two so an unmask never loses a pending message.
 */
#include <errno.h>
#include <string.h>

#include <dm/log.h>
#include <dm/vm.h>

#include "pci_internal.h"

#define ENTRY_VCTRL_MASKED 1u

int pci_msix_init(struct pci_dev *d, unsigned nvec, int bar, uint32_t table_off, uint32_t pba_off)
{
	struct pci_dev_core *c = d->core;
	uint8_t cap[12] = { PCI_CAP_ID_MSIX };
	uint64_t tlen = (uint64_t)nvec * PCI_MSIX_ENTRY_SIZE, plen = ((nvec + 63) / 64) * 8;
	int off;

	if (c->msix_cap || nvec == 0 || nvec > PCI_MSIX_MAX_VECTORS)
		return -EINVAL;
	if (bar < 0 || bar >= PCI_BARS ||
	    (d->bar[bar].type != PCI_BAR_MEM32 && d->bar[bar].type != PCI_BAR_MEM64))
		return -EINVAL;
	if ((table_off & 7) || (pba_off & 7) || table_off + tlen > d->bar[bar].size ||
	    pba_off + plen > d->bar[bar].size ||
	    (table_off < pba_off + plen && pba_off < table_off + tlen))
		return -EINVAL;
	cap[2] = (uint8_t)(nvec - 1);
	cap[3] = (uint8_t)((nvec - 1) >> 8);
	cap[4] = (uint8_t)(table_off | (uint32_t)bar);
	cap[5] = (uint8_t)(table_off >> 8);
	cap[6] = (uint8_t)(table_off >> 16);
	cap[7] = (uint8_t)(table_off >> 24);
	cap[8] = (uint8_t)(pba_off | (uint32_t)bar);
	cap[9] = (uint8_t)(pba_off >> 8);
	cap[10] = (uint8_t)(pba_off >> 16);
	cap[11] = (uint8_t)(pba_off >> 24);
	off = pci_add_cap(d, cap, sizeof(cap));
	if (off < 0)
		return off;
	c->msix_cap = (unsigned)off;
	c->wmask[off + 3] = (PCI_MSIX_CTRL_ENABLE | PCI_MSIX_CTRL_MASKALL) >> 8;
	c->msix_nvec = nvec;
	c->msix_bar = bar;
	c->msix_table_off = table_off;
	c->msix_pba_off = pba_off;
	c->msix_table = g_malloc0(tlen);
	c->msix_pba = g_malloc0(plen);
	pci_msix_reset(d);
	return 0;
}

void pci_msix_reset(struct pci_dev *d)
{
	struct pci_dev_core *c = d->core;

	if (!c->msix_cap)
		return;
	memset(c->msix_table, 0, (size_t)c->msix_nvec * PCI_MSIX_ENTRY_SIZE);
	for (unsigned v = 0; v < c->msix_nvec; v++)
		c->msix_table[v * PCI_MSIX_ENTRY_SIZE + 12] = ENTRY_VCTRL_MASKED;
	memset(c->msix_pba, 0, ((c->msix_nvec + 63) / 64) * 8);
}

void pci_msix_free(struct pci_dev *d)
{
	g_free(d->core->msix_table);
	g_free(d->core->msix_pba);
	d->core->msix_table = NULL;
	d->core->msix_pba = NULL;
}

bool pci_msix_enabled(const struct pci_dev *d)
{
	const struct pci_dev_core *c = d->core;

	return c->msix_cap && (pci_get16(d, c->msix_cap + 2) & PCI_MSIX_CTRL_ENABLE);
}

static uint32_t entry32(const struct pci_dev_core *c, unsigned vec, unsigned field)
{
	const uint8_t *p = c->msix_table + vec * PCI_MSIX_ENTRY_SIZE + field;

	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static bool vec_masked(const struct pci_dev *d, unsigned vec)
{
	const struct pci_dev_core *c = d->core;

	return (pci_get16(d, c->msix_cap + 2) & PCI_MSIX_CTRL_MASKALL) ||
	       (entry32(c, vec, 12) & ENTRY_VCTRL_MASKED);
}

static bool pending(const struct pci_dev_core *c, unsigned vec)
{
	return c->msix_pba[vec / 64] & (1ULL << (vec % 64));
}

static void set_pending(struct pci_dev_core *c, unsigned vec, bool on)
{
	if (on)
		c->msix_pba[vec / 64] |= 1ULL << (vec % 64);
	else
		c->msix_pba[vec / 64] &= ~(1ULL << (vec % 64));
}

static void send(struct pci_dev *d, unsigned vec)
{
	const struct pci_dev_core *c = d->core;
	uint64_t addr = entry32(c, vec, 0) | (uint64_t)entry32(c, vec, 4) << 32;
	uint32_t data = entry32(c, vec, 8);
	int ret = dm_vm_inject_msi(d->vm, addr, data);

	if (ret < 0)
		dm_warn("pci %02x.%x: MSI-X vector %u (address 0x%llx) not delivered: %s", d->slot,
		        d->func, vec, (unsigned long long)addr, g_strerror(-ret));
}

int pci_msix_notify(struct pci_dev *d, unsigned vec)
{
	struct pci_dev_core *c = d->core;
	int ret = 0;

	g_rec_mutex_lock(&c->lock);
	if (!c->msix_cap || vec >= c->msix_nvec)
		ret = -ENOENT;
	else if (!pci_msix_enabled(d))
		ret = -EINVAL;
	else if (vec_masked(d, vec))
		set_pending(c, vec, true);
	else
		send(d, vec);
	g_rec_mutex_unlock(&c->lock);
	return ret;
}

/* Send the pending vectors that are no longer masked (caller holds the lock). */
static void flush_pending(struct pci_dev *d)
{
	struct pci_dev_core *c = d->core;

	if (!pci_msix_enabled(d))
		return;
	for (unsigned v = 0; v < c->msix_nvec; v++) {
		if (pending(c, v) && !vec_masked(d, v)) {
			set_pending(c, v, false);
			send(d, v);
		}
	}
}

void pci_msix_ctrl_written(struct pci_dev *d, uint16_t old_ctrl)
{
	uint16_t ctrl = pci_get16(d, d->core->msix_cap + 2);

	if ((ctrl ^ old_ctrl) & PCI_MSIX_CTRL_ENABLE)
		pci_intx_update(d); /* MSI-X on means INTx off */
	flush_pending(d);
}

/* Accesses to the table or the PBA; *handled false for the rest of the BAR. */
int pci_msix_access(struct pci_dev *d, int bar, bool write, uint64_t offset, unsigned size,
                    uint64_t *val, bool *handled)
{
	struct pci_dev_core *c = d->core;
	uint64_t tlen = (uint64_t)c->msix_nvec * PCI_MSIX_ENTRY_SIZE;
	uint64_t plen = ((c->msix_nvec + 63) / 64) * 8;
	int ret = 0;

	*handled = false;
	if (!c->msix_cap || bar != c->msix_bar)
		return 0;
	if (offset >= c->msix_table_off && offset < c->msix_table_off + tlen) {
		uint64_t rel = offset - c->msix_table_off;
		unsigned vec = (unsigned)(rel / PCI_MSIX_ENTRY_SIZE),
		         field = rel % PCI_MSIX_ENTRY_SIZE;
		uint8_t *p = c->msix_table + rel;

		*handled = true;
		/* Dword or aligned qword accesses only, as the PCI spec allows. */
		if ((size != 4 && size != 8) || (rel & (size - 1)))
			return -EINVAL;
		g_rec_mutex_lock(&c->lock);
		if (!write) {
			*val = 0;
			for (unsigned i = 0; i < size; i++)
				*val |= (uint64_t)p[i] << (8 * i);
		} else {
			for (unsigned i = 0; i < size; i++) {
				/* Of the vector control dword only the mask bit is writable. */
				if (field + i >= 12 && field + i != 12)
					continue;
				p[i] = (uint8_t)(*val >> (8 * i));
				if (field + i == 12)
					p[i] &= ENTRY_VCTRL_MASKED;
			}
			if (pending(c, vec) && !vec_masked(d, vec) && pci_msix_enabled(d)) {
				set_pending(c, vec, false);
				send(d, vec);
			}
		}
		g_rec_mutex_unlock(&c->lock);
		return ret;
	}
	if (offset >= c->msix_pba_off && offset < c->msix_pba_off + plen) {
		uint64_t rel = offset - c->msix_pba_off;

		*handled = true;
		if ((size != 4 && size != 8) || (rel & (size - 1)))
			return -EINVAL;
		if (write)
			return 0; /* read-only */
		g_rec_mutex_lock(&c->lock);
		*val = c->msix_pba[rel / 8] >> (8 * (rel % 8));
		if (size == 4)
			*val &= 0xFFFFFFFFu;
		g_rec_mutex_unlock(&c->lock);
	}
	return ret;
}
