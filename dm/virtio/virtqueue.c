/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Split virtqueues, device side. The guest owns the rings and may change
 * them at any time: every descriptor is read once into a local copy, every
 * index and length is checked against the queue size and guest RAM before
 * use, and a chain may not be longer than the queue (direct) or its table
 * (indirect), which ends loops.
 */
#include <endian.h>
#include <errno.h>
#include <string.h>

#include <dm/vm.h>

#include "virtio.h"

static uint16_t ld16(const uint16_t *p)
{
	return le16toh(__atomic_load_n(p, __ATOMIC_RELAXED));
}

static void st16(uint16_t *p, uint16_t v)
{
	__atomic_store_n(p, htole16(v), __ATOMIC_RELAXED);
}

static bool pow2(unsigned n)
{
	return n && !(n & (n - 1));
}

int vq_map(struct virtq *vq)
{
	struct dm_vm *vm = vq->dev->pci->vm;
	size_t n = vq->size;

	if (!pow2(n) || n > VIRTIO_QUEUE_MAX)
		return -EINVAL;
	if ((vq->desc_gpa & 15) || (vq->avail_gpa & 1) || (vq->used_gpa & 3))
		return -EINVAL;
	vq->desc = dm_gpa2hva(vm, vq->desc_gpa, 16 * n);
	vq->avail = dm_gpa2hva(vm, vq->avail_gpa, 6 + 2 * n);
	vq->used = dm_gpa2hva(vm, vq->used_gpa, 6 + 8 * n);
	if (!vq->desc || !vq->avail || !vq->used)
		return -EINVAL;
	vq->last_avail = 0;
	vq->used_idx = 0;
	vq->signalled_used = 0;
	return 0;
}

static void read_desc(const struct vring_desc *table, unsigned i, struct vring_desc *out)
{
	const volatile struct vring_desc *p = &table[i];

	/* Each field once: the guest may rewrite the descriptor meanwhile. */
	out->addr = le64toh(p->addr);
	out->len = le32toh(p->len);
	out->flags = le16toh(p->flags);
	out->next = le16toh(p->next);
}

int vq_pop(struct virtq *vq, struct iovec *iov, unsigned max_iov, unsigned *out_num,
           unsigned *in_num, uint16_t *head)
{
	struct dm_vm *vm = vq->dev->pci->vm;
	const struct vring_desc *table = vq->desc;
	unsigned limit = vq->size, count = 0, i, nout = 0, nin = 0;
	uint16_t avail_idx = le16toh(__atomic_load_n(&vq->avail->idx, __ATOMIC_ACQUIRE));
	uint64_t total = 0;
	bool indirect = false;
	struct vring_desc d;

	if (avail_idx == vq->last_avail)
		return 0;
	if ((uint16_t)(avail_idx - vq->last_avail) > vq->size)
		return -EOVERFLOW; /* more chains offered than the queue holds */
	i = ld16(&vq->avail->ring[vq->last_avail & (vq->size - 1)]);
	if (i >= vq->size)
		return -ERANGE;
	*head = (uint16_t)i;
	for (;;) {
		if (count++ >= limit)
			return -ELOOP;
		read_desc(table, i, &d);
		if (d.flags & VRING_DESC_F_INDIRECT) {
			if (indirect || (d.flags & VRING_DESC_F_NEXT) ||
			    !virtio_has_feature(vq->dev, VIRTIO_F_INDIRECT_DESC))
				return -EINVAL;
			if (d.len == 0 || d.len % sizeof(struct vring_desc) ||
			    d.len / sizeof(struct vring_desc) > vq->size)
				return -EINVAL;
			table = dm_gpa2hva(vm, d.addr, d.len);
			if (!table)
				return -EFAULT;
			indirect = true;
			limit = d.len / sizeof(struct vring_desc);
			count = 0;
			i = 0;
			continue;
		}
		if (d.len) {
			void *p = dm_gpa2hva(vm, d.addr, d.len);

			if (!p)
				return -EFAULT;
			if (nout + nin >= max_iov)
				return -E2BIG;
			total += d.len;
			if (total > UINT32_MAX)
				return -E2BIG;
			if (d.flags & VRING_DESC_F_WRITE) {
				nin++;
			} else {
				if (nin)
					return -EINVAL; /* readable after writable */
				nout++;
			}
			iov[nout + nin - 1] = (struct iovec){ p, d.len };
		}
		if (!(d.flags & VRING_DESC_F_NEXT))
			break;
		i = d.next;
		if (i >= limit)
			return -ERANGE;
	}
	vq->last_avail++;
	*out_num = nout;
	*in_num = nin;
	return 1;
}

void vq_push(struct virtq *vq, uint16_t head, uint32_t len)
{
	struct vring_used_elem *e = &vq->used->ring[vq->used_idx & (vq->size - 1)];

	__atomic_store_n(&e->id, htole32(head), __ATOMIC_RELAXED);
	__atomic_store_n(&e->len, htole32(len), __ATOMIC_RELAXED);
	vq->used_idx++;
	/* The element before the index: the driver reads them in that order. */
	__atomic_store_n(&vq->used->idx, htole16(vq->used_idx), __ATOMIC_RELEASE);
}

void vq_disable_notify(struct virtq *vq)
{
	if (!vq->event_idx)
		st16(&vq->used->flags, VRING_USED_F_NO_NOTIFY);
	/* With EVENT_IDX an avail_event left behind already suppresses notifications. */
}

bool vq_enable_notify(struct virtq *vq)
{
	if (vq->event_idx)
		st16((uint16_t *)&vq->used->ring[vq->size], vq->last_avail);
	else
		st16(&vq->used->flags, 0);
	/* Publish before looking again, or a buffer added meanwhile would wait for a kick never sent. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return le16toh(__atomic_load_n(&vq->avail->idx, __ATOMIC_ACQUIRE)) != vq->last_avail;
}

void vq_notify_guest(struct virtq *vq)
{
	uint16_t old = vq->signalled_used, now = vq->used_idx;
	bool want;

	if (old == now)
		return;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (vq->event_idx) {
		uint16_t event = ld16(&vq->avail->ring[vq->size]);

		want = (uint16_t)(now - event - 1) < (uint16_t)(now - old);
	} else {
		want = !(ld16(&vq->avail->flags) & VRING_AVAIL_F_NO_INTR);
	}
	vq->signalled_used = now;
	if (!want)
		return;
	virtio_vq_interrupt(vq);
}
