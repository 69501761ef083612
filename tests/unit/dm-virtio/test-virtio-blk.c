/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * virtio-blk on the modern PCI transport, driven by a test driver that sees
 * only what a guest sees, against the in-memory block double.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include <dm/monitor.h>
#include <dm/pci.h>

#include "fake-blk.h"
#include "fake-vm.h"
#include "vdriver.h"

#define LOWMEM         (64u << 20)
#define DISK_SIZE      (8u << 20)
#define SLOT           4
#define TIMEOUT        5000

#define F_SEG_MAX      (1ULL << 2)
#define F_RO           (1ULL << 5)
#define F_BLK_SIZE     (1ULL << 6)
#define F_FLUSH        (1ULL << 9)
#define F_MQ           (1ULL << 12)
#define F_DISCARD      (1ULL << 13)
#define F_WRITE_ZEROES (1ULL << 14)
#define F_INDIRECT     (1ULL << 28)
#define F_EVENT_IDX    (1ULL << 29)
#define F_VERSION_1    (1ULL << 32)
#define F_ALL          (~0ULL)

#define T_IN           0
#define T_OUT          1
#define T_FLUSH        4
#define T_GET_ID       8
#define T_DISCARD      11
#define T_WZ           13

#define ST_NEEDS_RESET 0x40

struct fixture {
	struct dm_vm *vm;
	struct fake_disk *disk;
	struct vdrv drv;
};

static void fx_setup(struct fixture *f, unsigned ncpus, const char *opts)
{
	g_autofree char *arg = g_strdup_printf("%d,virtio-blk,%s", SLOT, opts);
	GError *err = NULL;

	f->vm = fake_vm_new(LOWMEM, ncpus);
	f->disk = fake_disk_add("disk", DISK_SIZE, true);
	fake_disk_add("plain", DISK_SIZE, false);
	g_assert_cmpint(pci_add_from_arg(f->vm, arg, &err), ==, 0);
	g_assert_no_error(err);
	g_assert_cmpint(pci_bus_realize(f->vm, &err), ==, 0);
	g_assert_no_error(err);
}

static void fx_teardown(struct fixture *f)
{
	vd_fini(&f->drv);
	fake_vm_teardown(f->vm);
	fake_vm_free(f->vm);
	fake_disk_remove("disk");
	fake_disk_remove("plain");
}

static void wait_used(struct vd_queue *q, uint16_t head, uint32_t want_len)
{
	uint16_t id;
	uint32_t len;

	g_assert_cmpint(vd_get_used(q, &id, &len, TIMEOUT), ==, 1);
	g_assert_cmpuint(id, ==, head);
	g_assert_cmpuint(len, ==, want_len);
	vd_free_chain(q, id);
}

/* One request, waited for: returns its status and checks the used length. */
static uint8_t do_req(struct vd_queue *q, uint32_t type, uint64_t sector, uint32_t len,
                      uint32_t want_used)
{
	struct vd_blk_req r = { .type = type, .sector = sector, .len = len, .slot = 0 };

	g_assert_cmpint(vd_blk_post(q, &r), >=, 0);
	vd_kick(q);
	wait_used(q, r.head, want_used);
	return vd_blk_status(q, 0);
}

static void put_seg(struct vd_queue *q, uint64_t sector, uint32_t num, uint32_t flags)
{
	uint8_t *b = vd_slot_buf(q, 0);

	memcpy(b, &sector, 8);
	memcpy(b + 8, &num, 4);
	memcpy(b + 12, &flags, 4);
}

static bool wait_status(struct vdrv *d, uint8_t bit)
{
	for (int i = 0; i < TIMEOUT; i++) {
		if (vd_status(d) & bit)
			return true;
		g_usleep(1000);
	}
	return false;
}

static void expect_init_error(const char *opts, const char *msg)
{
	g_autofree char *arg =
	        g_strdup_printf("%d,virtio-blk%s%s", SLOT, opts ? "," : "", opts ? opts : "");
	struct dm_vm *vm = fake_vm_new(LOWMEM, 2);
	GError *err = NULL;

	fake_disk_add("disk", DISK_SIZE, true);
	if (strstr(opts ? opts : "", "id=dup"))
		g_assert_cmpint(pci_add_from_arg(vm, "5,virtio-blk,mem:disk,id=dup", NULL), ==, 0);
	g_assert_cmpint(pci_add_from_arg(vm, arg, &err), <, 0);
	g_assert_nonnull(err);
	if (!strstr(err->message, msg))
		g_error("'%s': message '%s' lacks '%s'", arg, err->message, msg);
	g_error_free(err);
	g_assert_null(pci_find(vm, SLOT, 0));
	g_assert_cmpint(pci_bus_realize(vm, NULL), ==, 0);
	fake_vm_teardown(vm);
	fake_vm_free(vm);
	fake_disk_remove("disk");
}

static void test_args(void)
{
	expect_init_error(NULL, "no image path (virtio-blk,PATH[,ro][,num_queues=N]");
	expect_init_error(
	        "mem:disk,bogus",
	        "unknown option 'bogus' (known: ro, num_queues=N, format=raw|qcow2, id=NAME)");
	expect_init_error("mem:disk,num_queues=0",
	                  "num_queues=0: the number of queues must be from 1 to 64");
	expect_init_error("mem:disk,num_queues=65", "num_queues=65: the number");
	expect_init_error("mem:disk,num_queues=2x", "num_queues=2x: the number");
	expect_init_error("mem:disk,format=vmdk",
	                  "format=vmdk: unknown image format (known: raw, qcow2)");
	expect_init_error("mem:disk,id=", "id=: the name is empty");
	expect_init_error("mem:nope", "cannot open mem:nope");
	expect_init_error("mem:disk,id=dup", "id=dup: another virtio-blk has that id");
}

static void test_identity(struct fixture *f, gconstpointer data)
{
	struct vdrv *d = &f->drv;
	uint64_t feat;
	unsigned vcaps = 0;

	(void)data;
	d->vm = f->vm;
	d->slot = SLOT;
	g_assert_cmphex(vd_cfg_read(d, 0x00, 4), ==, 0x10421AF4);
	g_assert_cmphex(vd_cfg_read(d, 0x08, 1), ==, 1); /* modern-only revision */
	g_assert_cmphex(vd_cfg_read(d, 0x0B, 1), ==, 1); /* mass storage */
	g_assert_cmphex(vd_cfg_read(d, 0x2C, 2), ==, 0x1AF4);
	g_assert_cmphex(vd_cfg_read(d, 0x10, 4) & 0xF, ==, 4); /* 64-bit memory BAR */
	for (unsigned p = vd_cfg_read(d, 0x34, 1); p; p = vd_cfg_read(d, p + 1, 1))
		vcaps += vd_cfg_read(d, p, 1) == 0x09;
	g_assert_cmpuint(vcaps, ==, 4);
	g_assert_cmpint(vd_init(d, f->vm, SLOT, F_ALL, 3, 64, true), ==, 0);
	feat = d->features;
	g_assert_true(feat & F_VERSION_1);
	g_assert_true(feat & F_MQ);
	g_assert_true(feat & F_FLUSH);
	g_assert_true(feat & F_SEG_MAX);
	g_assert_true(feat & F_BLK_SIZE);
	g_assert_true(feat & F_DISCARD);
	g_assert_true(feat & F_WRITE_ZEROES);
	g_assert_true(feat & F_EVENT_IDX);
	g_assert_true(feat & F_INDIRECT);
	g_assert_false(feat & F_RO);
	/* One queue per vCPU: the fixture's VM has 3. */
	g_assert_cmpuint(vd_read(d, d->common + 18, 2), ==, 3);
	g_assert_cmpuint(vd_read(d, d->device + 0, 8), ==, DISK_SIZE / 512);
	g_assert_cmpuint(vd_read(d, d->device + 12, 4), ==, 254);
	g_assert_cmpuint(vd_read(d, d->device + 20, 4), ==, 512);
	g_assert_cmpuint(vd_read(d, d->device + 34, 2), ==, 3);
	g_assert_cmpuint(vd_read(d, d->device + 40, 4), ==, 1);
	g_assert_cmpuint(vd_read(d, d->device + 52, 4), ==, 1);
	g_assert_cmpuint(vd_read(d, d->device + 56, 1), ==, 1);
	/* A queue past num_queues has size 0. */
	vd_write(d, d->common + 22, 2, 3);
	g_assert_cmpuint(vd_read(d, d->common + 24, 2), ==, 0);
	/* A vector past the table does not stick. */
	vd_write(d, d->common + 22, 2, 0);
	vd_write(d, d->common + 26, 2, 200);
	g_assert_cmphex(vd_read(d, d->common + 26, 2), ==, 0xFFFF);
}

static void test_features(void)
{
	struct fixture f;
	struct vdrv *d = &f.drv;

	fx_setup(&f, 1, "mem:plain,ro,num_queues=2");
	g_assert_cmpint(vd_init(d, f.vm, SLOT, F_ALL, 2, 64, true), ==, 0);
	g_assert_true(d->features & F_RO);
	g_assert_false(d->features & F_DISCARD);
	g_assert_false(d->features & F_WRITE_ZEROES);
	g_assert_cmpuint(vd_read(d, d->common + 18, 2), ==, 2);
	vd_fini(d);
	/* No VERSION_1: FEATURES_OK does not stick. */
	g_assert_cmpint(vd_init(d, f.vm, SLOT, F_ALL & ~F_VERSION_1, 1, 64, true), ==, -ENOTSUP);
	vd_fini(d);
	/* A feature the device did not offer. */
	vd_write(d, d->common + 20, 1, 0);
	vd_write(d, d->common + 20, 1, 3);
	vd_write(d, d->common + 8, 4, 0);
	vd_write(d, d->common + 12, 4, (uint32_t)F_DISCARD);
	vd_write(d, d->common + 8, 4, 1);
	vd_write(d, d->common + 12, 4, 1);
	vd_write(d, d->common + 20, 1, 3 | 8);
	g_assert_cmphex(vd_status(d), ==, 3);
	/* DRIVER_OK without FEATURES_OK is refused too. */
	vd_write(d, d->common + 20, 1, 3 | 4);
	g_assert_cmphex(vd_status(d) & 4, ==, 0);
	memset(d, 0, sizeof(*d));
	d->config_fd = -1;
	fx_teardown(&f);
}

static void test_io(struct fixture *f, gconstpointer data)
{
	struct vdrv *d = &f->drv;
	struct vd_queue *q;
	uint8_t *buf;
	unsigned flushes;

	(void)data;
	g_assert_cmpint(vd_init(d, f->vm, SLOT, F_ALL, 2, 64, true), ==, 0);
	q = &d->q[1];
	buf = vd_slot_buf(q, 0);
	/* The notify address is posted: an eventfd, not a register handler. */
	g_assert_cmpint(fake_eventfd_at(f->vm, false, q->notify_addr), >=, 0);

	for (unsigned i = 0; i < 8192; i++)
		buf[i] = (uint8_t)(i * 7 + 1);
	g_assert_cmpuint(do_req(q, T_OUT, 16, 8192, 1), ==, 0);
	g_assert_cmpmem(f->disk->data + 16 * 512, 8192, buf, 8192);
	memset(buf, 0, 8192);
	g_assert_cmpuint(do_req(q, T_IN, 16, 8192, 8192 + 1), ==, 0);
	for (unsigned i = 0; i < 8192; i++)
		g_assert_cmpuint(buf[i], ==, (uint8_t)(i * 7 + 1));
	/* The last sector of the disk, then one past it. */
	g_assert_cmpuint(do_req(q, T_IN, DISK_SIZE / 512 - 1, 512, 513), ==, 0);
	g_assert_cmpuint(do_req(q, T_IN, DISK_SIZE / 512, 512, 1), ==, 1);
	g_assert_cmpuint(do_req(q, T_OUT, DISK_SIZE / 512 - 1, 1024, 1), ==, 1);
	g_assert_cmpuint(do_req(q, T_IN, ~0ULL / 512, 512, 1), ==, 1);
	/* Not a multiple of the sector size. */
	g_assert_cmpuint(do_req(q, T_IN, 0, 100, 1), ==, 1);
	/* Flush reaches the image. */
	flushes = f->disk->flushes;
	g_assert_cmpuint(do_req(q, T_FLUSH, 0, 0, 1), ==, 0);
	g_assert_cmpuint(f->disk->flushes, ==, flushes + 1);
	/* GET_ID: the id, NUL-padded to 20 bytes. */
	memset(buf, 0xAA, 20);
	g_assert_cmpuint(do_req(q, T_GET_ID, 0, 20, 21), ==, 0);
	g_assert_cmpmem(buf, 20, "myid\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 20);
	/* Discard and write-zeroes clear the range. */
	put_seg(q, 16, 8, 0);
	g_assert_cmpuint(do_req(q, T_DISCARD, 0, 16, 1), ==, 0);
	g_assert_cmpuint(f->disk->discards, ==, 1);
	for (unsigned i = 0; i < 4096; i++)
		g_assert_cmpuint(f->disk->data[16 * 512 + i], ==, 0);
	g_assert_cmpuint(f->disk->data[24 * 512], !=, 0);
	put_seg(q, 24, 4, 1);
	g_assert_cmpuint(do_req(q, T_WZ, 0, 16, 1), ==, 0);
	g_assert_cmpuint(f->disk->wzeroes_unmap, ==, 1);
	g_assert_cmpuint(f->disk->data[24 * 512], ==, 0);
	/* Discard with the unmap flag, reserved flags: unsupported; out of range: IOERR. */
	put_seg(q, 16, 8, 1);
	g_assert_cmpuint(do_req(q, T_DISCARD, 0, 16, 1), ==, 2);
	put_seg(q, 16, 8, 4);
	g_assert_cmpuint(do_req(q, T_WZ, 0, 16, 1), ==, 2);
	put_seg(q, DISK_SIZE / 512 - 4, 8, 0);
	g_assert_cmpuint(do_req(q, T_DISCARD, 0, 16, 1), ==, 1);
	/* Unknown request type. */
	g_assert_cmpuint(do_req(q, 77, 0, 512, 1), ==, 2);
	/* A failing image: IOERR and nothing written for the driver. */
	f->disk->fail_io = true;
	g_assert_cmpuint(do_req(q, T_IN, 0, 512, 1), ==, 1);
	f->disk->fail_io = false;
	/* Every status took an interrupt on the queue's own vector: none went elsewhere. */
	g_assert_cmpuint(fake_msi_count(f->vm), >=, 10);
}

static void test_ro_and_plain(void)
{
	struct fixture f;
	struct vdrv *d = &f.drv;
	struct vd_queue *q;

	fx_setup(&f, 1, "mem:plain,ro");
	g_assert_cmpint(vd_init(d, f.vm, SLOT, F_ALL, 1, 32, true), ==, 0);
	q = &d->q[0];
	g_assert_cmpuint(do_req(q, T_OUT, 0, 512, 1), ==, 1);
	g_assert_cmpuint(do_req(q, T_IN, 0, 512, 513), ==, 0);
	put_seg(q, 0, 8, 0);
	g_assert_cmpuint(do_req(q, T_DISCARD, 0, 16, 1), ==, 2); /* not negotiated */
	fx_teardown(&f);
}

static void test_batching(struct fixture *f, gconstpointer data)
{
	struct vdrv *d = &f->drv;
	struct vd_queue *q;
	struct vd_blk_req r[32];
	unsigned kicks;

	(void)data;
	g_assert_cmpint(vd_init(d, f->vm, SLOT, F_ALL, 1, 128, true), ==, 0);
	q = &d->q[0];
	/* The I/O thread may be running: it must see all 32 at once, as after one driver kick. */
	q->hold_avail = true;
	kicks = f->disk->kicks;
	for (unsigned k = 0; k < 32; k++) {
		r[k] = (struct vd_blk_req){
			.type = T_OUT, .sector = k * 8, .len = 4096, .slot = k
		};
		memset(vd_slot_buf(q, k), (int)k + 1, 4096);
		g_assert_cmpint(vd_blk_post(q, &r[k]), >=, 0);
	}
	vd_kick(q); /* one notification for all 32 */
	for (unsigned n = 0; n < 32; n++) {
		uint16_t id;
		uint32_t len;

		g_assert_cmpint(vd_get_used(q, &id, &len, TIMEOUT), ==, 1);
		g_assert_cmpuint(len, ==, 1);
		vd_free_chain(q, id);
	}
	g_assert_cmpuint(f->disk->kicks, ==, kicks + 1);
	g_assert_cmpuint(f->disk->max_batch, ==, 32);
	for (unsigned k = 0; k < 32; k++) {
		g_assert_cmpuint(vd_blk_status(q, k), ==, 0);
		g_assert_cmpuint(f->disk->data[k * 4096 + 100], ==, k + 1);
	}
}

struct worker {
	struct fixture *f;
	struct vd_queue *q;
	unsigned idx, rounds;
	unsigned ok;
};

/* Each thread owns one queue and a disk region: writes, reads back, flushes, discards. */
static gpointer worker_main(gpointer opaque)
{
	struct worker *w = opaque;
	struct vd_queue *q = w->q;
	const unsigned n = 8, region = w->idx * 256; /* sectors */

	for (unsigned round = 0; round < w->rounds; round++) {
		struct vd_blk_req r[8];
		uint16_t id;
		uint32_t len;

		for (unsigned k = 0; k < n; k++) {
			r[k] = (struct vd_blk_req){
				.type = T_OUT, .sector = region + k * 8, .len = 4096, .slot = k
			};
			memset(vd_slot_buf(q, k), (int)(w->idx * 16 + k + round), 4096);
			g_assert_cmpint(vd_blk_post(q, &r[k]), >=, 0);
		}
		vd_kick(q);
		for (unsigned k = 0; k < n; k++) {
			g_assert_cmpint(vd_get_used(q, &id, &len, TIMEOUT), ==, 1);
			g_assert_cmpuint(len, ==, 1);
			vd_free_chain(q, id);
		}
		for (unsigned k = 0; k < n; k++) {
			g_assert_cmpuint(vd_blk_status(q, k), ==, 0);
			r[k].type = T_IN;
			memset(vd_slot_buf(q, k), 0, 4096);
			g_assert_cmpint(vd_blk_post(q, &r[k]), >=, 0);
		}
		vd_kick(q);
		for (unsigned k = 0; k < n; k++) {
			g_assert_cmpint(vd_get_used(q, &id, &len, TIMEOUT), ==, 1);
			g_assert_cmpuint(len, ==, 4097);
			vd_free_chain(q, id);
		}
		for (unsigned k = 0; k < n; k++) {
			uint8_t want = (uint8_t)(w->idx * 16 + k + round), *b = vd_slot_buf(q, k);

			g_assert_cmpuint(vd_blk_status(q, k), ==, 0);
			g_assert_cmpuint(b[0], ==, want);
			g_assert_cmpuint(b[4095], ==, want);
		}
		g_assert_cmpuint(do_req(q, T_FLUSH, 0, 0, 1), ==, 0);
		put_seg(q, region + 128, 8, 0);
		g_assert_cmpuint(do_req(q, T_DISCARD, 0, 16, 1), ==, 0);
		w->ok++;
	}
	return NULL;
}

static void test_mq_threads(void)
{
	struct fixture fx = { .drv.config_fd = -1 }, *f = &fx;
	struct vdrv *d = &f->drv;
	struct worker w[4];
	GThread *t[4];

	/* More queues than vCPUs, as num_queues= allows. */
	fx_setup(f, 2, "mem:disk,num_queues=4");
	g_assert_cmpint(vd_init(d, f->vm, SLOT, F_ALL, 4, 64, true), ==, 0);
	for (unsigned i = 0; i < 4; i++) {
		w[i] = (struct worker){ .f = f, .q = &d->q[i], .idx = i, .rounds = 50 };
		t[i] = g_thread_new("worker", worker_main, &w[i]);
	}
	for (unsigned i = 0; i < 4; i++) {
		g_thread_join(t[i]);
		g_assert_cmpuint(w[i].ok, ==, 50);
	}
	/* One blk_queue per queue thread. */
	g_assert_cmpuint(f->disk->queues, ==, 4);
	g_assert_cmpuint(f->disk->flushes, ==, 200);
	g_assert_cmpuint(f->disk->discards, ==, 200);
	fx_teardown(f);
}

static void test_event_idx(struct fixture *f, gconstpointer data)
{
	struct vdrv *d = &f->drv;
	struct vd_queue *q;
	struct vd_blk_req r = { .type = T_IN, .sector = 0, .len = 512, .slot = 0 };
	unsigned msis;
	uint16_t used;

	(void)data;
	g_assert_cmpint(vd_init(d, f->vm, SLOT, F_ALL, 1, 64, true), ==, 0);
	q = &d->q[0];
	g_assert_cmpuint(do_req(q, T_IN, 0, 512, 513), ==, 0);
	/* The device asks to be notified at the next buffer: avail_event = its position. */
	g_assert_cmpuint(*(uint16_t *)(q->used + 4 + 8 * q->size), ==, q->avail_idx);
	/* used_event far ahead: the completion comes without an interrupt. */
	q->avail[2 + q->size] = (uint16_t)(q->last_used + 10);
	msis = fake_msi_count(f->vm);
	used = vd_used_idx(q);
	g_assert_cmpint(vd_blk_post(q, &r), >=, 0);
	vd_kick(q);
	for (int i = 0; i < TIMEOUT && vd_used_idx(q) == used; i++)
		g_usleep(1000);
	g_assert_cmpuint(vd_used_idx(q), ==, (uint16_t)(used + 1));
	g_usleep(20000);
	g_assert_cmpuint(fake_msi_count(f->vm), ==, msis);
}

static void test_no_event_idx(struct fixture *f, gconstpointer data)
{
	struct vdrv *d = &f->drv;
	struct vd_queue *q;
	struct vd_blk_req r = { .type = T_IN, .sector = 0, .len = 512, .slot = 0 };
	unsigned msis;
	uint16_t used;

	(void)data;
	g_assert_cmpint(vd_init(d, f->vm, SLOT, F_ALL & ~F_EVENT_IDX, 1, 64, true), ==, 0);
	q = &d->q[0];
	g_assert_cmpuint(do_req(q, T_IN, 0, 512, 513), ==, 0);
	g_assert_cmpuint(*(uint16_t *)q->used, ==, 0); /* notifications on between batches */
	q->avail[0] = 1;                               /* VRING_AVAIL_F_NO_INTERRUPT */
	msis = fake_msi_count(f->vm);
	used = vd_used_idx(q);
	g_assert_cmpint(vd_blk_post(q, &r), >=, 0);
	vd_kick(q);
	for (int i = 0; i < TIMEOUT && vd_used_idx(q) == used; i++)
		g_usleep(1000);
	g_assert_cmpuint(vd_used_idx(q), ==, (uint16_t)(used + 1));
	g_usleep(20000);
	g_assert_cmpuint(fake_msi_count(f->vm), ==, msis);
}

static void test_intx(struct fixture *f, gconstpointer data)
{
	struct vdrv *d = &f->drv;
	struct vd_queue *q;
	struct vd_blk_req r = { .type = T_IN, .sector = 0, .len = 512, .slot = 0 };
	unsigned gsi;

	(void)data;
	g_assert_cmpint(vd_init(d, f->vm, SLOT, F_ALL, 1, 64, false), ==, 0);
	q = &d->q[0];
	gsi = pci_intx_gsi(pci_find(f->vm, SLOT, 0));
	g_assert_cmpuint(gsi, ==, 16 + SLOT);
	g_assert_false(fake_gsi_level(f->vm, gsi));
	g_assert_cmpint(vd_blk_post(q, &r), >=, 0);
	vd_kick(q);
	for (int i = 0; i < TIMEOUT && !fake_gsi_level(f->vm, gsi); i++)
		g_usleep(1000);
	g_assert_true(fake_gsi_level(f->vm, gsi));
	g_assert_cmpuint(fake_msi_count(f->vm), ==, 0);
	g_assert_cmpuint(vd_read(d, d->isr, 1), ==, 1); /* queue interrupt; the read clears it */
	g_assert_false(fake_gsi_level(f->vm, gsi));
	g_assert_cmpuint(vd_read(d, d->isr, 1), ==, 0);
	g_assert_cmpuint(vd_used_idx(q), ==, 1);
}

/* ---- hostile guests ---- */

enum hostile {
	H_LOOP,
	H_OUTSIDE_RAM,
	H_HUGE_LEN,
	H_HEAD_RANGE,
	H_NEXT_RANGE,
	H_AVAIL_JUMP,
	H_INDIRECT_LEN,
	H_INDIRECT_NESTED,
	H_INDIRECT_NEXT,
	H_INDIRECT_OUTSIDE,
	H_INDIRECT_LOOP,
	H_READ_AFTER_WRITE,
};

static void make_hostile(struct vdrv *d, struct vd_queue *q, enum hostile h)
{
	struct vd_desc *t = q->desc;
	uint64_t ok = q->mem_gpa; /* valid RAM */
	struct vd_desc *ind = (struct vd_desc *)(q->mem + 4096);
	uint64_t ind_gpa = q->mem_gpa + 4096;
	uint16_t head = 0;

	(void)d;
	memset(t, 0, 16 * 4);
	memset(ind, 0, 16 * 4);
	switch (h) {
	case H_LOOP:
		t[0] = (struct vd_desc){ ok, 16, 1, 1 };
		t[1] = (struct vd_desc){ ok, 16, 1, 0 };
		break;
	case H_OUTSIDE_RAM:
		t[0] = (struct vd_desc){ LOWMEM - 8, 16, 0, 0 };
		break;
	case H_HUGE_LEN:
		t[0] = (struct vd_desc){ ok, 0xFFFFFFFFu, 0, 0 };
		break;
	case H_HEAD_RANGE:
		head = q->size;
		break;
	case H_NEXT_RANGE:
		t[0] = (struct vd_desc){ ok, 16, 1, 60000 };
		break;
	case H_AVAIL_JUMP:
		t[0] = (struct vd_desc){ ok, 16, 0, 0 };
		q->avail_idx = (uint16_t)(q->avail_idx + q->size + 1);
		break;
	case H_INDIRECT_LEN:
		t[0] = (struct vd_desc){ ind_gpa, 24, 4, 0 };
		break;
	case H_INDIRECT_NESTED:
		t[0] = (struct vd_desc){ ind_gpa, 32, 4, 0 };
		ind[0] = (struct vd_desc){ ind_gpa, 32, 4, 0 };
		break;
	case H_INDIRECT_NEXT:
		t[0] = (struct vd_desc){ ind_gpa, 32, 4 | 1, 1 };
		t[1] = (struct vd_desc){ ok, 1, 2, 0 };
		break;
	case H_INDIRECT_OUTSIDE:
		t[0] = (struct vd_desc){ LOWMEM - 16, 32, 4, 0 };
		break;
	case H_INDIRECT_LOOP:
		t[0] = (struct vd_desc){ ind_gpa, 32, 4, 0 };
		ind[0] = (struct vd_desc){ ok, 16, 1, 1 };
		ind[1] = (struct vd_desc){ ok, 16, 1, 0 };
		break;
	case H_READ_AFTER_WRITE:
		t[0] = (struct vd_desc){ ok, 16, 2 | 1, 1 };
		t[1] = (struct vd_desc){ ok, 16, 0, 0 };
		break;
	}
	q->avail[2 + (q->avail_idx & (q->size - 1))] = head;
	q->avail_idx++;
	__atomic_store_n(&q->avail[1], q->avail_idx, __ATOMIC_RELEASE);
	vd_kick(q);
}

static void test_hostile(struct fixture *f, gconstpointer data)
{
	struct vdrv *d = &f->drv;
	uint64_t cfg_irq;

	(void)data;
	for (enum hostile h = H_LOOP; h <= H_READ_AFTER_WRITE; h++) {
		struct vd_queue *q;

		g_assert_cmpint(vd_init(d, f->vm, SLOT, F_ALL, 2, 64, true), ==, 0);
		q = &d->q[1];
		/* A good request first: the queue works. */
		g_assert_cmpuint(do_req(q, T_IN, 0, 512, 513), ==, 0);
		make_hostile(d, q, h);
		if (!wait_status(d, ST_NEEDS_RESET))
			g_error("hostile case %d: the device did not ask for a reset", h);
		/* The config-change interrupt told the driver (it follows the status change). */
		g_assert_cmpint(
		        poll(&(struct pollfd){ .fd = d->config_fd, .events = POLLIN }, 1, TIMEOUT),
		        ==, 1);
		g_assert_cmpint(read(d->config_fd, &cfg_irq, sizeof(cfg_irq)), ==, sizeof(cfg_irq));
		/* The other queue's thread is alive, but the device is broken until reset. */
		g_assert_cmpuint(vd_used_idx(&d->q[0]), ==, 0);
		vd_fini(d);
	}
	/* After all that, a reset brings back a working device. */
	g_assert_cmpint(vd_init(d, f->vm, SLOT, F_ALL, 2, 64, true), ==, 0);
	g_assert_cmpuint(vd_status(d) & ST_NEEDS_RESET, ==, 0);
	g_assert_cmpuint(do_req(&d->q[0], T_IN, 0, 512, 513), ==, 0);
	g_assert_cmpuint(do_req(&d->q[1], T_IN, 0, 512, 513), ==, 0);
}

static void test_bad_rings(struct fixture *f, gconstpointer data)
{
	struct vdrv *d = &f->drv;
	uint32_t c;

	(void)data;
	g_assert_cmpint(vd_init(d, f->vm, SLOT, F_ALL, 1, 64, true), ==, 0);
	c = d->common;
	vd_fini(d);
	d->config_fd = -1;
	/* Size not a power of two. */
	vd_write(d, c + 20, 1, 0);
	vd_write(d, c + 22, 2, 0);
	vd_write(d, c + 24, 2, 100);
	vd_write(d, c + 32, 8, 0x100000);
	vd_write(d, c + 40, 8, 0x101000);
	vd_write(d, c + 48, 8, 0x102000);
	vd_write(d, c + 28, 2, 1);
	g_assert_cmpuint(vd_read(d, c + 28, 2), ==, 0);
	g_assert_cmphex(vd_status(d) & ST_NEEDS_RESET, ==, ST_NEEDS_RESET);
	/* Rings outside RAM. */
	vd_write(d, c + 20, 1, 0);
	g_assert_cmphex(vd_status(d), ==, 0);
	vd_write(d, c + 24, 2, 64);
	vd_write(d, c + 48, 8, (uint64_t)LOWMEM - 64);
	vd_write(d, c + 28, 2, 1);
	g_assert_cmpuint(vd_read(d, c + 28, 2), ==, 0);
	g_assert_cmphex(vd_status(d) & ST_NEEDS_RESET, ==, ST_NEEDS_RESET);
	vd_write(d, c + 20, 1, 0);
	memset(d, 0, sizeof(*d));
	d->config_fd = -1;
	d->vm = f->vm;
	g_assert_cmpint(vd_init(d, f->vm, SLOT, F_ALL, 1, 64, true), ==, 0);
	g_assert_cmpuint(do_req(&d->q[0], T_IN, 0, 512, 513), ==, 0);
}

/* Malformed requests fail alone; the device stays usable. */
static void test_bad_requests(struct fixture *f, gconstpointer data)
{
	struct vdrv *d = &f->drv;
	struct vd_queue *q;
	uint64_t gpa[3];
	uint32_t len[3];
	bool wr[3];
	int head;

	(void)data;
	g_assert_cmpint(vd_init(d, f->vm, SLOT, F_ALL, 1, 64, true), ==, 0);
	q = &d->q[0];
	/* No writable byte for the status: returned with nothing written. */
	gpa[0] = q->mem_gpa;
	len[0] = 16;
	wr[0] = false;
	memset(q->mem, 0, 16);
	head = vd_add_chain(q, gpa, len, wr, 1);
	vd_kick(q);
	wait_used(q, (uint16_t)head, 0);
	/* A header shorter than 16 bytes: IOERR. */
	gpa[0] = q->mem_gpa;
	len[0] = 8;
	wr[0] = false;
	gpa[1] = q->mem_gpa + VD_SLOT_ST;
	len[1] = 1;
	wr[1] = true;
	head = vd_add_chain(q, gpa, len, wr, 2);
	vd_kick(q);
	wait_used(q, (uint16_t)head, 1);
	g_assert_cmpuint(vd_blk_status(q, 0), ==, 1);
	/* A header split over two descriptors and data over three: still fine. */
	memset(q->mem, 0, 16); /* IN, sector 0 */
	gpa[0] = q->mem_gpa;
	len[0] = 16;
	wr[0] = false;
	gpa[1] = q->mem_gpa + VD_SLOT_BUF;
	len[1] = 1024;
	wr[1] = true;
	gpa[2] = q->mem_gpa + VD_SLOT_ST;
	len[2] = 1;
	wr[2] = true;
	memset(f->disk->data, 0x5A, 1024);
	head = vd_add_chain(q, gpa, len, wr, 3);
	vd_kick(q);
	wait_used(q, (uint16_t)head, 1025);
	g_assert_cmpuint(vd_blk_status(q, 0), ==, 0);
	g_assert_cmpuint(vd_slot_buf(q, 0)[1023], ==, 0x5A);
	g_assert_cmphex(vd_status(d) & ST_NEEDS_RESET, ==, 0);
}

static void test_indirect(struct fixture *f, gconstpointer data)
{
	struct vdrv *d = &f->drv;
	struct vd_queue *q;
	struct vd_desc *ind;
	uint64_t base;
	uint16_t id;
	uint32_t len;

	(void)data;
	g_assert_cmpint(vd_init(d, f->vm, SLOT, F_ALL, 1, 64, true), ==, 0);
	q = &d->q[0];
	base = q->mem_gpa;
	ind = (struct vd_desc *)(q->mem + 8192);
	memset(q->mem, 0, 16); /* IN, sector 0 */
	memset(f->disk->data, 0x3C, 2048);
	/* header, four 512-byte data buffers, status: six entries in one indirect table */
	ind[0] = (struct vd_desc){ base, 16, 1, 1 };
	for (unsigned k = 0; k < 4; k++)
		ind[1 + k] = (struct vd_desc){ base + VD_SLOT_BUF + 512 * k, 512, 2 | 1,
			                       (uint16_t)(2 + k) };
	ind[5] = (struct vd_desc){ base + VD_SLOT_ST, 1, 2, 0 };
	q->desc[0] = (struct vd_desc){ base + 8192, 6 * 16, 4, 0 };
	q->free_head = 1;
	q->nfree--;
	q->avail[2 + (q->avail_idx & (q->size - 1))] = 0;
	q->avail_idx++;
	__atomic_store_n(&q->avail[1], q->avail_idx, __ATOMIC_RELEASE);
	vd_kick(q);
	g_assert_cmpint(vd_get_used(q, &id, &len, TIMEOUT), ==, 1);
	g_assert_cmpuint(id, ==, 0);
	g_assert_cmpuint(len, ==, 2049);
	g_assert_cmpuint(vd_blk_status(q, 0), ==, 0);
	g_assert_cmpuint(vd_slot_buf(q, 0)[2047], ==, 0x3C);
}

static void test_reset(struct fixture *f, gconstpointer data)
{
	struct vdrv *d = &f->drv;

	(void)data;
	g_assert_cmpint(vd_init(d, f->vm, SLOT, F_ALL, 2, 64, true), ==, 0);
	g_assert_cmpuint(do_req(&d->q[1], T_IN, 0, 512, 513), ==, 0);
	vd_write(d, d->common + 20, 1, 0);
	g_assert_cmpuint(vd_status(d), ==, 0);
	vd_write(d, d->common + 22, 2, 1);
	g_assert_cmpuint(vd_read(d, d->common + 28, 2), ==, 0);
	g_assert_cmpuint(vd_read(d, d->common + 24, 2), ==, 256);
	g_assert_cmphex(vd_read(d, d->common + 26, 2), ==, 0xFFFF);
	vd_fini(d);
	/* A VM reset (guest reboot) too. */
	g_assert_cmpint(vd_init(d, f->vm, SLOT, F_ALL, 2, 64, true), ==, 0);
	fake_vm_reset(f->vm);
	g_assert_cmpuint(vd_status(d), ==, 0);
	vd_fini(d);
	g_assert_cmpint(vd_init(d, f->vm, SLOT, F_ALL, 2, 32, true), ==, 0);
	g_assert_cmpuint(do_req(&d->q[0], T_IN, 0, 512, 513), ==, 0);
	g_assert_cmpuint(do_req(&d->q[1], T_OUT, 0, 512, 1), ==, 0);
}

static void test_bar_move(struct fixture *f, gconstpointer data)
{
	struct vdrv *d = &f->drv;
	uint64_t old_bar, old_notify;

	(void)data;
	g_assert_cmpint(vd_init(d, f->vm, SLOT, F_ALL, 2, 64, true), ==, 0);
	old_bar = d->bar;
	old_notify = d->q[1].notify_addr;
	g_assert_cmpint(fake_eventfd_at(f->vm, false, old_notify), >=, 0);
	vd_cfg_write(d, 0x04, 2, 0);
	g_assert_cmpint(fake_eventfd_at(f->vm, false, old_notify), <, 0);
	vd_cfg_write(d, 0x10, 4, 0x00010000 | 4);
	vd_cfg_write(d, 0x14, 4, 0x41);
	vd_cfg_write(d, 0x04, 2, 2);
	d->bar = 0x4100010000ULL;
	for (unsigned i = 0; i < 2; i++)
		d->q[i].notify_addr = d->q[i].notify_addr - old_bar + d->bar;
	g_assert_cmpint(fake_eventfd_at(f->vm, false, d->q[1].notify_addr), >=, 0);
	g_assert_cmpint(fake_eventfd_at(f->vm, false, old_notify), <, 0);
	g_assert_cmpuint(do_req(&d->q[1], T_IN, 0, 512, 513), ==, 0);
	g_assert_cmpuint(vd_read(d, d->common + 18, 2), ==, 3); /* registers follow the BAR */
	g_assert_false(fake_range_at(f->vm, false, old_bar, NULL));
	/* Without a posted eventfd the write reaches the BAR handler, which signals the queue. */
	g_assert_cmpint(dm_io_del_eventfd(f->vm, false, d->q[1].notify_addr,
	                                  fake_eventfd_at(f->vm, false, d->q[1].notify_addr)),
	                ==, 0);
	g_assert_cmpint(fake_eventfd_at(f->vm, false, d->q[1].notify_addr), <, 0);
	g_assert_cmpuint(do_req(&d->q[1], T_OUT, 8, 512, 1), ==, 0);
}

static void test_rescan(struct fixture *f, gconstpointer data)
{
	struct vdrv *d = &f->drv;
	struct fake_disk *other;
	uint64_t irq;
	uint8_t gen;
	char *ev, want[64];

	(void)data;
	g_assert_cmpint(vd_init(d, f->vm, SLOT, F_ALL, 2, 64, true), ==, 0);
	gen = (uint8_t)vd_read(d, d->common + 21, 1);
	g_assert_cmpint(dm_blk_rescan(f->vm, "nosuch", NULL), ==, -ENODEV);
	/* The file grew. */
	f->disk->next_size = DISK_SIZE / 2;
	g_free(fake_last_event());
	g_assert_cmpint(dm_blk_rescan(f->vm, "myid", NULL), ==, 0);
	ev = fake_last_event();
	g_assert_nonnull(ev);
	g_snprintf(want, sizeof(want), "blk_resized {\"device\":\"myid\",\"size\":%u,",
	           DISK_SIZE / 2);
	g_assert_true(g_str_has_prefix(ev, want));
	g_free(ev);
	g_assert_cmpuint(vd_read(d, d->device, 8), ==, DISK_SIZE / 2 / 512);
	g_assert_cmpuint((uint8_t)vd_read(d, d->common + 21, 1), !=, gen);
	g_assert_cmpint(read(d->config_fd, &irq, sizeof(irq)), ==, sizeof(irq));
	g_assert_cmpuint(do_req(&d->q[0], T_IN, DISK_SIZE / 2 / 512, 512, 1), ==, 1);
	/* Another file. */
	other = fake_disk_add("other", 2u << 20, true);
	memset(other->data, 0x77, 512);
	g_assert_cmpint(dm_blk_rescan(f->vm, "myid", "mem:missing"), <, 0);
	g_assert_cmpint(dm_blk_rescan(f->vm, "myid", "mem:other"), ==, 0);
	ev = fake_last_event();
	g_assert_cmpstr(ev, ==,
	                "blk_resized {\"device\":\"myid\",\"size\":2097152,\"path\":"
	                "\"mem:other\"}");
	g_free(ev);
	g_assert_cmpuint(vd_read(d, d->device, 8), ==, (2u << 20) / 512);
	g_assert_cmpuint(do_req(&d->q[1], T_IN, 0, 512, 513), ==, 0);
	g_assert_cmpuint(vd_slot_buf(&d->q[1], 0)[511], ==, 0x77);
	fake_vm_teardown(f->vm); /* closes the image before the disk goes */
	fake_disk_remove("other");
}

static int list_disk(const char *id, struct blk_image *img, void *opaque)
{
	g_strlcpy(opaque, id, 16);
	g_assert_cmpstr(img->path, ==, "mem:disk");
	return 7;
}

/* The snapshot commands' hooks: list, quiesce (requests wait, none lost), switch images. */
static void test_snapshot_hooks(struct fixture *f, gconstpointer data)
{
	struct vdrv *d = &f->drv;
	struct vd_queue *q;
	struct vd_blk_req r = { .type = T_IN, .sector = 0, .len = 512, .slot = 0 };
	struct fake_disk *other;
	struct blk_image *img;
	char id[16] = "";
	uint16_t head;
	uint32_t len;
	unsigned reads;

	(void)data;
	g_assert_cmpint(vd_init(d, f->vm, SLOT, F_ALL, 2, 64, true), ==, 0);
	q = &d->q[0];
	g_assert_cmpint(dm_blk_foreach(f->vm, list_disk, id), ==, 7);
	g_assert_cmpstr(id, ==, "myid");
	g_assert_cmpint(dm_blk_quiesce(f->vm, "nosuch", true), ==, -ENODEV);

	/* Quiesced: a request the guest makes waits; released, it completes. */
	g_assert_cmpint(dm_blk_quiesce(f->vm, "myid", true), ==, 0);
	reads = __atomic_load_n(&f->disk->reads, __ATOMIC_ACQUIRE);
	g_assert_cmpint(vd_blk_post(q, &r), >=, 0);
	vd_kick(q);
	g_assert_cmpint(vd_get_used(q, &head, &len, 200), ==, 0);
	g_assert_cmpuint(__atomic_load_n(&f->disk->reads, __ATOMIC_ACQUIRE), ==, reads);
	g_assert_cmpint(dm_blk_quiesce(f->vm, "myid", false), ==, 0);
	wait_used(q, r.head, 513);

	/* Switched to another image: its size in the config, its data to the guest. */
	other = fake_disk_add("other", 2u << 20, true);
	memset(other->data, 0x5A, 512);
	img = blk_open("mem:other", NULL, false, NULL);
	g_assert_nonnull(img);
	g_assert_cmpint(dm_blk_replace(f->vm, "nosuch", img), ==, -ENODEV);
	g_assert_cmpint(dm_blk_replace(f->vm, "myid", img), ==, 0);
	g_assert_cmpuint(vd_read(d, d->device, 8), ==, (2u << 20) / 512);
	g_assert_cmpuint(do_req(&d->q[1], T_IN, 0, 512, 513), ==, 0);
	g_assert_cmpuint(vd_slot_buf(&d->q[1], 0)[0], ==, 0x5A);
	fake_vm_teardown(f->vm); /* closes the image before the disk goes */
	fake_disk_remove("other");
}

static void fx_default(struct fixture *f, gconstpointer data)
{
	(void)data;
	memset(f, 0, sizeof(*f));
	f->drv.config_fd = -1;
	fx_setup(f, 3, "mem:disk,id=myid");
}

static void fx_default_teardown(struct fixture *f, gconstpointer data)
{
	(void)data;
	fx_teardown(f);
}

#define ADD(name, fn) g_test_add(name, struct fixture, NULL, fx_default, fn, fx_default_teardown)

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/virtio-blk/args", test_args);
	ADD("/virtio-blk/identity", test_identity);
	g_test_add_func("/virtio-blk/features", test_features);
	ADD("/virtio-blk/io", test_io);
	g_test_add_func("/virtio-blk/ro-and-plain", test_ro_and_plain);
	ADD("/virtio-blk/batching", test_batching);
	g_test_add_func("/virtio-blk/mq-threads", test_mq_threads);
	ADD("/virtio-blk/event-idx", test_event_idx);
	ADD("/virtio-blk/no-event-idx", test_no_event_idx);
	ADD("/virtio-blk/intx", test_intx);
	ADD("/virtio-blk/hostile-chains", test_hostile);
	ADD("/virtio-blk/bad-rings", test_bad_rings);
	ADD("/virtio-blk/bad-requests", test_bad_requests);
	ADD("/virtio-blk/indirect", test_indirect);
	ADD("/virtio-blk/reset", test_reset);
	ADD("/virtio-blk/bar-move", test_bar_move);
	ADD("/virtio-blk/rescan", test_rescan);
	ADD("/virtio-blk/snapshot-hooks", test_snapshot_hooks);
	return g_test_run();
}
