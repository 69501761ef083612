/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <dm/pci.h>

#include "fake-vm.h"
#include "vdriver.h"

#define CC_DFSELECT 0
#define CC_DF       4
#define CC_GFSELECT 8
#define CC_GF       12
#define CC_MSIX     16
#define CC_NUMQ     18
#define CC_STATUS   20
#define CC_QSEL     22
#define CC_QSIZE    24
#define CC_QMSIX    26
#define CC_QENABLE  28
#define CC_QNOFF    30
#define CC_QDESC    32
#define CC_QAVAIL   40
#define CC_QUSED    48

#define MSI_ADDR    0xFEE00000u

uint32_t vd_cfg_read(struct vdrv *d, unsigned reg, unsigned size)
{
	uint32_t v = 0;

	pci_cfg_access(d->vm, 0, d->slot, 0, reg, size, false, &v);
	return v;
}

void vd_cfg_write(struct vdrv *d, unsigned reg, unsigned size, uint32_t val)
{
	pci_cfg_access(d->vm, 0, d->slot, 0, reg, size, true, &val);
}

uint64_t vd_read(struct vdrv *d, uint32_t off, unsigned size)
{
	uint64_t v = 0;

	fake_mmio(d->vm, d->bar + off, false, size, &v);
	return v;
}

void vd_write(struct vdrv *d, uint32_t off, unsigned size, uint64_t val)
{
	fake_mmio(d->vm, d->bar + off, true, size, &val);
}

uint8_t vd_status(struct vdrv *d)
{
	return (uint8_t)vd_read(d, d->common + CC_STATUS, 1);
}

static uint64_t galloc(struct vdrv *d, uint64_t size, uint64_t align)
{
	uint64_t at = (d->alloc + align - 1) & ~(align - 1);

	d->alloc = at + size;
	g_assert_cmpuint(d->alloc, <=, d->vm->lowmem);
	return at;
}

static void msi_sink(void *opaque, uint64_t addr, uint32_t data)
{
	struct vdrv *d = opaque;
	uint64_t one = 1;
	int fd;

	g_assert_cmphex(addr, ==, MSI_ADDR);
	fd = data == 0 ? d->config_fd : data - 1 < d->nq ? d->q[data - 1].irq_fd : -1;
	g_assert_cmpint(fd, >=, 0);
	g_assert_cmpint(write(fd, &one, sizeof(one)), ==, sizeof(one));
}

static void find_caps(struct vdrv *d)
{
	unsigned p = vd_cfg_read(d, 0x34, 1);

	for (int n = 0; p && n < 48; n++, p = vd_cfg_read(d, p + 1, 1)) {
		unsigned id = vd_cfg_read(d, p, 1);

		if (id == 0x11) {
			/* MSI-X: the table sits in BAR 0 at its offset. */
			g_assert_cmpuint(vd_cfg_read(d, p + 4, 4) & 7, ==, 0);
			continue;
		}
		if (id != 0x09)
			continue;
		g_assert_cmpuint(vd_cfg_read(d, p + 4, 1), ==, 0); /* BAR 0 */
		switch (vd_cfg_read(d, p + 3, 1)) {
		case 1:
			d->common = vd_cfg_read(d, p + 8, 4);
			break;
		case 2:
			d->notify = vd_cfg_read(d, p + 8, 4);
			d->notify_mult = vd_cfg_read(d, p + 16, 4);
			break;
		case 3:
			d->isr = vd_cfg_read(d, p + 8, 4);
			break;
		case 4:
			d->device = vd_cfg_read(d, p + 8, 4);
			break;
		}
	}
}

static unsigned msix_cap(struct vdrv *d)
{
	unsigned p = vd_cfg_read(d, 0x34, 1);

	while (p && vd_cfg_read(d, p, 1) != 0x11)
		p = vd_cfg_read(d, p + 1, 1);
	return p;
}

static void setup_queue(struct vdrv *d, unsigned i, uint16_t qsize, bool msix)
{
	struct vd_queue *q = &d->q[i];
	uint16_t max;

	q->drv = d;
	q->idx = i;
	q->irq_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	vd_write(d, d->common + CC_QSEL, 2, i);
	max = (uint16_t)vd_read(d, d->common + CC_QSIZE, 2);
	g_assert_cmpuint(max, >=, qsize);
	q->size = qsize;
	vd_write(d, d->common + CC_QSIZE, 2, qsize);
	if (msix) {
		vd_write(d, d->common + CC_QMSIX, 2, i + 1);
		g_assert_cmpuint(vd_read(d, d->common + CC_QMSIX, 2), ==, i + 1);
	}
	q->desc_gpa = galloc(d, 16u * qsize, 16);
	q->avail_gpa = galloc(d, 6 + 2u * qsize, 2);
	q->used_gpa = galloc(d, 6 + 8u * qsize, 4);
	q->desc = dm_gpa2hva(d->vm, q->desc_gpa, 16u * qsize);
	q->avail = dm_gpa2hva(d->vm, q->avail_gpa, 6 + 2u * qsize);
	q->used = dm_gpa2hva(d->vm, q->used_gpa, 6 + 8u * qsize);
	q->mem_gpa = galloc(d, (uint64_t)VD_SLOT * qsize, 4096);
	q->mem = dm_gpa2hva(d->vm, q->mem_gpa, (uint64_t)VD_SLOT * qsize);
	/* Fresh rings, as a driver allocates them. */
	memset(q->desc, 0, 16u * qsize);
	memset(q->avail, 0, 6 + 2u * qsize);
	memset(q->used, 0, 6 + 8u * qsize);
	q->avail_idx = q->last_used = 0;
	for (unsigned k = 0; k < qsize; k++)
		q->desc[k].next = (uint16_t)(k + 1);
	q->free_head = 0;
	q->nfree = qsize;
	vd_write(d, d->common + CC_QDESC, 8, q->desc_gpa); /* one 8-byte access */
	vd_write(d, d->common + CC_QAVAIL, 4, (uint32_t)q->avail_gpa);
	vd_write(d, d->common + CC_QAVAIL + 4, 4, q->avail_gpa >> 32);
	vd_write(d, d->common + CC_QUSED, 4, (uint32_t)q->used_gpa);
	vd_write(d, d->common + CC_QUSED + 4, 4, q->used_gpa >> 32);
	q->notify_addr =
	        d->bar + d->notify + (uint64_t)vd_read(d, d->common + CC_QNOFF, 2) * d->notify_mult;
	vd_write(d, d->common + CC_QENABLE, 2, 1);
}

int vd_init(struct vdrv *d, struct dm_vm *vm, unsigned slot, uint64_t want, unsigned nq,
            uint16_t qsize, bool msix)
{
	uint64_t have;
	unsigned cap;

	memset(d, 0, sizeof(*d));
	d->vm = vm;
	d->slot = slot;
	d->config_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	d->live = true;
	d->alloc = 1 << 20;
	d->nq = nq;
	d->msix = msix;
	d->bar = (vd_cfg_read(d, 0x10, 4) & ~0xFu) | (uint64_t)vd_cfg_read(d, 0x14, 4) << 32;
	find_caps(d);
	fake_set_msi_sink(vm, msi_sink, d);

	vd_write(d, d->common + CC_STATUS, 1, 0);
	if (vd_status(d) != 0)
		return -EIO;
	vd_write(d, d->common + CC_STATUS, 1, 1);
	vd_write(d, d->common + CC_STATUS, 1, 1 | 2);
	vd_write(d, d->common + CC_DFSELECT, 4, 0);
	have = vd_read(d, d->common + CC_DF, 4);
	vd_write(d, d->common + CC_DFSELECT, 4, 1);
	have |= vd_read(d, d->common + CC_DF, 4) << 32;
	d->features = have & want;
	vd_write(d, d->common + CC_GFSELECT, 4, 0);
	vd_write(d, d->common + CC_GF, 4, (uint32_t)d->features);
	vd_write(d, d->common + CC_GFSELECT, 4, 1);
	vd_write(d, d->common + CC_GF, 4, d->features >> 32);
	vd_write(d, d->common + CC_STATUS, 1, 1 | 2 | 8);
	if (!(vd_status(d) & 8))
		return -ENOTSUP;
	if (nq > vd_read(d, d->common + CC_NUMQ, 2))
		return -E2BIG;
	if (msix) {
		cap = msix_cap(d);
		uint32_t table = vd_cfg_read(d, cap + 4, 4) & ~7u;

		for (unsigned v = 0; v <= nq; v++) {
			vd_write(d, table + 16 * v, 4, MSI_ADDR);
			vd_write(d, table + 16 * v + 4, 4, 0);
			vd_write(d, table + 16 * v + 8, 4, v);
			vd_write(d, table + 16 * v + 12, 4, 0);
		}
		vd_cfg_write(d, cap + 2, 2, 0x8000);
		vd_write(d, d->common + CC_MSIX, 2, 0);
	}
	for (unsigned i = 0; i < nq; i++)
		setup_queue(d, i, qsize, msix);
	vd_write(d, d->common + CC_STATUS, 1, 1 | 2 | 8 | 4);
	return vd_status(d) == (1 | 2 | 8 | 4) ? 0 : -EIO;
}

void vd_fini(struct vdrv *d)
{
	if (!d->live)
		return;
	d->live = false;
	/* Reset first, as a driver does on removal: the device is quiet when it returns. */
	vd_write(d, d->common + CC_STATUS, 1, 0);
	fake_set_msi_sink(d->vm, NULL, NULL);
	for (unsigned i = 0; i < d->nq; i++) {
		if (d->q[i].irq_fd > 0)
			close(d->q[i].irq_fd);
		d->q[i].irq_fd = -1;
	}
	close(d->config_fd);
	d->config_fd = -1;
}

int vd_add_chain(struct vd_queue *q, const uint64_t *gpa, const uint32_t *len, const bool *wr,
                 unsigned n)
{
	uint16_t head = q->free_head, i = head;

	if (n == 0 || n > q->nfree)
		return -ENOSPC;
	for (unsigned k = 0; k < n; k++) {
		struct vd_desc *dd = &q->desc[i];

		dd->addr = gpa[k];
		dd->len = len[k];
		dd->flags = (uint16_t)((wr[k] ? 2 : 0) | (k + 1 < n ? 1 : 0));
		if (k + 1 < n)
			i = dd->next;
	}
	q->free_head = q->desc[i].next;
	q->nfree = (uint16_t)(q->nfree - n);
	q->avail[2 + (q->avail_idx & (q->size - 1))] = head;
	q->avail_idx++;
	if (!q->hold_avail)
		__atomic_store_n(&q->avail[1], q->avail_idx, __ATOMIC_RELEASE);
	return head;
}

void vd_free_chain(struct vd_queue *q, uint16_t head)
{
	uint16_t i = head, n = 1;

	while (q->desc[i].flags & 1) {
		i = q->desc[i].next;
		n++;
	}
	q->desc[i].next = q->free_head;
	q->free_head = head;
	q->nfree = (uint16_t)(q->nfree + n);
}

void vd_kick(struct vd_queue *q)
{
	uint64_t v = q->idx;

	__atomic_store_n(&q->avail[1], q->avail_idx, __ATOMIC_RELEASE);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	fake_mmio(q->drv->vm, q->notify_addr, true, 2, &v);
}

uint16_t vd_used_idx(struct vd_queue *q)
{
	return __atomic_load_n((uint16_t *)(q->used + 2), __ATOMIC_ACQUIRE);
}

int vd_get_used(struct vd_queue *q, uint16_t *id, uint32_t *len, int timeout_ms)
{
	gint64 end = g_get_monotonic_time() + (gint64)timeout_ms * 1000;

	for (;;) {
		struct pollfd p = { .fd = q->irq_fd, .events = POLLIN };
		uint64_t v;
		gint64 left;

		if (vd_used_idx(q) != q->last_used) {
			uint8_t *e = q->used + 4 + 8 * (q->last_used & (q->size - 1));

			memcpy(id, e, 2); /* ids are < 65536 */
			memcpy(len, e + 4, 4);
			q->last_used++;
			/* Interrupt me for the next one. */
			__atomic_store_n(&q->avail[2 + q->size], q->last_used, __ATOMIC_RELEASE);
			return 1;
		}
		__atomic_store_n(&q->avail[2 + q->size], q->last_used, __ATOMIC_RELEASE);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if (vd_used_idx(q) != q->last_used)
			continue;
		left = end - g_get_monotonic_time();
		if (left <= 0)
			return 0;
		if (poll(&p, 1, (int)(left / 1000) + 1) > 0)
			while (read(q->irq_fd, &v, sizeof(v)) == sizeof(v))
				;
	}
}

uint8_t *vd_slot_buf(struct vd_queue *q, unsigned k)
{
	return q->mem + (uint64_t)k * VD_SLOT + VD_SLOT_BUF;
}

uint8_t vd_blk_status(struct vd_queue *q, unsigned k)
{
	return q->mem[(uint64_t)k * VD_SLOT + VD_SLOT_ST];
}

int vd_blk_post(struct vd_queue *q, struct vd_blk_req *r)
{
	uint8_t *m = q->mem + (uint64_t)r->slot * VD_SLOT;
	uint64_t base = q->mem_gpa + (uint64_t)r->slot * VD_SLOT;
	uint64_t gpa[3] = { base + VD_SLOT_HDR, base + VD_SLOT_BUF, base + VD_SLOT_ST };
	uint32_t len[3] = { 16, r->len, 1 };
	bool wr[3] = { false, r->type == 0 || r->type == 8, true };
	uint32_t hdr[4] = { r->type, 0, (uint32_t)r->sector, (uint32_t)(r->sector >> 32) };
	int head;

	memcpy(m + VD_SLOT_HDR, hdr, 16);
	m[VD_SLOT_ST] = 0xEE;
	if (r->len) {
		head = vd_add_chain(q, gpa, len, wr, 3);
	} else {
		gpa[1] = gpa[2];
		len[1] = 1;
		wr[1] = true;
		head = vd_add_chain(q, gpa, len, wr, 2);
	}
	if (head >= 0)
		r->head = (uint16_t)head;
	return head;
}
