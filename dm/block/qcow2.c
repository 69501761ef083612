/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The "qcow2" block driver: open (header, tables, backing chain), close,
 * the driver table and refresh. The engine itself is in qcow2_*.c.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qcow2.h"

/* Depth of the backing chain being opened by this thread (a chain may loop). */
static __thread unsigned open_depth;

#define SWAP(a, b)                      \
	do {                            \
		__typeof__(a) _t = (a); \
		(a) = (b);              \
		(b) = _t;               \
	} while (0)

/* The L2 cache covers the whole disk up to this many bytes of tables. */
#define L2_CACHE_MAX_BYTES (32u << 20)

static int qcow2_probe(const uint8_t *buf, size_t len)
{
	if (len >= 8 && qcow2_be32(buf) == QCOW2_MAGIC &&
	    (qcow2_be32(buf + 4) == 2 || qcow2_be32(buf + 4) == 3))
		return 100;
	return 0;
}

static void qcow2_free(struct qcow2 *q)
{
	if (q->backing)
		blk_close(q->backing);
	qcow2_table_cache_destroy(&q->l2_cache);
	qcow2_table_cache_destroy(&q->rb_cache);
	qcow2_snapshots_free(q->snapshots, q->nb_snapshots);
	g_free(q->l1);
	g_free(q->reftable);
	g_free(q->backing_file);
	g_free(q->backing_format);
	g_free(q->zero_cluster);
	g_free(q->path);
	if (q->fd >= 0)
		close(q->fd);
	pthread_mutex_destroy(&q->lock);
	pthread_rwlock_destroy(&q->io_lock);
	pthread_mutex_destroy(&q->direct_lock);
	pthread_cond_destroy(&q->direct_idle);
	g_free(q);
}

static int open_backing(struct qcow2 *q, GError **error)
{
	g_autofree char *dir = g_path_get_dirname(q->path);
	g_autofree char *bpath = g_path_is_absolute(q->backing_file)
	                                 ? g_strdup(q->backing_file)
	                                 : g_build_filename(dir, q->backing_file, NULL);
	g_autoptr(GError) err = NULL;

	if (open_depth >= QCOW2_MAX_BACKING_DEPTH) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_LOOP,
		            "%s: backing chain deeper than %d images (a loop?)", q->path,
		            QCOW2_MAX_BACKING_DEPTH);
		return -ELOOP;
	}
	open_depth++;
	q->backing = blk_open(bpath, q->backing_format, true, &err);
	open_depth--;
	if (!q->backing) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_NOENT, "%s: backing file: %s",
		            q->path, err ? err->message : "cannot open");
		return -ENOENT;
	}
	return 0;
}

static int qcow2_open(struct blk_image *img, const char *path, bool read_only, GError **error)
{
	struct qcow2 *q = g_new0(struct qcow2, 1);
	int ret;

	pthread_mutex_init(&q->lock, NULL);
	pthread_rwlock_init(&q->io_lock, NULL);
	pthread_mutex_init(&q->direct_lock, NULL);
	pthread_cond_init(&q->direct_idle, NULL);
	q->img = img;
	q->path = g_strdup(path);
	q->read_only = read_only;
	q->fd = open(path, (read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (q->fd < 0) {
		ret = -errno;
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(-ret), "%s: %s", path,
		            g_strerror(-ret));
		goto fail;
	}
	ret = qcow2_header_load(q, error);
	if (ret == 0)
		ret = qcow2_refcount_load(q, error);
	if (ret == 0)
		ret = qcow2_snapshots_load(q, error);
	if (ret < 0)
		goto fail;

	uint64_t l2_slots = MIN(MAX(q->l1_size, 1), MAX(L2_CACHE_MAX_BYTES / q->cluster_size, 4));
	qcow2_table_cache_init(&q->l2_cache, (unsigned)MAX(l2_slots, 4), q->cluster_size);
	qcow2_table_cache_init(&q->rb_cache, 16, q->cluster_size);
	q->zero_cluster = g_malloc0(q->cluster_size);

	if (!read_only && q->autoclear) {
		/* We maintain none of the autoclear features (bitmaps): they are now invalid. */
		uint8_t z[8] = { 0 };

		ret = qcow2_header_patch(q, QCOW2_OFF_AUTOCLEAR, z, sizeof(z));
		if (ret < 0) {
			g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(-ret),
			            "%s: clearing autoclear features: %s", path, g_strerror(-ret));
			goto fail;
		}
		q->autoclear = 0;
	}
	if (q->backing_file) {
		ret = open_backing(q, error);
		if (ret < 0)
			goto fail;
	}
	img->size = q->size;
	img->direct_fd = -1;
	img->priv = q;
	return 0;
fail:
	qcow2_free(q);
	return ret < 0 ? ret : -EINVAL;
}

static void qcow2_close(struct blk_image *img)
{
	struct qcow2 *q = img->priv;

	if (!q)
		return;
	if (!q->read_only) {
		pthread_mutex_lock(&q->lock);
		(void)qcow2_pool_release(q);
		pthread_mutex_unlock(&q->lock);
		(void)fdatasync(q->fd);
	}
	qcow2_free(q);
	img->priv = NULL;
}

static int qcow2_drv_preadv(struct blk_image *img, const struct iovec *iov, int iovcnt,
                            uint64_t offset)
{
	return qcow2_read(img->priv, iov, iovcnt, offset);
}

static int qcow2_drv_pwritev(struct blk_image *img, const struct iovec *iov, int iovcnt,
                             uint64_t offset)
{
	return qcow2_write(img->priv, iov, iovcnt, offset);
}

static int qcow2_flush(struct blk_image *img)
{
	struct qcow2 *q = img->priv;

	if (q->read_only)
		return 0;
	return fdatasync(q->fd) < 0 ? -errno : 0;
}

static int qcow2_drv_discard(struct blk_image *img, uint64_t offset, uint64_t len)
{
	return qcow2_discard(img->priv, offset, len, false, true);
}

static int qcow2_write_zeroes(struct blk_image *img, uint64_t offset, uint64_t len, bool may_unmap)
{
	return qcow2_discard(img->priv, offset, len, true, may_unmap);
}

/* Re-read the header and tables, e.g. after `qemu-img resize` or a snapshot by another tool. */
static int qcow2_refresh(struct blk_image *img)
{
	struct qcow2 *q = img->priv;
	struct qcow2 *n = g_new0(struct qcow2, 1);
	g_autoptr(GError) err = NULL;
	int ret;

	pthread_mutex_lock(&q->lock);
	if (!q->read_only)
		(void)qcow2_pool_release(q);
	n->fd = q->fd;
	n->path = q->path;
	n->read_only = q->read_only;
	ret = qcow2_header_load(n, &err);
	if (ret == 0)
		ret = qcow2_refcount_load(n, &err);
	if (ret == 0)
		ret = qcow2_snapshots_load(n, &err);
	if (ret == 0 && n->cluster_bits != q->cluster_bits)
		ret = -EINVAL;
	if (ret == 0) {
		qcow2_io_barrier(q);
		pthread_rwlock_wrlock(&q->io_lock);
		SWAP(q->l1, n->l1);
		SWAP(q->reftable, n->reftable);
		SWAP(q->snapshots, n->snapshots);
		SWAP(q->nb_snapshots, n->nb_snapshots);
		q->size = n->size;
		q->l1_size = n->l1_size;
		q->l1_offset = n->l1_offset;
		q->rt_offset = n->rt_offset;
		q->rt_clusters = n->rt_clusters;
		q->rt_entries = n->rt_entries;
		q->snapshots_offset = n->snapshots_offset;
		q->snapshots_size = n->snapshots_size;
		q->incompat = n->incompat;
		q->file_clusters = n->file_clusters;
		q->free_hint = 0;
		qcow2_table_cache_clear(&q->l2_cache);
		qcow2_table_cache_clear(&q->rb_cache);
		img->size = q->size;
		pthread_rwlock_unlock(&q->io_lock);
	} else if (err) {
		g_message("refresh: %s", err->message);
	}
	pthread_mutex_unlock(&q->lock);
	qcow2_snapshots_free(n->snapshots, n->nb_snapshots);
	g_free(n->l1);
	g_free(n->reftable);
	g_free(n->backing_file);
	g_free(n->backing_format);
	g_free(n);
	return ret;
}

static const struct blk_driver_ops qcow2_ops = {
	.name = "qcow2",
	.probe = qcow2_probe,
	.open = qcow2_open,
	.close = qcow2_close,
	.preadv = qcow2_drv_preadv,
	.pwritev = qcow2_drv_pwritev,
	.flush = qcow2_flush,
	.discard = qcow2_drv_discard,
	.write_zeroes = qcow2_write_zeroes,
	.refresh = qcow2_refresh,
};

bool blk_is_qcow2(const struct blk_image *img)
{
	return img && img->drv == &qcow2_ops;
}

static void __attribute__((constructor)) qcow2_register(void)
{
	blk_register_driver(&qcow2_ops);
}
