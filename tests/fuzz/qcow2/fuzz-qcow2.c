/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: QCOW2 header, extension, snapshot-table, refcount and
 * L1/L2 parsing. Each input is an image file: opened read-only and read
 * (which walks L1/L2, compressed and zero clusters), checked, then opened
 * read-write and written, discarded and snapshotted, which drives the
 * allocator over whatever refcounts the input claims.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include <dm/block.h>

#include "qcow2.h"

static void exercise(struct blk_image *img)
{
	static uint8_t buf[3 * 65536];
	uint64_t offs[] = { 0, 65536 - 512, img->size / 2,
		            img->size > 4096 ? img->size - 4096 : 0 };

	for (unsigned i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		uint64_t len = MIN(sizeof(buf) / 2, img->size - MIN(offs[i], img->size));
		struct iovec v[2] = { { buf, len / 2 }, { buf + len / 2, len - len / 2 } };
		(void)img->drv->preadv(img, v, 2, offs[i]);
	}
}

static void quiet(const gchar *domain, GLogLevelFlags level, const gchar *msg, gpointer data)
{
	(void)domain, (void)level, (void)msg, (void)data;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	/* The engine logs each image it finds inconsistent; here every input is. */
	g_log_set_default_handler(quiet, NULL);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = memfd_create("fuzz.qcow2", MFD_CLOEXEC);
	char path[64];

	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);

	GError *err = NULL;
	struct blk_image *img = blk_open(path, "qcow2", true, &err);
	if (img) {
		struct qcow2 *q = img->priv;
		exercise(img);
		struct qcow2_snapshot_info *sn = NULL;
		unsigned n = 0;
		if (qcow2_snapshot_list(img, &sn, &n) == 0)
			g_free(sn);
		/* The check visits every stored refcount: only where that is quick. */
		if (q->rt_entries * q->rb_entries < (1u << 22)) {
			struct qcow2_check_result r;
			(void)qcow2_check(img, &r, NULL);
		}
		blk_close(img);
	}
	g_clear_error(&err);

	img = blk_open(path, "qcow2", false, &err);
	if (img) {
		static uint8_t w[8192];
		struct iovec v = { w, sizeof(w) };
		(void)img->drv->pwritev(img, &v, 1, 0);
		if (img->size > 3 * 65536) {
			(void)img->drv->pwritev(img, &v, 1, img->size / 2 + 1000);
			(void)img->drv->discard(img, 65536, 2 * 65536);
			(void)img->drv->write_zeroes(img, 0, 65536, false);
		}
		(void)qcow2_snapshot_create(img, "fuzz", NULL);
		exercise(img);
		(void)qcow2_snapshot_delete(img, "fuzz", NULL);
		blk_close(img);
	}
	g_clear_error(&err);
	close(fd);
	return 0;
}
