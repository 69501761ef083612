/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The driver registry and blk_open's format choice. Probing reads the first
 * 4 KiB: the driver most sure of the format wins, and raw (which accepts
 * anything, at the lowest score) never wins against a format that claims
 * the file. A named format must not contradict what another format claims:
 * opening a qcow2 file as raw would hand its metadata to the guest.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <dm/block.h>

#define MAX_DRIVERS 8
#define PROBE_BYTES 4096

static const struct blk_driver_ops *drivers[MAX_DRIVERS];
static unsigned ndrivers;

void blk_register_driver(const struct blk_driver_ops *ops)
{
	for (unsigned i = 0; i < ndrivers; i++)
		if (!strcmp(drivers[i]->name, ops->name))
			return;
	if (ndrivers < MAX_DRIVERS)
		drivers[ndrivers++] = ops;
}

static const struct blk_driver_ops *find_driver(const char *name)
{
	for (unsigned i = 0; i < ndrivers; i++)
		if (!strcmp(drivers[i]->name, name))
			return drivers[i];
	return NULL;
}

/* The best driver for the file's first bytes, and the best that is not @except. */
static const struct blk_driver_ops *probe_best(const uint8_t *buf, size_t len,
                                               const struct blk_driver_ops *except, int *score)
{
	const struct blk_driver_ops *best = NULL;

	*score = 0;
	for (unsigned i = 0; i < ndrivers; i++) {
		if (drivers[i] == except || !drivers[i]->probe)
			continue;
		int s = drivers[i]->probe(buf, len);
		if (s > *score) {
			*score = s;
			best = drivers[i];
		}
	}
	return best;
}

struct blk_image *blk_open(const char *path, const char *format, bool read_only, GError **error)
{
	const struct blk_driver_ops *drv = NULL;
	uint8_t buf[PROBE_BYTES];
	ssize_t len;
	int fd, score;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(e), "%s: %s", path,
		            g_strerror(e));
		return NULL;
	}
	do
		len = pread(fd, buf, sizeof(buf), 0);
	while (len < 0 && errno == EINTR);
	close(fd);
	if (len < 0) {
		int e = errno;
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(e), "%s: %s", path,
		            g_strerror(e));
		return NULL;
	}

	if (format) {
		drv = find_driver(format);
		if (!drv) {
			g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
			            "%s: unknown image format '%s'", path, format);
			return NULL;
		}
		int mine = drv->probe ? drv->probe(buf, (size_t)len) : 0;
		const struct blk_driver_ops *other = probe_best(buf, (size_t)len, drv, &score);
		if (other && score > mine && score >= 50) {
			g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
			            "%s: image is in %s format, not %s as given", path, other->name,
			            format);
			return NULL;
		}
	} else {
		drv = probe_best(buf, (size_t)len, NULL, &score);
		if (!drv) {
			g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
			            "%s: no block driver recognises the image", path);
			return NULL;
		}
	}

	struct blk_image *img = g_new0(struct blk_image, 1);
	img->drv = drv;
	img->path = g_strdup(path);
	img->read_only = read_only;
	img->direct_fd = -1;
	if (drv->open(img, path, read_only, error) < 0) {
		g_free(img->path);
		g_free(img);
		return NULL;
	}
	return img;
}

void blk_close(struct blk_image *img)
{
	if (!img)
		return;
	img->drv->close(img);
	g_free(img->path);
	g_free(img);
}
