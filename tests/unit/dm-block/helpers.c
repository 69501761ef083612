/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"

static char *dir;

static void cleanup(void)
{
	if (dir && !g_getenv("KEEP_TMP")) {
		g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", dir);
		if (system(cmd) != 0)
			g_printerr("could not remove %s\n", dir);
	}
}

const char *tmp_dir(void)
{
	if (!dir) {
		g_autoptr(GError) err = NULL;
		dir = g_dir_make_tmp("dm-block-XXXXXX", &err);
		g_assert_no_error(err);
		atexit(cleanup);
	}
	return dir;
}

char *tmp_path(const char *name)
{
	return g_build_filename(tmp_dir(), name, NULL);
}

static int run(const char *cmd, char **out)
{
	g_autoptr(GError) err = NULL;
	g_autofree char *err_text = NULL;
	int status = 0;
	const char *argv[] = { "/bin/sh", "-c", cmd, NULL };

	if (!g_spawn_sync(tmp_dir(), (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, out,
	                  &err_text, &status, &err))
		g_error("spawn %s: %s", cmd, err->message);
	if (err_text && *err_text)
		g_test_message("%s: %s", cmd, err_text);
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128;
}

int sh(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	g_autofree char *cmd = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_autofree char *out = NULL;
	int ret = run(cmd, &out);
	if (out && *out)
		g_test_message("%s", out);
	return ret;
}

char *sh_out(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	g_autofree char *cmd = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	char *out = NULL;
	int ret = run(cmd, &out);
	if (ret != 0)
		g_test_message("%s exited %d", cmd, ret);
	return out;
}

uint8_t *read_file(const char *path, size_t *len)
{
	g_autoptr(GError) err = NULL;
	char *buf;
	gsize n;

	g_assert_true(g_file_get_contents(path, &buf, &n, &err));
	*len = n;
	return (uint8_t *)buf;
}

void write_file(const char *path, const void *buf, size_t len)
{
	g_autoptr(GError) err = NULL;

	g_assert_true(g_file_set_contents(path, buf, (gssize)len, &err));
}

struct blk_image *open_img(const char *path, const char *fmt, bool ro)
{
	g_autoptr(GError) err = NULL;
	struct blk_image *img = blk_open(path, fmt, ro, &err);

	g_assert_no_error(err);
	g_assert_nonnull(img);
	return img;
}

uint8_t *blk_read_all(struct blk_image *img)
{
	uint8_t *buf = g_malloc(img->size);
	/* Odd-sized chunks split across two iovecs, so requests straddle clusters. */
	uint64_t off = 0, step = 300000;
	while (off < img->size) {
		uint64_t n = MIN(step, img->size - off), half = n / 3;
		struct iovec v[2] = { { buf + off, half }, { buf + off + half, n - half } };
		g_assert_cmpint(img->drv->preadv(img, v, 2, off), ==, 0);
		off += n;
	}
	return buf;
}

void blk_write_buf(struct blk_image *img, uint64_t off, const void *buf, size_t len)
{
	struct iovec v = { (void *)buf, len };
	g_assert_cmpint(img->drv->pwritev(img, &v, 1, off), ==, 0);
}

void blk_read_buf(struct blk_image *img, uint64_t off, void *buf, size_t len)
{
	struct iovec v = { buf, len };
	g_assert_cmpint(img->drv->preadv(img, &v, 1, off), ==, 0);
}

void assert_same_as_qemu(const char *path)
{
	g_autofree char *raw = g_strconcat(path, ".qemu.raw", NULL);
	size_t len;

	g_assert_cmpint(sh("qemu-img convert -O raw '%s' '%s'", path, raw), ==, 0);
	g_autofree uint8_t *want = read_file(raw, &len);
	struct blk_image *img = open_img(path, NULL, true);
	g_assert_cmpuint(img->size, ==, len);
	g_autofree uint8_t *got = blk_read_all(img);
	for (size_t i = 0; i < len; i++)
		if (got[i] != want[i])
			g_error("%s: byte %zu is 0x%02x, qemu reads 0x%02x", path, i, got[i],
			        want[i]);
	blk_close(img);
	unlink(raw);
}

int qemu_check(const char *path)
{
	return sh("qemu-img check '%s'", path);
}

void fill_random(GRand *r, uint8_t *buf, size_t len)
{
	for (size_t i = 0; i < len; i += 4) {
		uint32_t v = g_rand_int(r);
		memcpy(buf + i, &v, MIN(4, len - i));
	}
}
