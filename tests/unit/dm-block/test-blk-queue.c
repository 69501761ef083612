/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * blk_queue on both back ends: raw images through io_uring on the direct
 * fd, qcow2 through the thread pool. Batches of writes, reads, flush,
 * discard and write-zeroes complete through the eventfd with the right
 * results; bad requests fail cleanly. Also blk_open's format choice.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>

#include "helpers.h"
#include "qcow2_api.h"

#define SIZE (4u << 20)
#define NREQ 64
#define BS   8192

struct req {
	struct blk_req r;
	struct iovec iov[2];
	uint8_t *buf;
	int *pending;
};

static void done(struct blk_req *r)
{
	struct req *q = (struct req *)r;

	(*q->pending)--;
}

static void drain(struct blk_queue *q, int *pending)
{
	while (*pending > 0) {
		struct pollfd p = { .fd = blk_queue_fd(q), .events = POLLIN };
		g_assert_cmpint(poll(&p, 1, 10000), ==, 1);
		blk_queue_complete(q);
	}
}

static void run_one(struct blk_queue *q, struct req *rq, int *pending)
{
	rq->pending = pending;
	rq->r.done = done;
	rq->r.result = 1;
	(*pending)++;
	blk_queue_submit(q, &rq->r);
	blk_queue_kick(q);
	drain(q, pending);
}

static void exercise(const char *path, bool expect_uring)
{
	struct blk_image *img = open_img(path, NULL, false);
	g_autoptr(GError) err = NULL;
	GRand *rand = g_rand_new_with_seed(11);
	g_autofree uint8_t *ref = g_malloc0(SIZE);
	struct req rq[NREQ];
	int pending = 0;

	g_assert_cmpint(img->direct_fd >= 0, ==, expect_uring);
	/* Depth 16 with 64 requests: the rest wait for room. */
	struct blk_queue *q = blk_queue_new(img, 16, &err);
	g_assert_no_error(err);
	for (int i = 0; i < NREQ; i++) {
		uint64_t off = (uint64_t)i * (SIZE / NREQ) + 512 * (uint64_t)(i % 7);
		rq[i] = (struct req){ .buf = g_malloc(BS), .pending = &pending };
		fill_random(rand, rq[i].buf, BS);
		memcpy(ref + off, rq[i].buf, BS);
		rq[i].iov[0] = (struct iovec){ rq[i].buf, 1000 };
		rq[i].iov[1] = (struct iovec){ rq[i].buf + 1000, BS - 1000 };
		rq[i].r = (struct blk_req){ .op = BLK_WRITE,
			                    .offset = off,
			                    .len = BS,
			                    .iov = rq[i].iov,
			                    .iovcnt = 2,
			                    .done = done,
			                    .result = 1 };
		pending++;
		blk_queue_submit(q, &rq[i].r);
	}
	blk_queue_kick(q);
	drain(q, &pending);
	for (int i = 0; i < NREQ; i++)
		g_assert_cmpint(rq[i].r.result, ==, 0);

	struct req fl = { .r = { .op = BLK_FLUSH } };
	run_one(q, &fl, &pending);
	g_assert_cmpint(fl.r.result, ==, 0);

	/* Zero one request's range, discard another's whole clusters (reads zero: no backing). */
	struct req wz = { .r = { .op = BLK_WRITE_ZEROES, .offset = rq[3].r.offset, .len = BS } };
	run_one(q, &wz, &pending);
	g_assert_cmpint(wz.r.result, ==, 0);
	memset(ref + rq[3].r.offset, 0, BS);
	struct req dc = { .r = { .op = BLK_DISCARD, .offset = 2u << 20, .len = 1u << 20 } };
	run_one(q, &dc, &pending);
	g_assert_cmpint(dc.r.result, ==, 0);
	memset(ref + (2u << 20), 0, 1u << 20);

	/* Read everything back in a batch. */
	for (int i = 0; i < NREQ; i++) {
		memset(rq[i].buf, 0xee, BS);
		rq[i].r.op = BLK_READ;
		rq[i].r.result = 1;
		pending++;
		blk_queue_submit(q, &rq[i].r);
	}
	blk_queue_kick(q);
	drain(q, &pending);
	for (int i = 0; i < NREQ; i++) {
		g_assert_cmpint(rq[i].r.result, ==, 0);
		g_assert_cmpmem(rq[i].buf, BS, ref + rq[i].r.offset, BS);
	}

	/* Out of range and inconsistent lengths fail without touching the image. */
	struct req bad = { .r = { .op = BLK_READ,
		                  .offset = SIZE - 512,
		                  .len = BS,
		                  .iov = rq[0].iov,
		                  .iovcnt = 2 } };
	run_one(q, &bad, &pending);
	g_assert_cmpint(bad.r.result, ==, -EINVAL);
	bad.r.offset = 0;
	bad.r.len = BS - 1;
	run_one(q, &bad, &pending);
	g_assert_cmpint(bad.r.result, ==, -EINVAL);

	blk_queue_free(q);
	for (int i = 0; i < NREQ; i++)
		g_free(rq[i].buf);
	blk_close(img);
	g_rand_free(rand);

	/* Read-only: writes are refused, reads work. */
	img = open_img(path, NULL, true);
	q = blk_queue_new(img, 4, &err);
	g_assert_no_error(err);
	uint8_t b[BS];
	struct iovec v = { b, BS };
	struct req ro = {
		.r = { .op = BLK_WRITE, .offset = 0, .len = BS, .iov = &v, .iovcnt = 1 }
	};
	run_one(q, &ro, &pending);
	g_assert_cmpint(ro.r.result, ==, -EROFS);
	ro.r.op = BLK_READ;
	ro.r.offset = rq[5].r.offset;
	run_one(q, &ro, &pending);
	g_assert_cmpint(ro.r.result, ==, 0);
	g_assert_cmpmem(b, BS, ref + ro.r.offset, BS);
	blk_queue_free(q);
	blk_close(img);
}

static void test_raw_uring(void)
{
	g_autofree char *p = tmp_path("q.raw");

	g_assert_cmpint(sh("truncate -s %u '%s'", SIZE, p), ==, 0);
	exercise(p, true);
}

static void test_qcow2_pool(void)
{
	g_autofree char *p = tmp_path("q.qcow2");

	g_assert_cmpint(sh("qemu-img create -q -f qcow2 '%s' %u", p, SIZE), ==, 0);
	exercise(p, false);
	g_assert_cmpint(qemu_check(p), ==, 0);
}

struct mq_thread {
	struct blk_image *img;
	unsigned id;
	uint8_t *ref;
};

/* One queue per thread on one qcow2 image, as virtio-blk's per-vCPU queues use it. */
static gpointer mq_run(gpointer data)
{
	struct mq_thread *t = data;
	g_autoptr(GError) err = NULL;
	struct blk_queue *q = blk_queue_new(t->img, 8, &err);
	GRand *rand = g_rand_new_with_seed(50 + t->id);
	struct req rq[16];
	int pending = 0;

	g_assert_no_error(err);
	for (int round = 0; round < 20; round++) {
		for (int i = 0; i < 16; i++) {
			/* Interleaved 4 KiB blocks: the queues share clusters and L2 tables. Distinct
			 * within a batch, whose requests may complete in any order. */
			uint64_t blk =
			        (uint64_t)(round * 16 + i) * 7919 % (SIZE / 4096 / 2) * 2 + t->id;
			rq[i] = (struct req){ .buf = g_malloc(4096), .pending = &pending };
			fill_random(rand, rq[i].buf, 4096);
			memcpy(t->ref + blk * 4096, rq[i].buf, 4096);
			rq[i].iov[0] = (struct iovec){ rq[i].buf, 4096 };
			rq[i].r = (struct blk_req){ .op = BLK_WRITE,
				                    .offset = blk * 4096,
				                    .len = 4096,
				                    .iov = rq[i].iov,
				                    .iovcnt = 1,
				                    .done = done };
			pending++;
			blk_queue_submit(q, &rq[i].r);
		}
		blk_queue_kick(q);
		drain(q, &pending);
		for (int i = 0; i < 16; i++) {
			g_assert_cmpint(rq[i].r.result, ==, 0);
			g_free(rq[i].buf);
		}
	}
	blk_queue_free(q);
	g_rand_free(rand);
	return NULL;
}

static void test_qcow2_two_queues(void)
{
	g_autofree char *p = tmp_path("mq.qcow2");
	g_autofree char *ref = tmp_path("mq.ref");
	g_autofree uint8_t *model = g_malloc0(SIZE);

	g_assert_cmpint(sh("qemu-img create -q -f qcow2 '%s' %u", p, SIZE), ==, 0);
	struct blk_image *img = open_img(p, "qcow2", false);
	struct mq_thread t[2] = { { img, 0, model }, { img, 1, model } };
	GThread *th[2];
	for (int i = 0; i < 2; i++)
		th[i] = g_thread_new("queue", mq_run, &t[i]);
	for (int i = 0; i < 2; i++)
		g_thread_join(th[i]);
	blk_close(img);
	write_file(ref, model, SIZE);
	g_assert_cmpint(qemu_check(p), ==, 0);
	g_assert_cmpint(sh("qemu-img compare -f raw -F qcow2 '%s' '%s'", ref, p), ==, 0);
}

struct churn {
	struct blk_image *img;
	volatile bool stop;
};

/* Frees and reallocates clusters 0 and 1 over and over: 0 holds 0xa0 or zeros, 1 holds 0xa1. */
static gpointer churn_run(gpointer data)
{
	struct churn *c = data;
	g_autofree uint8_t *buf = g_malloc(65536);

	while (!c->stop) {
		for (int k = 0; k < 2; k++) {
			g_assert_cmpint(c->img->drv->write_zeroes(c->img, k * 65536, 65536, true),
			                ==, 0);
			memset(buf, 0xa0 + k, 65536);
			blk_write_buf(c->img, k * 65536, buf, 65536);
		}
	}
	return NULL;
}

/* Queue reads of cluster 0 through io_uring while another thread frees and reuses clusters:
 * a read must never see another cluster's data (a freed cluster reused under it). */
static void test_qcow2_direct_vs_free(void)
{
	g_autofree char *p = tmp_path("churn.qcow2");
	g_autoptr(GError) err = NULL;
	uint8_t buf[4096];
	struct iovec v = { buf, sizeof(buf) };
	int pending = 0;

	g_assert_cmpint(
	        sh("qemu-img create -q -f qcow2 '%s' 1M && "
	           "qemu-io -c 'write -P 0xa0 0 64k' -c 'write -P 0xa1 64k 64k' '%s' >/dev/null",
	           p, p),
	        ==, 0);
	struct blk_image *img = open_img(p, "qcow2", false);
	struct blk_queue *q = blk_queue_new(img, 8, &err);
	g_assert_no_error(err);
	struct churn c = { .img = img };
	GThread *t = g_thread_new("churn", churn_run, &c);
	for (int i = 0; i < 3000; i++) {
		struct req rq = { .r = { .op = BLK_READ,
			                 .offset = 4096 * (uint64_t)(i % 16),
			                 .len = sizeof(buf),
			                 .iov = &v,
			                 .iovcnt = 1 } };
		run_one(q, &rq, &pending);
		g_assert_cmpint(rq.r.result, ==, 0);
		for (size_t k = 0; k < sizeof(buf); k++)
			if (buf[k] != 0 && buf[k] != 0xa0)
				g_error("read %d: byte %zu is 0x%02x: another cluster's data", i, k,
				        buf[k]);
	}
	c.stop = true;
	g_thread_join(t);
	blk_queue_free(q);
	blk_close(img);
	g_assert_cmpint(qemu_check(p), ==, 0);
}

static void test_format_choice(void)
{
	g_autofree char *raw = tmp_path("f.raw");
	g_autofree char *qc = tmp_path("f.qcow2");
	g_autoptr(GError) err = NULL;

	g_assert_cmpint(sh("truncate -s 1M '%s' && qemu-img create -q -f qcow2 '%s' 1M", raw, qc),
	                ==, 0);
	struct blk_image *img = open_img(qc, NULL, true);
	g_assert_cmpstr(img->drv->name, ==, "qcow2");
	blk_close(img);
	img = open_img(raw, NULL, true);
	g_assert_cmpstr(img->drv->name, ==, "raw");
	blk_close(img);
	/* A named format that the file contradicts is an error, both ways. */
	g_assert_null(blk_open(qc, "raw", true, &err));
	g_assert_nonnull(strstr(err->message, "qcow2 format, not raw"));
	g_clear_error(&err);
	g_assert_null(blk_open(raw, "qcow2", true, &err));
	g_assert_nonnull(strstr(err->message, "no QFI magic"));
	g_clear_error(&err);
	g_assert_null(blk_open(raw, "vmdk", true, &err));
	g_assert_nonnull(strstr(err->message, "unknown image format"));
	g_clear_error(&err);
	g_assert_null(blk_open("/nonexistent/x.img", NULL, true, &err));
	g_assert_nonnull(err);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/blk/queue/raw-io_uring", test_raw_uring);
	g_test_add_func("/blk/queue/qcow2-thread-pool", test_qcow2_pool);
	g_test_add_func("/blk/queue/qcow2-two-queues", test_qcow2_two_queues);
	g_test_add_func("/blk/queue/qcow2-direct-vs-free", test_qcow2_direct_vs_free);
	g_test_add_func("/blk/open/format-choice", test_format_choice);
	return g_test_run();
}
