/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Images we write pass `qemu-img check` and `qemu-img compare` equals a raw
 * reference model of every write: fresh images (ours and qemu-img's),
 * overlays (copy-on-write from a backing file), compressed clusters being
 * overwritten, discard and write-zeroes, refcount table growth, and random
 * concurrent I/O from several threads.
 */
#include <string.h>

#include <dm/block.h>

#include "helpers.h"
#include "qcow2_api.h"

struct model {
	struct blk_image *img;
	uint8_t *ref;
	uint64_t size;
	GRand *rand;
	uint64_t cs; /* cluster size, for what discard drops; 0: 64 KiB */
};

static void model_write(struct model *m, uint64_t off, uint64_t len)
{
	g_autofree uint8_t *buf = g_malloc(len);

	fill_random(m->rand, buf, len);
	blk_write_buf(m->img, off, buf, len);
	memcpy(m->ref + off, buf, len);
}

static void model_zero(struct model *m, uint64_t off, uint64_t len, bool unmap)
{
	g_assert_cmpint(m->img->drv->write_zeroes(m->img, off, len, unmap), ==, 0);
	memset(m->ref + off, 0, len);
}

static void model_verify(struct model *m)
{
	g_autofree uint8_t *got = blk_read_all(m->img);

	for (uint64_t i = 0; i < m->size; i++)
		if (got[i] != m->ref[i])
			g_error("byte %" G_GUINT64_FORMAT " is 0x%02x, model has 0x%02x", i, got[i],
			        m->ref[i]);
}

/* Random writes, zeroes and discards of random sizes, some straddling clusters. */
static void model_random(struct model *m, unsigned ops, uint64_t max_len, bool discard_zeroes)
{
	for (unsigned i = 0; i < ops; i++) {
		uint64_t len = 1 + g_rand_int_range(m->rand, 0, (gint32)max_len);
		uint64_t off = g_rand_int_range(m->rand, 0, (gint32)(m->size - len + 1));
		int kind = g_rand_int_range(m->rand, 0, 10);

		if (kind == 0) {
			model_zero(m, off, len, g_rand_boolean(m->rand));
		} else if (kind == 1 && discard_zeroes) {
			/* Without a backing file a discarded cluster reads as zeros. */
			g_assert_cmpint(m->img->drv->discard(m->img, off, len), ==, 0);
			uint64_t cs = m->cs ? m->cs : 65536, a = (off + cs - 1) / cs * cs,
			         b = (off + len) / cs * cs;
			if (off + len == m->size)
				b = m->size;
			if (a < b)
				memset(m->ref + a, 0, b - a);
		} else {
			model_write(m, off, len);
		}
	}
}

static void finish(struct model *m, const char *path)
{
	g_autofree char *ref = g_strconcat(path, ".ref", NULL);

	model_verify(m);
	g_assert_cmpint(m->img->drv->flush(m->img), ==, 0);
	blk_close(m->img);
	m->img = NULL;
	write_file(ref, m->ref, m->size);
	g_assert_cmpint(qemu_check(path), ==, 0);
	g_assert_cmpint(sh("qemu-img compare -f raw -F qcow2 '%s' '%s'", ref, path), ==, 0);
	struct blk_image *img = open_img(path, "qcow2", true);
	struct qcow2_check_result r;
	g_autoptr(GError) err = NULL;
	g_assert_cmpint(qcow2_check(img, &r, &err), ==, 0);
	g_assert_cmpuint(r.corruptions, ==, 0);
	g_assert_cmpuint(r.leaks, ==, 0);
	blk_close(img);
	g_free(m->ref);
	g_rand_free(m->rand);
}

static void test_fresh_ours(void)
{
	g_autofree char *p = tmp_path("ours.qcow2");
	struct qcow2_create_opts o = { .size = 16u << 20 };
	g_autoptr(GError) err = NULL;

	g_assert_cmpint(qcow2_create(p, &o, &err), ==, 0);
	g_assert_cmpint(qemu_check(p), ==, 0);
	struct model m = { .img = open_img(p, NULL, false),
		           .size = o.size,
		           .ref = g_malloc0(o.size),
		           .rand = g_rand_new_with_seed(1) };
	g_assert_cmpuint(m.img->size, ==, o.size);
	model_random(&m, 400, 200000, true);
	finish(&m, p);
}

static void fresh_qemu(const char *name, const char *opts, uint64_t cs, guint32 seed)
{
	g_autofree char *p = tmp_path(name);
	uint64_t size = 16u << 20;

	g_assert_cmpint(sh("qemu-img create -q -f qcow2 %s '%s' 16M", opts, p), ==, 0);
	struct model m = { .img = open_img(p, "qcow2", false),
		           .size = size,
		           .ref = g_malloc0(size),
		           .rand = g_rand_new_with_seed(seed),
		           .cs = cs };
	model_random(&m, 400, 100000, true);
	finish(&m, p);
}

static void test_fresh_qemu(void)
{
	fresh_qemu("qemu.qcow2", "", 65536, 2);
	fresh_qemu("qemu-4k.qcow2", "-o cluster_size=4096,refcount_bits=8", 4096, 12);
}

/* v2 has no zero flag: write-zeroes writes zeros, discard unmaps. */
static void test_v2(void)
{
	fresh_qemu("qemu-v2.qcow2", "-o compat=0.10", 65536, 3);
}

/* Writes into qemu-io's data, its zero clusters and its compressed clusters. */
static void test_over_qemu_data(void)
{
	g_autofree char *src = tmp_path("src.raw");
	g_autofree char *p = tmp_path("overwrite.qcow2");
	uint64_t size = 8u << 20;
	GRand *r = g_rand_new_with_seed(4);
	uint8_t *ref = g_malloc0(size);

	for (uint64_t i = 0; i < size / 2; i++)
		ref[i] = (uint8_t)(i / 1000);
	write_file(src, ref, size);
	g_assert_cmpint(sh("qemu-img convert -c -O qcow2 '%s' '%s'", src, p), ==, 0);
	g_assert_cmpint(
	        sh("qemu-io -c 'write -z 1m 256k' -c 'write -P 0x5a 6m 300k' '%s' >/dev/null", p),
	        ==, 0);
	memset(ref + (1u << 20), 0, 256u << 10);
	memset(ref + (6u << 20), 0x5a, 300u << 10);
	struct model m = {
		.img = open_img(p, "qcow2", false), .size = size, .ref = ref, .rand = r
	};
	model_verify(&m);
	model_random(&m, 300, 150000, true);
	finish(&m, p);
}

static void test_overlay_cow(void)
{
	g_autofree char *base = tmp_path("cow-base.qcow2");
	g_autofree char *p = tmp_path("cow-top.qcow2");
	g_autofree char *base_raw = tmp_path("cow-base.raw");
	g_autoptr(GError) err = NULL;
	size_t len;

	g_assert_cmpint(sh("qemu-img create -q -f qcow2 '%s' 8M", base), ==, 0);
	g_assert_cmpint(
	        sh("qemu-io -c 'write -P 0x31 0 8M' -c 'write -z 2m 64k' '%s' >/dev/null", base),
	        ==, 0);
	g_assert_cmpint(sh("qemu-img convert -O raw '%s' '%s'", base, base_raw), ==, 0);
	struct qcow2_create_opts o = { .backing_file = "cow-base.qcow2",
		                       .backing_format = "qcow2" };
	g_assert_cmpint(qcow2_create(p, &o, &err), ==, 0);
	g_assert_no_error(err);
	struct model m = { .img = open_img(p, NULL, false),
		           .ref = read_file(base_raw, &len),
		           .rand = g_rand_new_with_seed(5) };
	m.size = len;
	g_assert_cmpuint(m.img->size, ==, len);
	/* Small writes: each copies the rest of its cluster from the backing file. */
	model_random(&m, 150, 9000, false);
	/* Zeroes over backing data must hide it. */
	model_zero(&m, 4u << 20, 1u << 20, true);
	finish(&m, p);
	/* The base is untouched. */
	g_assert_cmpint(sh("qemu-img compare -f qcow2 -F raw '%s' '%s'", base, base_raw), ==, 0);
}

/* 512-byte clusters: 16-bit refcount blocks cover 128 KiB each, so the table must grow. */
static void test_refcount_growth(void)
{
	g_autofree char *p = tmp_path("grow.qcow2");
	struct qcow2_create_opts o = { .size = 24u << 20, .cluster_bits = 9 };
	g_autoptr(GError) err = NULL;

	g_assert_cmpint(qcow2_create(p, &o, &err), ==, 0);
	struct model m = { .img = open_img(p, "qcow2", false),
		           .size = o.size,
		           .ref = g_malloc0(o.size),
		           .rand = g_rand_new_with_seed(6) };
	for (uint64_t off = 0; off < o.size; off += 1u << 20)
		model_write(&m, off, 1u << 20);
	model_random(&m, 200, 5000, false);
	finish(&m, p);
	g_autofree char *info = sh_out("qemu-img info --output=json '%s'", p);
	g_assert_nonnull(strstr(info, "\"refcount-bits\": 16"));
}

struct worker {
	struct blk_image *img;
	uint8_t *ref;
	uint64_t size;
	unsigned id, nthreads;
	guint32 seed;
};

/* Each thread owns every nth 4 KiB block: the threads share L2 tables and clusters. */
static gpointer worker_run(gpointer data)
{
	struct worker *w = data;
	GRand *r = g_rand_new_with_seed(w->seed);
	uint8_t buf[4096 * 4];
	uint64_t blocks = w->size / 4096;

	for (int i = 0; i < 600; i++) {
		uint64_t b = (uint64_t)g_rand_int_range(r, 0, (gint32)(blocks / w->nthreads)) *
		                     w->nthreads +
		             w->id;
		uint64_t off = b * 4096 + g_rand_int_range(r, 0, 8) * 512;
		uint64_t len = 512 * (uint64_t)g_rand_int_range(r, 1, 9);
		struct iovec v = { buf, len };

		if (off + len > (b + 1) * 4096)
			len = (b + 1) * 4096 - off, v.iov_len = len;
		if (g_rand_int_range(r, 0, 3) == 0) {
			g_assert_cmpint(w->img->drv->preadv(w->img, &v, 1, off), ==, 0);
			g_assert_cmpmem(buf, len, w->ref + off, len);
		} else {
			fill_random(r, buf, len);
			g_assert_cmpint(w->img->drv->pwritev(w->img, &v, 1, off), ==, 0);
			memcpy(w->ref + off, buf, len);
		}
	}
	g_rand_free(r);
	return NULL;
}

static void test_concurrent(void)
{
	g_autofree char *p = tmp_path("threads.qcow2");
	struct qcow2_create_opts o = { .size = 32u << 20 };
	g_autoptr(GError) err = NULL;
	enum {
		N = 4
	};

	g_assert_cmpint(qcow2_create(p, &o, &err), ==, 0);
	struct model m = { .img = open_img(p, "qcow2", false),
		           .size = o.size,
		           .ref = g_malloc0(o.size),
		           .rand = g_rand_new_with_seed(8) };
	/* Some data first, then a snapshot, so the threads also copy shared clusters. */
	model_random(&m, 100, 100000, false);
	g_assert_cmpint(qcow2_snapshot_create(m.img, "before", &err), ==, 0);
	struct worker w[N];
	GThread *t[N];
	for (unsigned i = 0; i < N; i++) {
		w[i] = (struct worker){ m.img, m.ref, m.size, i, N, 100 + i };
		t[i] = g_thread_new("io", worker_run, &w[i]);
	}
	for (unsigned i = 0; i < N; i++)
		g_thread_join(t[i]);
	finish(&m, p);
}

/* blkrescan: another tool grew the image and took a snapshot while it was open. */
static void test_refresh(void)
{
	g_autofree char *p = tmp_path("refresh.qcow2");
	uint8_t buf[4096];

	g_assert_cmpint(sh("qemu-img create -q -f qcow2 '%s' 1M", p), ==, 0);
	struct blk_image *img = open_img(p, "qcow2", false);
	memset(buf, 0x71, sizeof(buf));
	blk_write_buf(img, 0, buf, sizeof(buf));
	g_assert_cmpint(img->drv->flush(img), ==, 0);
	g_assert_cmpint(sh("qemu-img resize -q '%s' 3M && qemu-img snapshot -c ext '%s'", p, p), ==,
	                0);
	g_assert_cmpuint(img->size, ==, 1u << 20);
	g_assert_cmpint(img->drv->refresh(img), ==, 0);
	g_assert_cmpuint(img->size, ==, 3u << 20);
	struct qcow2_snapshot_info *sn;
	unsigned n;
	g_assert_cmpint(qcow2_snapshot_list(img, &sn, &n), ==, 0);
	g_assert_cmpuint(n, ==, 1);
	g_assert_cmpstr(sn[0].name, ==, "ext");
	g_free(sn);
	/* The new space reads as zeros and takes writes; the old data stays. */
	blk_read_buf(img, 2u << 20, buf, sizeof(buf));
	g_assert_cmpuint(buf[0], ==, 0);
	memset(buf, 0x72, sizeof(buf));
	blk_write_buf(img, (3u << 20) - 4096, buf, sizeof(buf));
	blk_write_buf(img, 8192, buf, sizeof(buf)); /* copies a cluster shared with "ext" */
	blk_read_buf(img, 0, buf, sizeof(buf));
	g_assert_cmpuint(buf[0], ==, 0x71);
	blk_close(img);
	g_assert_cmpint(qemu_check(p), ==, 0);
	g_autofree char *io = sh_out("qemu-io -c 'read -P 0x72 3068k 4k' -c 'read -P 0x71 0 4k' "
	                             "-c 'read -P 0x72 8k 4k' '%s'",
	                             p);
	g_assert_null(strstr(io, "Pattern verification failed"));
	g_assert_nonnull(strstr(io, "read 4096/4096"));
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/qcow2/write/fresh-ours", test_fresh_ours);
	g_test_add_func("/qcow2/write/fresh-qemu", test_fresh_qemu);
	g_test_add_func("/qcow2/write/v2", test_v2);
	g_test_add_func("/qcow2/write/over-qemu-data", test_over_qemu_data);
	g_test_add_func("/qcow2/write/overlay-cow", test_overlay_cow);
	g_test_add_func("/qcow2/write/refcount-growth", test_refcount_growth);
	g_test_add_func("/qcow2/write/concurrent", test_concurrent);
	g_test_add_func("/qcow2/write/refresh", test_refresh);
	return g_test_run();
}
