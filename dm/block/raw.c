/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The "raw" driver: guest offset == file offset. Queues bypass it and use
 * io_uring on direct_fd; these synchronous operations serve everything else.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <dm/block.h>

#include "iov.h"

static int raw_probe(const uint8_t *buf, size_t len)
{
	(void)buf;
	(void)len;
	return 1; /* anything can be raw: the last resort */
}

static int raw_size(int fd, uint64_t *size)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (S_ISBLK(st.st_mode))
		return ioctl(fd, BLKGETSIZE64, size) < 0 ? -errno : 0;
	*size = (uint64_t)st.st_size;
	return 0;
}

static int raw_open(struct blk_image *img, const char *path, bool read_only, GError **error)
{
	int fd = open(path, (read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	int ret;

	if (fd < 0) {
		ret = -errno;
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(-ret), "%s: %s", path,
		            g_strerror(-ret));
		return ret;
	}
	ret = raw_size(fd, &img->size);
	if (ret < 0) {
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(-ret), "%s: size: %s",
		            path, g_strerror(-ret));
		close(fd);
		return ret;
	}
	img->direct_fd = fd;
	return 0;
}

static void raw_close(struct blk_image *img)
{
	if (img->direct_fd >= 0)
		close(img->direct_fd);
	img->direct_fd = -1;
}

static int raw_check(struct blk_image *img, uint64_t offset, uint64_t len, bool write)
{
	if (write && img->read_only)
		return -EROFS;
	if (offset > img->size || len > img->size - offset)
		return -EINVAL;
	return 0;
}

static int raw_preadv(struct blk_image *img, const struct iovec *iov, int iovcnt, uint64_t offset)
{
	int ret = raw_check(img, offset, blk_iov_size(iov, iovcnt), false);

	return ret < 0 ? ret : blk_preadv_full(img->direct_fd, iov, iovcnt, offset);
}

static int raw_pwritev(struct blk_image *img, const struct iovec *iov, int iovcnt, uint64_t offset)
{
	int ret = raw_check(img, offset, blk_iov_size(iov, iovcnt), true);

	return ret < 0 ? ret : blk_pwritev_full(img->direct_fd, iov, iovcnt, offset);
}

static int raw_flush(struct blk_image *img)
{
	if (img->read_only)
		return 0;
	return fdatasync(img->direct_fd) < 0 ? -errno : 0;
}

static int raw_discard(struct blk_image *img, uint64_t offset, uint64_t len)
{
	int ret = raw_check(img, offset, len, true);

	if (ret < 0)
		return ret;
	if (fallocate(img->direct_fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)offset,
	              (off_t)len) < 0 &&
	    errno != EOPNOTSUPP)
		return -errno;
	return 0; /* discard is a hint: unsupported is fine */
}

static int raw_write_zeroes(struct blk_image *img, uint64_t offset, uint64_t len, bool may_unmap)
{
	int ret = raw_check(img, offset, len, true);
	int mode = may_unmap ? FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE
	                     : FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE;

	if (ret < 0)
		return ret;
	if (fallocate(img->direct_fd, mode, (off_t)offset, (off_t)len) == 0)
		return 0;
	if (errno != EOPNOTSUPP && errno != EINVAL)
		return -errno;
	/* No fallocate support (e.g. a block device): write zeros. */
	g_autofree uint8_t *z = g_malloc0(1u << 20);
	for (uint64_t p = 0; p < len && ret == 0; p += 1u << 20) {
		struct iovec v = { z, MIN(len - p, 1u << 20) };
		ret = blk_pwritev_full(img->direct_fd, &v, 1, offset + p);
	}
	return ret;
}

static int raw_refresh(struct blk_image *img)
{
	return raw_size(img->direct_fd, &img->size);
}

static const struct blk_driver_ops raw_ops = {
	.name = "raw",
	.probe = raw_probe,
	.open = raw_open,
	.close = raw_close,
	.preadv = raw_preadv,
	.pwritev = raw_pwritev,
	.flush = raw_flush,
	.discard = raw_discard,
	.write_zeroes = raw_write_zeroes,
	.refresh = raw_refresh,
};

static void __attribute__((constructor)) raw_register(void)
{
	blk_register_driver(&raw_ops);
}
