/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Malformed images get a clear error naming the problem, never a crash:
 * truncated files, huge sizes, overlapping or misplaced tables, unknown
 * features, backing loops, tables pointing past the end of the file.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"
#include "qcow2.h"

/* A valid 1 MiB image with one written cluster, as bytes to corrupt. */
static uint8_t *good_image(size_t *len)
{
	g_autofree char *p = tmp_path("good.qcow2");

	g_assert_cmpint(sh("rm -f '%s' && qemu-img create -q -f qcow2 '%s' 1M && "
	                   "qemu-io -c 'write -P 0x11 0 4k' '%s' >/dev/null",
	                   p, p, p),
	                ==, 0);
	return read_file(p, len);
}

/* Open @buf as an image; assert it fails with a message containing @what. */
static void expect_error(const char *name, const uint8_t *buf, size_t len, const char *what)
{
	g_autofree char *p = tmp_path(name);
	g_autoptr(GError) err = NULL;

	write_file(p, buf, len);
	struct blk_image *img = blk_open(p, "qcow2", false, &err);
	if (img)
		g_error("%s: opened, expected an error about '%s'", name, what);
	g_assert_nonnull(err);
	g_test_message("%s: %s", name, err->message);
	if (!strstr(err->message, what))
		g_error("%s: error '%s' does not mention '%s'", name, err->message, what);
}

static void test_header_fields(void)
{
	size_t len;
	g_autofree uint8_t *good = good_image(&len);
	g_autofree uint8_t *b = g_malloc(len);
	uint64_t cs = 65536;

#define FRESH() memcpy(b, good, len)
	FRESH();
	expect_error("truncated", b, 50, "shorter than a header");
	FRESH();
	expect_error("truncated-l1", b, 3 * cs + 4, "past the end of the file");
	FRESH();
	b[0] = 'X';
	expect_error("magic", b, len, "no QFI magic");
	FRESH();
	qcow2_put_be32(b + 4, 4);
	expect_error("version", b, len, "version 4");
	FRESH();
	qcow2_put_be32(b + 20, 31);
	expect_error("cluster-bits", b, len, "cluster_bits 31");
	FRESH();
	qcow2_put_be64(b + 24, 1ull << 62);
	expect_error("huge-size", b, len, "virtual size");
	FRESH();
	qcow2_put_be64(b + 24, 1ull << 50); /* fine alone, but L1 no longer covers it */
	expect_error("l1-short", b, len, "does not cover");
	FRESH();
	qcow2_put_be32(b + 36, 0x7fffffff);
	expect_error("huge-l1", b, len, "too large");
	FRESH();
	qcow2_put_be64(b + 40, 3 * cs + 8);
	expect_error("unaligned-l1", b, len, "unaligned");
	FRESH();
	qcow2_put_be64(b + 40, qcow2_be64(b + 48)); /* L1 on the refcount table */
	expect_error("overlap", b, len, "overlapping");
	FRESH();
	qcow2_put_be64(b + 40, 0);
	expect_error("l1-on-header", b, len, "unaligned or zero");
	FRESH();
	qcow2_put_be32(b + 56, 1u << 20);
	expect_error("huge-reftable", b, len, "refcount_table_clusters");
	FRESH();
	qcow2_put_be64(b + 72, 1ull << 20);
	expect_error("unknown-incompat", b, len, "unknown incompatible features 0x100000");
	/* With a feature name table entry, the error names the feature. */
	qcow2_put_be32(b + 112, QCOW2_EXT_FEATURE_NAME);
	qcow2_put_be32(b + 116, 48);
	memset(b + 120, 0, 56);
	b[120] = 0;  /* incompatible */
	b[121] = 20; /* bit */
	memcpy(b + 122, "time travel", 11);
	expect_error("unknown-incompat-named", b, len, "0x100000 (time travel)");
	FRESH();
	qcow2_put_be64(b + 72, QCOW2_INCOMPAT_EXT_L2);
	expect_error("ext-l2", b, len, "extended L2");
	FRESH();
	qcow2_put_be64(b + 72, QCOW2_INCOMPAT_CORRUPT);
	expect_error("corrupt-bit", b, len, "marked corrupt");
	FRESH();
	qcow2_put_be32(b + 32, 1);
	expect_error("encrypted", b, len, "encrypted");
	FRESH();
	qcow2_put_be32(b + 100, 3);
	expect_error("header-length", b, len, "header_length");
	FRESH();
	qcow2_put_be32(b + 96, 9);
	expect_error("refcount-order", b, len, "refcount_order");
	FRESH();
	qcow2_put_be32(b + 60, 1);
	qcow2_put_be64(b + 64, 64 * cs);
	expect_error("snapshot-past-eof", b, len, "snapshot table entry");
	FRESH();
	qcow2_put_be64(b + 8, cs - 4);
	qcow2_put_be32(b + 16, 100);
	expect_error("backing-name", b, len, "backing file name");
	FRESH();
	/* An extension whose length runs past the header cluster. */
	qcow2_put_be32(b + 112, 0x12345678);
	qcow2_put_be32(b + 116, 0x7fffffff);
	expect_error("extension", b, len, "runs past the header");
#undef FRESH
}

static void test_corrupt_bit_read_only(void)
{
	size_t len;
	g_autofree uint8_t *b = good_image(&len);
	g_autofree char *p = tmp_path("corrupt-ro.qcow2");

	qcow2_put_be64(b + 72, QCOW2_INCOMPAT_CORRUPT);
	write_file(p, b, len);
	struct blk_image *img = open_img(p, "qcow2", true);
	uint8_t buf[4096];
	blk_read_buf(img, 0, buf, sizeof(buf));
	g_assert_cmpuint(buf[100], ==, 0x11);
	blk_close(img);
}

static void test_backing_loop(void)
{
	g_autofree char *a = tmp_path("loop-a.qcow2");
	g_autofree char *bb = tmp_path("loop-b.qcow2");
	g_autoptr(GError) err = NULL;
	struct qcow2_create_opts oa = { .size = 1u << 20,
		                        .backing_file = "loop-b.qcow2",
		                        .backing_format = "qcow2" };
	struct qcow2_create_opts ob = { .size = 1u << 20,
		                        .backing_file = "loop-a.qcow2",
		                        .backing_format = "qcow2" };

	g_assert_cmpint(qcow2_create(a, &oa, &err), ==, 0);
	g_assert_cmpint(qcow2_create(bb, &ob, &err), ==, 0);
	g_assert_null(blk_open(a, NULL, true, &err));
	g_assert_nonnull(strstr(err->message, "a loop?"));
	g_clear_error(&err);
	g_assert_null(blk_open(bb, "qcow2", true, &err));
	g_assert_nonnull(err);
}

/* Bad pointers inside the tables fail the I/O, not the process. */
static void test_bad_table_entries(void)
{
	size_t len;
	g_autofree uint8_t *b = good_image(&len);
	g_autofree char *p = tmp_path("bad-l1.qcow2");
	uint64_t l1 = qcow2_be64(b + 40);
	uint8_t buf[4096];
	struct iovec v = { buf, sizeof(buf) };

	/* L1 entry 0 points far past the end of the file. */
	qcow2_put_be64(b + l1, (1ull << 40) | QCOW2_OFLAG_COPIED);
	write_file(p, b, len);
	struct blk_image *img = open_img(p, "qcow2", false);
	g_assert_cmpint(img->drv->preadv(img, &v, 1, 0), ==, -EIO);
	g_assert_cmpint(img->drv->pwritev(img, &v, 1, 0), ==, -EIO);
	blk_close(img);

	/* L1 entry points into the header cluster. */
	qcow2_put_be64(b + l1, 512);
	write_file(p, b, len);
	img = open_img(p, "qcow2", true);
	g_assert_cmpint(img->drv->preadv(img, &v, 1, 0), ==, -EIO);
	blk_close(img);

	/* An L2 entry pointing to an unaligned host offset. */
	g_free(b);
	b = good_image(&len);
	uint64_t l2 = qcow2_be64(b + l1) & QCOW2_L1_OFFSET_MASK;
	qcow2_put_be64(b + l2, 0x50200 | QCOW2_OFLAG_COPIED);
	write_file(p, b, len);
	img = open_img(p, "qcow2", true);
	g_assert_cmpint(img->drv->preadv(img, &v, 1, 0), ==, -EIO);
	blk_close(img);

	/* A refcount table entry that is not cluster aligned. */
	g_free(b);
	b = good_image(&len);
	uint64_t rt = qcow2_be64(b + 48);
	qcow2_put_be64(b + rt, 0x20100);
	g_autoptr(GError) err = NULL;
	write_file(p, b, len);
	g_assert_null(blk_open(p, "qcow2", false, &err));
	g_assert_nonnull(strstr(err->message, "refcount table entry 0"));
}

/* A write that finds a referenced cluster counted as free marks the image corrupt. */
static void test_refcount_mismatch_marks_corrupt(void)
{
	size_t len;
	g_autofree uint8_t *b = good_image(&len);
	g_autofree char *p = tmp_path("zero-refcount.qcow2");
	uint64_t rt = qcow2_be64(b + 48), rb = qcow2_be64(b + rt);
	uint64_t l1 = qcow2_be64(b + 40), l2 = qcow2_be64(b + l1) & QCOW2_L1_OFFSET_MASK;
	uint64_t data = qcow2_be64(b + l2) & QCOW2_L2_OFFSET_MASK;
	uint8_t buf[4096] = { 0 };
	struct iovec v = { buf, sizeof(buf) };

	/* The data cluster's refcount drops to 0, its COPIED flag goes: a write must COW and free it. */
	qcow2_put_be16(b + rb + 2 * (data / 65536), 0);
	qcow2_put_be64(b + l2, data);
	write_file(p, b, len);
	struct blk_image *img = open_img(p, "qcow2", false);
	g_assert_cmpint(img->drv->pwritev(img, &v, 1, 0), ==, -EIO);
	blk_close(img);
	g_autofree char *info = sh_out("qemu-img info '%s'", p);
	g_assert_nonnull(strstr(info, "corrupt: true"));
	g_autoptr(GError) err = NULL;
	g_assert_null(blk_open(p, "qcow2", false, &err));
	g_assert_nonnull(strstr(err->message, "marked corrupt"));
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/qcow2/malformed/header-fields", test_header_fields);
	g_test_add_func("/qcow2/malformed/corrupt-bit-read-only", test_corrupt_bit_read_only);
	g_test_add_func("/qcow2/malformed/backing-loop", test_backing_loop);
	g_test_add_func("/qcow2/malformed/bad-table-entries", test_bad_table_entries);
	g_test_add_func("/qcow2/malformed/refcount-mismatch", test_refcount_mismatch_marks_corrupt);
	return g_test_run();
}
