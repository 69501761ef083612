/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: a guest that writes anything into one virtio-blk
 * queue (descriptor table, available ring, indirect tables, request
 * headers) and notifies. The device must either return every chain it took
 * or mark itself NEEDS_RESET, never touch memory outside guest RAM (ASan
 * watches) and never hang; then a reset must bring it back.
 *
 * Input: [options][queue size][chain count][heads...][descriptors...][RAM bytes...]
 */
#include <stdlib.h>
#include <string.h>

#include <dm/log.h>
#include <dm/pci.h>

#include "fake-blk.h"
#include "fake-vm.h"
#include "vdriver.h"

#define LOWMEM (32u << 20)
#define SLOT   3
#define NDESC  32

struct input {
	const uint8_t *p;
	size_t n;
};

static uint64_t take(struct input *in, unsigned bytes)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < bytes; i++) {
		v |= (uint64_t)(in->n ? *in->p : 0) << (8 * i);
		if (in->n) {
			in->p++;
			in->n--;
		}
	}
	return v;
}

static struct dm_vm *vm;
static struct vdrv drv;

static void setup(void)
{
	GError *err = NULL;

	vm = fake_vm_new(LOWMEM, 1);
	fake_disk_add("fuzz", 1u << 20, true);
	if (pci_add_from_arg(vm, "3,virtio-blk,mem:fuzz,num_queues=1,id=fuzz", &err) < 0 ||
	    pci_bus_realize(vm, &err) < 0)
		abort();
	dm_log_set_level(DM_LOG_ERR); /* the guest is hostile by design: no warnings */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };
	uint8_t opt = (uint8_t)take(&in, 1);
	uint16_t qsize = (uint16_t)(1u << (1 + take(&in, 1) % 8)); /* 2 to 256 */
	unsigned k = (unsigned)(take(&in, 1) % (qsize + 3u));
	uint64_t want = ~0ULL;
	struct vd_queue *q;
	uint64_t ram, ram_len;
	gint64 deadline;

	if (!vm)
		setup();
	if (!(opt & 1))
		want &= ~(1ULL << 29); /* EVENT_IDX */
	if (!(opt & 2))
		want &= ~(1ULL << 28); /* INDIRECT_DESC */
	vd_fini(&drv);
	if (vd_init(&drv, vm, SLOT, want, 1, qsize, opt & 4) < 0)
		abort();
	q = &drv.q[0];
	ram = q->mem_gpa;
	ram_len = (uint64_t)VD_SLOT * qsize;

	for (unsigned i = 0; i < k; i++)
		q->avail[2 + (i & (qsize - 1))] = (uint16_t)take(&in, 2);
	for (unsigned i = 0; i < MIN(qsize, (unsigned)NDESC); i++) {
		uint8_t mode = (uint8_t)take(&in, 1);
		uint64_t off = take(&in, 4);
		struct vd_desc *d = &q->desc[i];

		switch (mode % 4) {
		case 0: /* inside the request area */
			d->addr = ram + off % ram_len;
			break;
		case 1: /* the start of the request area: headers and indirect tables */
			d->addr = ram + off % 4096;
			break;
		case 2: /* anywhere */
			d->addr = off | take(&in, 4) << 32;
			break;
		default: /* the end of guest RAM */
			d->addr = LOWMEM - off % 8192;
			break;
		}
		d->len = (uint32_t)take(&in, mode & 4 ? 4 : 2);
		d->flags = (uint16_t)(take(&in, 1) & 7);
		d->next = (uint16_t)take(&in, 1);
	}
	memcpy(q->mem, in.p, MIN(in.n, ram_len));
	q->avail_idx = (uint16_t)k;
	__atomic_store_n(&q->avail[1], q->avail_idx, __ATOMIC_RELEASE);
	vd_kick(q);

	/* Every chain taken comes back, or the device gives up on the queue. */
	deadline = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;
	while (vd_used_idx(q) != (uint16_t)k && !(vd_status(&drv) & 0x40)) {
		if (g_get_monotonic_time() > deadline)
			abort(); /* hung */
		g_usleep(10);
	}
	return 0;
}
