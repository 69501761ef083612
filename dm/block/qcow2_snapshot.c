/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * QCOW2 internal snapshots, laid out as qemu-img writes them: a copy of the
 * active L1, +1 on every cluster of the tree (which clears COPIED), a new
 * snapshot table in fresh clusters and then the header. References are
 * always added before the table that makes them and dropped after it is
 * gone, so a crash in between leaks clusters and corrupts nothing.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "qcow2.h"

static int snap_find(struct qcow2 *q, const char *name)
{
	for (uint32_t i = 0; i < q->nb_snapshots; i++)
		if (!strcmp(q->snapshots[i].id, name))
			return (int)i;
	for (uint32_t i = 0; i < q->nb_snapshots; i++)
		if (!strcmp(q->snapshots[i].name, name))
			return (int)i;
	return -1;
}

static int set_error(GError **error, int ret, const char *path, const char *what)
{
	g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(-ret), "%s: %s: %s", path, what,
	            g_strerror(-ret));
	return ret;
}

static int sync_fd(struct qcow2 *q)
{
	return fdatasync(q->fd) < 0 ? -errno : 0;
}

/* Write @l1 (host order, @n entries) to fresh clusters; *@off gets where. */
static int write_l1_copy(struct qcow2 *q, const uint64_t *l1, uint32_t n, uint64_t *off)
{
	uint64_t bytes = (uint64_t)n * 8, cs = q->cluster_size;
	int ret;

	*off = 0;
	if (!n)
		return 0;
	ret = qcow2_alloc_clusters(q, (bytes + cs - 1) / cs, off);
	if (ret < 0)
		return ret;
	g_autofree uint8_t *buf = g_malloc0(bytes);
	for (uint32_t i = 0; i < n; i++)
		qcow2_put_be64(buf + 8 * i, l1[i]);
	return qcow2_pwrite_full(q->fd, buf, bytes, *off);
}

/* Replace the snapshot table with @sn[@n]: write, sync, switch the header, free the old one. */
static int table_replace(struct qcow2 *q, struct qcow2_snapshot *sn, uint32_t n)
{
	uint64_t old_off = q->snapshots_offset, old_size = q->snapshots_size, off = 0,
	         cs = q->cluster_size;
	size_t len = 0;
	int ret;

	g_autofree uint8_t *buf = qcow2_snapshots_encode(sn, n, &len);
	if (n) {
		ret = qcow2_alloc_clusters(q, (len + cs - 1) / cs, &off);
		if (ret == 0)
			ret = qcow2_pwrite_full(q->fd, buf, len, off);
		if (ret == 0)
			ret = sync_fd(q);
		if (ret < 0)
			return ret;
	}
	uint8_t h[12];
	qcow2_put_be32(h, n);
	qcow2_put_be64(h + 4, off);
	ret = qcow2_header_patch(q, QCOW2_OFF_SNAPSHOTS, h, sizeof(h));
	if (ret == 0)
		ret = sync_fd(q);
	if (ret < 0)
		return ret;
	uint32_t old_n = q->nb_snapshots;
	q->nb_snapshots = n;
	q->snapshots_offset = off;
	q->snapshots_size = len;
	if (old_n && old_size)
		return qcow2_free_range(q, old_off, old_size);
	return 0;
}

static int read_l1(struct qcow2 *q, const struct qcow2_snapshot *s, uint64_t **out)
{
	uint64_t *l1 = g_malloc0_n(MAX(s->l1_size, 1), 8);
	int ret = s->l1_size ? qcow2_pread_full(q->fd, l1, (uint64_t)s->l1_size * 8, s->l1_offset)
	                     : 0;

	if (ret < 0) {
		g_free(l1);
		return ret;
	}
	for (uint32_t i = 0; i < s->l1_size; i++)
		l1[i] = GUINT64_FROM_BE(l1[i]);
	*out = l1;
	return 0;
}

static struct qcow2 *writable(struct blk_image *img, GError **error)
{
	if (!blk_is_qcow2(img)) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s: not a qcow2 image",
		            img ? img->path : "(null)");
		return NULL;
	}
	struct qcow2 *q = img->priv;
	if (q->read_only) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_PERM, "%s: image is read-only",
		            q->path);
		return NULL;
	}
	return q;
}

int qcow2_snapshot_list(struct blk_image *img, struct qcow2_snapshot_info **out, unsigned *n)
{
	if (!blk_is_qcow2(img))
		return -EINVAL;
	struct qcow2 *q = img->priv;
	pthread_mutex_lock(&q->lock);
	struct qcow2_snapshot_info *info =
	        g_new0(struct qcow2_snapshot_info, MAX(q->nb_snapshots, 1));
	for (uint32_t i = 0; i < q->nb_snapshots; i++) {
		const struct qcow2_snapshot *s = &q->snapshots[i];

		g_strlcpy(info[i].id, s->id, sizeof(info[i].id));
		g_strlcpy(info[i].name, s->name, sizeof(info[i].name));
		info[i].date_sec = s->date_sec;
		info[i].date_nsec = s->date_nsec;
		info[i].vm_clock_nsec = s->vm_clock_nsec;
		info[i].vm_state_size =
		        s->extra_size >= 8 ? qcow2_be64(s->extra) : s->vm_state_size;
		info[i].disk_size = s->extra_size >= 16 ? qcow2_be64(s->extra + 8) : q->size;
	}
	*n = q->nb_snapshots;
	pthread_mutex_unlock(&q->lock);
	*out = info;
	return 0;
}

bool qcow2_snapshot_named(struct blk_image *img, const char *name)
{
	struct qcow2_snapshot_info *info = NULL;
	unsigned n = 0;
	bool found = false;

	if (qcow2_snapshot_list(img, &info, &n) < 0)
		return false;
	for (unsigned i = 0; i < n && !found; i++)
		found = !strcmp(info[i].name, name);
	g_free(info);
	return found;
}

static int snapshot_create_locked(struct qcow2 *q, const char *name, GError **error)
{
	uint64_t l1_off;
	int ret;

	if (snap_find(q, name) >= 0) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_EXIST, "%s: snapshot '%s' exists",
		            q->path, name);
		return -EEXIST;
	}
	if (strlen(name) > 255 || !*name) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
		            "snapshot name must be 1-255 bytes");
		return -EINVAL;
	}
	ret = qcow2_tree_check_room(q, q->l1, q->l1_size);
	if (ret == -ERANGE) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_NOSPC,
		            "%s: a refcount would overflow its %u bits; no more snapshots", q->path,
		            1u << q->refcount_order);
		return ret;
	}
	if (ret == 0)
		ret = qcow2_pool_release(q);
	if (ret == 0)
		ret = write_l1_copy(q, q->l1, q->l1_size, &l1_off);
	if (ret == 0)
		ret = qcow2_tree_refcount(q, q->l1, q->l1_size, +1);
	if (ret == 0)
		ret = qcow2_update_copied(q);
	if (ret == 0)
		ret = sync_fd(q);
	if (ret < 0)
		return set_error(error, ret, q->path, "creating snapshot");

	unsigned long max_id = 0;
	for (uint32_t i = 0; i < q->nb_snapshots; i++)
		max_id = MAX(max_id, strtoul(q->snapshots[i].id, NULL, 10));
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);

	uint32_t n = q->nb_snapshots + 1;
	struct qcow2_snapshot *sn = g_new0(struct qcow2_snapshot, n);
	memcpy(sn, q->snapshots, sizeof(*sn) * q->nb_snapshots);
	struct qcow2_snapshot *s = &sn[n - 1];
	s->l1_offset = l1_off;
	s->l1_size = q->l1_size;
	s->id = g_strdup_printf("%lu", max_id + 1);
	s->name = g_strdup(name);
	s->date_sec = (uint32_t)ts.tv_sec;
	s->date_nsec = (uint32_t)ts.tv_nsec;
	/* v3 extra data: vm_state_size (none), disk_size, icount (-1: none). */
	s->extra_size = 24;
	s->extra = g_malloc0(24);
	qcow2_put_be64(s->extra + 8, q->size);
	qcow2_put_be64(s->extra + 16, UINT64_MAX);
	ret = table_replace(q, sn, n);
	if (ret < 0 && q->nb_snapshots != n) {
		g_free(s->id);
		g_free(s->name);
		g_free(s->extra);
		g_free(sn);
		return set_error(error, ret, q->path, "writing the snapshot table");
	}
	g_free(q->snapshots);
	q->snapshots = sn;
	return ret < 0 ? set_error(error, ret, q->path, "freeing the old snapshot table") : 0;
}

/*
 * Run a snapshot operation that changes which tree the image uses: under the
 * metadata lock, after in-place writes already past it have finished, and
 * with no cached L2 table surviving it.
 */
static int with_tree_locked(struct blk_image *img, const char *name, GError **error,
                            int (*op)(struct qcow2 *q, const char *name, GError **error))
{
	struct qcow2 *q = writable(img, error);
	int ret;

	if (!q)
		return -EINVAL;
	pthread_mutex_lock(&q->lock);
	qcow2_io_barrier(q);
	ret = op(q, name, error);
	qcow2_table_cache_clear(&q->l2_cache);
	pthread_mutex_unlock(&q->lock);
	return ret;
}

int qcow2_snapshot_create(struct blk_image *img, const char *name, GError **error)
{
	return with_tree_locked(img, name, error, snapshot_create_locked);
}

static int snapshot_apply_locked(struct qcow2 *q, const char *name, GError **error)
{
	int k = snap_find(q, name);
	int ret;

	if (k < 0) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_NOENT, "%s: no snapshot '%s'",
		            q->path, name);
		return -ENOENT;
	}
	struct qcow2_snapshot *s = &q->snapshots[k];
	if (s->l1_size > q->l1_size ||
	    (s->extra_size >= 16 && qcow2_be64(s->extra + 8) != q->size)) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
		            "%s: snapshot '%s' has another disk size; resizing is not supported",
		            q->path, name);
		return -ENOTSUP;
	}
	g_autofree uint64_t *sl1 = NULL;
	ret = read_l1(q, s, &sl1);
	if (ret < 0)
		return set_error(error, ret, q->path, "reading the snapshot's L1 table");
	g_autofree uint64_t *nl1 = g_malloc0_n(MAX(q->l1_size, 1), 8);
	memcpy(nl1, sl1, (size_t)s->l1_size * 8);
	g_autofree uint8_t *buf = g_malloc0((size_t)MAX(q->l1_size, 1) * 8);
	for (uint32_t i = 0; i < q->l1_size; i++)
		qcow2_put_be64(buf + 8 * i, nl1[i]);

	ret = qcow2_tree_check_room(q, nl1, q->l1_size);
	if (ret == -ERANGE) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_NOSPC,
		            "%s: a refcount would overflow its %u bits", q->path,
		            1u << q->refcount_order);
		return ret;
	}
	if (ret == 0)
		ret = qcow2_pool_release(q);
	if (ret == 0)
		ret = qcow2_tree_refcount(q, nl1, q->l1_size, +1);
	if (ret == 0)
		ret = sync_fd(q);
	pthread_rwlock_wrlock(&q->io_lock);
	if (ret == 0)
		ret = qcow2_pwrite_full(q->fd, buf, (size_t)q->l1_size * 8, q->l1_offset);
	if (ret == 0)
		ret = sync_fd(q);
	g_autofree uint64_t *old = q->l1;
	if (ret == 0)
		q->l1 = g_steal_pointer(&nl1);
	else
		old = NULL;
	qcow2_table_cache_clear(&q->l2_cache);
	pthread_rwlock_unlock(&q->io_lock);
	if (ret == 0)
		ret = qcow2_tree_refcount(q, old, q->l1_size, -1);
	if (ret == 0)
		ret = qcow2_update_copied(q);
	if (ret == 0)
		ret = sync_fd(q);
	return ret < 0 ? set_error(error, ret, q->path, "applying snapshot") : 0;
}

int qcow2_snapshot_apply(struct blk_image *img, const char *name, GError **error)
{
	return with_tree_locked(img, name, error, snapshot_apply_locked);
}

static int snapshot_delete_locked(struct qcow2 *q, const char *name, GError **error)
{
	int k = snap_find(q, name);
	int ret;

	if (k < 0) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_NOENT, "%s: no snapshot '%s'",
		            q->path, name);
		return -ENOENT;
	}
	struct qcow2_snapshot gone = q->snapshots[k];
	g_autofree uint64_t *sl1 = NULL;
	ret = read_l1(q, &gone, &sl1);
	if (ret < 0)
		return set_error(error, ret, q->path, "reading the snapshot's L1 table");
	ret = qcow2_pool_release(q);
	if (ret < 0)
		return set_error(error, ret, q->path, "deleting snapshot");

	uint32_t n = q->nb_snapshots - 1;
	struct qcow2_snapshot *sn = g_new0(struct qcow2_snapshot, MAX(n, 1));
	memcpy(sn, q->snapshots, sizeof(*sn) * (size_t)k);
	memcpy(sn + k, q->snapshots + k + 1, sizeof(*sn) * (n - (uint32_t)k));
	ret = table_replace(q, sn, n);
	if (ret < 0 && q->nb_snapshots != n) {
		g_free(sn);
		return set_error(error, ret, q->path, "writing the snapshot table");
	}
	g_free(q->snapshots);
	q->snapshots = sn;
	if (ret == 0)
		ret = qcow2_tree_refcount(q, sl1, gone.l1_size, -1);
	if (ret == 0 && gone.l1_size)
		ret = qcow2_free_range(q, gone.l1_offset, (uint64_t)gone.l1_size * 8);
	if (ret == 0)
		ret = qcow2_update_copied(q);
	if (ret == 0)
		ret = sync_fd(q);
	g_free(gone.id);
	g_free(gone.name);
	g_free(gone.extra);
	return ret < 0 ? set_error(error, ret, q->path, "deleting snapshot") : 0;
}

int qcow2_snapshot_delete(struct blk_image *img, const char *name, GError **error)
{
	return with_tree_locked(img, name, error, snapshot_delete_locked);
}
