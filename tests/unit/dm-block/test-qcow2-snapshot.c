/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internal snapshots both ways: ours are listed and applied by
 * `qemu-img snapshot`, qemu-img's are listed, applied and deleted by us;
 * every step leaves an image `qemu-img check` finds clean.
 */
#include <string.h>

#include "helpers.h"
#include "qcow2_api.h"

#define SIZE (8u << 20)

static void write_pattern(struct blk_image *img, uint8_t *ref, uint64_t off, uint64_t len, int c)
{
	g_autofree uint8_t *buf = g_malloc(len);

	memset(buf, c, len);
	blk_write_buf(img, off, buf, len);
	memcpy(ref + off, buf, len);
}

static void assert_image_is(const char *path, const uint8_t *want)
{
	struct blk_image *img = open_img(path, "qcow2", true);
	g_autofree uint8_t *got = blk_read_all(img);

	g_assert_cmpmem(got, SIZE, want, SIZE);
	blk_close(img);
}

static void assert_qemu_reads(const char *path, const uint8_t *want)
{
	g_autofree char *raw = g_strconcat(path, ".want", NULL);

	write_file(raw, want, SIZE);
	g_assert_cmpint(sh("qemu-img compare -f raw -F qcow2 '%s' '%s'", raw, path), ==, 0);
}

static void test_ours_to_qemu(void)
{
	g_autofree char *p = tmp_path("ours.qcow2");
	g_autofree char *copy = tmp_path("ours-copy.qcow2");
	struct qcow2_create_opts o = { .size = SIZE };
	g_autoptr(GError) err = NULL;
	g_autofree uint8_t *s1 = g_malloc0(SIZE), *s2 = NULL, *now = NULL;

	g_assert_cmpint(qcow2_create(p, &o, &err), ==, 0);
	struct blk_image *img = open_img(p, "qcow2", false);
	write_pattern(img, s1, 0, 200000, 0xa1);
	write_pattern(img, s1, 5u << 20, 70000, 0xa2);
	g_assert_cmpint(qcow2_snapshot_create(img, "s1", &err), ==, 0);
	g_assert_no_error(err);
	/* A name is unique. */
	g_assert_cmpint(qcow2_snapshot_create(img, "s1", &err), ==, -EEXIST);
	g_clear_error(&err);
	s2 = g_memdup2(s1, SIZE);
	write_pattern(img, s2, 4096, 8192, 0xb1);      /* copies a shared cluster */
	write_pattern(img, s2, 7u << 20, 65536, 0xb2); /* a new cluster */
	g_assert_cmpint(img->drv->write_zeroes(img, 5u << 20, 65536, true), ==, 0);
	memset(s2 + (5u << 20), 0, 65536);
	g_assert_cmpint(qcow2_snapshot_create(img, "s2", &err), ==, 0);
	now = g_memdup2(s2, SIZE);
	write_pattern(img, now, 0, 100, 0xc1);
	g_assert_cmpint(img->drv->discard(img, 7u << 20, 65536), ==, 0);
	memset(now + (7u << 20), 0, 65536);
	blk_close(img);

	g_assert_cmpint(qemu_check(p), ==, 0);
	assert_qemu_reads(p, now);
	g_autofree char *list = sh_out("qemu-img snapshot -l '%s'", p);
	g_assert_nonnull(strstr(list, " s1 "));
	g_assert_nonnull(strstr(list, " s2 "));
	/* qemu-img applies each of ours to a copy. */
	g_assert_cmpint(sh("cp '%s' '%s' && qemu-img snapshot -a s1 '%s'", p, copy, copy), ==, 0);
	assert_qemu_reads(copy, s1);
	g_assert_cmpint(qemu_check(copy), ==, 0);
	g_assert_cmpint(sh("cp '%s' '%s' && qemu-img snapshot -a s2 '%s'", p, copy, copy), ==, 0);
	assert_qemu_reads(copy, s2);
	g_assert_cmpint(sh("qemu-img snapshot -d s1 '%s'", copy), ==, 0);
	g_assert_cmpint(qemu_check(copy), ==, 0);

	/* And we apply and delete ours. */
	img = open_img(p, "qcow2", false);
	g_assert_cmpint(qcow2_snapshot_apply(img, "s1", &err), ==, 0);
	g_assert_no_error(err);
	blk_close(img);
	assert_image_is(p, s1);
	g_assert_cmpint(qemu_check(p), ==, 0);
	img = open_img(p, "qcow2", false);
	write_pattern(img, s1, 100000, 3000, 0xd1);
	g_assert_cmpint(qcow2_snapshot_delete(img, "s2", &err), ==, 0);
	g_assert_cmpint(qcow2_snapshot_apply(img, "nonexistent", &err), ==, -ENOENT);
	g_clear_error(&err);
	blk_close(img);
	g_assert_cmpint(qemu_check(p), ==, 0);
	assert_qemu_reads(p, s1);
	list = (g_free(list), sh_out("qemu-img snapshot -l '%s'", p));
	g_assert_nonnull(strstr(list, " s1 "));
	g_assert_null(strstr(list, " s2 "));
	img = open_img(p, "qcow2", false);
	g_assert_cmpint(qcow2_snapshot_delete(img, "1", &err), ==, 0); /* by id */
	blk_close(img);
	g_assert_cmpint(qemu_check(p), ==, 0);
	assert_qemu_reads(p, s1);
	list = (g_free(list), sh_out("qemu-img snapshot -l '%s'", p));
	g_assert_null(strstr(list, " s1 "));
}

static void test_qemu_to_ours(void)
{
	g_autofree char *p = tmp_path("theirs.qcow2");
	g_autofree uint8_t *q1 = g_malloc0(SIZE), *now = NULL;
	g_autoptr(GError) err = NULL;

	g_assert_cmpint(sh("qemu-img create -q -f qcow2 '%s' 8M", p), ==, 0);
	g_assert_cmpint(
	        sh("qemu-io -c 'write -P 0x41 0 300k' -c 'write -z 1m 64k' '%s' >/dev/null", p), ==,
	        0);
	memset(q1, 0x41, 300u << 10);
	g_assert_cmpint(sh("qemu-img snapshot -c q1 '%s'", p), ==, 0);
	g_assert_cmpint(
	        sh("qemu-io -c 'write -P 0x42 64k 64k' -c 'write -P 0x43 2m 4k' '%s' >/dev/null",
	           p),
	        ==, 0);
	g_assert_cmpint(sh("qemu-img snapshot -c q2 '%s'", p), ==, 0);
	now = g_memdup2(q1, SIZE);
	memset(now + (64u << 10), 0x42, 64u << 10);
	memset(now + (2u << 20), 0x43, 4096);

	struct blk_image *img = open_img(p, "qcow2", false);
	struct qcow2_snapshot_info *sn;
	unsigned n;
	g_assert_cmpint(qcow2_snapshot_list(img, &sn, &n), ==, 0);
	g_assert_cmpuint(n, ==, 2);
	g_assert_cmpstr(sn[0].name, ==, "q1");
	g_assert_cmpstr(sn[1].name, ==, "q2");
	g_assert_cmpuint(sn[0].disk_size, ==, SIZE);
	g_free(sn);
	g_autofree uint8_t *got = blk_read_all(img);
	g_assert_cmpmem(got, SIZE, now, SIZE);
	/* Writing after their snapshot copies the shared clusters. */
	write_pattern(img, now, 10, 20, 0x44);
	g_assert_cmpint(qcow2_snapshot_apply(img, "q1", &err), ==, 0);
	g_assert_no_error(err);
	g_free(got);
	got = blk_read_all(img);
	g_assert_cmpmem(got, SIZE, q1, SIZE);
	g_assert_cmpint(qcow2_snapshot_delete(img, "q2", &err), ==, 0);
	g_assert_cmpint(qcow2_snapshot_create(img, "ours", &err), ==, 0);
	blk_close(img);
	g_assert_cmpint(qemu_check(p), ==, 0);
	g_autofree char *list = sh_out("qemu-img snapshot -l '%s'", p);
	g_assert_nonnull(strstr(list, " q1 "));
	g_assert_nonnull(strstr(list, " ours "));
	g_assert_null(strstr(list, " q2 "));
	assert_qemu_reads(p, q1);
}

/* 1-bit refcounts cannot count a second reference: refused, image untouched. */
static void test_refcount_overflow(void)
{
	g_autofree char *p = tmp_path("rc1.qcow2");
	g_autoptr(GError) err = NULL;

	g_assert_cmpint(sh("qemu-img create -q -f qcow2 -o refcount_bits=1 '%s' 1M && "
	                   "qemu-io -c 'write -P 0x51 0 64k' '%s' >/dev/null",
	                   p, p),
	                ==, 0);
	struct blk_image *img = open_img(p, "qcow2", false);
	g_assert_cmpint(qcow2_snapshot_create(img, "x", &err), ==, -ERANGE);
	g_assert_nonnull(strstr(err->message, "overflow"));
	blk_close(img);
	g_assert_cmpint(qemu_check(p), ==, 0);
	g_autofree char *info = sh_out("qemu-img info '%s'", p);
	g_assert_nonnull(strstr(info, "corrupt: false"));
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/qcow2/snapshot/ours-to-qemu", test_ours_to_qemu);
	g_test_add_func("/qcow2/snapshot/qemu-to-ours", test_qemu_to_ours);
	g_test_add_func("/qcow2/snapshot/refcount-overflow", test_refcount_overflow);
	return g_test_run();
}
