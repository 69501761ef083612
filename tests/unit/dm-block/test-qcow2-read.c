/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Images made by qemu-img and written by qemu-io read back through our
 * engine exactly as `qemu-img convert -O raw` reads them: plain, zero and
 * discarded clusters, every cluster size and refcount width, v2, compressed
 * clusters and backing chains.
 */
#include <string.h>

#include "helpers.h"

/* Writes that hit cluster boundaries, zero clusters (allocated and not) and discards. */
static const char *const qemu_io_script =
        "-c 'write -P 0x11 0 128k' -c 'write -P 0x22 100000 70000' -c 'write -P 0x33 1m 4k' "
        "-c 'write -P 0x44 3m 1m' -c 'write -z 3200k 256k' -c 'discard 3m 64k' "
        "-c 'write -z 6m 512k' -c 'write -P 0x55 8388096 512'";

static void check_made(const char *name, const char *opts)
{
	g_autofree char *p = tmp_path(name);

	g_assert_cmpint(sh("qemu-img create -q -f qcow2 %s '%s' 8M", opts, p), ==, 0);
	g_assert_cmpint(sh("qemu-io -f qcow2 %s '%s' >/dev/null", qemu_io_script, p), ==, 0);
	assert_same_as_qemu(p);
}

static void test_cluster_sizes(void)
{
	check_made("c64k.qcow2", "");
	check_made("c512.qcow2", "-o cluster_size=512");
	check_made("c4k.qcow2", "-o cluster_size=4096");
	check_made("c2m.qcow2", "-o cluster_size=2M");
}

static void test_refcount_widths(void)
{
	check_made("rc1.qcow2", "-o refcount_bits=1");
	check_made("rc8.qcow2", "-o refcount_bits=8");
	check_made("rc64.qcow2", "-o refcount_bits=64");
}

static void test_v2(void)
{
	check_made("v2.qcow2", "-o compat=0.10");
}

static void test_lazy_refcounts(void)
{
	check_made("lazy.qcow2", "-o lazy_refcounts=on");
}

/* Zero clusters must read as zeros, not as stale data (libqcow's bug). */
static void test_zero_clusters(void)
{
	g_autofree char *p = tmp_path("zero.qcow2");
	uint8_t buf[4096];

	g_assert_cmpint(sh("qemu-img create -q -f qcow2 '%s' 1M", p), ==, 0);
	g_assert_cmpint(
	        sh("qemu-io -c 'write -P 0x77 0 128k' -c 'write -z 0 64k' '%s' >/dev/null", p), ==,
	        0);
	struct blk_image *img = open_img(p, "qcow2", true);
	blk_read_buf(img, 0, buf, sizeof(buf));
	for (size_t i = 0; i < sizeof(buf); i++)
		g_assert_cmpuint(buf[i], ==, 0);
	blk_read_buf(img, 65536, buf, sizeof(buf));
	g_assert_cmpuint(buf[0], ==, 0x77);
	blk_close(img);
}

static void test_compressed(void)
{
	g_autofree char *raw = tmp_path("comp-src.raw");
	g_autofree char *p = tmp_path("comp.qcow2");
	g_autofree char *p4k = tmp_path("comp4k.qcow2");
	GRand *r = g_rand_new_with_seed(7);
	size_t len = 4u << 20;
	g_autofree uint8_t *buf = g_malloc0(len);

	/* Compressible text, incompressible noise, and zeros. */
	for (size_t i = 0; i < len / 2; i++)
		buf[i] = (uint8_t)("acrn qcow2 compressed "[i % 22]);
	fill_random(r, buf + len / 2, len / 4);
	write_file(raw, buf, len);
	g_assert_cmpint(sh("qemu-img convert -c -O qcow2 '%s' '%s'", raw, p), ==, 0);
	g_assert_cmpint(sh("qemu-img convert -c -O qcow2 -o cluster_size=4096 '%s' '%s'", raw, p4k),
	                ==, 0);
	g_autofree char *chk = sh_out("qemu-img check '%s'", p);
	g_assert_nonnull(strstr(chk, "% compressed clusters"));
	g_assert_null(strstr(chk, " 0.00% compressed clusters"));
	for (int k = 0; k < 2; k++) {
		struct blk_image *img = open_img(k ? p4k : p, NULL, true);
		g_autofree uint8_t *got = blk_read_all(img);
		g_assert_cmpmem(got, len, buf, len);
		blk_close(img);
	}
	g_rand_free(r);
}

static void test_backing_chain(void)
{
	g_autofree char *base = tmp_path("base.raw");
	g_autofree char *mid = tmp_path("mid.qcow2");
	g_autofree char *top = tmp_path("top.qcow2");
	GRand *r = g_rand_new_with_seed(3);
	size_t len = 6u << 20;
	g_autofree uint8_t *buf = g_malloc(len);

	fill_random(r, buf, len);
	write_file(base, buf, len);
	g_assert_cmpint(sh("qemu-img create -q -f qcow2 -b base.raw -F raw '%s'", mid), ==, 0);
	g_assert_cmpint(
	        sh("qemu-io -c 'write -P 0x61 70000 200000' -c 'write -z 2m 128k' '%s' >/dev/null",
	           mid),
	        ==, 0);
	/* The top is bigger than its backing file: the tail reads as zeros. */
	g_assert_cmpint(sh("qemu-img create -q -f qcow2 -b mid.qcow2 -F qcow2 '%s' 8M", top), ==,
	                0);
	g_assert_cmpint(sh("qemu-io -c 'write -P 0x62 1m 5000' -c 'write -z 4m 64k' "
	                   "-c 'write -P 0x63 7m 4k' '%s' >/dev/null",
	                   top),
	                ==, 0);
	assert_same_as_qemu(mid);
	assert_same_as_qemu(top);
	g_rand_free(r);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/qcow2/read/cluster-sizes", test_cluster_sizes);
	g_test_add_func("/qcow2/read/refcount-widths", test_refcount_widths);
	g_test_add_func("/qcow2/read/v2", test_v2);
	g_test_add_func("/qcow2/read/lazy-refcounts", test_lazy_refcounts);
	g_test_add_func("/qcow2/read/zero-clusters", test_zero_clusters);
	g_test_add_func("/qcow2/read/compressed", test_compressed);
	g_test_add_func("/qcow2/read/backing-chain", test_backing_chain);
	return g_test_run();
}
